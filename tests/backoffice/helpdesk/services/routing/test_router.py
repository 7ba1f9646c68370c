"""Routing a request for a person: the decision, its reason, and the config a retailer edits."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from backoffice.helpdesk.services.routing.departments import (
    DEFAULT_CONFIG,
    RoutingConfigError,
    departments,
    load_config,
    parse_config,
)
from backoffice.helpdesk.services.routing.model import (
    Example,
    Prediction,
)
from backoffice.helpdesk.services.routing.router import (
    COMBINATION,
    Router,
    RoutingDecision,
    load_router,
)
from backoffice.helpdesk.services.routing.text import normalise_vietnamese
from bench.routing_eval import (
    DEV_SETS,
    Case,
    Outcome,
    accuracy,
    evaluate,
    handed_off,
    load_cases,
    retired_sets,
)
from caredesk_rules.departments import DEPARTMENT_KEYS


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
    # one two-word phrase is weak evidence, so the classifier's agreement is part of the reason
    assert decision.reason.startswith("matched 'charged twice' (billing) and closest examples (p=")
    assert 0 < decision.confidence <= 1


def test_intent_hint_is_part_of_the_reason_and_raises_confidence(router: Router) -> None:
    text = "I want to talk to someone, I was charged twice"
    phrases_only = Router(router.config, examples=())
    without = phrases_only.route(text, language="en")
    with_hint = phrases_only.route(text, intent="payment_issue", language="en")

    assert with_hint.department == "billing"
    assert with_hint.reason == "matched 'charged twice' (billing) and intent payment_issue"
    assert with_hint.confidence > without.confidence


def test_intent_alone_routes_when_the_words_do_not(router: Router) -> None:
    decision = router.route("I want to talk to a person", intent="warranty_claim", language="en")

    assert decision.department == "after_sales"
    assert decision.matched == ()
    assert decision.reason == "intent warranty_claim (after_sales)"
    assert decision.evidence == (
        {"department": "after_sales", "matched": [], "intent": "warranty_claim", "closest": None},
    )


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


def test_articles_possessives_and_auxiliaries_do_not_break_a_phrase(router: Router) -> None:
    decision = router.route("Agent please, no one has helped me in three days", language="en")

    assert decision.department == "customer_support"  # phrase "no one help"
    assert decision.matched == ("no one has helped",)  # quoted with the skipped words
    assert router.route("I'd like to change my order", language="en").matched == (
        "change my order",
    )


@pytest.mark.parametrize(
    ("text", "language", "department"),
    [
        # what the customer wants done decides: a refund is billing even for a faulty product
        ("The kettle arrived faulty and I just want a refund", "en", "billing"),
        ("sp bị lỗi, mình không muốn đổi nữa, muốn trả hàng lấy lại tiền", "vi", "billing"),
        # a repair or a replacement of a faulty product is after-sales
        ("The kettle is faulty, can you replace it?", "en", "after_sales"),
        # damage done by the courier is logistics
        ("Can I talk to someone, the courier broke my monitor", "en", "logistics"),
        ("shipper làm vỡ màn hình lúc giao", "vi", "logistics"),
        # getting into the account is technical, its details customer support
        ("I'd like to talk to a person, my account got hacked", "en", "technical"),
        ("I want to change the phone number on my account", "en", "customer_support"),
        # words that appear everywhere count half: "tiền" does not beat "chưa về" alone
        ("đơn hủy rồi mà tiền chưa về ví momo", "vi", "billing"),
        # money not back yet is billing, even for an order cancelled before delivery
        ("hủy đơn trước khi giao mà tiền vẫn chưa hoàn về thẻ", "vi", "billing"),
        # an organisation asking for a quote is sales, even with a VAT invoice
        ("Our company needs a quote for 25 laptops, VAT invoice included", "en", "sales"),
        ("bệnh viện chỗ tôi muốn mua 80 máy lọc nước", "vi", "sales"),
        # a touch screen pressing by itself is a faulty product, not our web page
        ("máy tính bảng cảm ứng bị loạn, tự bấm lung tung", "vi", "after_sales"),
        # where we are and when we answer is customer support
        ("do you have physical stores in Hanoi?", "en", "customer_support"),
        ("hotline bên mình ngày lễ có làm việc không", "vi", "customer_support"),
        # one customer's product question before buying is customer support (official
        # definitions): stock, specs, compatibility, which model; sales is only bulk buying
        ("Is the iPhone 15 in stock in blue?", "en", "customer_support"),
        ("Which robot vacuum is better for pets? Deciding before buying", "en", "customer_support"),
        ("Is this TV compatible with my wall mount?", "en", "customer_support"),
        ("máy giặt LG với Electrolux cái nào tiết kiệm điện hơn", "vi", "customer_support"),
        ("áo này còn size XL không", "vi", "customer_support"),
        ("Our school wants 40 of these laptops, is there enough stock?", "en", "sales"),
        ("công ty mình cần 50 cái, còn hàng không, báo giá giúp", "vi", "sales"),
        # asking a person to take an order for one item is customer support, not sales
        ("Not good with apps, can someone take my order over the phone?", "en", "customer_support"),
        # the courier's manners are logistics, even said as a complaint about attitude
        ("Tài xế giao hàng thái độ lồi lõm, không chịu khiêng máy giặt lên lầu", "vi", "logistics"),
        # a number of goods to buy is a bulk order whatever the product is called
        ("We want to buy 80 monitors for our new branch", "en", "sales"),
        ("cho mình đặt 150 hộp quà trung thu nhé", "vi", "sales"),
        # a team named outright is where the customer wants to go
        ("Need someone from sales asap, delivery to Long An next week", "en", "sales"),
        ("put me through to the after sales team, the fan makes a noise", "en", "after_sales"),
        # changing an order before it leaves is customer support, not a late delivery
        ("cancel ORD-10342 before it ships, I ordered the wrong color", "en", "customer_support"),
        # the shop's name carries Vietnamese marks; the message is still English
        ("a charge I don't recognise, 899,000 from Mây Store, I ordered nothing", "en", "billing"),
        # what the customer does NOT want does not count
        ("tai nghe bị lỗi, tôi chỉ muốn được hoàn tiền, không đổi cái khác", "vi", "billing"),
        # "trang" inside "thời trang" (fashion) is not a web page
        ("xưởng may muốn đưa hàng thời trang lên bán ở shop", "vi", "marketing"),
        # the site's own controls are technical, also named in English in a Vietnamese message
        ("the size dropdown is greyed out on the product page", "en", "technical"),
        ("search results are always empty, whatever I type in the search bar", "en", "technical"),
        ("bấm nút thêm vào giỏ mà không có gì xảy ra", "vi", "technical"),
        ("ko search duoc san pham nao het", "vi", "technical"),
        # installing a product we delivered is after-sales; installing our app is technical
        ("the washing machine came but nobody has done the installation", "en", "after_sales"),
        ("tủ lạnh giao rồi mà chưa có thợ lắp, hẹn lịch lắp giúp mình", "vi", "after_sales"),
        # a device that will not connect is still after-sales
        ("loa bluetooth không kết nối với điện thoại được", "vi", "after_sales"),
        ("I can't install your app on my phone", "en", "technical"),
    ],
)
def test_conflicts_follow_the_rules_in_the_config(
    router: Router, text: str, language: str, department: str
) -> None:
    assert router.route(text, "contact_human_agent", language).department == department


@pytest.mark.parametrize(
    ("text", "language", "not_evidence"),
    [
        ("the power bank I bought is swelling up", "en", "bank"),  # a product, not a bank
        ("The speaker arrived fine but now it crackles", "en", "arrived"),  # the delivery was fine
        ("Hàng giao tới nguyên vẹn nhưng ấm siêu tốc không tự ngắt", "vi", "giao"),
    ],
)
def test_neutral_words_are_no_evidence_for_the_topic_they_contain(
    raw_config: dict[str, Any], text: str, language: str, not_evidence: str
) -> None:
    phrases_only = Router(parse_config(raw_config), examples=())
    decision = phrases_only.route(text, "contact_human_agent", language)

    assert decision.department == "after_sales", decision.reason
    assert not any(not_evidence in m.lower() for m in decision.matched)
    assert "less evidence" not in decision.reason  # no other department counted it


def test_weights_from_the_config_decide(raw_config: dict[str, Any]) -> None:
    text = "the blender is defective and I want a refund"
    # phrases only: with this little evidence the classifier would also have its say
    assert (
        Router(parse_config(raw_config), examples=()).route(text, language="en").department
        == "billing"
    )

    phrases = raw_config["departments"]["billing"]["phrases"]["en"]
    phrases[phrases.index({"refund": 3})] = {"refund": 0.5}
    decision = Router(parse_config(raw_config), examples=()).route(text, language="en")

    assert decision.department == "after_sales"
    assert "less evidence for billing ('refund')" in decision.reason
    # The same facts as data, the chosen department first (the console words them).
    assert decision.evidence[0]["department"] == "after_sales"
    assert {"department": "billing", "matched": ["refund"], "intent": None, "closest": None} in (
        decision.evidence[1:]
    )


# ---------------------------------------------------------------- the learned classifier


def _prediction(department: str | None, probability: float, words: int = 3) -> Prediction:
    return Prediction(department, probability, None, probability, words)


def _never() -> Prediction | None:
    raise AssertionError("the classifier was consulted although a phrase decided")


@pytest.mark.parametrize(
    ("text", "language", "department"),
    [
        ("máy rửa bát rửa không sạch", "vi", "after_sales"),  # no phrase names the fault
        ("may rua bat rua ko sach", "vi", "after_sales"),
    ],
)
def test_paraphrase_without_a_phrase_is_routed_by_the_closest_examples(
    router: Router, text: str, language: str, department: str
) -> None:
    phrases_only = Router(router.config, examples=())
    assert phrases_only.route(text, "contact_human_agent", language).department is None

    decision = router.route(text, "contact_human_agent", language)

    assert decision.department == department
    assert decision.matched == ()
    assert decision.reason.startswith(
        f"no routing phrase matched; closest examples are about {department} (p=0."
    )
    assert 0 < decision.confidence < 1


def test_a_phrase_weighed_to_decide_skips_the_classifier(router: Router) -> None:
    hits, _, _ = router.evidence("I want a refund", "en")  # "refund: 3" in the config

    decision = router.decide(hits, None, _never)

    assert decision.department == "billing"
    assert "closest examples" not in decision.reason


def test_a_sure_classifier_outweighs_a_word_read_out_of_its_sentence(router: Router) -> None:
    hits, _, _ = router.evidence("the charger you sold me melted at the plug", "en")
    assert [(h.department, h.weight) for h in hits] == [("marketing", 2.0)]  # "sold"

    decision = router.decide(hits, None, lambda: _prediction("after_sales", 0.8))

    assert decision.department == "after_sales"  # 3 x 0.8 > 2
    assert decision.reason == (
        "closest examples are about after_sales (p=0.80); less evidence for marketing ('sold')"
    )


def test_confident_classifier_outweighs_one_weak_word(router: Router) -> None:
    hits, _, _ = router.evidence("the parcel", "en")  # "parcel": one word, weight 1
    assert [h.department for h in hits] == ["logistics"]

    decision = router.decide(hits, None, lambda: _prediction("after_sales", 0.9))

    assert decision.department == "after_sales"  # 1.5 x 0.9 > 1
    assert decision.reason == (
        "closest examples are about after_sales (p=0.90); less evidence for logistics ('parcel')"
    )


def test_unsure_classifier_adds_nothing_to_weak_phrases(router: Router) -> None:
    hits, _, _ = router.evidence("the parcel", "en")
    unsure = COMBINATION.min_probability - 0.01

    decision = router.decide(hits, None, lambda: _prediction("after_sales", unsure))

    assert decision.department == "logistics"
    assert decision.reason == "matched 'parcel' (logistics)"


@pytest.mark.parametrize(
    "prediction",
    [
        _prediction("billing", COMBINATION.min_probability_alone - 0.01),  # not sure enough
        _prediction("billing", 0.99, words=1),  # one leftover word ("available")
        _prediction(None, 0.99),  # closest to the requests that name no topic
        None,  # nothing in common with any example
    ],
)
def test_classifier_alone_does_not_invent_a_topic(
    router: Router, prediction: Prediction | None
) -> None:
    decision = router.decide([], None, lambda: prediction)

    assert decision.department is None
    assert "ask what it is about" in decision.reason


def test_classifier_and_intent_add_up(router: Router) -> None:
    decision = router.decide([], "payment_issue", lambda: _prediction("billing", 0.8))

    assert decision.department == "billing"
    assert decision.reason == "intent payment_issue (billing) and closest examples (p=0.80)"


def test_examples_next_to_a_departments_file_are_the_ones_learned(
    tmp_path: Path, raw_config: dict[str, Any]
) -> None:
    custom = tmp_path / "departments.yml"
    custom.write_text(yaml.safe_dump(raw_config, allow_unicode=True), encoding="utf-8")
    examples = [
        {"department": d, "language": "en", "text": f"zorblax {d} quux"} for d in DEPARTMENT_KEYS
    ]
    examples.append({"department": "marketing", "language": "en", "text": "frobnicate widget"})
    (tmp_path / "routing_examples.yml").write_text(
        yaml.safe_dump({"version": 1, "examples": examples}), encoding="utf-8"
    )
    router = Router(load_config(custom))

    assert len(router.examples) == len(DEPARTMENT_KEYS) + 1
    prediction = router.predict("please frobnicate the widget", "en")
    assert prediction is not None and prediction.department == "marketing"


def test_learning_other_examples_rebuilds_the_classifier(raw_config: dict[str, Any]) -> None:
    router = Router(parse_config(raw_config), examples=())
    assert router.predict("may rua bat rua ko sach", "vi") is None

    router.learn(
        [
            Example("máy rửa bát rửa không sạch", "vi", "after_sales"),
            Example("hóa đơn sai số tiền", "vi", "billing"),
        ]
    )

    prediction = router.predict("may rua bat rua ko sach", "vi")
    assert prediction is not None and prediction.department == "after_sales"


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
        ("cho minh gap nhan vien cham soc khach hang", "vi"),  # nor without marks
        ("Can I speak to someone in charge?", "en"),  # not a charge
        ("cho minh xin sdt cua shop", "vi"),  # asking for the number, not changing it
        ("cho mình gặp nhân viên, gia đình mình cần hỗ trợ", "vi"),  # "gia" typed is not "giá"
        ("shop ơi trả lời mình với", "vi"),  # "trả lời" (answer) is not "lỗi" (fault)
        ("Cho tui gặp ai đó bên shop đi", "vi"),  # "ai đó bên shop" is just someone
        ("pls stop the bot and get me a person", "en"),  # not an appliance that stopped
        ("kết nối mình với nhân viên nha", "vi"),  # put through, not a device that connects
        ("ket noi voi tu van vien giup toi", "vi"),
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


def test_words_typed_with_marks_must_carry_the_phrase_marks(router: Router) -> None:
    # "kho" (warehouse) is a logistics phrase; "khó" (hard) is another word
    assert router.route("cho mình gặp nhân viên, khó quá", language="vi").department is None
    assert router.route("hàng nằm ở kho mãi", language="vi").department == "logistics"
    # tone placement differs between keyboards: "hoá đơn" is "hóa đơn"
    assert router.route("mình cần xuất hoá đơn", language="vi").department == "billing"


def test_duoc_may_sit_inside_a_vietnamese_phrase(router: Router) -> None:
    decision = router.route("mình không tạo được tài khoản", language="vi")

    assert decision.department == "technical"  # phrase "tạo tài khoản"
    assert decision.matched == ("tạo được tài khoản",)


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


def _add_phrase(
    department: str, language: str, phrase: str | dict[str, Any]
) -> Callable[[dict[str, Any]], None]:
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
        (_add_phrase("sales", "en", {"bulk order": 0}), "above 0"),
        (_add_phrase("sales", "en", {"bulk order": 6}), "at most 5"),
        (_add_phrase("sales", "en", {"bulk order": "heavy"}), "must be a number"),
        (_add_phrase("sales", "en", {"bulk order": True}), "must be a number"),
        (_add_phrase("sales", "en", {"bulk order": 2, "big order": 2}), "one phrase per line"),
        (_set("bulk_quantity", {"department": "hr"}), "bulk_quantity"),
        (_set("bulk_quantity", {"department": "sales", "at_least": 1}), "at_least"),
        (_set("bulk_quantity", {"department": "sales", "weight": 9}), "weight"),
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


def test_english_phrases_of_skipped_words_only_are_rejected(raw_config: dict[str, Any]) -> None:
    raw_config["departments"]["sales"]["phrases"]["en"].append("those")
    router = Router(parse_config(raw_config))

    with pytest.raises(RoutingConfigError, match="only words that are skipped"):
        router.route("I want to buy 50 units", language="en")


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


# ---------------------------------------------------------------- accuracy


def test_retired_sets_are_numbered_and_a_set_may_be_split_by_language(tmp_path: Path) -> None:
    for name in ("dev_blind1_en.yml", "dev_blind1_vi.yml", "dev_blind10.yml", "dev_blind2.yml"):
        (tmp_path / name).write_text("version: 1\nrequests: []\n", encoding="utf-8")
    (tmp_path / "notes.yml").write_text("version: 1\n", encoding="utf-8")

    sets = retired_sets(tmp_path)

    assert list(sets) == [1, 2, 10]
    assert [p.name for p in sets[1]] == ["dev_blind1_en.yml", "dev_blind1_vi.yml"]


@pytest.mark.parametrize(
    ("expected", "routed", "handed"),
    [
        ("billing", None, "customer_support"),  # a topic the router did not place: the default
        (None, None, None),  # no topic: the assistant asks what it is about
        ("billing", "logistics", "logistics"),
    ],
)
def test_handed_off_is_where_the_helpdesk_puts_the_request(
    expected: str | None, routed: str | None, handed: str | None
) -> None:
    outcome = Outcome(Case("text", "en", expected, None), routed, None, "")

    assert handed_off(outcome, "customer_support") == handed


@pytest.mark.parametrize("path", DEV_SETS, ids=lambda p: p.name)
def test_development_set_accuracy(router: Router, path: Path) -> None:
    """The sets the phrases were tuned on: a drop here means an edit broke known requests."""
    outcomes, _ = evaluate(router, load_cases(path))
    overall, count = accuracy(outcomes)

    assert count >= 7 * 2 * 10
    assert overall >= 0.95, [o for o in outcomes if o.deployed != o.case.department]


def test_routing_test_set_accuracy(router: Router) -> None:
    """The held-out set (written blind, never used to tune routing): the issue's target of 95%.

    A failure names how many requests of each department missed, not their texts: whoever
    edits phrases or examples must not see the held-out requests (bench.routing_eval shows them
    on purpose). Earlier held-out sets, once measured, became bench/data/routing/dev_blind*.yml.
    """
    outcomes, _ = evaluate(router, load_cases())
    overall, count = accuracy(outcomes)
    no_topic, _ = accuracy([o for o in outcomes if o.case.department is None])
    misses = Counter(str(o.case.department) for o in outcomes if o.deployed != o.case.department)

    assert count >= 7 * 30 + 20
    assert overall >= 0.95, f"{overall:.1%} of {count}; misses per department: {dict(misses)}"
    assert no_topic >= 0.90, f"{no_topic:.1%} of the requests without a topic"


def test_english_words_in_a_vietnamese_conversation_are_read_in_english(router: Router) -> None:
    # The form began in English; the request for a person came in Vietnamese, so the language
    # slot is "vi" when the form's words are routed.
    decision = router.route("I want to cancel my order", "cancel_order", "vi")
    assert decision.department == "customer_support"
    assert "cancel" in decision.reason
    # Vietnamese without marks is still read in Vietnamese.
    assert router.route("nv oi don hang bi giao tre", None, "vi").department == "logistics"


def test_unmarked_vietnamese_with_borrowed_english_words_is_read_in_vietnamese(
    router: Router,
) -> None:
    # Few common Vietnamese words and English ones ("update", "app"): the English reading finds
    # only "app", the Vietnamese one also "man hinh trang" (a white screen).
    text = "update app xong man hinh trang tron"
    hits, used, _ = router.evidence(text, "vi")

    assert used == "vi"
    assert {h.phrase for h in hits} >= {"app", "màn hình trắng"}
