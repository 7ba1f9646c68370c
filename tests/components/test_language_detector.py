from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.loading import load_data

from components.language_detector import WordLanguageModel, detect_language, training_language

ROOT = Path(__file__).resolve().parents[2]
THRESHOLD = 2.5


@pytest.fixture(scope="module")
def model() -> WordLanguageModel:
    """Fitted on the real training data, as `rasa train` does."""
    data = load_data(str(ROOT / "data" / "nlu"))
    examples = [(m.get("text"), training_language(m)) for m in data.intent_examples]
    assert all(lang in {"en", "vi"} for _, lang in examples), "every example must carry a language"
    return WordLanguageModel.fit(examples)


@pytest.mark.parametrize("language", ["en", "vi"])
def test_held_out_messages_get_their_language(model, language):
    held_out = load_data(str(ROOT / "tests" / "nlu" / f"{language}.yml")).intent_examples
    decided = [detect_language(m.get("text"), model, THRESHOLD) for m in held_out]
    wrong = [
        m.get("text") for m, d in zip(held_out, decided, strict=True) if d not in (language, None)
    ]
    undecided = decided.count(None)
    assert len(wrong) <= 0.02 * len(held_out), wrong
    assert undecided <= 0.15 * len(held_out)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("don hang cua toi dang o dau", "vi"),
        ("đơn hàng của tôi đâu", "vi"),
        ("dh cua mk ko dc giao", "vi"),
        ("where is my order", "en"),
        ("I want to return my shoes", "en"),
        ("ok", None),
        ("ORD-10001", None),
        ("/greet", None),
    ],
)
def test_typical_messages(model, text, expected):
    assert detect_language(text, model, THRESHOLD) == expected


def test_emails_and_ids_say_nothing_about_the_language(model):
    assert detect_language("chi.le@example.com", model, THRESHOLD) is None
    assert detect_language("ORD-10003, 0912 345 678", model, THRESHOLD) is None
