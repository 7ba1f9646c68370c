"""A broken knowledge file must stop the back office with a message that names the problem."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from backoffice.core.config import DEFAULT_KNOWLEDGE_FILE
from backoffice.orders.policies import PolicyError, load_knowledge, load_policies


def test_the_shipped_knowledge_file_loads() -> None:
    knowledge = load_knowledge(DEFAULT_KNOWLEDGE_FILE)
    assert knowledge.policies.return_window_days == 30
    assert "processing" in knowledge.policies.cancellable_statuses
    assert knowledge.facts.shop_name
    assert knowledge.timezone == "Asia/Ho_Chi_Minh"
    assert datetime(2026, 1, 1, tzinfo=knowledge.tz()).utcoffset() == timedelta(hours=7)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("facts: {}\n", "no 'policies'"),
        ("policies: [1, 2]\n", "no 'policies'"),
        ("policies: {return_window_days: 30}\n", "invalid rules"),
        (": not yaml : [\n", "not valid YAML"),
    ],
)
def test_broken_files_are_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "store.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PolicyError, match=message):
        load_policies(path)


def test_unknown_statuses_are_refused(tmp_path: Path) -> None:
    text = DEFAULT_KNOWLEDGE_FILE.read_text(encoding="utf-8").replace(
        "cancellable_statuses: [pending, processing]", "cancellable_statuses: [pending, packed]"
    )
    path = tmp_path / "store.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError, match="packed"):
        load_policies(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policies(tmp_path / "absent.yml")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("    gold: 15000000\n", "    gold: 4000000\n"),  # Gold cheaper than Silver
        ("    member: 0\n", "    member: 100\n"),  # the lowest tier must start at nothing
        ("    diamond: 40000000\n", "    platinum: 40000000\n"),  # a tier nobody stores
    ],
)
def test_a_loyalty_programme_out_of_order_is_refused(tmp_path: Path, old: str, new: str) -> None:
    text = DEFAULT_KNOWLEDGE_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "store.yml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(PolicyError, match="loyalty_tiers"):
        load_policies(path)
