"""The training and held-out NLU data keep the promises the README makes about them."""

from collections import Counter
from pathlib import Path

import pytest
import yaml
from rasa.shared.core.domain import Domain

from caredesk_rules.vietnamese import fold

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_INTENTS = Domain.load(str(ROOT / "domain")).as_dict()["intents"]
CONTRACT_INTENTS = {
    "cancel_order",
    "change_order",
    "change_shipping_address",
    "check_cancellation_fee",
    "check_invoice",
    "check_payment_methods",
    "check_refund_policy",
    "complaint",
    "contact_customer_service",
    "contact_human_agent",
    "create_account",
    "delete_account",
    "delivery_options",
    "delivery_period",
    "edit_account",
    "get_invoice",
    "get_refund",
    "newsletter_subscription",
    "payment_issue",
    "place_order",
    "recover_password",
    "registration_problems",
    "review",
    "set_up_shipping_address",
    "switch_account",
    "track_order",
    "track_refund",
    "greet",
    "goodbye",
    "thank_you",
    "affirm",
    "deny",
    "bot_challenge",
    "out_of_scope",
    "inform",
    "check_ticket_status",
    "warranty_claim",
    "report_delivery_problem",
    "bulk_order_inquiry",
    "partnership_inquiry",
    "loyalty_program",
    "check_loyalty_points",
    "stop_order_updates",
}


def blocks(paths):
    for path in paths:
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            if "intent" in block:
                examples = [
                    line[2:].strip()
                    for line in block["examples"].splitlines()
                    if line.strip().startswith("- ")
                ]
                yield path, block, examples


def examples_by_intent(paths):
    counts: dict[str, list[str]] = {}
    for _, block, examples in blocks(paths):
        counts.setdefault(block["intent"], []).extend(examples)
    return counts


def key(text: str) -> str:
    return " ".join(fold(text).split())


def test_domain_intents_are_the_contract_intents():
    # EXTERNAL_* intents are the helpdesk's events, never predicted from a customer's text.
    assert {i for i in DOMAIN_INTENTS if not i.startswith("EXTERNAL_")} == CONTRACT_INTENTS


@pytest.mark.parametrize("language", ["en", "vi"])
def test_every_intent_has_at_least_30_training_examples(language):
    counts = examples_by_intent(sorted((ROOT / "data" / "nlu" / language).glob("*.yml")))
    short = {i: len(counts.get(i, [])) for i in CONTRACT_INTENTS if len(counts.get(i, [])) < 30}
    assert not short


@pytest.mark.parametrize("language", ["en", "vi"])
def test_every_training_block_is_tagged_with_its_language(language):
    for path, block, _ in blocks(sorted((ROOT / "data" / "nlu" / language).glob("*.yml"))):
        assert (block.get("metadata") or {}).get("language") == language, (path, block["intent"])


@pytest.mark.parametrize("language", ["en", "vi"])
def test_held_out_set_covers_every_intent_with_10_examples(language):
    counts = examples_by_intent([ROOT / "tests" / "nlu" / f"{language}.yml"])
    short = {i: len(counts.get(i, [])) for i in CONTRACT_INTENTS if len(counts.get(i, [])) < 10}
    assert not short


def test_held_out_examples_are_never_trained_on():
    training = {
        key(e)
        for examples in examples_by_intent(sorted((ROOT / "data" / "nlu").glob("*/*.yml"))).values()
        for e in examples
    }
    held_out_sets = sorted((ROOT / "tests" / "nlu").glob("*.yml"))
    held_out = [e for examples in examples_by_intent(held_out_sets).values() for e in examples]
    assert [e for e in held_out if key(e) in training] == []


def test_vietnamese_training_data_mixes_written_forms():
    from caredesk_rules.vietnamese import has_vietnamese_marks

    examples = [
        e
        for examples in examples_by_intent(
            sorted((ROOT / "data" / "nlu" / "vi").glob("*.yml"))
        ).values()
        for e in examples
    ]
    marked = Counter(has_vietnamese_marks(e) for e in examples)
    assert marked[True] >= 0.3 * len(examples)
    assert marked[False] >= 0.3 * len(examples)
