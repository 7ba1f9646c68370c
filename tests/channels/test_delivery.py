"""channels/delivery.py without a Rasa server: what a widget may send, what a missed message
looks like (exactly as it was sent), and receipts reported to a local stand-in helpdesk."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from rasa.shared.core.events import BotUttered, UserUttered

import channels.delivery
from channels.delivery import (
    MISSED_LIMIT,
    ReceiptReporter,
    missed_after,
    missed_messages,
    receipt_ids,
    stamped,
)
from channels.socketio import RenderedSocketIOOutput
from devstack.processes import free_port
from tests.support.http_fakes import Reply, fake_http_server

KEY = "0123456789abcdef0123456789abcdef"


def test_only_well_formed_delivery_ids_are_taken() -> None:
    assert receipt_ids({"delivery_ids": [KEY, KEY, "x", 3, None, KEY.upper()]}) == [KEY]
    assert receipt_ids({"delivery_ids": [f"{i:032x}" for i in range(80)]}) == [
        f"{i:032x}" for i in range(50)
    ]
    for bad in (None, "x", [KEY], {"delivery_ids": KEY}, {"ids": [KEY]}):
        assert receipt_ids(bad) == []


def test_missed_after_is_a_finite_non_negative_time() -> None:
    assert missed_after({"after": 0}) == 0.0
    assert missed_after({"after": 1796557851.5094864}) == 1796557851.5094864
    for bad in (None, {}, {"after": "1"}, {"after": True}, {"after": -1}, {"after": float("nan")}):
        assert missed_after(bad) is None
    assert missed_after({"after": float("inf")}) is None


def test_a_place_is_added_to_the_mark_and_nothing_else_changes() -> None:
    payload = {"text": "hi", "caredesk": {"event": "agent_message"}}
    assert stamped(payload, 12.5, 1) == {
        "text": "hi",
        "caredesk": {"event": "agent_message", "at": 12.5, "part": 1},
    }
    assert payload == {"text": "hi", "caredesk": {"event": "agent_message"}}
    assert stamped({"text": "hi"}, None, 0) == {"text": "hi"}


def test_missed_messages_are_rendered_as_they_were_sent() -> None:
    mark = {"from": "agent", "event": "agent_message", "delivery_id": KEY}
    events = [
        BotUttered("before", timestamp=10.0),
        UserUttered("hello", timestamp=11.0),
        BotUttered("First part.\n\nSecond part.", metadata={"caredesk": mark}, timestamp=12.0),
        BotUttered(
            "Rate us",
            data={"buttons": [{"title": "5", "payload": '/inform{"csat_score": "5"}'}]},
            timestamp=13.0,
        ),
        BotUttered(None, metadata={"caredesk": {"delivery_id": KEY, "silent": True}}, timestamp=14),
    ]
    output = RenderedSocketIOOutput("bot_uttered")
    sent = asyncio.run(missed_messages(events, 12.0, output.render))
    assert sent == [
        {"text": "First part.", "caredesk": {**mark, "at": 12.0, "part": 0}},
        {"text": "Second part.", "caredesk": {**mark, "at": 12.0, "part": 1}},
        {
            "text": "Rate us",
            "quick_replies": [
                {"content_type": "text", "title": "5", "payload": '/inform{"csat_score": "5"}'}
            ],
            "caredesk": {"at": 13.0, "part": 0},
        },
    ]
    many = [BotUttered(f"m{i}", timestamp=float(i)) for i in range(MISSED_LIMIT + 10)]
    latest = asyncio.run(missed_messages(many, 0, RenderedSocketIOOutput("bot_uttered").render))
    assert [m["text"] for m in latest] == [f"m{i}" for i in range(10, MISSED_LIMIT + 10)]


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(channels.delivery, "REPORT_BACKOFF_SECONDS", 0.01)


def report(reporter: ReceiptReporter, conversation: str, ids: list[str]) -> None:
    async def run() -> None:
        reporter.report(conversation, ids)
        await reporter.close()

    asyncio.run(run())


def test_receipts_reach_the_helpdesk_with_the_key_and_are_retried(no_backoff: None) -> None:
    answers = [Reply(503), Reply(502), Reply(200, '{"confirmed": 1}')]
    with fake_http_server(lambda _: answers.pop(0)) as helpdesk:
        report(ReceiptReporter(helpdesk.base_url, "service-key"), "conv-1", [KEY])
    assert len(helpdesk.requests) == 3
    for seen in helpdesk.requests:
        assert (seen.method, seen.path) == ("POST", "/api/v1/deliveries/receipts")
        assert seen.headers["X-API-Key"] == "service-key"
        assert json.loads(seen.body) == {"conversation_id": "conv-1", "delivery_ids": [KEY]}


def test_a_refused_receipt_is_not_asked_again(
    no_backoff: None, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        fake_http_server(lambda _: Reply(401, "{}")) as helpdesk,
        caplog.at_level(logging.WARNING, logger="channels.delivery"),
    ):
        report(ReceiptReporter(helpdesk.base_url, "wrong-key-123"), "conv-1", [KEY])
    assert len(helpdesk.requests) == 1
    assert "HTTP 401" in caplog.text and "wrong-key-123" not in caplog.text


def test_an_unreachable_helpdesk_is_retried_then_logged_never_raised(
    no_backoff: None, caplog: pytest.LogCaptureFixture
) -> None:
    reporter = ReceiptReporter(f"http://127.0.0.1:{free_port()}", "secret-service-key")
    with caplog.at_level(logging.WARNING, logger="channels.delivery"):
        report(reporter, "conv-1", [KEY])
    assert "could not report 1 receipt(s)" in caplog.text
    assert "secret-service-key" not in caplog.text + repr(reporter)


def test_reporting_does_not_wait_for_the_helpdesk() -> None:
    """`report` returns at once: a slow helpdesk never holds up the socket's event loop."""
    with fake_http_server(lambda _: Reply(200, "{}", delay=1.0)) as helpdesk:
        reporter = ReceiptReporter(helpdesk.base_url, "key")

        async def run() -> float:
            loop = asyncio.get_running_loop()
            started = loop.time()
            reporter.report("conv-1", [KEY])
            returned = loop.time() - started
            await reporter.close()
            return returned

        assert asyncio.run(run()) < 0.05
    assert len(helpdesk.requests) == 1  # answered (late): never asked again
