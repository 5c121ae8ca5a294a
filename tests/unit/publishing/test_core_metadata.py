"""What an uploaded distribution is: filename, bytes, metadata; no HTTP, no
database."""

import hashlib
import io
import tarfile
import zipfile

import packaging.version
import pytest

from cheeseshop.publishing import archives, core_metadata, errors, filenames, receiving
from cheeseshop.publishing.errors import InvalidDistribution
from tests import factories


def form(**fields):
    """A ``getall`` over form fields, as the upload view passes it."""
    values = {k: v if isinstance(v, list) else [v] for k, v in fields.items()}
    return lambda key: values.get(key, [])


@pytest.mark.parametrize(
    "filename, packagetype, name, version, python_version",
    [
        ("demo-1.0.tar.gz", "sdist", "demo", "1.0", "source"),
        ("demo_pkg-1.0.tar.gz", "sdist", "demo-pkg", "1.0", "source"),  # PEP 625
        ("Demo.Pkg-2.0rc1.tar.gz", "sdist", "demo-pkg", "2.0rc1", "source"),  # legacy name
        ("demo-pkg-1.0.post1.tar.gz", "sdist", "demo-pkg", "1.0.post1", "source"),
        ("demo-1.0.zip", "sdist", "demo", "1.0", "source"),
        ("demo-1.0-py3-none-any.whl", "bdist_wheel", "demo", "1.0", "py3"),
        ("demo-1.0-py2.py3-none-any.whl", "bdist_wheel", "demo", "1.0", "py2.py3"),
        ("demo_pkg-1.0-1-cp311-cp311-manylinux_2_17_x86_64.whl", "bdist_wheel", "demo-pkg",
         "1.0", "cp311"),
    ],
)
def test_parse_filename(filename, packagetype, name, version, python_version):
    parsed = filenames.parse_filename(filename)
    assert parsed.filename == filename
    assert parsed.packagetype == packagetype
    assert parsed.name == name
    assert parsed.version == packaging.version.Version(version)
    assert parsed.python_version == python_version


@pytest.mark.parametrize(
    "filename, message",
    [
        ("", "must not contain a path"),
        ("..", "must not contain a path"),
        ("../demo-1.0.tar.gz", "must not contain a path"),
        ("dist/demo-1.0-py3-none-any.whl", "must not contain a path"),
        ("dist\\demo-1.0-py3-none-any.whl", "must not contain a path"),
        ("demo-1.0.exe", "Invalid file extension in 'demo-1.0.exe'"),
        ("demo-1.0-py3.11.egg", "Invalid file extension"),
        ("demo-1.0.tar.bz2", "Invalid file extension"),
        ("demo-1.0.tgz", "Invalid file extension"),
        ("demo.tar.gz", "Invalid sdist filename 'demo.tar.gz'"),
        ("demo-one.tar.gz", "Invalid sdist filename"),
        ("demo-1.0.whl", "Invalid wheel filename 'demo-1.0.whl'"),
        ("demo-x.y-py3-none-any.whl", "Invalid wheel filename"),
    ],
)
def test_parse_filename_rejects(filename, message):
    with pytest.raises(InvalidDistribution) as raised:
        filenames.parse_filename(filename)
    assert message in str(raised.value)


def test_receive_copies_and_hashes():
    data = bytes(range(256)) * 9000  # more than one copy chunk
    received = receiving.receive(io.BytesIO(data), max_size=len(data))
    try:
        assert received.size == len(data)
        assert received.md5 == hashlib.md5(data).hexdigest()
        assert received.sha256 == hashlib.sha256(data).hexdigest()
        assert received.blake2_256 == hashlib.blake2b(data, digest_size=32).hexdigest()
        assert received.file.read() == data
    finally:
        received.close()


def test_receive_stops_at_the_limit():
    with pytest.raises(errors.FileTooLarge) as raised:
        receiving.receive(io.BytesIO(b"x" * 1001), max_size=1000)
    assert str(raised.value).startswith("File too large. Limit is 1000 bytes")
    with pytest.raises(errors.FileTooLarge) as raised:
        receiving.receive(io.BytesIO(b"x" * 20), max_size=10)
    assert "10 bytes" in str(raised.value)


