"""Python 3.11's stdlib distutils: ``setup.py register -r local sdist upload -r local``.

distutils' register sends ``:action=submit`` and only offers credentials after
a 401 challenge for realm "pypi"; its upload sends Basic auth up front with an
old-style (Metadata-Version 1.0) form.  Both must work against the index.
"""

import re
import secrets
import textwrap
from pathlib import Path

import pytest
from cheeseshop_e2e import sha256_of

SETUP_PY = """\
import os
import distutils.core
from distutils.core import setup

if os.environ.get("CHEESESHOP_REPORT_DISTUTILS"):
    print("distutils-from:", distutils.core.__file__)

setup(
    name={name!r},
    version="1.0",
    description="cheeseshop client test package uploaded by stdlib distutils",
    url="https://example.invalid/{name}",
    author="Cheeseshop Tests",
    author_email="tests@example.invalid",
    py_modules=[{module!r}],
)
"""


@pytest.fixture
def plain_python(sh):
    """A python3.11 venv with no pip and no setuptools: nothing can shim distutils.

    Returns (its python, the stdlib's distutils directory).
    """
    python = sh.new_venv("plain")
    probe = sh.run(
        [
            python,
            "-c",
            "import sys, sysconfig, importlib.util as u, distutils.core as d;"
            " print('%d.%d' % sys.version_info[:2]); print(sysconfig.get_paths()['stdlib']);"
            " print(d.__file__); print(u.find_spec('setuptools'))",
        ],
        env={"SETUPTOOLS_USE_DISTUTILS": "stdlib"},
    )
    version, stdlib, location, setuptools_spec = probe.stdout.split()
    assert version == "3.11", "stdlib distutils needs Python 3.11 (it is gone from 3.12)"
    assert setuptools_spec == "None"
    stdlib_distutils = Path(stdlib) / "distutils"
    assert Path(location).parent == stdlib_distutils
    return python, stdlib_distutils


def test_distutils_register_sdist_upload(server, sh, user, plain_python, tmp_path):
    python311, stdlib_distutils = plain_python
    # a plain lowercase name: distutils puts the name as given into the sdist's
    # file name, and this one is already normalized (PEP 503/625)
    name = module = "csdistutils" + secrets.token_hex(4)

    project = tmp_path / "distutils-project"
    project.mkdir()
    (project / "setup.py").write_text(SETUP_PY.format(name=name, module=module))
    (project / f"{module}.py").write_text('VERSION = "1.0"\n')
    (project / "README.txt").write_text(f"{name}: uploaded by distutils\n")

    home = Path(sh.env["HOME"])
    (home / ".pypirc").write_text(
        textwrap.dedent(
            f"""\
            [distutils]
            index-servers =
                local

            [local]
            repository = {server.legacy_url}
            username = {user.name}
            password = {user.password}
            """
        )
    )

    result = sh.run(
        [python311, "setup.py", "register", "-r", "local", "sdist", "upload", "-r", "local"],
        cwd=project,
        env={"SETUPTOOLS_USE_DISTUTILS": "stdlib", "CHEESESHOP_REPORT_DISTUTILS": "1"},
    )

    # it really was the stdlib's distutils
    used = re.search(r"distutils-from: (\S+)", result.output).group(1)
    assert Path(used).parent == stdlib_distutils

    # register and upload both got a 200 (distutils exits 0 even when register fails)
    assert f"Registering {name} to {server.legacy_url}" in result.output, result.describe()
    responses = re.findall(r"Server response \((\d+)\): (.*)", result.output)
    assert [code for code, _ in responses] == ["200", "200"], result.describe()

    sdist = project / "dist" / f"{name}-1.0.tar.gz"
    assert sdist.exists()

    # the project is on the index, with the sdist distutils built
    assert re.search(rf'href="[^"]*{name}/?"', server.simple_html()), f"{name} not on /simple/"
    page = server.simple_html(name)
    assert sdist.name in page
    assert f"sha256={sha256_of(sdist)}" in page

    # and pip can install it (building the sdist with setuptools from a local wheelhouse)
    python = sh.new_venv()
    sh.pip_install(python, server, name, extra=["--find-links", sh.wheelhouse])
    assert sh.import_value(python, module) == "1.0"
    assert sh.installed_version(python, name) == "1.0"
