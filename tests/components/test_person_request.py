"""Requests for a person, recognised in any message (issue 9): English, Vietnamese with and
without diacritics, teen-code; and the messages that only mention a person."""

import tempfile
from pathlib import Path

import pytest

from components.person_request import detect

PERSON = [{"name": "contact_human_agent", "confidence": 0.3}]


@pytest.mark.parametrize(
    "text",
    [
        "get me a human, the app crashes every time I log in",
        "can I talk to your sales team about a bulk order for 300 laptops",
        "I need a real person, the package was delivered to the wrong address",
        "actually just get me a human",
        "put me through to billing please",
        "agent",
        "tôi muốn gặp nhân viên bảo hành, máy lọc nước bị hỏng",
        "cho gap nguoi that",
        "nv oi",
        "ad oi",
        "chuyển mình sang bộ phận kỹ thuật với",
        "cho e gap nv, don bi giao tre",
        # implicit: who handles it, someone asked to act, a team called on
        "who handles advertising? we'd like a banner on your homepage",
        "Could someone from after-sales contact me? The phone reboots by itself",
        "Can a staff member update my delivery address?",
        "can your marketing people get in touch?",
        "pls have sales call me back, we want 40 rice cookers",
        "Anyone from your IT team? Images don't load on product pages",
        "A staff member please, not the bot.",
        "Tôi muốn mang tivi đi sửa, ai phụ trách bảo hành vậy?",
        "Tim gia si my pham, toi thieu 100 san pham, lien he ai vay shop",
        "Có ai không ạ, tủ lạnh nhà tôi không lạnh từ hôm qua",
        "Web báo lỗi 502 mỗi khi bấm vào mục Đơn hàng, có ai xử lý không ạ?",
        "cho mk xin sdt nguoi phu trach hop tac",
        "Truong dai hoc can 60 may tinh bang, nhan vien nao lo don lon vay?",
        "Anh chị tư vấn viên ơi, nồi chiên 6L và 8L khác nhau gì?",
        # which team, a person from a team, a call from a team, a person who can act
        "Hi, which team handles international shipping?",
        "The ward dropdown is empty on checkout. Is someone from tech available?",
        "your mobile site is broken on Safari. anyone from IT?",
        "Is there an account manager I can talk to? We need 25 smart TVs",
        "I'd like a call from your enterprise team about 400 polo shirts",
        "Do you have a B2B team? I'd like to speak to them about 70 monitors",
        "Hi, who can tell me where my package is?",
        "Please have a staff member ring me, I want to change the quantity",
        "I'd rather deal with a human on this: the hair dryer overheats",
        "connect me to live support",
        # staff asked to act, a team asked for help, who does it for me
        "don co 3 mon, 1 mon het hang, nhan vien hoan lai giup",
        "ad ơi thẻ báo lỗi mà vẫn bị trừ tiền, nv check giúp mk vs",
        "mk cần báo giá 400 áo polo in logo cty, nv sale ib mk nha",
        "App Android tự đăng xuất liên tục, nhờ bộ phận kỹ thuật hỗ trợ.",
        "Xem lịch sử đơn hàng thì báo lỗi 500, tôi muốn nói chuyện với đội IT.",
        "minh can hoa don do cho don ORD-56610, ai lam giup",
        "Đơn bị hủy nhưng tôi đã thanh toán rồi, ai hoàn tiền cho tôi đây?",
        "mk muốn làm đại sứ thương hiệu cho shop, ad kết nối giúp vs",
        "Gọi giúp tôi một nhân viên thật vào đây.",
        "Tôi muốn khiếu nại bạn chat hôm qua, cho tôi gặp cấp trên.",
        # who is in charge, someone asked to act, a team asked or addressed
        "Who's in charge of B2B? Our startup needs 25 MacBooks",
        "hi, tiktoker here 80k followers, looking for paid collab, who do i dm",
        "delivery guy marked me unreachable. someone fix this",
        "can sb check my order status ORD-67340",
        "Billing team please, I need the invoice reissued under my company name.",
        "hi tech team, the voucher box disappears at checkout",
        "can ur marketing ppl reply to my email?",
        "Is anybody from PR around? We're a magazine.",
        "Is there technical staff online? The app crashes.",
        "Do you have a brand team? We'd like to feature your store in our podcast.",
        "need contact for your marketing team, we're an agency",
        "Alo bên bảo hành ơi, nồi cơm điện bị gãy bản lề nắp rồi",
        "Cho em xin người bên hậu mãi, máy hút bụi chạy 2 phút là tắt.",
        "Nhờ bộ phận tài chính xuất lại hoá đơn theo tên công ty ạ.",
        "45 ngày rồi chưa hoàn tiền, tôi yêu cầu chuyển lên cấp trên xử lý.",
        "hoa don dien tu ghi sai don gia, ai sua duoc vay",
        "call center cty em can 100 tai nghe, nho sales bao gia",
        "Mình viết blog nuôi dạy con, muốn bàn về bài viết tài trợ với bên marketing.",
        "bo loc size tren web ko hoat dong, bao loi cho ai",
        "Em la streamer game, muon ban chuyen tai tro, lien he bo phan nao vay shop?",
        "web sap ca tieng roi, chuyen len IT gium",
        "Xin chào, tôi cần được hỗ trợ bởi nhân viên, không phải chatbot.",
        # "sửa chữa" (repair) folds to "sua chua": not "chưa" (not yet)
        "Ai phụ trách sửa chữa vậy ạ? Tủ lạnh nhà em không lạnh nữa",
        # a team's name may hold digits
        "Can your B2B team call me? We need 25 MacBooks.",
    ],
)
def test_a_request_for_a_person_is_marked_whatever_the_intent(text: str) -> None:
    assert detect(text, "report_delivery_problem", []) is not None


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("ad oi phi ship ra da nang bao nhieu", "delivery_options"),
        ("are you a real person?", "bot_challenge"),
        ("am I talking to a bot or a real person?", "bot_challenge"),
        ("bạn là người thật hay máy?", "bot_challenge"),
        ("how do I get in touch with customer care?", "contact_customer_service"),
        ("nhân viên tư vấn hôm qua rất nhiệt tình", "review"),
        ("nhờ bạn kiểm tra đơn giúp mình", "track_order"),
        ("mình muốn shop giao nhanh", "delivery_period"),
        ("how do I switch accounts", "switch_account"),
        ("I want a refund", "get_refund"),
        # "anyone" who knows, has handled, or did not: not asking for someone now
        ("có ai bt cách nấu chè khúc bạch k ạ", "out_of_scope"),
        ("co ai xu ly ticket cua toi chua vay", "check_ticket_status"),
        ("khiếu nại vì áp mã giảm giá không được mà không ai giải thích", "complaint"),
        ("do you get bored talking to people all day", "out_of_scope"),
        # staff talked about, not asked to act; "doi" that is not "đội" (team)
        ("nv tu van thai do k ra gi, e muon khieu nai", "complaint"),
        ("muốn khen bạn nhân viên tên Linh tư vấn rất có tâm", "review"),
        ("Tôi rất thất vọng về cách nhân viên bên bạn đối xử", "complaint"),
        ("e doi tien hoan 2 tuan r ma chua thay", "track_refund"),
        ("em muốn đổi trả đôi giày vì không vừa chân", "get_refund"),
        ("nhân viên giao hàng gọi cho mình chưa?", "track_order"),
        # the service or the warranty, not a team; has anyone yet: a status question
        ("đồng hồ thông minh tự nhiên đơ màn hình, bảo hành giúp em", "warranty_claim"),
        ("sua lai dia chi giao hang cua don 10879 giup minh", "change_shipping_address"),
        ("kem chong nang da mo nap co doi tra duoc khong", "check_refund_policy"),
        ("ticket e gửi hqua có ai xem chưa", "check_ticket_status"),
        ("co ai xem phim lat mat 7 chua, hay k", "out_of_scope"),
    ],
)
def test_other_messages_are_not_marked(text: str, intent: str) -> None:
    assert detect(text, intent, [{"name": intent, "confidence": 0.9}]) is None


