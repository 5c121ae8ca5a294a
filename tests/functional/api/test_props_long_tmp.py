"""Property: no upload form, however odd its filename, version or fields,
gets a 5xx. A 500 would mean a bug; a 503 that the database or storage
failed, which no input may cause."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories
from tests.factories import post_form, upload_form

PROPERTY = settings(
    max_examples=3000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

odd_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300)
name_like = st.one_of(
    st.sampled_from(["demo", "Demo.Pkg", "demo_pkg", "-demo-", "d" * 250, "dem\u043e"]), odd_text
)
version_like = st.one_of(
    st.sampled_from(
        ["1.0", "01.0", "v1.0", "1.0.post1", "1.0+local", "1" + ".0" * 60, "1.0 final"]
    ),
    odd_text,
)
filename_like = st.one_of(
    st.builds(
        lambda n, v, tags, ext: f"{n}-{v}{tags}{ext}",
        name_like,
        version_like,
        st.sampled_from(
            ["", "-py3-none-any", "-py3.py3-none-any", "-PY3-none-any", "-1-py3-none-any"]
        ),
        st.sampled_from([".whl", ".tar.gz", ".zip", ".exe", ""]),
    ),
    odd_text,
)
field_names = st.sampled_from(
    [
        "summary",
        "description",
        "description_content_type",
        "requires_dist",
        "requires_python",
        "classifiers",
        "project_urls",
        "keywords",
        "license",
        "metadata_version",
        "filetype",
        "author_email",
        "dynamic",
        "provides_extra",
        "sha256_digest",
        ":action",
        "protocol_version",
    ]
)


@PROPERTY
@given(
    name=name_like,
    version=version_like,
    filename=filename_like,
    fields=st.lists(st.tuples(field_names, odd_text), max_size=6),
    matching_file=st.booleans(),
)
def test_no_upload_form_gets_a_5xx(testapp, alice, name, version, filename, fields, matching_file):
    if matching_file:
        content = factories.wheel("demo", "1.0")
    else:
        content = odd_bytes = (filename + version).encode("utf-8", "surrogatepass")[:200] or b"x"
        del odd_bytes
    params, files = upload_form(name, version, filename, content)
    params += fields
    response = post_form(testapp, alice, params, files, status="*")
    assert response.status_int < 500, (response.status, name, version, filename, fields)
    reason = response.status.split(" ", 1)[1]
    # The status line is one line of text a client can print.
    assert reason and "\r" not in reason and "\n" not in reason
    assert len(reason) < 1000
