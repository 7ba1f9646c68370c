"""The learned classifiers come from disk when nothing they are made of changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from backoffice.helpdesk.services.routing import cache, router
from backoffice.helpdesk.services.routing.departments import DEFAULT_CONFIG, load_config
from backoffice.helpdesk.services.routing.model import Example
from backoffice.helpdesk.services.routing.router import Router

EXAMPLES = (
    Example("my parcel is lost somewhere", "en", "logistics"),
    Example("the courier never came", "en", "logistics"),
    Example("I was charged twice", "en", "billing"),
    Example("refund the double payment", "en", "billing"),
    Example("đơn hàng giao chậm quá", "vi", "logistics"),
    Example("bị trừ tiền hai lần", "vi", "billing"),
)


@pytest.fixture
def cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(tmp_path))
    return tmp_path


def learned(examples: tuple[Example, ...] = EXAMPLES) -> Router:
    routing = Router(load_config(DEFAULT_CONFIG), examples=examples)
    routing.route("my parcel was lost", language="en")  # spaCy loaded: English learned too
    return routing


def test_a_second_start_learns_nothing_and_routes_the_same(
    cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = learned()
    assert len(list(cache_folder.glob("*.pickle"))) == 1

    def no_learning(*_: object) -> None:
        raise AssertionError("learned again although nothing changed")

    monkeypatch.setattr(router, "RoutingModel", no_learning)
    second = learned()
    for text, language in (("the courier lost it", "en"), ("trừ tiền 2 lần", "vi")):
        assert second.predict(text, language) == first.predict(text, language)


def test_other_examples_are_learned_anew(cache_folder: Path) -> None:
    learned()
    learned((*EXAMPLES, Example("my card was charged but no order", "en", "billing")))
    assert len(list(cache_folder.glob("*.pickle"))) == 2


def test_an_unreadable_file_is_rebuilt(cache_folder: Path) -> None:
    learned()
    [path] = cache_folder.glob("*.pickle")
    path.write_bytes(b"not a pickle")
    assert learned().predict("bị trừ tiền hai lần", "vi") is not None
    assert path.read_bytes() != b"not a pickle"


def test_off_means_no_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.CACHE_DIR_ENV, "off")
    monkeypatch.chdir(tmp_path)
    assert cache.cache_dir() is None
    learned()
    assert not list(tmp_path.rglob("*.pickle"))
