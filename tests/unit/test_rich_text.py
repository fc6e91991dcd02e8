"""Staff rich text: the allow-list bleach keeps, and the plain text a reply becomes in a chat message."""

import pytest

from advocacy.rich_text import plain_text, sanitise


@pytest.mark.parametrize(("dirty", "clean"), [
    ('<p onclick="x()">Hi</p>', "<p>Hi</p>"),
    ("<script>alert(1)</script>ok", "alert(1)ok"),
    ('<img src=x onerror="alert(1)">', ""),
    ('<a href="javascript:alert(1)">x</a>', '<a rel="nofollow noopener noreferrer">x</a>'),
    ('<a href="data:text/html,hi">x</a>', '<a rel="nofollow noopener noreferrer">x</a>'),
    ('<a href="https://example.org" target="_blank" style="color:red">x</a>',
     '<a href="https://example.org" rel="nofollow noopener noreferrer">x</a>'),
    ("<iframe src=//evil></iframe><style>p{}</style>", "p{}"),
    ("<b>b</b> <i>i</i> <em>e</em> <strong>s</strong>", "<b>b</b> <i>i</i> <em>e</em> <strong>s</strong>"),
    ("<h1>Big</h1><table><tr><td>cell</td></tr></table>", "Big\ncell"),
    ("see www.childline.org.uk", '<p>see <a href="http://www.childline.org.uk" rel="nofollow noopener noreferrer">'
                                 "www.childline.org.uk</a></p>"),
    ("Fish & chips\n\n3 > 2", "<p>Fish &amp; chips</p><p>3 &gt; 2</p>"),
])
def test_only_the_allowed_subset_is_kept(dirty, clean):
    assert sanitise(dirty) == clean


def test_plain_typed_text_keeps_its_paragraphs_and_lines():
    assert sanitise("Hello Sam,\nsee you soon.\n\nAda") == "<p>Hello Sam,<br>see you soon.</p><p>Ada</p>"
    assert plain_text(sanitise("Hello Sam,\nsee you soon.\n\nAda")) == "Hello Sam,\nsee you soon.\n\nAda"


def test_plain_text_of_rich_text_reads_as_a_message():
    html = sanitise('<p>Hi <strong>Sam</strong>,</p><ol><li>Call <a href="https://x.org/help">this line</a></li>'
                    "<li>Write to me</li></ol><ul><li>any time</li></ul><p>Mail <a href=\"mailto:a@b.org\">"
                    "a@b.org</a></p>")
    assert plain_text(html) == ("Hi Sam,\n\n1. Call this line (https://x.org/help)\n2. Write to me\n\n- any time\n\n"
                                "Mail a@b.org")


def test_plain_text_is_never_markup():
    assert plain_text(sanitise("<p>1 &lt; 2 &amp;&amp; 3 &gt; 2</p>")) == "1 < 2 && 3 > 2"
