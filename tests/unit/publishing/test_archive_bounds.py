"""Archive inspection trusts nothing an archive says about itself: bombs,
floods of members, ZIP confusion and duplicate metadata are refused quickly
and in bounded memory."""

import io
import resource
import struct
import tarfile
import time
import zipfile
import zlib

import pytest

from cheeseshop.publishing.archives import ArchiveLimits, sdist_pkg_info, wheel_metadata
from cheeseshop.publishing.errors import InvalidDistribution
from cheeseshop.publishing.filenames import parse_filename
from tests import factories

LIMITS = ArchiveLimits(max_members=1000, max_inflated_size=64 * 1024**2, max_metadata_size=1024**2)
WHEEL = parse_filename("demo-1.0-py3-none-any.whl")
SDIST = parse_filename("demo-1.0.tar.gz")
ZIP_SDIST = parse_filename("demo-1.0.zip")


def refused(function, data, filename, message, limits=LIMITS):
    """Assert the archive is refused with ``message``, in well under a
    second and without growing the process by more than 50 MB."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    with pytest.raises(InvalidDistribution) as raised:
        function(io.BytesIO(data), filename, limits)
    elapsed = time.monotonic() - started
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert message in str(raised.value)
    assert elapsed < 2, elapsed
    assert grown_mb < 50, grown_mb


def zip_bytes(members, compression=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def tar_header(name, size, kind=b"0"):
    info = tarfile.TarInfo(name)
    info.size = size
    info.type = kind
    return info.tobuf(format=tarfile.USTAR_FORMAT)


def test_a_valid_wheel_and_sdists_still_read():
    assert wheel_metadata(io.BytesIO(factories.wheel("demo", "1.0")), WHEEL, LIMITS).startswith(
        b"Metadata-Version"
    )
    assert sdist_pkg_info(io.BytesIO(factories.sdist("demo", "1.0")), SDIST, LIMITS).startswith(
        b"Metadata-Version"
    )
    zip_sdist = zip_bytes(
        [("demo-1.0/PKG-INFO", factories.metadata_text("demo", "1.0")), ("demo-1.0/setup.py", "")]
    )
    assert sdist_pkg_info(io.BytesIO(zip_sdist), ZIP_SDIST, LIMITS).startswith(b"Metadata-Version")


def test_metadata_that_inflates_past_its_limit():
    # 1 GiB of newlines deflates to 1 MB; whatever the header claims, only
    # the limit is inflated.
    newlines = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = newlines.compress(b"\n" * 1024**2) + newlines.flush(zlib.Z_FULL_FLUSH)
    honest = _zip_with_raw_member("demo-1.0.dist-info/METADATA", chunk * 1024, claimed_size=1024**3)
    assert len(honest) < 2 * 1024**2
    refused(wheel_metadata, honest, WHEEL, "'demo-1.0.dist-info/METADATA' is larger than 1 MiB")
    lying = _zip_with_raw_member("demo-1.0.dist-info/METADATA", chunk * 1024, claimed_size=100)
    refused(
        wheel_metadata, lying, WHEEL, "'demo-1.0.dist-info/METADATA' cannot be read (Bad CRC-32"
    )
    # bzip2 packs 64 MiB into a few hundred bytes, and zipfile inflates it
    # without bounds: refused before reading.
    sdist = zip_bytes([("demo-1.0/PKG-INFO", b"\n" * 64 * 1024**2)], compression=zipfile.ZIP_BZIP2)
    refused(
        sdist_pkg_info,
        sdist,
        ZIP_SDIST,
        "'demo-1.0/PKG-INFO' is compressed with a method other than deflate",
    )


def _zip_with_raw_member(name, deflated, claimed_size):
    """A wheel whose ``name`` holds the raw deflate stream ``deflated`` and
    claims ``claimed_size`` inflated bytes in its headers."""
    tail = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
    data = deflated + tail
    members = [
        (name, data, zipfile.ZIP_DEFLATED, claimed_size),
        ("demo-1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\n", zipfile.ZIP_STORED, 19),
    ]
    out, central = io.BytesIO(), []
    for member, payload, method, size in members:
        offset = out.tell()
        encoded = member.encode()
        out.write(
            struct.pack(
                "<4sHHHHHIIIHH",
                b"PK\x03\x04",
                20,
                0,
                method,
                0,
                0x21,
                0,
                len(payload),
                size,
                len(encoded),
                0,
            )
        )
        out.write(encoded + payload)
        central.append(
            struct.pack(
                "<4sHHHHHHIIIHHHHHII",
                b"PK\x01\x02",
                20,
                20,
                0,
                method,
                0,
                0x21,
                0,
                len(payload),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
    start = out.tell()
    directory = b"".join(central)
    out.write(directory)
    out.write(
        struct.pack(
            "<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), start, 0
        )
    )
    return out.getvalue()


def test_a_tar_member_that_inflates_to_gigabytes():
    # 2 GiB of zeros in a .tar.gz of 2 MB: scanning it for PKG-INFO stops
    # at the inflation limit.
    member = 2 * 1024**3
    data = _gzip_of(tar_header("demo-1.0/data.bin", member), zeros=member)
    assert len(data) < 3 * 1024**2
    refused(sdist_pkg_info, data, SDIST, "it inflates to more than 64 MiB")


def _gzip_of(prefix, zeros):
    """prefix + ``zeros`` zero bytes, gzipped quickly."""
    block = 1024 * 1024
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    segment_compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = segment_compressor.compress(bytes(block)) + segment_compressor.flush(
        zlib.Z_FULL_FLUSH
    )
    crc = zlib.crc32(prefix)
    zeros_block = bytes(block)
    for _ in range(zeros // block):
        crc = zlib.crc32(zeros_block, crc)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
    size = len(prefix) + zeros
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return (
        header
        + body
        + segment * (zeros // block)
        + tail
        + struct.pack("<II", crc, size & 0xFFFFFFFF)
    )


def test_too_many_members():
    many = zip_bytes([(f"demo/{i}.py", b"") for i in range(1001)], compression=zipfile.ZIP_STORED)
    refused(wheel_metadata, many, WHEEL, "it has 1001 members; the limit is 1000")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for i in range(1001):
            archive.addfile(tarfile.TarInfo(f"demo-1.0/{i}.py"), io.BytesIO(b""))
    refused(sdist_pkg_info, buffer.getvalue(), SDIST, "it has more than 1000 members")


def test_an_oversized_central_directory():
    wheel = bytearray(factories.wheel("demo", "1.0"))
    # Claim a central directory of 100 MB in the end record.
    end = wheel.rindex(b"PK\x05\x06")
    struct.pack_into("<I", wheel, end + 12, 100 * 1024**2)
    with pytest.raises(InvalidDistribution):
        wheel_metadata(io.BytesIO(bytes(wheel)), WHEEL, LIMITS)


@pytest.mark.parametrize(
    "tamper, message",
    [
        (lambda wheel: b"junk" + wheel, "unexpected data before"),
        (
            lambda wheel: _insert_before_central_directory(wheel, b"hidden"),
            "unexpected data after the last member",
        ),
        (
            lambda wheel: _rename_in_local_header(wheel, b"demo/__init__.py", b"demo/__evil__.py"),
            "does not match the central directory",
        ),
    ],
    ids=["prepended data", "data between the members and the directory", "local name differs"],
)
def test_zip_confusion(tamper, message):
    refused(wheel_metadata, tamper(factories.wheel("demo", "1.0")), WHEEL, message)


def _insert_before_central_directory(wheel, data):
    end = wheel.rindex(b"PK\x05\x06")
    (start,) = struct.unpack_from("<I", wheel, end + 16)
    patched = bytearray(wheel[:start] + data + wheel[start:])
    struct.pack_into("<I", patched, end + len(data) + 16, start + len(data))
    return bytes(patched)


def _rename_in_local_header(wheel, old, new):
    position = wheel.index(old)  # the first occurrence is in the local header
    assert position < wheel.index(b"PK\x01\x02")
    return wheel[:position] + new + wheel[position + len(old) :]


def test_a_name_twice():
    wheel = zip_bytes(
        [
            ("demo-1.0.dist-info/METADATA", factories.metadata_text("demo", "1.0")),
            ("demo-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\n"),
            ("demo/__init__.py", "a"),
        ]
    )
    with pytest.warns(UserWarning):  # zipfile warns about the duplicate it writes
        doubled = zip_bytes(
            [
                ("demo-1.0.dist-info/METADATA", factories.metadata_text("demo", "1.0")),
                ("demo-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\n"),
                (
                    "demo-1.0.dist-info/METADATA",
                    factories.metadata_text("demo", "1.0", requires_dist="evil"),
                ),
            ]
        )
    assert wheel_metadata(io.BytesIO(wheel), WHEEL, LIMITS)
    refused(wheel_metadata, doubled, WHEEL, "it contains 'demo-1.0.dist-info/METADATA' twice")


def test_two_dist_info_directories_or_two_metadata_files():
    two = factories.wheel("demo", "1.0", files={"other-2.0.dist-info/METADATA": b"Name: other\n"})
    refused(wheel_metadata, two, WHEEL, "it has 2 .dist-info directories; a wheel has one")
    cased = factories.wheel("demo", "1.0", files={"demo-1.0.dist-info/metadata": b"Name: other\n"})
    refused(wheel_metadata, cased, WHEEL, "it contains more than one METADATA file")


def test_two_pkg_info_files_in_an_sdist():
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for text in ("Name: demo\n", "Name: evil\n"):
            info = tarfile.TarInfo("demo-1.0/PKG-INFO")
            info.size = len(text)
            archive.addfile(info, io.BytesIO(text.encode()))
    refused(sdist_pkg_info, buffer.getvalue(), SDIST, "it contains more than one PKG-INFO")


def test_an_oversized_pax_header():
    header = tar_header("././@PaxHeader", 100 * 1024**2, kind=b"x")
    data = _gzip_of(header, zeros=100 * 1024**2)
    refused(sdist_pkg_info, data, SDIST, "an extended tar header is too large")


def test_broken_archives_are_invalid_not_errors():
    for data in (
        b"",
        b"PK\x05\x06" + bytes(18),
        b"\x1f\x8b" + bytes(30),
        factories.wheel("demo", "1.0")[:-30],
    ):
        for function, filename in (
            (wheel_metadata, WHEEL),
            (sdist_pkg_info, SDIST),
            (sdist_pkg_info, ZIP_SDIST),
        ):
            with pytest.raises(InvalidDistribution):
                function(io.BytesIO(data), filename, LIMITS)