def test_file_too_large_message_names_the_limit():
    assert receiving.file_too_large_message(1024**3) == (
        "File too large. Limit is 1 GiB (1073741824 bytes)."
    )
    assert receiving.file_too_large_message(100 * 1024 * 1024) == (
        "File too large. Limit is 100 MiB (104857600 bytes)."
    )
    assert receiving.file_too_large_message(1536) == (
        "File too large. Limit is 1.5 KiB (1536 bytes)."
    )


def test_check_digests():
    data = b"some distribution"
    received = receiving.receive(io.BytesIO(data), max_size=100)
    md5 = hashlib.md5(data).hexdigest()
    sha256 = hashlib.sha256(data).hexdigest()
    blake2 = hashlib.blake2b(data, digest_size=32).hexdigest()
    receiving.check_digests(received, md5=md5)
    receiving.check_digests(received, sha256=sha256.upper())
    receiving.check_digests(received, md5=md5, sha256=sha256, blake2_256=blake2)
    with pytest.raises(InvalidDistribution, match="Include at least one message digest"):
        receiving.check_digests(received)
    with pytest.raises(InvalidDistribution, match="Include at least one message digest"):
        receiving.check_digests(received, md5="", sha256="")
    for wrong in ({"md5": "0" * 32}, {"sha256": sha256, "blake2_256": "0" * 64}):
        with pytest.raises(InvalidDistribution, match="does not match"):
            receiving.check_digests(received, **wrong)
    received.close()


def test_metadata_from_form():
    metadata = core_metadata.metadata_from_form(
        form(
            metadata_version="2.1",
            name="Demo",
            version="1.0",
            summary="A demo",
            author="UNKNOWN",  # distutils' placeholder: not given
            keywords=["a, b", "c"],
            classifiers=["Programming Language :: Python :: 3"],
            requires_dist=["packaging>=24", 'pytest; extra == "test"'],
            provides_extra="test",
            project_urls=["Homepage, https://example.org", "Docs,https://example.org/docs"],
            requires_python=">=3.9",
            platform="UNKNOWN",
        )
    )
    assert metadata.name == "Demo"
    assert metadata.version == packaging.version.Version("1.0")
    assert metadata.summary == "A demo"
    assert metadata.author is None
    assert metadata.platforms is None
    assert metadata.keywords == ["a", "b", "c"]
    assert metadata.classifiers == ["Programming Language :: Python :: 3"]
    assert [str(r) for r in metadata.requires_dist] == ["packaging>=24", 'pytest; extra == "test"']
    assert metadata.provides_extra == ["test"]
    assert metadata.project_urls == {"Homepage": "https://example.org", "Docs": "https://example.org/docs"}
    assert str(metadata.requires_python) == ">=3.9"


def test_metadata_1_0_with_1_1_fields_is_read_as_1_1():
    metadata = core_metadata.metadata_from_form(
        form(metadata_version="1.0", name="old", version="0.1",
             classifiers="Programming Language :: Python :: 3", download_url="UNKNOWN")
    )
    assert metadata.metadata_version == "1.1"
    assert metadata.classifiers == ["Programming Language :: Python :: 3"]
    plain = core_metadata.metadata_from_form(form(metadata_version="1.0", name="old", version="0.1"))
    assert plain.metadata_version == "1.0"


