"""Core metadata from the upload form and from the files in a distribution."""

import packaging.version
import pytest

from cheeseshop.publishing import core_metadata
from cheeseshop.publishing.errors import InvalidDistribution
from tests import factories
from tests.factories import getall


def test_metadata_from_form():
    metadata = core_metadata.metadata_from_form(
        getall(
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
    assert metadata.project_urls == {
        "Homepage": "https://example.org",
        "Docs": "https://example.org/docs",
    }
    assert str(metadata.requires_python) == ">=3.9"


def test_metadata_1_0_with_1_1_fields_is_read_as_1_1():
    metadata = core_metadata.metadata_from_form(
        getall(
            metadata_version="1.0",
            name="old",
            version="0.1",
            classifiers="Programming Language :: Python :: 3",
            download_url="UNKNOWN",
        )
    )
    assert metadata.metadata_version == "1.1"
    assert metadata.classifiers == ["Programming Language :: Python :: 3"]
    plain = core_metadata.metadata_from_form(
        getall(metadata_version="1.0", name="old", version="0.1")
    )
    assert plain.metadata_version == "1.0"


def test_metadata_2_4_and_2_5_fields():
    metadata = core_metadata.metadata_from_form(
        getall(
            metadata_version="2.5",
            name="new",
            version="1",
            license_expression="MIT",
            license_file=["LICENSE"],
            import_name=["new"],
            dynamic=["Requires-Dist"],
        )
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
        (
            {"classifiers": "Not :: A :: Classifier"},
            "Classifier 'Not :: A :: Classifier' is not a valid classifier.",
        ),
        (
            {"classifiers": "License :: OSI Approved :: Intel Open Source License"},
            "has been deprecated",
        ),
    ],
)
def test_metadata_from_form_rejects(fields, message):
    given = {"metadata_version": "2.1", "name": "demo", "version": "1.0", **fields}
    given = {k: v for k, v in given.items() if v is not None}
    with pytest.raises(InvalidDistribution) as raised:
        core_metadata.metadata_from_form(getall(**given))
    assert message in str(raised.value)


def test_metadata_from_file():
    text = factories.metadata_text("demo", "1.0", summary="From the file")
    metadata = core_metadata.metadata_from_file(text.encode(), "PKG-INFO")
    assert (metadata.name, str(metadata.version), metadata.summary) == (
        "demo",
        "1.0",
        "From the file",
    )
    with pytest.raises(InvalidDistribution, match="Invalid PKG-INFO"):
        core_metadata.metadata_from_file(b"Metadata-Version: 2.1\nName: demo\n", "PKG-INFO")