def test_a_mention_counts_when_the_classifier_also_reads_a_request() -> None:
    text = "live chat about my double charge"
    assert detect(text, "payment_issue", [{"name": "payment_issue", "confidence": 0.9}]) is None
    assert detect(text, "payment_issue", [{"name": "payment_issue", "confidence": 0.6}, *PERSON])


def test_the_mark_names_the_words_that_asked() -> None:
    mark = detect("pls transfer me to an agent, my card was charged twice", None, [])
    assert mark == {"phrase": "transfer me to an agent", "source": "request", "other_words": 5}
    assert detect("cho mình gặp nhân viên với ạ", None, [])["other_words"] == 0


def test_a_question_about_who_answers_is_read_as_the_question():
    from rasa.shared.nlu.training_data.message import Message

    message = Message({"text": "am I talking to a bot or a real person?"})
    message.set("intent", {"name": "contact_human_agent", "confidence": 0.5}, add_to_output=True)
    message.set(
        "intent_ranking",
        [
            {"name": "contact_human_agent", "confidence": 0.5},
            {"name": "bot_challenge", "confidence": 0.4},
        ],
        add_to_output=True,
    )
    untrained_detector().process([message])
    assert message.get("intent")["name"] == "bot_challenge"
    assert message.get("person_request") is None


