"""Distribution filenames: what they say, and which ones an index refuses."""

import packaging.version
import pytest

from cheeseshop.publishing import filenames
from cheeseshop.publishing.errors import InvalidDistribution


@pytest.mark.parametrize(
    "filename, packagetype, name, version, python_version",
    [
        ("demo-1.0.tar.gz", "sdist", "demo", "1.0", "source"),
        ("demo_pkg-1.0.tar.gz", "sdist", "demo-pkg", "1.0", "source"),  # PEP 625
        ("demo_pkg-1.0.post1.tar.gz", "sdist", "demo-pkg", "1.0.post1", "source"),
        ("demo-1.0.zip", "sdist", "demo", "1.0", "source"),
        ("demo-1.0-py3-none-any.whl", "bdist_wheel", "demo", "1.0", "py3"),
        ("demo-1.0-py2.py3-none-any.whl", "bdist_wheel", "demo", "1.0", "py2.py3"),
        (
            "demo_pkg-1.0-1-cp311-cp311-manylinux_2_17_x86_64.whl",
            "bdist_wheel",
            "demo-pkg",
            "1.0",
            "cp311",
        ),
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
        # One distribution, one filename: only the canonical spelling.
        ("Demo.Pkg-2.0rc1.tar.gz", "use its canonical spelling 'demo_pkg-2.0rc1.tar.gz'"),
        ("demo-pkg-1.0.post1.tar.gz", "use its canonical spelling 'demo_pkg-1.0.post1.tar.gz'"),
        ("Demo-1.0-py3-none-any.whl", "use its canonical spelling 'demo-1.0-py3-none-any.whl'"),
        ("demo-01.0-py3-none-any.whl", "use its canonical spelling 'demo-1.0-py3-none-any.whl'"),
        ("demo-v1.0-py3-none-any.whl", "use its canonical spelling 'demo-1.0-py3-none-any.whl'"),
        ("demo-1.0post1-py3-none-any.whl", "canonical spelling 'demo-1.0.post1-py3-none-any.whl'"),
        ("demo-1.0-py3.py3-none-any.whl", "the tags 'py3.py3' must be lower-case"),
        ("demo-1.0-PY3-none-any.whl", "the tags 'PY3' must be lower-case"),
        ("demo-1.0-py3-none-any .whl", "the tags 'any ' must be lower-case"),
        ("demo-1.0-py3-none-\x00any.whl", "Invalid wheel filename"),
        ("dem\u043e-1.0-py3-none-any.whl", "the name must be ASCII"),
        ("d" * 250 + "-1.0.tar.gz", "is longer than 255 bytes"),
    ],
)
def test_parse_filename_rejects(filename, message):
    with pytest.raises(InvalidDistribution) as raised:
        filenames.parse_filename(filename)
    assert message in str(raised.value)
