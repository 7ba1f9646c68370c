"""ZaloOutput and ZaloInput (channels/zalo/channel.py) without a Rasa server: sending through a
fake OA API, errors that must not break a turn, credentials, and per-user ordering of background
work."""

from __future__ import annotations

import asyncio
import logging

import pytest
from rasa.shared.exceptions import RasaException

from channels.background import InOrder
from channels.background import reference as user_ref
from channels.zalo import ZaloInput, ZaloOutput
from channels.zalo.client import ZaloApiError, ZaloClient
from tests.support.fake_zalo import fake_zalo_api

TOKEN = "oa-access-token-for-output-tests"
MENU = [{"title": f"Option {i}", "payload": f"/intent_{i}"} for i in range(1, 7)]


@pytest.fixture
def api():
    with fake_zalo_api(TOKEN) as fake:
        yield fake


@pytest.fixture
def output(api):
    return ZaloOutput(ZaloClient(TOKEN, api.base_url, backoff=0))


def test_text_and_buttons_reach_the_oa_api(api, output):
    asyncio.run(output.send_response("42", {"text": "Xin chào"}))
    yes_no = [{"title": "Có", "payload": "/affirm"}, {"title": "Không", "payload": "/deny"}]
    asyncio.run(output.send_response("42", {"text": "Hủy đơn?", "buttons": yes_no}))
    first, second = api.messages_for("42")
    assert first.text == "Xin chào"
    assert second.text == "Hủy đơn?"
    assert [b["payload"] for b in second.buttons] == ["/affirm", "/deny"]


def test_replies_reach_the_user_of_a_conversation_named_zalo_or_from_before_the_prefix(api, output):
    asyncio.run(output.send_response("zalo:42", {"text": "to the new id"}))
    asyncio.run(output.send_response("43", {"text": "to an older one"}))
    assert [m.text for m in api.messages_for("42")] == ["to the new id"]
    assert [m.text for m in api.messages_for("43")] == ["to an older one"]
    asyncio.run(output.send_response("zalo:42", {"text": "Menu", "buttons": MENU}))
    assert output.choices.resolve("42", "2") == "/intent_2"  # the webhook resolves by user id


def test_a_long_menu_is_numbered_and_a_number_picks_the_payload(api, output):
    asyncio.run(output.send_response("42", {"text": "Menu", "buttons": MENU}))
    [menu] = api.messages_for("42")
    assert "1. Option 1" in menu.text and "6. Option 6" in menu.text and menu.buttons == []
    assert output.choices.resolve("42", "6") == "/intent_6"


def test_long_text_is_sent_in_pieces_in_order(api, output):
    text = " ".join(f"w{i:04d}" for i in range(1000))
    asyncio.run(output.send_text_message("42", text))
    pieces = [m.text for m in api.messages_for("42")]
    assert len(pieces) == 4 and all(1990 <= len(p) <= 2000 for p in pieces[:-1])
    assert " ".join(pieces) == text


def test_a_closed_window_is_logged_and_the_turn_goes_on(api, output, caplog):
    api.fail_next("42", -230)
    with caplog.at_level(logging.WARNING, logger="channels.zalo"):
        asyncio.run(output.send_text_message("42", "agent reply"))
        asyncio.run(output.send_text_message("43", "someone else"))
    assert api.messages_for("42") == [] and [m.text for m in api.messages_for("43")] == [
        "someone else"
    ]
    assert [e.code for e in output.failures] == [-230]
    assert "customer-service window" in caplog.text and user_ref("42") in caplog.text
    assert "42" not in caplog.text.replace(user_ref("42"), "")
    assert "agent reply" not in caplog.text


def test_a_refused_token_is_logged_without_the_token(api, caplog):
    output = ZaloOutput(ZaloClient("wrong-token-value", api.base_url, backoff=0))
    with caplog.at_level(logging.DEBUG):
        asyncio.run(output.send_text_message("42", "hi"))
    assert "access token" in caplog.text and "wrong-token-value" not in caplog.text
    assert api.delivered == []


