"""Quality gate: the trained model on the held-out set (never trained on), per language.

bench/nlu_eval.py prints the full per-intent table; this keeps a regression from landing.
"""

from pathlib import Path

import pytest

from bench.nlu_eval import evaluate

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "caredesk.tar.gz"
MIN_MACRO_F1 = 0.90

# The trained model's quality: `make test` trains it first, `make test-fast` does not (a model
# left from older data would be measured), so it is not in test-fast.
pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def report():
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` (make test does)")
    return evaluate(MODEL)


@pytest.mark.parametrize("language", ["en", "vi"])
def test_held_out_macro_f1(report, language):
    result = report.languages[language]
    worst = sorted(result.f1_by_intent.items(), key=lambda kv: kv[1])[:5]
    assert result.macro_f1 >= MIN_MACRO_F1, f"macro-F1 {result.macro_f1:.3f}; worst: {worst}"


def test_entities_come_back_canonical(report):
    # Parsing goes through the whole pipeline, so the extractor's output is checked here too.
    import asyncio

    from rasa.core.agent import Agent

    agent = Agent.load(str(MODEL))
    result = asyncio.run(agent.parse_message("đơn 10001, sdt 0912 345 678"))
    assert {(e["entity"], e["value"]) for e in result["entities"]} == {
        ("order_id", "ORD-10001"),
        ("phone", "+84912345678"),
    }
    assert result["language"] == "vi"
