"""Lesson bodies: Markdown rendered to HTML that is safe to show (allow-listed tags, attributes and URL schemes).

Authors place a lesson's attachments with ``![description](attachment:12)`` (an image) or
``[title](attachment:12)`` (a link). The reference is resolved to the attachment's URL
while the Markdown is rendered, before the sanitiser runs, so the ``attachment:`` scheme is
never in the sanitiser's allow-list.
"""

import re
import xml.etree.ElementTree as etree
from collections.abc import Collection
from html.parser import HTMLParser

import markdown
import nh3
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

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

ATTACHMENT_REFERENCE = re.compile(r"^attachment:(\d+)$")
_LIST_ITEM = re.compile(r"^(?P<indent> *)(?:(?P<bullet>[-*+])|\d+[.)])[ \t]+\S")


class _ListSeparator(Preprocessor):
    """A numbered list right after a bulleted one (or the reverse) starts a new list.

    Without a blank line between them, Markdown reads the second list's first line as the
    continuation of the last item (``sane_lists`` separates them only after a blank line).
    Runs after fenced code is stashed, so code blocks are left alone.
    """

    def run(self, lines: list[str]) -> list[str]:
        result: list[str] = []
        last_item: tuple[int, bool] | None = None  # (indent, is bulleted) of the list being read
        for line in lines:
            if not line.strip():
                last_item = None
            elif match := _LIST_ITEM.match(line):
                item = (len(match["indent"]), match["bullet"] is not None)
                if last_item is not None and last_item[0] == item[0] and last_item[1] != item[1]:
                    result.append("")
                last_item = item
            result.append(line)
        return result


class _AttachmentResolver(Treeprocessor):
    """Replaces ``attachment:<id>`` in image sources and link targets with the attachment's
    URL when the id is one of ``attachment_ids``; collects the others as ``unknown``."""

    def __init__(self, md: markdown.Markdown, attachment_ids: Collection[int]) -> None:
        super().__init__(md)
        self.attachment_ids = attachment_ids
        self.unknown: list[str] = []

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            attribute = {"img": "src", "a": "href"}.get(element.tag)
            if attribute is None:
                continue
            match = ATTACHMENT_REFERENCE.match((element.get(attribute) or "").strip())
            if match is None:
                continue
            if int(match[1]) in self.attachment_ids:
                element.set(attribute, reverse("lesson-attachment", args=[int(match[1])]))
            else:
                self.unknown.append(match[1])
                element.set(attribute, "")


class _AttachmentExtension(Extension):
    def __init__(self, attachment_ids: Collection[int]) -> None:
        super().__init__()
        self.attachment_ids = attachment_ids
        self.resolver: _AttachmentResolver | None = None

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.register(_ListSeparator(md), "list_separator", 15)
        self.resolver = _AttachmentResolver(md, self.attachment_ids)
        md.treeprocessors.register(self.resolver, "attachments", 5)


class _ImagesWithoutDescription(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img" and not (dict(attrs).get("alt") or "").strip():
            self.count += 1


def _render(text: str, attachment_ids: Collection[int]) -> tuple[str, list[str]]:
    extension = _AttachmentExtension(attachment_ids)
    html = markdown.markdown(text, extensions=["tables", "fenced_code", "sane_lists", extension], output_format="html")
    assert extension.resolver is not None
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return cleaned, extension.resolver.unknown


def markdown_render(text: str, *, attachment_ids: Collection[int] = ()) -> str:
    """Markdown -> HTML that is safe to show: only the tags, attributes and URL schemes above.

    Raw HTML in the Markdown is allowed through the renderer and then cleaned, so script
    (with its content), event handlers, style attributes and javascript: links never survive.
    ``attachment:<id>`` references to ``attachment_ids`` become the attachments' URLs; any
    other is left empty (``lesson_body_render`` refuses them instead).
    """
    return _render(text, attachment_ids)[0]


def lesson_body_render(text: str, *, attachment_ids: Collection[int]) -> str:
    """``markdown_render`` for a lesson body, refusing (``ValidationError`` on ``body``) a
    reference to an attachment not in ``attachment_ids`` (the lesson's own) and an image
    without a description (its alt text)."""
    html, unknown = _render(text, attachment_ids)
    problems = []
    if unknown:
        problems.append(
            ValidationError(
                _(
                    "This lesson has no attachment %(references)s: upload the file on this page "
                    "and copy the reference shown beside it."
                ),
                code="unknown_attachment",
                params={"references": ", ".join(f"attachment:{reference}" for reference in unknown)},
            )
        )
    images = _ImagesWithoutDescription()
    images.feed(html)
    if images.count:
        problems.append(
            ValidationError(
                _("Describe the image for people who cannot see it: ![description](...)"), code="image_without_alt"
            )
        )
    if problems:
        raise ValidationError({"body": problems})
    return html


_ATTACHMENT_SOURCE = re.compile(r"""<img\b[^>]*?\bsrc="([^"]*)\"""")


def attachment_ids_shown(html: str) -> frozenset[int]:
    """Ids of the attachments that rendered ``html`` shows as images (so a page lists them only once)."""
    prefix = reverse("lesson-attachment", args=[0]).removesuffix("0/")
    ids = set()
    for source in _ATTACHMENT_SOURCE.findall(html):
        if source.startswith(prefix) and source[len(prefix) :].rstrip("/").isdigit():
            ids.add(int(source[len(prefix) :].rstrip("/")))
    return frozenset(ids)


def attachment_ids_referenced(text: str) -> frozenset[int]:
    """Ids of the attachments that Markdown ``text`` refers to (``attachment:<id>``)."""
    return frozenset(int(found) for found in re.findall(r"\]\(\s*<?attachment:(\d+)", text))