def untrained_detector():
    """The detector as Rasa creates it before training: the patterns alone."""
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    from components.person_request import PersonRequestDetector

    storage = LocalModelStorage(Path(tempfile.mkdtemp()))
    context = ExecutionContext(GraphSchema({}), "test")
    config = PersonRequestDetector.get_default_config()
    return PersonRequestDetector.create(config, storage, Resource("person"), context)


def test_a_learned_reading_marks_what_the_patterns_miss_and_says_so():
    mark = detect("any1 from wholesale?? need 1000 boxes of masks", "bulk_order_inquiry", [], True)
    assert mark is not None and mark["source"] == "learned" and mark["phrase"] == ""
    assert mark["other_words"] >= 6
    assert (
        detect("any1 from wholesale?? need 1000 boxes of masks", "bulk_order_inquiry", []) is None
    )


def test_a_learned_reading_never_overrides_a_question_about_who_answers():
    ranking = [{"name": "bot_challenge", "confidence": 0.9}]
    assert detect("are you a bot or a real person?", "bot_challenge", ranking, True) is None


@pytest.mark.parametrize(
    "text",
    [
        "how do I become a call-centre agent",
        "how to become a customer service representative at a bank",
        "Làm sao để trở thành nhân viên tổng đài?",
        "lam nhan vien cham soc khach hang can ky nang gi",
    ],
)
def test_a_question_about_a_job_is_not_a_request(text):
    assert detect(text, "out_of_scope", [], learned=True) is None


@pytest.mark.parametrize(
    "text",
    [
        "can I talk to an agent about becoming a reseller",
        "cho em gặp nhân viên, em muốn làm đại lý",
    ],
)
def test_a_request_that_mentions_becoming_something_is_still_a_request(text):
    assert detect(text, None, []) is not None


@pytest.mark.parametrize(
    "text",
    [
        "tbh I just need someone to talk to",
        "Can we just talk for a bit? I don't want to be alone",
        "Buồn ghê, không ai nói chuyện với mình cả.",
        "hnay mik buồn, k mún nói chuyện vs ai hết 😔",
    ],
)
def test_loneliness_is_out_of_scope_not_a_hand_off(text):
    from rasa.shared.nlu.training_data.message import Message

    message = Message({"text": text})
    ranking = [
        {"name": "contact_human_agent", "confidence": 0.7},
        {"name": "out_of_scope", "confidence": 0.2},
    ]
    message.set("intent", ranking[0], add_to_output=True)
    message.set("intent_ranking", ranking, add_to_output=True)
    untrained_detector().process([message])
    assert message.get("intent")["name"] == "out_of_scope"
    assert [r["name"] for r in message.get("intent_ranking")] == [
        "out_of_scope",
        "contact_human_agent",
    ]
    assert message.get("person_request") is None


@pytest.mark.parametrize(
    "text",
    [
        "I feel so lonely, my order never came, get me a human",
        "cô đơn quá, cho mình gặp nhân viên hỏi đơn hàng",
        "I want to talk to someone",
    ],
)
def test_a_request_beside_feelings_is_still_a_request(text):
    assert detect(text, "contact_human_agent", []) is not None


def test_a_request_for_another_companys_staff_is_not_marked():
    from rasa.shared.nlu.training_data.message import Message

    from components.other_company import OTHER_COMPANY

    message = Message({"text": "could you transfer me to a lazada agent?"})
    message.set("intent", {"name": "out_of_scope", "confidence": 0.9}, add_to_output=True)
    message.set(OTHER_COMPANY, {"name": "lazada", "replaced_intent": "contact_human_agent"})
    untrained_detector().process([message])
    assert message.get("person_request") is None


def test_a_request_for_another_companys_staff_read_as_out_of_scope_is_not_marked():
    from rasa.shared.nlu.training_data.message import Message

    message = Message({"text": "could you transfer me to a lazada agent?"})
    message.set("intent", {"name": "out_of_scope", "confidence": 1.0}, add_to_output=True)
    untrained_detector().process([message])
    assert message.get("person_request") is None


def test_a_partner_who_sells_elsewhere_still_reaches_a_person():
    from rasa.shared.nlu.training_data.message import Message

    message = Message({"text": "could a representative reach out? i sell on shopee live"})
    message.set("intent", {"name": "partnership_inquiry", "confidence": 0.8}, add_to_output=True)
    untrained_detector().process([message])
    assert message.get("person_request") is not None
