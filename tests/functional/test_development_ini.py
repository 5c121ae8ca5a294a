"""development.ini as shipped: the embedded default in ./var beside it,
token key included, with nothing else to set."""

import os
import shutil
from pathlib import Path

import webtest
from pyramid.paster import get_app

INI = Path(__file__).resolve().parents[2] / "development.ini"


def test_development_ini_starts_an_index_beside_it(tmp_path, monkeypatch):
    for name in list(os.environ):
        if name.startswith("CHEESESHOP_"):
            monkeypatch.delenv(name)
    ini = tmp_path / "development.ini"
    shutil.copy(INI, ini)
    app = webtest.TestApp(get_app(str(ini)))
    assert app.get("/simple/").status_int == 200
    assert sorted(
        p.name for p in (tmp_path / "var").iterdir() if not p.name.endswith(("-wal", "-shm"))
    ) == [
        "cheeseshop.sqlite",
        "files",
        "token.key",
    ]
