"""Render a project's README the way pypi.org does (readme_renderer)."""

import email.message
import json
import subprocess
import sys

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
    try:
        message["Content-Type"] = value
        return message.get_content_type(), dict(message["Content-Type"].params)
    except (ValueError, TypeError, IndexError) as exc:  # line breaks, junk
        raise ReadmeError(f"Invalid description_content_type {value[:100]!r}.") from exc


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
    # Imported here: docutils, Pygments and the Markdown renderer are some
    # 8 MB of a worker's memory, and a worker that only serves reads never
    # renders a README.
    import readme_renderer.markdown
    import readme_renderer.rst
    import readme_renderer.txt

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


# READMEs up to this size render in the request's own process: docutils and
# the Markdown renderer need well under a second for them. Larger ones render
# in a child process with a CPU and memory budget, since their cost grows
# faster than their size (256 KiB of reStructuredText: over 10 s of CPU).
IN_PROCESS_SIZE = 32 * 1024
WORKER_MEMORY = 1024**3


def render_bounded(text, content_type_value, seconds):
    """:func:`render`, within ``seconds`` of CPU and a memory budget; a
    README that needs more is a ReadmeError saying so."""
    if not text or len(text.encode()) <= IN_PROCESS_SIZE:
        return render(text, content_type_value)
    command = [
        sys.executable,
        "-m",
        "cheeseshop.publishing.readme_worker",
        str(seconds),
        str(WORKER_MEMORY),
    ]
    request = json.dumps({"text": text, "content_type": content_type_value})
    try:
        done = subprocess.run(
            command, input=request.encode(), capture_output=True, timeout=seconds * 2 + 5
        )
    except subprocess.TimeoutExpired:
        done = None
    if done is None or done.returncode != 0:
        raise ReadmeError(
            f"The description could not be rendered within {seconds} seconds of CPU and "
            f"{WORKER_MEMORY // 1024**2} MiB: shorten or simplify the README."
        )
    answer = json.loads(done.stdout)
    if "error" in answer:
        raise ReadmeError(answer["error"])
    return answer["html"]
