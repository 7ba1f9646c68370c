"""The messaging platforms' order-update senders in the delivery worker's consumer: real outbox
rows from real events on the seeded database, a clock the test moves, and local stand-ins for
Rasa (its trigger_intent and tracker), Meta's Send API and Zalo's ZNS API."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from backoffice.core.db import make_session_factory
from backoffice.core.rasa import RasaClient
from backoffice.orders.models import OrderUpdate
from backoffice.orders.services.order_delivery import order_update_consumer
from backoffice.orders.services.order_outbox import OrderUpdateConsumer, OrderUpdateOutbox
from backoffice.orders.services.orders import OrderService
from backoffice.orders.services.platform_senders import PlatformTemplates
from backoffice.orders.services.platform_templates import (
    MessengerUtilityTemplate,
    ZnsTemplate,
    parse_fields,
)
from tests.backoffice.orders.services.conftest import SEEDED_AT
from tests.backoffice.orders.services.test_order_delivery import (
    PACKED,
    SHIPPED,
    Clock,
    client,
    report,
    subscribe,
)
from tests.support.fake_graph_api import (
    PAGE_ACCESS_TOKEN,
    UTILITY_TEMPLATE,
    FakeGraphApi,
    fake_graph_api,
    text_of,
)
from tests.support.fake_zns import ZNS_TEMPLATE_ID, FakeZns, fake_zns
from tests.support.helpdesk import RasaRecorder, new_conversation_id, rasa_recorder

OrdersAt = Callable[..., OrderService]
ZALO_TOKEN = "oa-token-for-tests"
BINH_ZNS_PHONE = "84903111222"  # ORD-10002's customer, +84903111222


@pytest.fixture(scope="module")
def rasa() -> Iterator[RasaRecorder]:
    with rasa_recorder() as recorder:
        yield recorder


@pytest.fixture(scope="module")
def graph() -> Iterator[FakeGraphApi]:
    with fake_graph_api() as api:
        yield api


@pytest.fixture(scope="module")
def zalo() -> Iterator[FakeZns]:  # ZNS
    with fake_zns(ZALO_TOKEN) as api:
        yield api


@pytest.fixture
def clock() -> Clock:
    return Clock(SEEDED_AT + timedelta(hours=1))


@pytest.fixture
def outbox(orders_db: Engine, clock: Clock) -> OrderUpdateOutbox:
    return OrderUpdateOutbox(make_session_factory(orders_db), max_attempts=3, clock=clock)


def templates(graph: FakeGraphApi, zalo: FakeZns) -> PlatformTemplates:
    return PlatformTemplates(
        MessengerUtilityTemplate(
            PAGE_ACCESS_TOKEN,
            UTILITY_TEMPLATE,
            "vi_VN",
            parse_fields("order=order_id,status=status,day=expected_delivery"),
            graph.base_url,
        ),
        ZnsTemplate(
            ZALO_TOKEN,
            ZNS_TEMPLATE_ID,
            parse_fields("order_code=order_id,status=status"),
            zalo.base_url,
        ),
    )


def consumer(
    outbox: OrderUpdateOutbox, rasa: RasaRecorder, with_templates: PlatformTemplates | None = None
) -> OrderUpdateConsumer:
    rasa_client: RasaClient = client(rasa.base_url)
    return order_update_consumer(outbox, rasa_client, with_templates)


def rows(engine: Engine, conversation: str) -> list[OrderUpdate]:
    with Session(engine) as session:
        found = (
            session.execute(
                select(OrderUpdate)
                .where(OrderUpdate.conversation_id == conversation)
                .order_by(OrderUpdate.id)
            )
            .scalars()
            .all()
        )
        session.expunge_all()
        return list(found)


def customer_wrote(rasa: RasaRecorder, conversation: str, channel: str, at, bot_after: int = 1):
    """The conversation's tracker: the customer's last message at `at`, then bot messages."""
    events = [
        {"event": "user", "text": "đơn của mình", "timestamp": at.timestamp(),
         "input_channel": channel},
    ] + [{"event": "bot", "text": "…", "timestamp": at.timestamp()}] * bot_after  # fmt: skip
    rasa.histories[conversation] = events


# -- Telegram ----------------------------------------------------------------------------------


def test_telegram_spaces_a_chats_updates_a_second_apart(
    orders_at: OrdersAt, outbox: OrderUpdateOutbox, clock: Clock, rasa: RasaRecorder,
    orders_db: Engine,
) -> None:  # fmt: skip
    chat = "telegram:" + new_conversation_id()
    subscribe(orders_at, chat, "telegram")
    report(orders_at, clock, PACKED)
    report(orders_at, clock, SHIPPED)
    delivery = consumer(outbox, rasa)
    assert list(delivery.run_once().values()) == ["sent"]
    assert list(delivery.run_once().values()) == ["deferred"]  # the same second
    _, second = rows(orders_db, chat)
    assert second.next_attempt_at == clock.now + timedelta(seconds=1)
    clock.advance(1)
    assert list(delivery.run_once().values()) == ["sent"]
    assert [c.entities["update_type"] for c in rasa.calls_for(chat)] == ["packed", "shipped"]


def test_telegram_rate_limit_that_outlasts_the_channels_retries_defers_by_its_retry_after(
    orders_at: OrdersAt, outbox: OrderUpdateOutbox, clock: Clock, rasa: RasaRecorder,
    orders_db: Engine,
) -> None:  # fmt: skip
    chat = "telegram:" + new_conversation_id()
    subscribe(orders_at, chat, "telegram")
    report(orders_at, clock, PACKED)
    rasa.rate_limited[chat] = 7
    delivery = consumer(outbox, rasa)
    assert list(delivery.run_once().values()) == ["deferred"]
    [row] = rows(orders_db, chat)
    assert row.next_attempt_at == clock.now + timedelta(seconds=7)
    assert "rate limit" in row.last_error
    clock.advance(7)
    assert list(delivery.run_once().values()) == ["sent"]


# -- Messenger ---------------------------------------------------------------------------------


def test_messenger_inside_the_24_hours_goes_through_rasa(
    orders_at: OrdersAt, outbox: OrderUpdateOutbox, clock: Clock, rasa: RasaRecorder,
    graph: FakeGraphApi,
) -> None:  # fmt: skip
    psid = new_conversation_id()
    conversation = "facebook:" + psid
    subscribe(orders_at, conversation, "facebook")
    customer_wrote(rasa, conversation, "facebook", clock.now - timedelta(hours=23))
    report(orders_at, clock, PACKED)
    assert list(consumer(outbox, rasa).run_once().values()) == ["sent"]
    assert len(rasa.calls_for(conversation)) == 1
    assert graph.sent(psid) == []


def test_messenger_outside_the_24_hours_without_a_template_is_not_allowed(
    orders_at: OrdersAt, outbox: OrderUpdateOutbox, clock: Clock, rasa: RasaRecorder,
    orders_db: Engine,
) -> None:  # fmt: skip
    conversation = "facebook:" + new_conversation_id()
    subscribe(orders_at, conversation, "facebook")
    customer_wrote(rasa, conversation, "facebook", clock.now - timedelta(hours=25))
    report(orders_at, clock, PACKED)
    assert list(consumer(outbox, rasa).run_once().values()) == ["not_allowed"]
    assert rasa.calls_for(conversation) == []
    [row] = rows(orders_db, conversation)
    assert row.last_error == "outside the 24-hour window, no template configured"


def test_messenger_outside_the_24_hours_sends_the_pages_utility_template(
    orders_at: OrdersAt, outbox: OrderUpdateOutbox, clock: Clock, rasa: RasaRecorder,
    graph: FakeGraphApi, zalo: FakeZns,
) -> None:  # fmt: skip
    psid = new_conversation_id()
    conversation = "facebook:" + psid
    subscribe(orders_at, conversation, "facebook")
    customer_wrote(rasa, conversation, "facebook", clock.now - timedelta(days=3))
    report(orders_at, clock, SHIPPED)
    delivery = consumer(outbox, rasa, templates(graph, zalo))
    assert list(delivery.run_once().values()) == ["sent"]
    assert rasa.calls_for(conversation) == []
    [body] = graph.messages(psid)
    assert body["messaging_type"] == "UTILITY"
    payload = body["message"]["attachment"]["payload"]
    assert (payload["template_type"], payload["name"], payload["language"]) == (
        "utility", UTILITY_TEMPLATE, "vi_VN",
    )  # fmt: skip
    assert payload["components"] == [
        {
            "type": "body",
            "parameters": [
                {"type": "text", "text": "ORD-10002"},
                {"type": "text", "text": "shipped"},
                {"type": "text", "text": "2026-03-12"},
            ],
        }
    ]
    assert text_of(body) == ""


def test_rasa_unable_to_say_when_the_customer_wrote_defers(
    orders_at: OrdersAt, outbox: OrderUpdateOutbox, clock: Clock, rasa: RasaRecorder,
) -> None:  # fmt: skip
    conversation = "facebook:" + new_conversation_id()  # no tracker: Rasa answers 404
    subscribe(orders_at, conversation, "facebook")
    report(orders_at, clock, PACKED)
    assert list(consumer(outbox, rasa).run_once().values()) == ["deferred"]
    assert rasa.calls_for(conversation) == []


# -- Zalo --------------------------------------------------------------------------------------


def test_zalo_inside_the_48_hours_is_a_consultation_message_through_rasa(
    orders_at: OrdersAt, outbox: OrderUpdateOutbox, clock: Clock, rasa: RasaRecorder,
    graph: FakeGraphApi, zalo: FakeZns,
) -> None:  # fmt: skip
    conversation = "zalo:" + new_conversation_id()
    subscribe(orders_at, conversation, "zalo")
    customer_wrote(rasa, conversation, "zalo", clock.now - timedelta(hours=47), bot_after=7)
    report(orders_at, clock, PACKED)
    before = len(zalo.sent)
    assert list(consumer(outbox, rasa, templates(graph, zalo)).run_once().values()) == ["sent"]
    assert len(rasa.calls_for(conversation)) == 1
    assert len(zalo.sent) == before


@pytest.mark.parametrize(
    ("hours_ago", "bot_messages", "reason"),
    [
        (2, 8, "8 consultation messages in this 48-hour window already"),
        (49, 1, "outside the 48-hour window"),
    ],
    ids=["ninth-in-the-window", "outside-the-window"],
)
def test_zalo_past_its_window_or_its_8_messages_goes_by_zns_or_is_not_allowed(
    orders_at: OrdersAt, outbox: OrderUpdateOutbox, clock: Clock, rasa: RasaRecorder,
    graph: FakeGraphApi, zalo: FakeZns, orders_db: Engine, hours_ago: int,
    bot_messages: int, reason: str,
) -> None:  # fmt: skip
    def subscribed(conversation: str) -> None:
        subscribe(orders_at, conversation, "zalo")
        customer_wrote(
            rasa, conversation, "zalo", clock.now - timedelta(hours=hours_ago), bot_messages
        )

    # Without ZNS configured: recorded as not allowed, nothing sent.
    without = "zalo:" + new_conversation_id()
    subscribed(without)
    report(orders_at, clock, PACKED)
    assert list(consumer(outbox, rasa).run_once().values()) == ["not_allowed"]
    [row] = rows(orders_db, without)
    assert row.last_error == f"{reason}, no ZNS template configured"

    # With it: the template to the order's phone, keyed by the update's delivery key.
    with_zns = "zalo:" + new_conversation_id()
    subscribed(with_zns)
    report(orders_at, clock, SHIPPED)
    before = len(zalo.sent_to(BINH_ZNS_PHONE))
    assert list(consumer(outbox, rasa, templates(graph, zalo)).run_once().values()) == ["sent"] * 2
    assert rasa.calls_for(without) == [] and rasa.calls_for(with_zns) == []
    body = zalo.sent_to(BINH_ZNS_PHONE)[before + 1]
    [sent_row] = rows(orders_db, with_zns)
    assert body == {
        "phone": BINH_ZNS_PHONE,
        "template_id": ZNS_TEMPLATE_ID,
        "template_data": {"order_code": "ORD-10002", "status": "shipped"},
        "tracking_id": sent_row.delivery_key,
    }


def test_a_template_the_platform_refuses_is_a_failed_attempt(
    orders_at: OrdersAt, outbox: OrderUpdateOutbox, clock: Clock, rasa: RasaRecorder,
    graph: FakeGraphApi, zalo: FakeZns, orders_db: Engine,
) -> None:  # fmt: skip
    conversation = "zalo:" + new_conversation_id()
    subscribe(orders_at, conversation, "zalo")
    customer_wrote(rasa, conversation, "zalo", clock.now - timedelta(days=5))
    report(orders_at, clock, PACKED)
    configured = templates(graph, zalo)
    assert configured.zns is not None
    unknown = PlatformTemplates(
        configured.messenger,
        ZnsTemplate(ZALO_TOKEN, "999999", configured.zns.data, zalo.base_url),
    )
    assert list(consumer(outbox, rasa, unknown).run_once().values()) == ["pending"]
    [row] = rows(orders_db, conversation)
    assert (row.attempts, row.last_error) == (1, "TemplateRefused")
