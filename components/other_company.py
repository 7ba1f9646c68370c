"""Reads a question about another company's order, account or service as out of scope.

"my Shopee order is late", "how do I get a refund from Netflix", "my Facebook got hacked" use the
words of our own flows (an order, a refund, an account), so the classifier reads them as ours and
the assistant would look up an order or reset a password it has nothing to do with. When the
message names another business and nothing ties it to our shop (an order id, "your shop", the
shop's name), this component, placed after the intent classifier and before the
FallbackClassifier, ranks `out_of_scope` first, so the assistant says what it does instead.

What stays ours: our payment methods and carriers (MoMo, ZaloPay, VNPay, ShopeePay, banks; GHN,
Viettel Post), delivery by Grab, the brands we sell, and comparisons ("cheaper than on Shopee").
A bank or e-wallet turns a message into out of scope only for account intents ("my Vietcombank
app locked me out"), since "Vietcombank charged me twice" is about paying us; a telecom only
for the others ("the OTP never reaches my Viettel number" is about our sign-up).
"""

from __future__ import annotations

import re

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.rule_component import RuleComponent

OTHER_COMPANY = "other_company"  # the parse-result key: the name found and the intent replaced
OUT_OF_SCOPE = "out_of_scope"
# The confidence given to out of scope, clear of the FallbackClassifier's thresholds.
CONFIDENCE = 0.9

# Intents about the customer's own order, money, account or delivery with us: with another
# company named, they are about that company. Greetings, answers to our questions, payment
# methods, bulk orders and partnerships (a company may name itself) are left alone.
SERVICE_INTENTS = frozenset(
    {
        "cancel_order",
        "change_order",
        "change_shipping_address",
        "check_cancellation_fee",
        "check_invoice",
        "check_loyalty_points",
        "check_refund_policy",
        "check_ticket_status",
        "complaint",
        "contact_customer_service",
        "create_account",
        "delete_account",
        "delivery_period",
        "edit_account",
        "get_invoice",
        "get_refund",
        "loyalty_program",
        "newsletter_subscription",
        "payment_issue",
        "place_order",
        "recover_password",
        "registration_problems",
        "report_delivery_problem",
        "review",
        "set_up_shipping_address",
        "switch_account",
        "track_order",
        "track_refund",
        "warranty_claim",
    }
)
# A request for a person: out of scope only when it names another shop or service to reach.
PERSON_INTENTS = frozenset({"contact_human_agent", "contact_customer_service"})
ACCOUNT_INTENTS = frozenset(
    {
        "create_account",
        "delete_account",
        "edit_account",
        "recover_password",
        "registration_problems",
        "switch_account",
    }
)

# Written for the normaliser's folded text: lower case, no diacritics, teen-code expanded,
# order ids as "orderref", emails as "emailaddress" (so "lan@gmail.com" names no company).
_BUSINESSES = (
    # marketplaces and other retailers
    r"shopee(?:food|express|mall)?(?!\s?pay)|lazada|tiki|sendo|tiktok shop|tik tok shop|amazon|"
    r"aliexpress|temu|taobao|ebay|shein|the gioi di dong|thegioididong|tgdd|dien may xanh|"
    r"fpt shop|cellphones|"
    r"hoang ha mobile|nguyen kim|bach hoa xanh|winmart|co ?op ?mart|lotte mart|apple store|"
    # food and rides
    r"grab ?food|grab ?bike|grab ?car|grab ?taxi|grab driver|(?:tai xe|xe|dat|goi|book) grab|"
    r"grab (?:\S+ ){0,5}(?:do an|food|ride|chuyen xe|cuoc xe|toi don|den don|don khach)|"
    r"baemin|gojek|xanh sm|be (?:ride|driver|bike|car)|(?:tai xe|driver) be|"
    # travel and utilities
    r"vietjet|vietnam airlines|bamboo airways|vietravel|ve may bay|plane ticket|"
    r"agoda|traveloka|airbnb|klook|booking com|"
    r"evn|tien dien|hoa don dien(?!\s?tu)|electricity bill|tien nuoc|hoa don nuoc|water bill|"
    # public services, insurance, loans, lotteries
    r"vneid|can cuoc|prudential|manulife|bao viet|bao hiem nhan tho|"
    r"vietlott|xo so|nap the|the cao|top up (?:a |my )?(?:\w+ )?(?:sim|phone)|"
    # paying somewhere else ("VNPay failed at a restaurant", "ở siêu thị")
    r"(?:at|in) (?:a|the) (?:restaurant|supermarket|cafe|coffee shop|gas station|petrol station)|"
    r"(?:o|tai) (?:nha hang|sieu thi|quan an|quan cafe|cay xang|tiem)"
)
# A telecom's own service is not ours, but a one-time code sent to a Viettel number is.
_TELECOMS = r"viettel(?!\s?(?:post|money|pay))|vinaphone|mobifone|vietnamobile|vnpt|fpt telecom"
_SOCIAL = (
    r"facebook|fb|instagram|insta|tiktok|zalo|telegram|gmail|google|youtube|apple id|icloud|"
    r"outlook|hotmail|yahoo|twitter|discord|steam|garena|whatsapp"
)
_TROUBLE = (
    r"bi hack|hacked|hack|bi khoa|locked|lock|bi mat|quen mat khau|forgot (?:the |my )?password|"
    r"mat khau|password|dang xuat|log(?:s|ging)? me out|vo hieu hoa|disabled|"
    r"(?:khong|ko) dang nhap|(?:can ?not|can't|cant) log ?in"
)
_RECOVER = r"lay lai|recover|khoi phuc|get back"
# A streaming service's own subscription; "does this TV support Netflix" is a question about a TV.
_STREAMING = (
    r"netflix|spotify|youtube|disney\+|fpt play|vieon|apple music|google play|"
    r"steam"
)
_SUBSCRIPTION = (
    r"subscription|premium|membership|plan|goi|tai khoan|account|refund|hoan tien|charged?|"
    r"tru tien|gia han|renew(?:al)?|bill(?:ed)?|payment|thanh toan|charging"
)
_CANCEL = r"cancel|huy|unsubscribe|refund|hoan tien|charged?|tru tien"
_PAYMENT_PARTIES = (
    r"vietcombank|vcb|techcombank|techcom|bidv|vietinbank|agribank|mb ?bank|tp ?bank|vpbank|acb|"
    r"sacombank|hdbank|momo|zalo ?pay|vnpay|shopee ?pay|viettel ?(?:money|pay)|"
    r"banking app|bank app|app ngan hang"
)

