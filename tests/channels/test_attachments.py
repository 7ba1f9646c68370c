"""Photos from Telegram, Messenger and Zalo (channels/attachments.py and each channel's photo
path): the platform's documented image payload is fetched from the platform (its local fake),
stored by the real back office, and the customer's message goes on carrying its attachment;
what cannot be kept is told to the customer instead. Also the widget's metadata and upload offer.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from rasa.core.channels.channel import UserMessage

from caredesk_rules.attachments import (
    MAX_ATTACHMENT_BYTES,
    PHOTO_TEXT,
    UploadTokens,
    attachment_reference,
)
from channels.attachments import PlatformImages, upload_offer, with_attachment
from channels.messenger import MessengerInput
from channels.messenger.parse import parse_notification
from channels.telegram import TelegramInput
from channels.telegram.parse import parse_update
from channels.zalo import ZaloInput
from channels.zalo.parse import ZaloEvent, parse_event
from tests.support.fake_graph_api import (
    APP_SECRET,
    PAGE_ACCESS_TOKEN,
    VERIFY_TOKEN,
    fake_graph_api,
    image_event,
    notification,
    text_of,
)
from tests.support.fake_telegram import BOT_USERNAME, TOKEN, fake_telegram, photo_update
from tests.support.fake_zalo import ZaloWebhook, fake_zalo_api
from tests.support.helpdesk import API_KEY, Helpdesk, module_helpdesk
from tests.support.images import JPEG, WEBP, large_png, png

ZALO_APP, ZALO_SECRET, ZALO_TOKEN = "1234567890", "zalo-secret-key", "zalo-access-token"


@pytest.fixture(scope="module")
def helpdesk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Helpdesk]:
    with module_helpdesk(tmp_path_factory.mktemp("channel-photos")) as hd:
        hd.start()
        yield hd


def stored(helpdesk: Helpdesk, attachment_id: str) -> requests.Response:
    return requests.get(
        f"{helpdesk.base_url}/api/v1/attachments/{attachment_id}",
        headers={"X-API-Key": API_KEY},
        timeout=10,
    )


class Said:
    """Stands in for Rasa's handler: what the channel handed on."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)


def test_a_telegram_photo_is_stored_and_said_with_its_caption(helpdesk: Helpdesk) -> None:
    with fake_telegram() as telegram:
        small, large = telegram.add_file(JPEG), telegram.add_file(png(64, 48))
        channel = TelegramInput(TOKEN, BOT_USERNAME, None, api_url=telegram.base_url)
        channel.images = PlatformImages(helpdesk.base_url, API_KEY)
        said = Said()
        update = photo_update(7001, [small, large], caption="It arrived like this")
        inbound = parse_update(json.dumps(update).encode())
        assert inbound is not None and inbound.photo_file_id == large  # the largest size

        async def turn() -> None:
            await channel._turn(inbound, said, None)
            await channel.images.close()
            await channel.get_output_channel().close_session()

        asyncio.run(turn())
    [message] = said.messages
    assert message.sender_id == "telegram:7001" and message.text == "It arrived like this"
    found = attachment_reference(message.metadata)
    assert found is not None
    answer = stored(helpdesk, found)
    assert answer.status_code == 200 and answer.content == png(64, 48)
    row = helpdesk.rows(
        "SELECT conversation_id, channel FROM attachments WHERE public_id = :i", i=found
    )
    assert row == [("telegram:7001", "telegram")]


def test_a_telegram_file_that_is_not_a_photo_is_told_not_handed_on(helpdesk: Helpdesk) -> None:
    with fake_telegram() as telegram:
        fake = telegram.add_file(b"MZ\x90\x00 an executable, sent as a photo")
        channel = TelegramInput(TOKEN, BOT_USERNAME, None, api_url=telegram.base_url)
        channel.images = PlatformImages(helpdesk.base_url, API_KEY)
        said = Said()
        inbound = parse_update(json.dumps(photo_update(7002, [fake])).encode())
        assert inbound is not None and inbound.text == PHOTO_TEXT

        async def turn() -> None:
            await channel._turn(inbound, said, None)
            await channel.images.close()
            await channel.get_output_channel().close_session()

        asyncio.run(turn())
        sent = telegram.messages("7002")
    assert said.messages == []
    assert [m["text"] for m in sent] == [
        "Xin lỗi bạn, mình chưa nhận được ảnh vừa rồi. Bạn gửi lại ảnh JPEG, PNG hoặc WebP "
        "dưới 5 MB giúp mình nhé."
    ]  # the customer's Telegram language (vi)


