from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from components.language_detector import LANGUAGE
from components.text_normalizer import VietnameseTextNormalizer, normalise


def test_the_three_written_forms_of_a_sentence_become_one():
    forms = [
        "đơn hàng của mình không được giao",
        "don hang cua minh khong duoc giao",
        "dh cua mk ko dc giao",
    ]
    assert {normalise(text, "vi") for text in forms} == {"don hang cua minh khong duoc giao"}


def test_teen_code_is_left_alone_in_english():
    assert normalise("ok k thanks", "en") == "ok k thanks"


def test_intent_payloads_pass_through_untouched():
    assert (
        normalise('/track_order{"order_id": "ORD-10001"}', "vi")
        == '/track_order{"order_id": "ORD-10001"}'
    )


def test_component_rewrites_message_text():
    message = Message({TEXT: "Đơn hàng ĐÂU rồi", LANGUAGE: "vi"})
    VietnameseTextNormalizer().process([message])
    assert message.get(TEXT) == "don hang dau roi"


def test_ids_emails_and_phones_become_placeholder_words():
    assert normalise("đơn ORD-10001 của mình, sdt 0912 345 678", "vi") == (
        "don orderref cua minh, so dien thoai phonenumber"
    )
    assert normalise("mail me at An@Example.com about TCK-12", "en") == (
        "mail me at emailaddress about ticketref"
    )
