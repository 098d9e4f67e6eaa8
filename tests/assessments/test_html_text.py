"""HTML and Moodle's auto-format as question text: paragraphs, lines, no tags."""

import pytest

from assessments.html_text import html_to_text, moodle_to_text


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>a</p><p>b</p>", "a\n\nb"),
        ("<div>Stop.</div><h2>Then</h2><blockquote>search</blockquote>", "Stop.\n\nThen\n\nsearch"),
        ("Line one<br>line two<br/>line three", "Line one\nline two\nline three"),
        ("a<br><br>b", "a\n\nb"),
        ("a<br><br><br><br>b", "a\n\nb"),
        ("<p>a<br></p><p>b</p>", "a\n\nb"),
        ("<br><p>lead</p><br>", "lead"),
        ("a</br>b", "a\nb"),
        ("Rights:<ul><li>silence</li><li>a lawyer</ul>Then", "Rights:\n\n- silence\n- a lawyer\n\nThen"),
        ("<ol><li>warn<li>wait<li>act</ol>", "1. warn\n2. wait\n3. act"),
        ("<ul><li>a<ol><li>b</li><li>c</li></ol></li><li>d</li></ul>", "- a\n  1. b\n  2. c\n- d"),
        ("<ol><li>a</li></ol><ol><li>b</li></ol>", "1. a\n\n1. b"),
        (
            "<table><tr><th>Rank</th><th>Code</th></tr><tr><td>Sergeant</td><td>SGT</td></tr></table>",
            "Rank Code\nSergeant SGT",
        ),
        ("x &amp; y &lt;b&gt; &quot;q&quot; caf&eacute; &#1575;&#x628;", 'x & y <b> "q" café اب'),
        ("a&nbsp;&nbsp;b", "a b"),
        ("<script>alert(1)</script>kept<style>p { color: red }</style>", "kept"),
        ("<template><p>hidden</p></template>shown", "shown"),
        ("<p>Use <b>only</b> <em>necessary</em> force.</p>", "Use only necessary force."),
        ('<a href="https://example.org">the law</a> <img src="x.png" alt="chart">', "the law"),
        ("<!-- a note -->text", "text"),
        ("<P>Upper</P><DIV>case</DIV>", "Upper\n\ncase"),
        ("  <p>  spaced\n   out\ttext  </p>  ", "spaced out text"),
        ("<pre>  kept\n    as is</pre>after", "  kept\n    as is\n\nafter"),
        ("a < b and c > d", "a < b and c > d"),
        ("plain text", "plain text"),
        ("", ""),
    ],
)
def test_html_becomes_paragraphs_and_lines_without_tags(html, text):
    assert html_to_text(html) == text


@pytest.mark.parametrize(
    ("moodle", "text"),
    [
        ("Line one\nLine two", "Line one\nLine two"),
        ("First\n\nSecond", "First\n\nSecond"),
        ("<p>a</p>\n<p>b</p>", "a\n\nb"),
        ("Read\n<b>this</b>\nnow", "Read this now"),
        ("<b>a</b> <i>b</i>", "ab"),
        ("5 &lt; 6 &amp; R&D", "5 < 6 & R&D"),
        ("Windows\r\nline", "Windows\nline"),
    ],
)
def test_moodle_auto_format_keeps_line_breaks_and_renders_its_html(moodle, text):
    assert moodle_to_text(moodle) == text


def test_self_closed_elements_hide_nothing_after_them():
    assert html_to_text("a<br/>b<hr/>c<script/>d<ul/>e") == "a\nb\n\ncde"
