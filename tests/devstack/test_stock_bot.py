"""The stock bot's project is trained once per Rasa version and reused (devstack/stock_bot.py);
training itself (about a minute) is left to the load bench."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from devstack.stock_bot import rasa_version, stock_project


def test_the_version_is_the_rasa_venvs():
    assert rasa_version() == version("rasa")  # the tests run in that venv


def test_a_trained_project_of_this_rasa_is_reused_and_another_versions_is_not(tmp_path: Path):
    ours = tmp_path / f"rasa-init-{rasa_version()}"
    (ours / "models").mkdir(parents=True)
    (ours / "models" / "20261207-000000-stock.tar.gz").write_bytes(b"model")
    (tmp_path / "rasa-init-3.5.0" / "models").mkdir(parents=True)
    assert stock_project(tmp_path) == ours  # returned at once: nothing trained
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rasa-init-3.5.0", ours.name]
