"""The Messenger output channel against a local fake Graph API: buttons, long texts and
recipients within Messenger's limits (channels/messenger/channel.py and render.py; no Rasa
server), and the webhook's guard. The webhook on the real stack is in
tests/e2e/test_messenger.py."""

from __future__ import annotations

import asyncio
import json

from channels.messenger import MessengerInput
from channels.messenger.channel import MAX_BODY
from tests.support.fake_graph_api import (
    APP_SECRET,
    PAGE_ACCESS_TOKEN,
    VERIFY_TOKEN,
    FakeGraphApi,
    choices,
    fake_graph_api,
    message_event,
    notification,
    sign,
    text_of,
)


def channel_on(graph: FakeGraphApi) -> MessengerInput:
    return MessengerInput(VERIFY_TOKEN, APP_SECRET, PAGE_ACCESS_TOKEN, graph_api_url=graph.base_url)


def buttons(count: int, title: str = "Option") -> list[dict[str, str]]:
    return [{"title": f"{title} {n}", "payload": f"/choice{n}"} for n in range(count)]


def test_buttons_become_a_template_or_quick_replies_within_messenger_limits():
    with fake_graph_api() as graph:
        out = channel_on(graph).get_output_channel()

        async def send() -> None:
            await out.send_text_with_buttons("77", "Pick one", buttons(3))
            await out.send_text_with_buttons("77", "Pick one", buttons(6))
            await out.send_text_with_buttons("77", "Pick one", buttons(15))
            await out.send_text_with_buttons("77", "Pick", buttons(2, "A very long title indeed"))

        asyncio.run(send())
        assert graph.refused() == []
        template, six, many, long_titles = graph.messages("77")
        assert template["message"]["attachment"]["payload"]["template_type"] == "button"
        assert choices(template) == [(f"Option {n}", f"/choice{n}") for n in range(3)]
        assert choices(six) == [(f"Option {n}", f"/choice{n}") for n in range(6)]
        assert text_of(six) == "Pick one" and "quick_replies" in six["message"]
        assert len(choices(many)) == 13
        assert [len(title) for title, _ in choices(long_titles)] == [20, 20]
        # pushed outside a customer's turn (external events): not a "RESPONSE"
        assert {m["messaging_type"] for m in graph.messages("77")} == {"UPDATE"}
        proofs = {c.params.get("appsecret_proof") for c in graph.calls}
        assert len(proofs) == 1 and None not in proofs


def test_long_texts_are_split_at_2000_characters():
    with fake_graph_api() as graph:
        out = channel_on(graph).get_output_channel()
        text = ("Giao hàng 1-2 ngày nội thành. " * 100).strip()  # about 3000 characters
        asyncio.run(out.send_text_message("88", text))
        sent = [text_of(m) for m in graph.messages("88")]
        assert len(sent) == 2 and all(len(part) <= 2000 for part in sent)
        assert " ".join(sent).split() == text.split()


def test_replies_reach_the_psid_of_a_conversation_named_facebook_or_from_before_the_prefix():
    with fake_graph_api() as graph:
        out = channel_on(graph).get_output_channel()
        asyncio.run(out.send_response("facebook:1234567890123456", {"text": "to the new id"}))
        asyncio.run(out.send_response("1234567890123457", {"text": "to an older one"}))
        assert [text_of(b) for b in graph.messages("1234567890123456")] == ["to the new id"]
        assert [text_of(b) for b in graph.messages("1234567890123457")] == ["to an older one"]


def test_the_webhook_guard_wants_meta_s_signature_and_a_body_within_the_limit():
    guard = MessengerInput(VERIFY_TOKEN, APP_SECRET, PAGE_ACCESS_TOKEN).guard
    body = json.dumps(notification(message_event("1", "hi"))).encode()
    assert guard.check(body, sign(body)) is None
    for headers in ({}, sign(body, "another-secret"), sign(body + b" ")):
        refusal = guard.check(body, headers)
        assert refusal is not None and refusal.status == 403
    oversized = b"x" * (MAX_BODY + 1)
    refusal = guard.check(oversized, sign(oversized))
    assert refusal is not None and refusal.status == 413
