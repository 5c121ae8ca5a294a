"""Copying projects from another index by its simple API (PEP 691 JSON or
PEP 503 HTML), hashes verified.

Each file the project's page lists is downloaded to a temporary file while it
is hashed (never whole in memory), checked against the sha256 the page gives,
and imported as a file from a folder is (:mod:`cheeseshop.maintenance.importing`).
A file the page gives no sha256 for is refused: its bytes could not be
verified. Files the index already holds are recognised by the page's sha256,
before anything is downloaded, so a run that resumes downloads only what is
missing.
"""

import packaging.utils
import urllib3

from cheeseshop.maintenance.importing import ImportReport, Outcome, Result, skip_reason
from cheeseshop.mirror.upstream_client import UpstreamUnavailable
from cheeseshop.publishing import receiving
from cheeseshop.publishing.errors import FileTooLarge


def import_projects(client, importer, names, progress=lambda projects: None) -> ImportReport:
    """Import every file of the projects ``names`` (any spelling) from the
    index ``client`` (an UpstreamClient) reads; ``progress(1)`` after each
    project."""
    report = ImportReport()
    for name in names:
        import_project(client, importer, name, report)
        progress(1)
    return report


def import_project(client, importer, name, report: ImportReport):
    normalized = packaging.utils.canonicalize_name(name, validate=False)
    try:
        answer = client.project_page(normalized)
    except UpstreamUnavailable as exc:
        report.add(Result(Outcome.FAILED, name, f"its page could not be read: {exc}"))
        return
    if answer.missing:
        report.add(Result(Outcome.FAILED, name, f"no such project on {client.index_url}"))
        return
    for upstream_file in answer.page.files:
        import_upstream_file(client, importer, upstream_file, report)


def import_upstream_file(client, importer, upstream_file, report: ImportReport):
    filename = upstream_file.filename
    reason = skip_reason(filename)
    if reason is not None:
        report.add(Result(Outcome.SKIPPED, filename, reason))
        return
    if upstream_file.sha256 is None:
        report.add(
            Result(
                Outcome.FAILED,
                filename,
                "the index's page gives no sha256 for it, so its bytes cannot be verified",
            )
        )
        return
    known = importer.known_sha256(filename)
    if known is not None:
        # Decided by the page's sha256: nothing to download.
        report.add(
            importer.already_there(
                filename, known, upstream_file.sha256, filename, upstream_file.yanked
            )
        )
        return
    max_size = importer.limits.max_file_size
    if upstream_file.size is not None and upstream_file.size > max_size:
        report.add(Result(Outcome.FAILED, filename, receiving.file_too_large_message(max_size)))
        return
    try:
        received = download(client, upstream_file.url, max_size)
    except (UpstreamUnavailable, FileTooLarge) as exc:
        report.add(Result(Outcome.FAILED, filename, str(exc)))
        return
    try:
        if received.sha256 != upstream_file.sha256:
            report.add(
                Result(
                    Outcome.FAILED,
                    filename,
                    f"sha256 mismatch: the index's page says {upstream_file.sha256}, the "
                    f"bytes downloaded have {received.sha256}; nothing kept",
                )
            )
            return
        importer.import_received(received, filename, filename, report, upstream_file.yanked)
    finally:
        received.close()  # the temporary file goes with it


def download(client, url, max_size) -> receiving.ReceivedFile:
    """The file at ``url`` in a temporary file, hashed on the way."""
    response = client.open_file(url)
    try:
        return receiving.receive(response, max_size)
    except urllib3.exceptions.HTTPError as exc:
        # The connection is in an unknown state: not reused.
        response.close()
        raise UpstreamUnavailable(f"{url}: the download broke off ({exc})") from None
    except BaseException:
        response.close()
        raise
    finally:
        response.release_conn()
