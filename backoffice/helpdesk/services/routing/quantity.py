"""A number of units to buy ("want to buy 80 monitors", "cần đặt 150 hộp quà"): a bulk order.

Routing reads it as evidence for the team that sells in quantity, whatever the product is
called, so a request needs no product word in the departments file to reach that team.
Numbers that count something else (money, time, points, sizes) are not quantities.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Verbs of buying that come right before the number, in English and Vietnamese (with or
# without diacritics, as customers type).
_BUY = (
    r"buy|buying|order|ordering|purchase|purchasing|need|needs|want|get|supply|for|quote for"
    r"|price for|prices for|quotation for"
    r"|mua|đặt|dat|đặt mua|dat mua|cần|can|cần mua|can mua|lấy|lay|báo giá|bao gia|cho"
)
# Units that make the number something other than goods.
_NOT_GOODS = (
    r"k|vnd|vnđ|đ|d|dong|đồng|million|millions|mil|m|usd|\$|days?|hours?|hrs?|times?|minutes?"
    r"|mins?|seconds?|secs?|giây|giay"
    r"|weeks?|months?|years?|percent|%|points?|inch|inches|kg|g|gb|tb|w|mah|cm|mm|ml|l"
    r"|nghìn|nghin|ngàn|ngan|triệu|trieu|tr|tỷ|ty|ngày|ngay|giờ|gio|phút|phut|tuần|tuan"
    r"|tháng|thang|năm|nam|lần|lan|điểm|diem|tuổi|tuoi|phần trăm|phan tram"
)
_QUANTITY = re.compile(
    rf"(?<!\w)(?:{_BUY})\s+(?:about\s+|around\s+|over\s+|khoảng\s+|khoang\s+|tầm\s+|tam\s+)?"
    rf"(\d{{2,6}})\s+(?!(?:{_NOT_GOODS})(?!\w))(?=\w)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Quantity:
    start: int  # character offset in the text
    count: int
    text: str


def bulk_quantity(text: str, at_least: int) -> Quantity | None:
    """The first number of goods to buy that reaches `at_least`, if the text has one."""
    text = unicodedata.normalize("NFC", text or "")
    for match in _QUANTITY.finditer(text):
        count = int(match.group(1))
        if count >= at_least:
            return Quantity(match.start(), count, match.group(0).strip())
    return None
