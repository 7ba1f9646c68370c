"""The department keys are the ones the contract promises and the routing file configures."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from caredesk_rules.departments import DEPARTMENT_KEYS

ROOT = Path(__file__).resolve().parents[2]


def test_the_contract_promises_these_keys_for_the_department_slot() -> None:
    contract = (ROOT / "docs" / "contract.md").read_text(encoding="utf-8")
    row = next(line for line in contract.splitlines() if line.startswith("| `department` |"))
    promised = re.search(r"`([a-z_]+(?:, [a-z_]+)+)`", row)
    assert promised is not None, row
    assert tuple(promised.group(1).split(", ")) == DEPARTMENT_KEYS


def test_the_routing_file_configures_every_department_and_no_other() -> None:
    config = yaml.safe_load(
        (ROOT / "backoffice" / "config" / "departments.yml").read_text(encoding="utf-8")
    )
    assert set(config["departments"]) == set(DEPARTMENT_KEYS)
