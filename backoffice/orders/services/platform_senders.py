"""The order-update senders of the messaging platforms: each decides, before anything is
triggered, whether its platform allows the update now (platform_rules.py), then delivers it
through Rasa as the widget's sender does (order_delivery.RasaUpdateSender: in the transcript, in
the customer's language), through the platform's approved template when only that is allowed
(platform_templates.py), or records why not. The outcomes are the outbox's:

- Telegram: a chat's updates at least a second apart (`Deferred` until its next slot); the
  channel retries a 429 itself (channels/telegram), and one that persists is `Deferred` by the
  seconds Telegram asked for;
- Messenger: inside 24 hours of the customer's last message, through Rasa; outside, the Page's
  utility template when configured (`Sent`), else `NotAllowed`;
- Zalo: inside 48 hours of the customer's last message and under 8 messages in that window, a
  consultation message through Rasa; otherwise the ZNS template to the order's phone when
  configured, else `NotAllowed`.

The customer's last message is read from Rasa's tracker (`RasaClient.events`): it is the record
the assistant itself keeps of every message, written before any reply, so it is never behind the
platform; the analytics store is fed from it later, in the background, and may be off. Rasa
unreachable: `Deferred` (nothing is decided on a guess).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import requests
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from backoffice.core.config import Settings
from backoffice.core.rasa import RasaClient
from backoffice.core.unit_of_work import utcnow
from backoffice.orders.models import Customer, Order
from backoffice.orders.services.order_outbox import (
    Deferred,
    Listener,
    NotAllowed,
    Outcome,
    PendingUpdate,
    Sent,
    deferral_delay,
)
from backoffice.orders.services.platform_rules import (
    ChatPacer,
    CustomerActivity,
    customer_activity,
    messenger_may_send,
    zalo_route,
)
from backoffice.orders.services.platform_templates import (
    MessengerUtilityTemplate,
    ZnsTemplate,
    parse_fields,
)
from caredesk_rules.order_updates import PLATFORM_CHANNELS
from channels.senders import platform_id

TELEGRAM, MESSENGER, ZALO = PLATFORM_CHANNELS

OUTSIDE_MESSENGER_WINDOW = "outside the 24-hour window, no template configured"
ZALO_NOT_ALLOWED = {
    "window_closed": "outside the 48-hour window, no ZNS template configured",
    "window_full": "8 consultation messages in this 48-hour window already, "
    "no ZNS template configured",
}


@dataclass(frozen=True)
class PlatformTemplates:
    """The templates the shop configured (Settings); None: that platform has none."""

    messenger: MessengerUtilityTemplate | None = None
    zns: ZnsTemplate | None = None
    http: requests.Session = field(default_factory=requests.Session)


class ActivityReader:
    """The customer's activity in a conversation, from Rasa's tracker; `Deferred` when Rasa
    cannot tell."""

    def __init__(self, client: RasaClient, clock: Callable[[], datetime]) -> None:
        self.client = client
        self.clock = clock

    def __call__(self, update: PendingUpdate) -> CustomerActivity | Deferred:
        events = self.client.events(update.conversation_id)
        if events is None:
            now = self.clock()
            until = now + timedelta(seconds=deferral_delay(update, now))
            return Deferred(until, "Rasa could not tell when the customer last wrote")
        return customer_activity(events, update.channel)


class TelegramUpdateSender:
    def __init__(
        self, through_rasa: Listener, clock: Callable[[], datetime], pacer: ChatPacer | None = None
    ) -> None:
        self.through_rasa = through_rasa
        self.clock = clock
        self.pacer = pacer or ChatPacer()

    def __call__(self, update: PendingUpdate) -> Outcome:
        chat = update.conversation_id
        slot = self.pacer.not_before(chat, self.clock())
        if slot is not None:
            return Deferred(slot, "telegram: one message a second per chat")
        try:
            return self.through_rasa(update)
        finally:
            self.pacer.sent(chat, self.clock())


class MessengerUpdateSender:
    def __init__(
        self,
        through_rasa: Listener,
        activity: ActivityReader,
        templates: PlatformTemplates,
        clock: Callable[[], datetime],
    ) -> None:
        self.through_rasa = through_rasa
        self.activity = activity
        self.templates = templates
        self.clock = clock

    def __call__(self, update: PendingUpdate) -> Outcome:
        activity = self.activity(update)
        if isinstance(activity, Deferred):
            return activity
        if messenger_may_send(activity, self.clock()):
            return self.through_rasa(update)
        template = self.templates.messenger
        if template is None:
            return NotAllowed(OUTSIDE_MESSENGER_WINDOW)
        template.send(
            self.templates.http, platform_id(update.channel, update.conversation_id), update.payload
        )
        return Sent()


class ZaloUpdateSender:
    def __init__(
        self,
        through_rasa: Listener,
        activity: ActivityReader,
        templates: PlatformTemplates,
        session_factory: sessionmaker,
        clock: Callable[[], datetime],
    ) -> None:
        self.through_rasa = through_rasa
        self.activity = activity
        self.templates = templates
        self.session_factory = session_factory
        self.clock = clock

    def __call__(self, update: PendingUpdate) -> Outcome:
        activity = self.activity(update)
        if isinstance(activity, Deferred):
            return activity
        route = zalo_route(activity, self.clock())
        if route == "consultation":
            return self.through_rasa(update)
        zns = self.templates.zns
        if zns is None:
            return NotAllowed(ZALO_NOT_ALLOWED[route])
        phone = self._phone(str(update.payload.get("order_id") or ""))
        if phone is None:
            return NotAllowed("ZNS needs the order's phone, and the order has none")
        zns.send(self.templates.http, phone, update.payload, update.delivery_key)
        return Sent()

    def _phone(self, order_id: str) -> str | None:
        """The phone of the order's customer: the Zalo account ZNS finds by it is theirs."""
        with self.session_factory() as session:
            phone = session.execute(
                select(Customer.phone)
                .join(Order, Order.customer_id == Customer.id)
                .where(Order.id == order_id)
            ).scalar_one_or_none()
        return str(phone) if phone else None


def platform_senders(
    through_rasa: Listener,
    client: RasaClient,
    session_factory: sessionmaker,
    templates: PlatformTemplates,
    clock: Callable[[], datetime] = utcnow,
) -> dict[str, Listener]:
    """{channel: its sender} for the messaging platforms (Rasa's channel names)."""
    activity = ActivityReader(client, clock)
    return {
        TELEGRAM: TelegramUpdateSender(through_rasa, clock),
        MESSENGER: MessengerUpdateSender(through_rasa, activity, templates, clock),
        ZALO: ZaloUpdateSender(through_rasa, activity, templates, session_factory, clock),
    }


def configured_templates(settings: Settings) -> PlatformTemplates:
    """The templates the settings configure (none without a template name or id)."""
    messenger = None
    if settings.messenger_update_template:
        messenger = MessengerUtilityTemplate(
            settings.facebook_page_access_token.get_secret_value(),
            settings.messenger_update_template,
            settings.messenger_update_template_language,
            parse_fields(settings.messenger_update_template_parameters),
            settings.facebook_graph_api_url,
        )
    zns = None
    if settings.zalo_zns_template_id:
        zns = ZnsTemplate(
            settings.zalo_oa_access_token.get_secret_value(),
            settings.zalo_zns_template_id,
            parse_fields(settings.zalo_zns_template_data),
            settings.zalo_zns_api_url,
        )
    return PlatformTemplates(messenger, zns)
