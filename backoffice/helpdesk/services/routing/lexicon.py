"""The word lists routing reads requests with: intents, requests for a person, words that hide
a topic or name none, and how Vietnamese is typed in chat. Data only."""

from __future__ import annotations


def _wordset(text: str) -> frozenset[str]:
    """Long word lists read better as prose than as a column of quoted strings."""
    return frozenset(text.split())


# docs/contract.md's intent names; a typo in the config would otherwise silently never fire.
KNOWN_INTENTS = _wordset(
    """
    cancel_order change_order change_shipping_address check_cancellation_fee check_invoice
    check_payment_methods check_refund_policy complaint contact_customer_service
    contact_human_agent create_account delete_account delivery_options delivery_period edit_account
    get_invoice get_refund newsletter_subscription payment_issue place_order recover_password
    registration_problems review set_up_shipping_address switch_account track_order track_refund
    greet goodbye thank_you affirm deny bot_challenge out_of_scope inform check_ticket_status
    warranty_claim report_delivery_problem bulk_order_inquiry partnership_inquiry loyalty_program
    check_loyalty_points
    """
)
# Asking for a person says nothing about the topic, so these intents may not route.
TOPICLESS_INTENTS = frozenset({"contact_human_agent", "contact_customer_service", "bot_challenge"})

# Words of a request for a person; a phrase made only of these would route every such request.
# Vietnamese syllables are ambiguous alone ("nhan" in "nhân viên" and "nhận hàng"), so its
# generic words are whole expressions, folded.
GENERIC_WORDS = {
    "en": _wordset(
        """
        a an the i me my we our you your to with from of for please can could would want need
        like talk speak chat call connect transfer get let real live person people human agent
        staff someone somebody anyone anybody operator representative rep employee manager
        supervisor customer service care support help team department bot chatbot member
        """
    ),
    "vi": frozenset(
        {
            "nhan vien",
            "nguoi that",
            "nguoi",
            "tu van",
            "tu van vien",
            "ho tro",
            "cham soc khach hang",
            "khach hang",
            "cskh",
            "tong dai",
            "tong dai vien",
            "quan ly",
            "bo phan",
            "admin",
            "shop",
            "gap",
            "noi chuyen",
            "cho",
            "minh",
            "toi",
            "em",
            "ban",
            "giup",
            "voi",
            "oi",
            "a",
            "nhe",
            "nha",
            "bot",
            "may",
            "tui",
            "ai do",
            "ben shop",
        }
    ),
}

# Longer ways of asking for a person whose words would otherwise count as a topic ("someone in
# charge" is not about a charge, "xin số điện thoại" not about changing a phone number). They
# hide the phrases inside them and count for nothing.
PERSON_EXPRESSIONS = {
    "en": (
        "in charge",
        "head office",
        "main office",
        "from your company",
        "get in touch",
        "stop the bot",  # not an appliance that stopped
    ),
    "vi": (
        "xin so dien thoai",
        "xin sdt",
        "so hotline",
        "nguoi phu trach",
        "tra loi",  # typed without marks it would leave "loi" to match "lỗi" (fault)
        # being put through to a person is not a device that will not connect ("kết nối")
        "ket noi toi",
        "ket noi minh",
        "ket noi em",
        "ket noi voi nhan vien",
        "ket noi voi tu van",
        "ket noi voi nguoi",
    ),
}

# Words that contain a topic's phrase but are not about it: product names ("power bank" is not
# about a bank) and a delivery said to have gone fine ("arrived fine, but now it crackles" is about
# the product, not the courier). They hide the phrases inside them and count for nothing, but,
# unlike PERSON_EXPRESSIONS, the classifier still reads them.
NEUTRAL_EXPRESSIONS = {
    "en": (
        "power bank",
        "gate code",
        # a refund or a repair the customer says they do NOT want, a charge that did not happen
        "rather than a repair",
        "rather than repair",
        "instead of a repair",
        "not a repair",
        "don't want a refund",
        "not a refund",
        "nothing was charged",
        "was not charged",
        "wasn't charged",
        "arrive fine",
        "arrive safely",
        "arrive on time",
        "arrive in good condition",
        "arrive in perfect condition",
        "arrive intact",
        "delivery fine",
        "delivery on time",
    ),
    "vi": (
        "sạc dự phòng",
        "thời trang",  # fashion: "trang" alone is a web page
        "không đổi cái khác",
        "không muốn đổi",
        "ko mún đổi",
        "không cần hoàn tiền",
        "ko cần hoàn tiền",
        "chứ ko cần hoàn tiền",
        "chưa bị trừ tiền",
        "không bị trừ tiền",
        "giao tới nguyên vẹn",
        "giao đến nguyên vẹn",
        "giao nguyên vẹn",
        "giao đúng hẹn",
        "giao nhanh lắm",
        "giao không trễ",
        "giao hàng đúng hẹn",
        "nhận hàng nguyên vẹn",
    ),
}

# Words left over in a request for a person ("a real human, not a machine", "gấp lắm, ... liền"):
# the classifier ignores them too, or it reads a topic into them. Phrases are unaffected.
CLASSIFIER_FILLERS = {
    "en": _wordset(
        """
        real actual actually machine robot automated being there anyone anybody right now asap
        urgent urgently hello hi hey please thanks thank ok okay just question
        """
    ),
    "vi": frozenset(
        _wordset(
            """
            a ah nhe nha nhen di ne luon lien voi chut xiu vay alo ai lam thanks ok rep online
            hoai qua can
            """
        )
        | {"gia dinh"}  # family: typed "gia dinh" it would read as "giá" (price)
    ),
}

# Function words: the classifier reads them, but a leftover made only of these ("có ... không",
# "được không") names no topic, so they do not count towards min_words_alone. English uses
# spaCy's stop words. Not "máy" (machine), "thẻ" (card), "đồ" (things): folded they look alike.
VI_FUNCTION_WORDS = _wordset(
    "co khong duoc nao la ma thi roi ve cua nay nhu sao gi dang da se bi va hay hoac nhung cac mot"
)

# English words that never decide a topic but sit between the words of one ("cancel my order",
# "no one has helped"): skipped in phrases and in requests alike. Auxiliary verbs are found by
# their part of speech. "no" stays: "no sound" is not "sound".
ENGLISH_SKIPPED = _wordset("a an the this that these those my your our his her their its some")

# "được" (can, get) goes anywhere in a Vietnamese phrase, so phrases are matched without it.
OPTIONAL_VI = frozenset({"duoc"})
# Marked chat spellings of "không"; TEEN_CODE only knows unmarked abbreviations.
MARKED_NEGATIONS = frozenset({"hông", "hổng", "hơm", "khôm"})
# Unmarked "hong" is teen-code for "không", but "hỏng" (broken) after these words or before these.
BROKEN_BEFORE = frozenset({"bi", "da", "lam", "de", "hay", "hu"})
BROKEN_AFTER = frozenset({"roi", "r", "hoc", "het"})
# Common unmarked Vietnamese words: tell Vietnamese typed without marks from English.
VI_COMMON = _wordset(
    """
    cho minh mik mk toi em anh chi gap nhan vien nv khong ko k dc duoc roi ma la co bi da don dh
    hang voi vs ve muon nguoi ng oi nha nhe gi sao nao cua den giup hoi lam nay thi van chua sp
    ad shop ben cai tien mua giao tra doi
    """
)
