"""The shop's signed customer token: only the shared secret makes one that verifies."""

from __future__ import annotations

import time

import pytest

from caredesk_rules.signed_tokens import MAX_TOKEN_CHARS
from channels.shop_identity import ShopIdentity

SHOP = ShopIdentity("the-shop-secret")
AN = "an.nguyen@example.com"


def test_a_token_the_shop_signed_says_who_is_signed_in() -> None:
    token = SHOP.sign(AN)
    assert token.startswith("v1.") and AN not in token  # the id is encoded, not in clear
    assert SHOP.verify(token) == AN


def altered(token: str, part: int, value: str) -> str:
    parts = token.split(".")
    parts[part] = value
    return ".".join(parts)


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: ShopIdentity("another-secret").sign(AN),  # signed with the wrong secret
        # someone else's id under this signature
        lambda t: altered(t, 1, ShopIdentity("x").sign("binh.tran@example.com").split(".")[1]),
        lambda t: altered(t, 2, str(int(t.split(".")[2]) + 3600)),  # a longer life
        lambda t: altered(t, 3, "0" * 64),
        lambda t: altered(t, 0, "v2"),
        lambda t: t[:-1],
        lambda t: t + ".extra",
        lambda t: AN,  # an unsigned id
        lambda t: "",
        lambda t: None,
        lambda t: {"token": t},
        lambda t: "v1." + "A" * MAX_TOKEN_CHARS,
    ],
)
def test_forged_or_altered_tokens_say_nothing(forge) -> None:  # type: ignore[no-untyped-def]
    assert SHOP.verify(forge(SHOP.sign(AN))) is None


def test_an_expired_token_says_nothing() -> None:
    token = SHOP.sign(AN, now=time.time() - 7200, ttl=3600)
    assert SHOP.verify(token) is None


def test_without_a_secret_nothing_is_signed_or_believed() -> None:
    nobody = ShopIdentity(None)
    assert not nobody.enabled
    assert nobody.verify(SHOP.sign(AN)) is None
    with pytest.raises(RuntimeError, match="CAREDESK_SHOP_SECRET"):
        nobody.sign(AN)


def test_the_metadata_passed_on_holds_only_the_verified_id() -> None:
    page = {"page_url": "https://shop.example/", "language": "vi"}
    signed = SHOP.verified_metadata({**page, "customer_token": SHOP.sign(AN)})
    assert signed == {**page, "customer_id": AN}  # the token itself is not kept
    forged = SHOP.verified_metadata(
        {**page, "customer_token": ShopIdentity("guess").sign(AN), "customer_id": AN}
    )
    assert forged == page
    claimed = SHOP.verified_metadata({**page, "customer_id": AN})  # a bare claim
    assert claimed == page
