"""Another business's order, account or service is out of scope; ours, and how we are paid, not."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.language_detector import LANGUAGE
from components.other_company import (
    CONFIDENCE,
    OTHER_COMPANY,
    OUT_OF_SCOPE,
    OtherCompanyDetector,
    other_company,
)
from components.text_normalizer import normalise


def found(text: str, intent: str, language: str = "en") -> str | None:
    """What the component finds in the text as the pipeline hands it over (folded, masked)."""
    return other_company(normalise(text, language), intent)


@pytest.mark.parametrize(
    ("text", "intent", "language", "name"),
    [
        ("my Shopee order still says in transit after 2 weeks", "track_order", "en", "shopee"),
        ("how do I get a refund from Netflix", "get_refund", "en", "netflix"),
        ("my gmail password doesn't work anymore", "recover_password", "en", "gmail"),
        ("my Facebook got hacked and they changed the email", "recover_password", "en", None),
        ("Vietjet cancelled my flight, when is the refund", "track_refund", "en", "vietjet"),
        (
            "my Grab driver delivered my food 40 minutes late",
            "report_delivery_problem",
            "en",
            "grab driver",
        ),
        ("Đơn hàng Shopee của tôi hai tuần rồi chưa giao", "track_order", "vi", "shopee"),
        ("lam sao lay lai tai khoan facebook bi hack", "recover_password", "vi", None),
        (
            "Tài khoản ngân hàng Vietcombank của tôi bị khóa",
            "recover_password",
            "vi",
            "vietcombank",
        ),
        ("how to top up a Viettel prepaid sim with a bank card", "payment_issue", "en", "viettel"),
        (
            "how do i change the delivery address on a ShopeeFood order",
            "change_shipping_address",
            "en",
            "shopeefood",
        ),
        ("Mật khẩu Gmail của tôi đăng nhập không được nữa", "recover_password", "vi", "gmail"),
        ("zalo mik ko dang nhap dc, bao sai mk hoai", "registration_problems", "vi", "zalo"),
        ("Steam won't refund a game I only played for 3 hours", "get_refund", "en", "steam"),
        ("cancel my Be ride please, driver is going the wrong way", "cancel_order", "en", None),
        ("Quên mật khẩu ứng dụng VNeID thì lấy lại thế nào?", "recover_password", "vi", "vneid"),
        ("tien dien thang nay tang gap doi, sai o dau", "payment_issue", "vi", "tien dien"),
        # rides, payments at another venue, and another company's staff
        ("Grab charged me twice for one ride this morning", "payment_issue", "en", None),
        ("grab k tới đón mà vẫn trừ tiền là sao z", "payment_issue", "vi", None),
        ("VNPay QR payment failed at a restaurant but I was debited", "payment_issue", "en", None),
        ("Thanh toán VNPay ở siêu thị bị lỗi, tiền đã trừ", "payment_issue", "vi", None),
        ("Could you transfer me to a Lazada agent?", "contact_human_agent", "en", "lazada"),
        ("Nối máy cho tôi gặp nhân viên Shopee đi.", "contact_human_agent", "vi", "shopee"),
    ],
)
def test_another_companys_service_is_found(
    text: str, intent: str, language: str, name: str | None
) -> None:
    result = found(text, intent, language)
    assert result is not None
    if name:
        assert result == name


@pytest.mark.parametrize(
    ("text", "intent", "language"),
    [
        # how the customer pays us, and who delivers for us
        ("I paid with MoMo but the order still shows unpaid", "payment_issue", "en"),
        ("Vietcombank charged me twice for the same order", "payment_issue", "en"),
        ("thanh toan bang shopeepay bi loi", "payment_issue", "vi"),
        ("do you take Viettel Money", "payment_issue", "en"),
        ("is there instant delivery with grab", "delivery_period", "en"),
        ("my Viettel Post parcel has not moved for 3 days", "track_order", "en"),
        # tied to our shop
        ("I bought it on your shop, not Shopee, where is ORD-10001", "track_order", "en"),
        ("đơn ORD-10001 mua ở shop, giao qua Lazada Express à", "track_order", "vi"),
        # our price against theirs
        ("it is cheaper on Shopee, can you match the price", "place_order", "en"),
        ("sao gia o day dat hon so voi lazada vay", "complaint", "vi"),
        # an e-invoice is not an electricity bill; signing in with Google or Zalo is with us
        ("tôi chưa nhận được hóa đơn điện tử, gửi lại giúp tôi", "get_invoice", "vi"),
        ("mình muốn đăng ký bằng tài khoản Google được không", "create_account", "vi"),
        ("register account by facebook", "create_account", "en"),
        ("otp sms never comes to my viettel number", "registration_problems", "en"),
        # a product's features
        (
            "Tivi Sony 55 inch này có hỗ trợ Netflix với giọng nói tiếng Việt không",
            "place_order",
            "vi",
        ),
        (
            "FB login broke after I changed my FB password, can't get into my Mây account",
            "registration_problems",
            "en",
        ),
        # an email address is not a company
        ("reset the password for lan@gmail.com", "recover_password", "en"),
        # not one of our service intents
        ("hi, I am from Tiki and we would like to partner", "partnership_inquiry", "en"),
        ("is Lazada better than Shopee", "out_of_scope", "en"),
        # our own staff, with another business named for a comparison or a payment
        ("cho gặp nhân viên, giá bên shop rẻ hơn Shopee không", "contact_human_agent", "vi"),
        (
            "get me a person, I paid with MoMo and the order shows unpaid",
            "contact_human_agent",
            "en",
        ),
        ("can grab deliver from your shop today", "delivery_period", "en"),
    ],
)
def test_our_own_business_stays_ours(text: str, intent: str, language: str) -> None:
    assert found(text, intent, language) is None


def _message(text: str, language: str, ranking: list[tuple[str, float]]) -> Message:
    message = Message({TEXT: normalise(text, language), LANGUAGE: language})
    message.set(INTENT, {"name": ranking[0][0], "confidence": ranking[0][1]})
    message.set(INTENT_RANKING_KEY, [{"name": n, "confidence": c} for n, c in ranking])
    return message


def test_out_of_scope_is_ranked_first_clear_of_the_fallback_thresholds() -> None:
    message = _message(
        "how do I cancel my Spotify Premium subscription",
        "en",
        [("cancel_order", 0.82), ("out_of_scope", 0.1), ("track_order", 0.08)],
    )
    OtherCompanyDetector().process([message])
    assert message.get(INTENT) == {"name": OUT_OF_SCOPE, "confidence": CONFIDENCE}
    ranking = message.get(INTENT_RANKING_KEY)
    assert [r["name"] for r in ranking] == [OUT_OF_SCOPE, "cancel_order", "track_order"]
    # The FallbackClassifier asks "did you mean" when the top two are within 0.1.
    assert ranking[0]["confidence"] - ranking[1]["confidence"] > 0.1
    assert message.get(OTHER_COMPANY) == {"name": "spotify", "replaced_intent": "cancel_order"}


def test_a_message_about_us_is_left_as_the_classifier_read_it() -> None:
    message = _message("where is my order ORD-10001", "en", [("track_order", 0.97)])
    OtherCompanyDetector().process([message])
    assert message.get(INTENT) == {"name": "track_order", "confidence": 0.97}
    assert message.get(OTHER_COMPANY) is None
