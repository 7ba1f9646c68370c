"""The domain is split by capability into domain/*.yml, which Rasa merges into one; a file it
cannot read is skipped with only a warning, and a name declared twice silently keeps one of
the two, so both would change the assistant without failing the training."""

from collections import Counter
from pathlib import Path

import pytest
import yaml
from rasa.shared.core.domain import Domain

from caredesk_rules.departments import DEPARTMENT_KEYS

DOMAIN_DIR = Path(__file__).resolve().parent.parent / "domain"
DOMAIN_FILES = sorted(DOMAIN_DIR.glob("*.yml"))
DOMAIN = Domain.load(str(DOMAIN_DIR))
NAMED_SECTIONS = ("intents", "entities", "slots", "forms", "actions", "responses")


def test_the_domain_is_split_into_files():
    assert len(DOMAIN_FILES) > 1
    assert not (DOMAIN_DIR.parent / "domain.yml").exists()  # a second home for the same texts


@pytest.mark.parametrize("path", DOMAIN_FILES, ids=lambda path: path.name)
def test_every_file_is_read_as_part_of_the_domain(path):
    assert Domain.is_domain_file(path)


def test_no_name_is_declared_in_two_files():
    declared: Counter[tuple[str, str]] = Counter()
    for path in DOMAIN_FILES:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
        for section in NAMED_SECTIONS:
            declared.update((section, str(name)) for name in content.get(section) or [])
    assert [name for name, count in declared.items() if count > 1] == []


def test_the_contract_slots_have_the_contract_values():
    slots = DOMAIN.as_dict()["slots"]
    assert slots["language"]["values"] == ["en", "vi"]
    assert set(slots["department"]["values"]) == set(DEPARTMENT_KEYS)
    assert slots["ticket_id"]["type"] == "text"
    assert slots["order_id"]["type"] == "text"


@pytest.mark.parametrize("name", sorted(DOMAIN.responses))
def test_every_response_has_an_english_default_and_a_vietnamese_variation(name):
    variations = DOMAIN.responses[name]
    defaults = [v for v in variations if not v.get("condition")]
    vietnamese = [
        v
        for v in variations
        if v.get("condition") == [{"type": "slot", "name": "language", "value": "vi"}]
    ]
    assert len(defaults) == 1 and defaults[0]["text"]
    assert len(vietnamese) == 1 and vietnamese[0]["text"] != defaults[0]["text"]
