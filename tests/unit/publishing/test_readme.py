"""READMEs rendered as pypi.org renders them, and refused as it refuses them."""

import pytest

from cheeseshop.publishing import readme


@pytest.mark.parametrize(
    "content_type, html",
    [
        (None, "<p>Hello <em>world</em></p>\n"),  # reStructuredText by default
        ("text/x-rst", "<p>Hello <em>world</em></p>\n"),
        ("text/x-rst; charset=UTF-8", "<p>Hello <em>world</em></p>\n"),
        ("text/markdown", "<p>Hello <em>world</em></p>\n"),
        ("text/markdown; variant=CommonMark", "<p>Hello <em>world</em></p>\n"),
        ("text/markdown; charset=UTF-8; variant=GFM", "<p>Hello <em>world</em></p>\n"),
        ("text/plain", "Hello *world*"),
    ],
)
def test_render(content_type, html):
    assert readme.render("Hello *world*", content_type) == html


def test_render_variants_differ():
    assert readme.render("~~gone~~", "text/markdown") == "<p><del>gone</del></p>\n"
    assert readme.render("~~gone~~", "text/markdown; variant=CommonMark") == "<p>~~gone~~</p>\n"


def test_render_escapes_html():
    assert readme.render("a <b> & c\nd", "text/plain") == "a &lt;b&gt; &amp; c<br>d"
    markdown = readme.render("Hi <script>alert(1)</script>", "text/markdown")
    assert "<script>" not in markdown
    assert "&lt;script&gt;" in markdown


def test_no_description_renders_nothing():
    assert readme.render(None, "text/markdown") is None
    assert readme.render("", None) is None


def test_rst_that_does_not_render_is_refused():
    broken = ".. raw:: html\n\n   <script>alert(1)</script>\n"
    with pytest.raises(readme.ReadmeError) as declared:
        readme.render(broken, "text/x-rst")
    assert str(declared.value) == (
        "The description failed to render for 'text/x-rst'. "
        "Check it with 'twine check' before uploading."
    )
    with pytest.raises(readme.ReadmeError) as default:
        readme.render(broken, None)
    assert "failed to render in the default format of reStructuredText" in str(default.value)
    # The same text is fine as Markdown or plain text.
    assert readme.render(broken, "text/markdown") is not None
    assert readme.render(broken, "text/plain") is not None


def test_parse_content_type():
    assert readme.parse_content_type(None) == ("text/x-rst", {})
    assert readme.parse_content_type("") == ("text/x-rst", {})
    assert readme.parse_content_type("Text/Markdown; charset=UTF-8; variant=GFM") == (
        "text/markdown",
        {"charset": "UTF-8", "variant": "GFM"},
    )


@pytest.mark.parametrize(
    "value",
    [
        "text/x-rst",
        "text/markdown",
        "text/plain",
        "text/markdown; charset=utf-8; variant=GFM",
        "text/markdown; variant=CommonMark",
        None,
    ],
)
def test_check_content_type_accepts(value):
    readme.check_content_type(value)


@pytest.mark.parametrize(
    "value, message",
    [
        ("text/html", "use one of text/x-rst, text/markdown, text/plain"),
        ("application/json", "use one of"),
        ("text/markdown; charset=latin-1", "the only charset is UTF-8"),
        ("text/markdown; variant=Foo", "the Markdown variant must be GFM or CommonMark"),
    ],
)
def test_check_content_type_refuses(value, message):
    with pytest.raises(readme.ReadmeError) as raised:
        readme.check_content_type(value)
    assert str(raised.value).startswith(f"Invalid description_content_type {value!r}: ")
    assert message in str(raised.value)
