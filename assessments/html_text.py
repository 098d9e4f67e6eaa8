"""HTML (and Moodle's auto-format) as the platform's question text: paragraphs and lines.

Question texts are shown as text with paragraphs (a blank line between two) and line
breaks, never as HTML, so an imported ``<p>a</p><p>b</p>`` must become ``"a\\n\\nb"``:

- ``<p>``, ``<div>``, headings, ``<blockquote>``, ``<pre>``, tables and the other block
  elements are paragraphs; ``<br>`` is a line break (two in a row: a paragraph break);
- ``<li>`` is a line ``- item``, or ``1. item`` inside ``<ol>``, indented two spaces per
  level of nesting; a table row is a line and its cells are separated by a space;
- entities are decoded; ``<script>``, ``<style>`` and ``<template>`` lose their content;
  every other tag is removed and its text kept (so emphasis is lost: the platform does
  not render Markdown in question texts);
- whitespace runs (the no-break space included) are one space, except inside ``<pre>``.

``moodle_to_text`` first does what Moodle's ``text_to_html`` does to its default
"Moodle auto-format" (whitespace between tags removed, a line break next to a tag made
a space, every other line break kept), then converts the HTML.
"""

import re
from html.parser import HTMLParser

# Elements whose start and end separate paragraphs.
BLOCKS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "caption",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "main",
        "nav",
        "p",
        "pre",
        "section",
        "summary",
        "table",
    }
)
HIDDEN = frozenset({"script", "style", "template"})
LISTS = frozenset({"ul", "ol"})
LINE, PARAGRAPH = 1, 2
WHITESPACE = re.compile(r"[ \t\n\r\f\u00a0]+")
BETWEEN_TAGS = re.compile(r">\s+<")
NEWLINE_BEFORE_TAG = re.compile(r"[\n\r]<")
NEWLINE_AFTER_TAG = re.compile(r">[\n\r]")
NEWLINE = re.compile(r"\r\n|\n|\r")


class _TextParser(HTMLParser):
    """Collects the text of a document as pieces and the breaks between them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        # ("text", words), ("raw", kept as written), or ("break", LINE or PARAGRAPH).
        self.pieces: list[tuple[str, str | int]] = []
        self.hidden_depth = 0
        self.pre_depth = 0
        # One [is_ordered, items so far] per open list, innermost last.
        self.lists: list[list] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in HIDDEN:
            self.hidden_depth += 1
        elif tag == "br":
            self.pieces.append(("br", LINE))
        elif tag in LISTS:
            self._break(LINE if self.lists else PARAGRAPH)
            self.lists.append([tag == "ol", 0])
        elif tag == "li":
            self._break(LINE)
            marker = "- "
            if self.lists:
                self.lists[-1][1] += 1
                if self.lists[-1][0]:
                    marker = f"{self.lists[-1][1]}. "
            self.pieces.append(("raw", "  " * max(len(self.lists) - 1, 0) + marker))
        elif tag == "tr":
            self._break(LINE)
        elif tag in ("td", "th"):
            self.pieces.append(("text", " "))
        elif tag in BLOCKS:
            self._break(PARAGRAPH)
            if tag == "pre":
                self.pre_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN:
            self.hidden_depth = max(self.hidden_depth - 1, 0)
        elif tag == "br":  # browsers read </br> as <br>
            self.pieces.append(("br", LINE))
        elif tag in LISTS:
            if self.lists:
                self.lists.pop()
            self._break(LINE if self.lists else PARAGRAPH)
        elif tag in ("li", "tr"):
            self._break(LINE)
        elif tag in BLOCKS:
            self._break(PARAGRAPH)
            if tag == "pre":
                self.pre_depth = max(self.pre_depth - 1, 0)

    def handle_startendtag(self, tag: str, attrs) -> None:
        # "<br/>" is one line break, not a start and an end; a self-closed element holds nothing.
        if tag == "br":
            self.handle_starttag(tag, attrs)
        elif tag in BLOCKS:
            self._break(PARAGRAPH)

    def handle_data(self, data: str) -> None:
        if not self.hidden_depth:
            self.pieces.append(("raw" if self.pre_depth else "text", data))

    def _break(self, strength: int) -> None:
        self.pieces.append(("break", strength))


def html_to_text(html: str) -> str:
    """The text of an HTML fragment, in paragraphs and lines (see the module docstring)."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    return _assemble(parser.pieces)


def moodle_to_text(text: str) -> str:
    """The text of Moodle's auto-format (its default: HTML allowed, line breaks kept)."""
    text = BETWEEN_TAGS.sub("><", text)
    text = NEWLINE_BEFORE_TAG.sub(" <", text)
    text = NEWLINE_AFTER_TAG.sub("> ", text)
    return html_to_text(NEWLINE.sub("<br>", text))


def _assemble(pieces: list[tuple[str, str | int]]) -> str:
    """Join text pieces: breaks before any text or after the last are dropped, a block
    boundary is at least a paragraph break, each ``<br>`` adds a line (two at most), and
    spaces never start or end a line."""
    output: list[str] = []
    pending = 0
    for kind, value in pieces:
        if isinstance(value, int):  # a "break" (its strength) or a "br"
            pending = max(pending, value) if kind == "break" else min(pending + 1, PARAGRAPH)
            continue
        text = WHITESPACE.sub(" ", value) if kind == "text" else value
        at_line_start = not output or output[-1].endswith("\n") or bool(pending)
        if kind == "text" and (at_line_start or output[-1].endswith(" ")):
            text = text.lstrip(" ")
        if not text:
            continue
        if pending and output:
            output[-1] = output[-1].rstrip(" ")
            output.append("\n" * pending)
        pending = 0
        output.append(text)
    return "\n".join(line.rstrip(" ") for line in "".join(output).split("\n")).strip("\n")
