import pytest

from components.entities import find_entities


def entities(text: str) -> list[tuple[str, str, str]]:
    return [(f.entity, f.value, text[f.start : f.end]) for f in find_entities(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ORD-10001", [("order_id", "ORD-10001", "ORD-10001")]),
        ("where is ord10001?", [("order_id", "ORD-10001", "ord10001")]),
        ("đơn 10002 của mình", [("order_id", "ORD-10002", "đơn 10002")]),
        ("Mã đơn hàng: 10003 nhé", [("order_id", "ORD-10003", "Mã đơn hàng: 10003")]),
        ("order #10004", [("order_id", "ORD-10004", "order #10004")]),
        ("#10005", [("order_id", "ORD-10005", "#10005")]),
        ("10001", [("order_id", "ORD-10001", "10001")]),
        ("TCK-1234", [("ticket_id", "TCK-1234", "TCK-1234")]),
        ("ticket #55 please", [("ticket_id", "TCK-55", "ticket #55")]),
        ("sdt 0912 345 678", [("phone", "+84912345678", "0912 345 678")]),
        ("+84 912 345 678 ạ", [("phone", "+84912345678", "+84 912 345 678")]),
        ("84903111222", [("phone", "+84903111222", "84903111222")]),
        (
            "email: An.Nguyen@Example.com",
            [("email", "an.nguyen@example.com", "An.Nguyen@Example.com")],
        ),
    ],
)
def test_finds_canonical_values_with_original_spans(text, expected):
    assert entities(text) == expected


def test_several_entities_in_one_message_are_ordered():
    found = entities("order 10234, phone 0903111222, mail binh.tran@example.com")
    assert [f[0] for f in found] == ["order_id", "phone", "email"]


@pytest.mark.parametrize(
    "text",
    ["I paid 500000 dong", "call me at 12345678901234", "my zip is 700000 and I paid 450000", ""],
)
def test_plain_numbers_are_not_ids(text):
    assert [e for e in entities(text) if e[0] in {"order_id", "phone"}] == []
