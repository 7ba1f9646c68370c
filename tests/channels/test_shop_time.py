"""The chat channel reads the shop's time zone from the departments file the back office reads
(the same path and variable), for the widget's session_confirm."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from channels import shop_time


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    shop_time.shop_time_zone.cache_clear()
    yield
    shop_time.shop_time_zone.cache_clear()


def test_the_default_file_sets_vietnam_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(shop_time.DEPARTMENTS_ENV, raising=False)
    raw = yaml.safe_load(shop_time.DEFAULT_DEPARTMENTS.read_text(encoding="utf-8"))
    assert shop_time.shop_time_zone() == raw["timezone"] == "Asia/Ho_Chi_Minh"


def test_the_file_the_back_office_is_given_is_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    departments = tmp_path / "departments.yml"
    departments.write_text("timezone: Europe/Berlin\ndepartments: {}\n", encoding="utf-8")
    monkeypatch.setenv(shop_time.DEPARTMENTS_ENV, str(departments))
    assert shop_time.shop_time_zone() == "Europe/Berlin"
    departments.write_text("timezone: Mars/Olympus\n", encoding="utf-8")
    shop_time.shop_time_zone.cache_clear()
    with pytest.raises(ValueError, match="Mars/Olympus"):
        shop_time.shop_time_zone()
