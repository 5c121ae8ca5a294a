"""Render a project's README the way pypi.org does (readme_renderer)."""

import email.message

import readme_renderer.markdown
import readme_renderer.rst
import readme_renderer.txt

RST = "text/x-rst"
MARKDOWN = "text/markdown"
PLAIN = "text/plain"
CONTENT_TYPES = (RST, MARKDOWN, PLAIN)
MARKDOWN_VARIANTS = ("GFM", "CommonMark")


class ReadmeError(ValueError):
    pass


def parse_content_type(value):
    """(media type, params) of a Description-Content-Type; RST when absent."""
    if not value:
        return RST, {}
    message = email.message.EmailMessage()
    message["Content-Type"] = value
    return message.get_content_type(), dict(message["Content-Type"].params)


def check_content_type(value):
    content_type, params = parse_content_type(value)
    if content_type not in CONTENT_TYPES:
        raise ReadmeError(
            f"Invalid description_content_type {value!r}: use one of {', '.join(CONTENT_TYPES)}."
        )
    charset = params.get("charset", "UTF-8")
    if charset.upper() != "UTF-8":
        raise ReadmeError(f"Invalid description_content_type {value!r}: the only charset is UTF-8.")
    variant = params.get("variant")
    if content_type == MARKDOWN and variant and variant not in MARKDOWN_VARIANTS:
        raise ReadmeError(
            f"Invalid description_content_type {value!r}: the Markdown variant must be "
            f"{' or '.join(MARKDOWN_VARIANTS)}."
        )


def render(text, content_type_value):
    """The README as safe HTML; ReadmeError when an RST README does not render
    (pypi.org refuses those too, declared or by default)."""
    if not text:
        return None
    content_type, params = parse_content_type(content_type_value)
    if content_type == MARKDOWN:
        return readme_renderer.markdown.render(text, variant=params.get("variant", "GFM"))
    if content_type == PLAIN:
        return readme_renderer.txt.render(text)
    rendered = readme_renderer.rst.render(text)
    if rendered is None:
        where = (
            "for 'text/x-rst'"
            if content_type_value
            else "in the default format of reStructuredText"
        )
        raise ReadmeError(
            f"The description failed to render {where}. "
            "Check it with 'twine check' before uploading."
        )
    return rendered