_OTHER_BUSINESS = re.compile(rf"\b(?:{_BUSINESSES})\b")
_OTHER_ACCOUNT = re.compile(
    rf"\b(?:{_SOCIAL})\b(?:\s+\S+){{0,3}}\s+(?:{_TROUBLE})\b|"
    rf"\b(?:{_RECOVER})\s+(?:\S+\s+){{0,2}}(?:{_SOCIAL})\b|"
    rf"\b(?:mat khau|password|nick)\s+(?:\S+\s+)?(?:{_SOCIAL})\b|"
    rf"\b(?:{_STREAMING})\s+(?:\S+\s+){{0,2}}(?:{_SUBSCRIPTION})\b|"
    rf"\b(?:{_CANCEL})\s+(?:\S+\s+){{0,3}}(?:{_STREAMING})\b"
)
_PAYMENT_PARTY = re.compile(rf"\b(?:{_PAYMENT_PARTIES})\b")
_TELECOM = re.compile(rf"\b(?:{_TELECOMS})\b")
_NAME = re.compile(rf"\b(?:{_BUSINESSES}|{_STREAMING}|{_SOCIAL}|{_PAYMENT_PARTIES}|{_TELECOMS})\b")
# Ties the message to our shop: then the company named is part of the customer's order with us.
_OUR_SHOP = re.compile(
    r"\b(?:orderref|ticketref|may store|maystore|may account|tai khoan may|"
    r"(?:your|ur|this) (?:shop|store|website|site|app|page|fanpage|hotline|staff|team|products?|"
    r"goods|items?|brand)|"
    r"(?:cua|ben|o|tai|tren web|tren app) shop)\b"
)
# "cheaper than on Shopee", "so với Lazada": a question about our price, not about them.
_COMPARISON = re.compile(
    r"\b(?:cheaper|more expensive|better|price match|match the price|re hon|dat hon|so voi|"
    r"compared? (?:to|with)|than)\b(?:\s+\S+){0,3}\s+(?:" + _BUSINESSES + r")\b"
)


def other_company(text: str, intent: str | None) -> str | None:
    """The other company the message is about, when it is not about us; None otherwise."""
    asks_for_staff = intent in PERSON_INTENTS
    if not (intent in SERVICE_INTENTS or asks_for_staff) or not text or text.startswith("/"):
        return None
    if _OUR_SHOP.search(text) or _COMPARISON.search(text):
        return None
    found = _OTHER_BUSINESS.search(text) or _OTHER_ACCOUNT.search(text)
    if found is None and not asks_for_staff:  # "transfer me to a Lazada agent" names them
        found = (_PAYMENT_PARTY if intent in ACCOUNT_INTENTS else _TELECOM).search(text)
    if found is None:
        return None
    name = _NAME.search(found.group(0))
    return (name or found).group(0)


def read_as_out_of_scope(message: Message, confidence: float) -> None:
    """Ranks out of scope first with `confidence`; the other readings keep their order and
    share what is left, so no fallback threshold sees two close readings."""
    ranking = [
        {**item, "confidence": float(item.get("confidence") or 0.0) * (1 - confidence)}
        for item in message.get(INTENT_RANKING_KEY) or []
        if item.get(INTENT_NAME_KEY) != OUT_OF_SCOPE
    ]
    top = {INTENT_NAME_KEY: OUT_OF_SCOPE, "confidence": confidence}
    message.set(INTENT, top, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [top, *ranking], add_to_output=True)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class OtherCompanyDetector(RuleComponent):
    """Ranks out of scope first for another company's order, account or service."""

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            name = other_company(message.get(TEXT) or "", intent.get(INTENT_NAME_KEY))
            if name is None:
                continue
            read_as_out_of_scope(message, CONFIDENCE)
            message.set(
                OTHER_COMPANY,
                {"name": name, "replaced_intent": intent.get(INTENT_NAME_KEY)},
                add_to_output=True,
            )
        return messages
