"""Routing a request for a person: the decision, its reason, and the config a retailer edits."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from backoffice.services.routing import (
    DEFAULT_CONFIG,
    DEPARTMENT_KEYS,
    Router,
    RoutingConfigError,
    RoutingDecision,
    departments,
    load_config,
    load_router,
    normalise_vietnamese,
    parse_config,
)
from bench.routing_eval import accuracy, evaluate, load_cases


@pytest.fixture(scope="module")
def router() -> Router:
    return load_router()


@pytest.fixture
def raw_config() -> dict[str, Any]:
    return copy.deepcopy(yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8")))


# ---------------------------------------------------------------- decisions and reasons


def test_decision_names_the_department_and_the_words_that_decided(router: Router) -> None:
    decision = router.route("I want to talk to someone, I was charged twice", language="en")

    assert isinstance(decision, RoutingDecision)
    assert decision.department == "billing"
    assert decision.matched == ("charged twice",)  # as the customer wrote it, not the lemma
    assert decision.reason == "matched 'charged twice' (billing)"
    assert 0 < decision.confidence <= 1


def test_intent_hint_is_part_of_the_reason_and_raises_confidence(router: Router) -> None:
    text = "I want to talk to someone, I was charged twice"
    without = router.route(text, language="en")
    with_hint = router.route(text, intent="payment_issue", language="en")

    assert with_hint.department == "billing"
    assert with_hint.reason == "matched 'charged twice' (billing) and intent payment_issue"
    assert with_hint.confidence > without.confidence


def test_intent_alone_routes_when_the_words_do_not(router: Router) -> None:
    decision = router.route("I want to talk to a person", intent="warranty_claim", language="en")

    assert decision.department == "after_sales"
    assert decision.matched == ()
    assert decision.reason == "intent warranty_claim (after_sales)"


def test_competing_evidence_is_reported(router: Router) -> None:
    decision = router.route(
        "agent please, the app crashed when I paid", intent="payment_issue", language="en"
    )

    assert decision.department in {"technical", "billing"}
    assert "less evidence for" in decision.reason


@pytest.mark.parametrize(
    ("text", "department"),
    [
        ("Can I speak to a human? My phone stopped working", "after_sales"),  # lemma: stop work
        ("Agent please, the headphones broke after a week", "after_sales"),
        ("real person please, the checkout page won't load", "technical"),  # beats "payment"
        ("I need a person, I never got the OTP", "technical"),
        ("Let me talk to someone, my parcels were lost", "logistics"),
        ("Human please, we're an influencer agency", "marketing"),
        ("Connect me to staff about a wholesale quotation", "sales"),
        ("I want to talk to someone, I'd like to file a complaint", "customer_support"),
    ],
)
def test_english_topics(router: Router, text: str, department: str) -> None:
    assert router.route(text, "contact_human_agent", "en").department == department


# ---------------------------------------------------------------- no topic


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I want to talk to a person", "en"),
        ("Can a staff member call me?", "en"),
        ("Please transfer me to customer service, not a bot", "en"),
        ("Is there a human agent available?", None),
        ("cho mình gặp nhân viên", "vi"),
        ("cho minh gap nhan vien tu van", "vi"),
        ("mk muốn gặp nv", None),
        ("Tôi muốn nói chuyện với nhân viên chăm sóc khách hàng", "vi"),  # "chăm" is not "chậm"
        ("", None),
    ],
)
def test_no_topic_means_no_department(router: Router, text: str, language: str | None) -> None:
    decision = router.route(text, "contact_human_agent", language)

    assert decision.department is None
    assert decision.matched == ()
    assert decision.confidence == 0.0
    assert "ask what it is about" in decision.reason


# ---------------------------------------------------------------- Vietnamese


@pytest.mark.parametrize(
    "text",
    [
        "cho mình gặp nhân viên, mình bị trừ tiền 2 lần",  # diacritics
        "cho minh gap nhan vien, minh bi tru tien 2 lan",  # none
        "cho mk gap nv, dh bi tru tien 2 lan",  # teen-code
        "Cho Mình Gặp NV, BỊ TRỪ TIỀN 2 LẦN",  # shouting
    ],
)
def test_vietnamese_with_and_without_diacritics(router: Router, text: str) -> None:
    decision = router.route(text, "contact_human_agent", "vi")

    assert decision.department == "billing"
    assert decision.matched[0].lower() in text.lower()  # quoted from the customer's text


def test_unmarked_vietnamese_is_recognised_without_the_language_slot(router: Router) -> None:
    decision = router.route("cho minh gap nhan vien ve viec quang cao tren website")

    assert decision.department == "marketing"  # "website" alone would say technical


def test_teen_code_is_expanded(router: Router) -> None:
    decision = router.route("cho e gap nv, ko nhan dc ma otp", language="vi")

    assert decision.department == "technical"


def test_broken_is_not_read_as_teen_code_for_no(router: Router) -> None:
    assert router.route("laptop mới mua đã hỏng", language="vi").department == "after_sales"
    assert router.route("laptop moi mua bi hong roi", language="vi").department == "after_sales"
    # chat "hong" / "hông" means "không": no after-sales here
    assert router.route("mình hông nhận được mã otp", language="vi").department == "technical"
    assert router.route("minh hong dang nhap duoc", language="vi").department == "technical"


def test_normalised_vietnamese_maps_back_to_the_customer_text() -> None:
    text = "đh bị hỏng"
    normalised, spans = normalise_vietnamese(text)

    assert normalised == "don hang bi hong"
    start = normalised.index("hong")
    assert text[spans[start][0] : spans[start + 3][1]] == "hỏng"


# ---------------------------------------------------------------- config


def test_departments_expose_names_hours_and_reply_promises() -> None:
    config = departments()

    assert set(config) == set(DEPARTMENT_KEYS)
    billing = config["billing"]
    assert billing.name("vi") and billing.name("en")
    assert billing.first_response_minutes > 0
    saigon = ZoneInfo("Asia/Ho_Chi_Minh")
    assert billing.is_open(datetime(2024, 5, 6, 10, 0, tzinfo=saigon))  # Monday morning
    assert not billing.is_open(datetime(2024, 5, 6, 3, 0, tzinfo=saigon))
    assert config["technical"].is_open(datetime(2024, 5, 5, 3, 0, tzinfo=saigon))  # 24/7


def test_default_department_and_intents_come_from_the_file() -> None:
    config = load_config()

    assert config.default_department == "customer_support"
    assert config.department_for_intent("payment_issue") == "billing"
    assert config.department_for_intent("contact_human_agent") is None


def test_load_router_is_cached() -> None:
    assert load_router() is load_router()


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(raw: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = raw
        for key in parents:
            node = node[key]
        node[last] = value

    return mutate


def _add_phrase(department: str, language: str, phrase: str) -> Callable[[dict[str, Any]], None]:
    def mutate(raw: dict[str, Any]) -> None:
        raw["departments"][department]["phrases"][language].append(phrase)

    return mutate


def _drop(department: str) -> Callable[[dict[str, Any]], None]:
    def mutate(raw: dict[str, Any]) -> None:
        del raw["departments"][department]

    return mutate


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (_set("timezone", "Mars/Olympus"), "unknown time zone"),
        (_set("default_department", "hr"), "default_department"),
        (_set("departments.hr", {}), "unknown ['hr']"),
        (_drop("sales"), "missing ['sales']"),
        (_set("departments.billing.intents", ["pay_stuff"]), "unknown intent 'pay_stuff'"),
        (_set("departments.billing.intents", ["contact_human_agent"]), "names no topic"),
        (_set("departments.billing.intents", ["warranty_claim"]), "both after_sales and billing"),
        (_add_phrase("billing", "en", "human agent"), "only asks for a person"),
        (_add_phrase("billing", "vi", "Nhân viên tư vấn"), "only asks for a person"),
        (_add_phrase("billing", "vi", "bảo hành"), "both"),  # already after_sales
        (_add_phrase("sales", "vi", "bao hanh"), "both"),  # same once folded
        (_set("departments.sales.business_hours", {"mon-sat": "9-17"}), "HH:MM-HH:MM"),
        (_set("departments.sales.business_hours", {"sat-mon": "09:00-17:00"}), "backwards"),
        (_set("departments.sales.business_hours", {"funday": "09:00-17:00"}), "not a day"),
        (
            _set(
                "departments.sales.business_hours", {"mon-fri": "09:00-17:00", "fri": "10:00-12:00"}
            ),
            "fri is given twice",
        ),
        (_set("departments.sales.business_hours", {"mon": "18:00-09:00"}), "not after"),
        (_set("departments.sales.first_response_minutes", 0), "positive integer"),
        (_set("departments.sales.first_response_minutes", "soon"), "positive integer"),
        (_set("departments.sales.names", {"en": "Sales"}), "names.vi"),
        (_set("departments.sales.phrases", ["bulk"]), "phrases"),
    ],
)
def test_bad_config_is_rejected_with_the_key_to_fix(
    raw_config: dict[str, Any], mutate: Callable[[dict[str, Any]], None], message: str
) -> None:
    mutate(raw_config)

    with pytest.raises(RoutingConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_config(raw_config)


def test_shipped_config_is_valid(raw_config: dict[str, Any]) -> None:
    assert set(parse_config(raw_config).departments) == set(DEPARTMENT_KEYS)


def test_english_phrases_meeting_after_lemmatisation_are_rejected(
    raw_config: dict[str, Any],
) -> None:
    raw_config["departments"]["after_sales"]["phrases"]["en"].append("charged")  # billing: charge
    router = Router(parse_config(raw_config))

    with pytest.raises(RoutingConfigError, match="same words"):
        router.route("I was charged twice", language="en")


def test_missing_and_broken_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(RoutingConfigError, match="cannot read"):
        load_config(tmp_path / "nowhere.yml")
    broken = tmp_path / "broken.yml"
    broken.write_text("departments: [unclosed", encoding="utf-8")
    with pytest.raises(RoutingConfigError, match="not valid YAML"):
        load_config(broken)


def test_config_path_from_the_environment(
    tmp_path: Path, raw_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    raw_config["departments"]["sales"]["first_response_minutes"] = 7
    custom = tmp_path / "departments.yml"
    custom.write_text(yaml.safe_dump(raw_config, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("HELPDESK_DEPARTMENTS_FILE", str(custom))

    assert load_config().departments["sales"].first_response_minutes == 7


# ---------------------------------------------------------------- regression gate


def test_routing_test_set_accuracy(router: Router) -> None:
    outcomes, _ = evaluate(router, load_cases())
    overall, count = accuracy(outcomes)
    no_topic, _ = accuracy([o for o in outcomes if o.case.department is None])

    assert count >= 7 * 30 + 20
    assert overall >= 0.90, [o for o in outcomes if o.deployed != o.case.department]
    assert no_topic >= 0.90