def test_a_messenger_image_is_stored_and_said_as_a_photo(helpdesk: Helpdesk) -> None:
    with fake_graph_api() as graph:
        url = graph.add_file(WEBP)
        channel = MessengerInput(
            VERIFY_TOKEN, APP_SECRET, PAGE_ACCESS_TOKEN, graph_api_url=graph.base_url
        )
        channel.images = PlatformImages(helpdesk.base_url, API_KEY)
        said = Said()
        [inbound] = parse_notification(json.dumps(notification(image_event("8001", url))).encode())
        assert inbound.image_url == url and inbound.text == PHOTO_TEXT

        async def turn() -> None:
            await channel._handle(inbound, said, {"from": "webhook"})
            await channel.images.close()

        asyncio.run(turn())
    [message] = said.messages
    assert message.sender_id == "facebook:8001" and message.text == PHOTO_TEXT
    assert message.metadata["from"] == "webhook"
    found = attachment_reference(message.metadata)
    assert found is not None and stored(helpdesk, found).content == WEBP


def test_a_messenger_image_too_large_is_refused_while_downloading(helpdesk: Helpdesk) -> None:
    with fake_graph_api() as graph:
        url = graph.add_file(large_png(MAX_ATTACHMENT_BYTES + 1))
        channel = MessengerInput(
            VERIFY_TOKEN, APP_SECRET, PAGE_ACCESS_TOKEN, graph_api_url=graph.base_url
        )
        channel.images = PlatformImages(helpdesk.base_url, API_KEY)
        said = Said()
        [inbound] = parse_notification(json.dumps(notification(image_event("8002", url))).encode())

        async def turn() -> None:
            await channel._handle(inbound, said, None)
            await channel.images.close()

        asyncio.run(turn())
        sent = [text_of(call.body) for call in graph.sent("8002") if "message" in call.body]
    assert said.messages == []
    assert len(sent) == 1 and "5 MB" in sent[0] and "JPEG, PNG" in sent[0]


def test_a_zalo_image_is_stored_and_said_with_its_caption(helpdesk: Helpdesk) -> None:
    with fake_zalo_api(ZALO_TOKEN) as zalo:
        url = zalo.add_file(JPEG)
        channel = ZaloInput(ZALO_APP, ZALO_SECRET, ZALO_TOKEN, api_url=zalo.base_url)
        channel.images = PlatformImages(helpdesk.base_url, API_KEY)
        webhook = ZaloWebhook("http://unused", ZALO_APP, ZALO_SECRET)
        raw = webhook.encode(webhook.image_event("9001", url, caption="máy xay bị nứt"))
        event = parse_event(raw, app_id=ZALO_APP)
        assert isinstance(event, ZaloEvent) and event.kind == "image" and event.image_url == url
        said = Said()

        async def turn() -> None:
            assert isinstance(event, ZaloEvent)
            await channel._photo(event, said)
            await channel.images.close()

        asyncio.run(turn())
    [message] = said.messages
    assert message.sender_id == "zalo:9001" and message.text == "máy xay bị nứt"
    assert message.metadata["zalo"]["event"] == "user_send_image"
    found = attachment_reference(message.metadata)
    assert found is not None and stored(helpdesk, found).content == JPEG


def test_a_zalo_image_that_cannot_be_fetched_is_told(helpdesk: Helpdesk) -> None:
    with fake_zalo_api(ZALO_TOKEN) as zalo:
        channel = ZaloInput(ZALO_APP, ZALO_SECRET, ZALO_TOKEN, api_url=zalo.base_url)
        channel.images = PlatformImages(helpdesk.base_url, API_KEY)
        webhook = ZaloWebhook("http://unused", ZALO_APP, ZALO_SECRET)
        gone = zalo.base_url + "/files/missing.jpg"
        event = parse_event(webhook.encode(webhook.image_event("9002", gone)), app_id=ZALO_APP)
        said = Said()

        async def turn() -> None:
            assert isinstance(event, ZaloEvent)
            await channel._photo(event, said)
            await channel.images.close()

        asyncio.run(turn())
        [sent] = zalo.wait_for("9002", 1)
    assert said.messages == []
    assert "ảnh" in sent.text and "photo" in sent.text  # both languages: Zalo's is not known


def test_the_widget_gets_an_upload_token_for_its_own_conversation(monkeypatch) -> None:
    monkeypatch.setenv("BACKOFFICE_API_KEY", "the-shared-key")
    offer = upload_offer("session-1")
    assert offer["max_attachment_bytes"] == MAX_ATTACHMENT_BYTES
    assert offer["attachment_types"] == ["image/jpeg", "image/png", "image/webp"]
    tokens = UploadTokens("the-shared-key")
    assert tokens.conversation(offer["upload_token"], time.time()) == "session-1"
    monkeypatch.delenv("BACKOFFICE_API_KEY")
    assert upload_offer("session-1") == {}  # no shared key: no photos, nothing half-working


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({"attachment": {"id": "att_" + "a" * 32, "url": "http://evil"}}, "att_" + "a" * 32),
        ({"attachment": {"id": "../secret"}}, None),
        ({"attachment": "att_" + "a" * 32}, None),
        ({"language": "vi"}, None),
    ],
)
def test_a_client_s_attachment_metadata_is_reduced_to_a_well_formed_id(
    metadata: dict[str, Any], expected: str | None
) -> None:
    cleaned = with_attachment(metadata)
    assert attachment_reference(cleaned) == expected
    assert cleaned.get("attachment") == ({"id": expected} if expected else None)
