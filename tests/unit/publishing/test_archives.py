"""The metadata inside a distribution: a wheel's METADATA, an sdist's
PKG-INFO, and the archives that have none."""

import io

import pytest

from cheeseshop.publishing import archives, filenames
from cheeseshop.publishing.errors import InvalidDistribution
from tests import factories


def test_wheel_metadata():
    content = factories.wheel("Demo.Pkg", "1.0")
    parsed = filenames.parse_filename(factories.wheel_filename("Demo.Pkg", "1.0"))
    data = archives.wheel_metadata(io.BytesIO(content), parsed, factories.ARCHIVE_LIMITS)
    assert data == factories.metadata_text("Demo.Pkg", "1.0").encode()
    # A .dist-info folder named with the project's unnormalized name is found too.
    legacy = factories.wheel("Demo.Pkg", "1.0", dist_info_name="Demo.Pkg-1.0")
    assert archives.wheel_metadata(io.BytesIO(legacy), parsed, factories.ARCHIVE_LIMITS) == data


def test_wheel_metadata_rejects_broken_wheels():
    parsed = filenames.parse_filename("demo-1.0-py3-none-any.whl")
    with pytest.raises(InvalidDistribution, match="not a zip archive"):
        archives.wheel_metadata(io.BytesIO(b"not a zip"), parsed, factories.ARCHIVE_LIMITS)
    other = factories.wheel("demo", "2.0")  # its .dist-info is demo-2.0
    with pytest.raises(InvalidDistribution, match="demo-1.0.dist-info/METADATA"):
        archives.wheel_metadata(io.BytesIO(other), parsed, factories.ARCHIVE_LIMITS)
    no_wheel_file = factories.zip_archive(
        {"demo-1.0.dist-info/METADATA": factories.metadata_text("demo", "1.0")}
    )
    with pytest.raises(InvalidDistribution, match="does not contain a WHEEL file"):
        archives.wheel_metadata(io.BytesIO(no_wheel_file), parsed, factories.ARCHIVE_LIMITS)


def test_sdist_pkg_info():
    pkg_info = factories.metadata_text("demo", "1.0", summary="sdist")
    parsed = filenames.parse_filename("demo-1.0.tar.gz")
    assert (
        archives.sdist_pkg_info(
            io.BytesIO(factories.sdist("demo", "1.0", pkg_info)), parsed, factories.ARCHIVE_LIMITS
        )
        == pkg_info.encode()
    )
    zipped = factories.zip_archive({"demo-1.0/PKG-INFO": pkg_info})
    assert (
        archives.sdist_pkg_info(
            io.BytesIO(zipped), filenames.parse_filename("demo-1.0.zip"), factories.ARCHIVE_LIMITS
        )
        == pkg_info.encode()
    )
    with pytest.raises(InvalidDistribution, match=r"not a valid \.tar\.gz"):
        archives.sdist_pkg_info(io.BytesIO(b"not gzip at all"), parsed, factories.ARCHIVE_LIMITS)
    nested = factories.tar_gz({"demo-1.0/sub/PKG-INFO": pkg_info.encode()})
    with pytest.raises(InvalidDistribution, match="has no PKG-INFO at its top level"):
        archives.sdist_pkg_info(io.BytesIO(nested), parsed, factories.ARCHIVE_LIMITS)