def test_metadata_2_4_and_2_5_fields():
    metadata = core_metadata.metadata_from_form(
        form(metadata_version="2.5", name="new", version="1", license_expression="MIT",
             license_file=["LICENSE"], import_name=["new"], dynamic=["Requires-Dist"])
    )
    assert metadata.license_expression == "MIT"
    assert metadata.license_files == ["LICENSE"]
    assert metadata.import_names == ["new"]
    assert metadata.dynamic == ["requires-dist"]


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"metadata_version": None}, "'metadata_version' is a required field."),
        ({"metadata_version": "9.9"}, "'9.9' is not a valid metadata version"),
        ({"requires_dist": "foo >>> 1"}, "'foo >>> 1' is invalid"),
        ({"license_expression": "MIT", "metadata_version": "2.1"}, "license-expression"),
        ({"project_urls": "just a url https://example.org"}, "is not 'Label, URL'"),
        ({"classifiers": "Not :: A :: Classifier"},
         "Classifier 'Not :: A :: Classifier' is not a valid classifier."),
        ({"classifiers": "License :: OSI Approved :: Intel Open Source License"},
         "has been deprecated"),
    ],
)
def test_metadata_from_form_rejects(fields, message):
    given = {"metadata_version": "2.1", "name": "demo", "version": "1.0", **fields}
    given = {k: v for k, v in given.items() if v is not None}
    with pytest.raises(InvalidDistribution) as raised:
        core_metadata.metadata_from_form(form(**given))
    assert message in str(raised.value)


def test_metadata_from_file():
    text = factories.metadata_text("demo", "1.0", summary="From the file")
    metadata = core_metadata.metadata_from_file(text.encode(), "PKG-INFO")
    assert (metadata.name, str(metadata.version), metadata.summary) == ("demo", "1.0", "From the file")
    with pytest.raises(InvalidDistribution, match="Invalid PKG-INFO"):
        core_metadata.metadata_from_file(b"Metadata-Version: 2.1\nName: demo\n", "PKG-INFO")


def test_wheel_metadata():
    content = factories.wheel("Demo.Pkg", "1.0")
    parsed = filenames.parse_filename(factories.wheel_filename("Demo.Pkg", "1.0"))
    data = archives.wheel_metadata(io.BytesIO(content), parsed)
    assert data == factories.metadata_text("Demo.Pkg", "1.0").encode()
    # A .dist-info folder named with the project's unnormalized name is found too.
    legacy = factories.wheel("Demo.Pkg", "1.0", dist_info_name="Demo.Pkg-1.0")
    assert archives.wheel_metadata(io.BytesIO(legacy), parsed) == data


def test_wheel_metadata_rejects_broken_wheels():
    parsed = filenames.parse_filename("demo-1.0-py3-none-any.whl")
    with pytest.raises(InvalidDistribution, match="is not a zip archive"):
        archives.wheel_metadata(io.BytesIO(b"not a zip"), parsed)
    other = factories.wheel("demo", "2.0")  # its .dist-info is demo-2.0
    with pytest.raises(InvalidDistribution, match="demo-1.0.dist-info/METADATA"):
        archives.wheel_metadata(io.BytesIO(other), parsed)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("demo-1.0.dist-info/METADATA", factories.metadata_text("demo", "1.0"))
    with pytest.raises(InvalidDistribution, match="does not contain a WHEEL file"):
        archives.wheel_metadata(io.BytesIO(buffer.getvalue()), parsed)


def test_sdist_pkg_info():
    pkg_info = factories.metadata_text("demo", "1.0", summary="sdist")
    parsed = filenames.parse_filename("demo-1.0.tar.gz")
    assert archives.sdist_pkg_info(io.BytesIO(factories.sdist("demo", "1.0", pkg_info)),
                                        parsed) == pkg_info.encode()
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("demo-1.0/PKG-INFO", pkg_info)
    assert archives.sdist_pkg_info(
        io.BytesIO(zipped.getvalue()), filenames.parse_filename("demo-1.0.zip")
    ) == pkg_info.encode()
    with pytest.raises(InvalidDistribution, match="is not a valid archive"):
        archives.sdist_pkg_info(io.BytesIO(b"not gzip at all"), parsed)
    nested = io.BytesIO()
    with tarfile.open(fileobj=nested, mode="w:gz") as archive:
        data = pkg_info.encode()
        info = tarfile.TarInfo("demo-1.0/sub/PKG-INFO")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    with pytest.raises(InvalidDistribution, match="has no PKG-INFO at its top level"):
        archives.sdist_pkg_info(io.BytesIO(nested.getvalue()), parsed)
