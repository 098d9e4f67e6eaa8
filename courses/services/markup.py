"""Lesson bodies: Markdown rendered to HTML that is safe to show (allow-listed tags, attributes and URL schemes)."""

import markdown
import nh3

ALLOWED_TAGS = {
    "p",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "a",
    "blockquote",
    "code",
    "pre",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "img",
    "br",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt"}}
# Relative URLs pass as well (nh3's default); every other scheme, javascript: and data: included, is dropped.
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def markdown_render(text: str) -> str:
    """Markdown -> HTML that is safe to show: only the tags, attributes and URL schemes above.

    Raw HTML in the Markdown is allowed through the renderer and then cleaned, so script
    (with its content), event handlers, style attributes and javascript: links never survive.
    """
    html = markdown.markdown(text, extensions=["tables", "fenced_code"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
