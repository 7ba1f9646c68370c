"""The routing classifier and the examples file a retailer edits."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from backoffice.helpdesk.services.routing.departments import LANGUAGES
from backoffice.helpdesk.services.routing.model import (
    DEFAULT_EXAMPLES,
    RoutingExamplesError,
    RoutingModel,
    Sample,
    examples_path_for,
    load_examples,
    load_request_sets,
    parse_examples,
    request_sets_for,
)
from caredesk_rules.departments import DEPARTMENT_KEYS

SAMPLES = [
    Sample("en", "refund money back", "billing"),
    Sample("en", "invoice wrong amount", "billing"),
    Sample("en", "charge card twice", "billing"),
    Sample("en", "parcel late courier", "logistics"),
    Sample("en", "delivery not arrive", "logistics"),
    Sample("en", "track package", "logistics"),
    Sample("en", "not a bot", None),
    Sample("vi", "hoan tien", "billing"),
    Sample("vi", "giao hang cham", "logistics"),
]


def _parse(*items: dict[str, Any]) -> None:
    parse_examples({"examples": list(items)}, DEPARTMENT_KEYS, LANGUAGES)


# ---------------------------------------------------------------- the model


def test_predicts_the_department_whose_examples_are_closest() -> None:
    model = RoutingModel(SAMPLES)

    prediction = model.predict("en", "my money back please refund")

    assert prediction is not None
    assert prediction.department == "billing"
    assert prediction.runner_up in {"logistics", None}
    assert 0.5 < prediction.probability <= 1
    assert 0 < prediction.margin <= prediction.probability
    assert prediction.words == 5


def test_char_ngrams_cover_inflections_and_typos() -> None:
    prediction = RoutingModel(SAMPLES).predict("en", "delivry parcels")

    assert prediction is not None and prediction.department == "logistics"


def test_requests_without_a_topic_are_a_class_of_their_own() -> None:
    prediction = RoutingModel(SAMPLES).predict("en", "not a bot")

    assert prediction is not None and prediction.department is None


def test_no_opinion_on_empty_or_unrelated_text() -> None:
    model = RoutingModel(SAMPLES)

    assert model.predict("en", "") is None
    assert model.predict("en", "   ") is None
    assert model.predict("en", "qqq") is None  # shares no n-gram with any example


def test_one_model_per_language() -> None:
    model = RoutingModel(SAMPLES)

    assert model.languages == {"en", "vi"}
    vietnamese = model.predict("vi", "hoan tien giup")
    assert vietnamese is not None and vietnamese.department == "billing"
    assert model.predict("fr", "refund") is None


def test_a_language_with_one_department_gets_no_model() -> None:
    model = RoutingModel([*SAMPLES[:6], Sample("vi", "hoan tien", "billing")])

    assert model.languages == {"en"}
    assert model.predict("vi", "hoan tien") is None


def test_building_is_deterministic() -> None:
    first = RoutingModel(SAMPLES).predict("en", "courier charge")
    second = RoutingModel(list(SAMPLES)).predict("en", "courier charge")

    assert first == second


def test_sample_weight_shifts_the_decision() -> None:
    samples = [Sample("en", "box", "logistics"), Sample("en", "box", "sales")]
    heavy = [Sample("en", "box", "logistics", 5.0), Sample("en", "box", "sales")]

    even = RoutingModel(samples).predict("en", "box")
    weighted = RoutingModel(heavy).predict("en", "box")

    assert even is not None and weighted is not None
    assert weighted.department == "logistics"
    assert weighted.margin > even.margin


# ---------------------------------------------------------------- the examples file


def test_shipped_examples_cover_every_department_in_both_languages() -> None:
    examples = load_examples(DEFAULT_EXAMPLES, DEPARTMENT_KEYS, LANGUAGES)
    counts = Counter((e.department, e.language) for e in examples)

    for department in DEPARTMENT_KEYS:
        for language in LANGUAGES:
            assert counts[(department, language)] >= 20, (department, language)
    for language in LANGUAGES:
        assert counts[(None, language)] >= 20  # checks the classifier invents no topic
    assert len({e.text for e in examples}) == len(examples), "duplicate examples"


def test_examples_file_follows_the_departments_file(tmp_path: Path) -> None:
    departments = tmp_path / "departments.yml"
    assert examples_path_for(departments) == DEFAULT_EXAMPLES
    assert examples_path_for(None) == DEFAULT_EXAMPLES

    sibling = tmp_path / "routing_examples.yml"
    sibling.write_text("version: 1\nexamples: []\n", encoding="utf-8")

    assert examples_path_for(departments) == sibling


def test_the_retired_request_sets_are_examples_too(tmp_path: Path) -> None:
    sets = request_sets_for(tmp_path / "departments.yml")
    assert sets == tmp_path / "person_requests"
    assert load_request_sets(sets, DEPARTMENT_KEYS, LANGUAGES) == []  # none next to this file

    sets.mkdir()
    (sets / "dev_blind1.yml").write_text(
        "version: 1\nrequests:\n"
        "  - {language: vi, department: billing, text: 'ad oi  bi tru tien 2 lan'}\n"
        "  - {language: en, department: null, text: 'a human please'}\n",
        encoding="utf-8",
    )
    found = load_request_sets(sets, DEPARTMENT_KEYS, LANGUAGES)
    assert [(e.language, e.department, e.text) for e in found] == [
        ("vi", "billing", "ad oi bi tru tien 2 lan"),
        ("en", None, "a human please"),
    ]
    (sets / "broken.yml").write_text("requests:\n  - {language: xx, text: hi}\n", encoding="utf-8")
    with pytest.raises(RoutingExamplesError, match=r"broken.yml: .*department is missing"):
        load_request_sets(sets, DEPARTMENT_KEYS, LANGUAGES)


def test_the_shipped_router_learns_from_the_retired_request_sets() -> None:
    shipped = request_sets_for(None)
    found = load_request_sets(shipped, DEPARTMENT_KEYS, LANGUAGES)
    assert len(found) >= 2000
    assert {e.department for e in found} == {*DEPARTMENT_KEYS, None}


def test_texts_are_read_with_spaces_squeezed(tmp_path: Path) -> None:
    path = tmp_path / "examples.yml"
    path.write_text(
        yaml.safe_dump(
            {"examples": [{"department": None, "language": "vi", "text": "  cho  mình gặp nv "}]},
            allow_unicode=True,
        ),
        encoding="utf-8",
    )

    (example,) = load_examples(path, DEPARTMENT_KEYS, LANGUAGES)

    assert example.text == "cho mình gặp nv"
    assert example.department is None
    assert example.intent is None


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"department": "hr", "language": "en", "text": "x"}, "unknown department 'hr'"),
        ({"department": "sales", "language": "fr", "text": "x"}, "language must be one of"),
        ({"department": "sales", "language": "en", "text": " "}, "non-empty text"),
        ({"department": "sales", "language": "en", "text": 5}, "non-empty text"),
        ({"language": "en", "text": "x"}, "department is missing"),
        ({"department": "sales", "language": "en", "text": "x", "lang": "en"}, "unknown keys"),
        ({"department": "sales", "language": "en", "text": "x", "intent": 3}, "intent"),
        ("just a text", "must be a mapping"),
    ],
)
def test_bad_examples_are_rejected_with_the_entry_to_fix(item: Any, message: str) -> None:
    with pytest.raises(RoutingExamplesError, match=r"examples\[0\]"):
        _parse(item)
    with pytest.raises(RoutingExamplesError, match=message):
        _parse(item)


def test_missing_and_broken_examples_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(RoutingExamplesError, match="cannot read"):
        load_examples(tmp_path / "nowhere.yml", DEPARTMENT_KEYS, LANGUAGES)
    broken = tmp_path / "broken.yml"
    broken.write_text("examples: [unclosed", encoding="utf-8")
    with pytest.raises(RoutingExamplesError, match="not valid YAML"):
        load_examples(broken, DEPARTMENT_KEYS, LANGUAGES)
    empty = tmp_path / "empty.yml"
    empty.write_text("version: 1\n", encoding="utf-8")
    with pytest.raises(RoutingExamplesError, match="list under 'examples'"):
        load_examples(empty, DEPARTMENT_KEYS, LANGUAGES)