def test_the_rest_of_a_cut_message_is_not_sent_after_a_failure(api, output):
    api.fail_next("42", -201)
    asyncio.run(output.send_text_message("42", "x " * 1500))
    assert api.messages_for("42") == []


def test_custom_zalo_messages_are_sent_as_is_and_others_skipped(api, output):
    asyncio.run(output.send_custom_json("42", {"zalo": {"text": "raw"}}))
    asyncio.run(output.send_custom_json("42", {"telegram": {"sticker": "x"}}))
    assert [m.message for m in api.messages_for("42")] == [{"text": "raw"}]


def test_images_are_sent_as_a_media_template(api, output):
    asyncio.run(output.send_response("42", {"image": "https://x.test/p.jpg"}))
    [message] = api.messages_for("42")
    assert message.message["attachment"]["payload"]["template_type"] == "media"


def test_input_channel_makes_output_channels_on_its_own(api):
    channel = ZaloInput.from_credentials(
        {
            "app_id": 2553928453557884079,
            "secret_key": "s",
            "access_token": TOKEN,
            "api_url": api.base_url,
        }
    )
    assert isinstance(channel, ZaloInput) and channel.app_id == "2553928453557884079"
    output = channel.get_output_channel()
    assert isinstance(output, ZaloOutput) and output.name() == "zalo" == channel.name()
    asyncio.run(output.send_text_message("99", "pushed outside the user's turn"))
    assert [m.text for m in api.messages_for("99")] == ["pushed outside the user's turn"]


def test_missing_credentials_are_named_without_values():
    with pytest.raises(ValueError) as raised:
        ZaloInput.from_credentials({"app_id": "1", "secret_key": "", "access_token": "tok-123"})
    assert "secret_key" in str(raised.value) and "tok-123" not in str(raised.value)
    with pytest.raises(RasaException):
        ZaloInput.from_credentials(None)


def test_default_api_url_is_zalos():
    channel = ZaloInput.from_credentials({"app_id": "1", "secret_key": "s", "access_token": "t"})
    assert isinstance(channel, ZaloInput)
    assert channel.client.api_url == "https://openapi.zalo.me"


def test_background_jobs_keep_order_per_user_and_run_users_concurrently():
    done: list[str] = []

    async def job(name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        done.append(name)

    async def main() -> float:
        in_order = InOrder("zalo")
        start = asyncio.get_running_loop().time()
        in_order.submit("a", lambda: job("a1", 0.3))
        in_order.submit("a", lambda: job("a2", 0.0))
        in_order.submit("b", lambda: job("b1", 0.1))
        in_order.submit("a", lambda: job("a3", 0.0))
        await in_order.idle()
        return asyncio.get_running_loop().time() - start

    elapsed = asyncio.run(main())
    assert [n for n in done if n.startswith("a")] == ["a1", "a2", "a3"]
    assert done.index("b1") < done.index("a1")  # b did not wait for a
    assert elapsed < 0.6


def test_a_failing_job_does_not_stop_the_next(caplog):
    done: list[str] = []

    async def boom() -> None:
        raise RuntimeError("boom")

    async def ok() -> None:
        done.append("ok")

    async def main() -> None:
        in_order = InOrder("zalo")
        in_order.submit("a", boom)
        in_order.submit("a", ok)
        await in_order.idle()

    with caplog.at_level(logging.ERROR):
        asyncio.run(main())
    assert done == ["ok"] and "failed" in caplog.text


def test_a_refused_message_with_a_delivery_id_fails_the_turn(api, output):
    """The helpdesk needs Zalo's success answer as the receipt: a refusal must reach Rasa
    (its turn fails, the helpdesk posts the event again); other messages keep going on."""
    mark = {"from": "agent", "event": "agent_message", "delivery_id": "ab" * 16}
    api.fail_next("42", -230)
    with pytest.raises(ZaloApiError):
        asyncio.run(output.send_response("42", {"text": "agent reply", "caredesk": mark}))
    asyncio.run(output.send_response("42", {"text": "agent reply", "caredesk": mark}))
    assert [m.text for m in api.messages_for("42")] == ["agent reply"]
