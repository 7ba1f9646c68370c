"""Customers' photos on the chat side: what a message carries, the widget's upload token, and
the messaging platforms' images fetched and stored in the back office.

The back office keeps every photo (`POST {HELPDESK_API_URL}/api/v1/attachments`); a customer
message then carries only its reference, as metadata `{"attachment": {"id": "att_…"}}`:
- the widget uploads itself, with the upload token `session_confirm` gives it
  (`upload_offer`), then sends the message;
- Telegram, Messenger and Zalo send a link to the image: `PlatformImages.store` fetches it
  (at most `MAX_ATTACHMENT_BYTES`, with a timeout, on the event loop without blocking it),
  checks it is an image and stores it with `BACKOFFICE_API_KEY`.

A photo without words reaches the assistant as `PHOTO_TEXT` (📷): the bot's policies read the
metadata, not the text (components/handoff_policy.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Any

import aiohttp

from caredesk_rules.attachments import (
    IMAGE_TYPES,
    MAX_ATTACHMENT_BYTES,
    METADATA_KEY,
    UploadTokens,
    attachment_reference,
    image_type,
)
from channels.delivery import DEFAULT_HELPDESK_URL, HELPDESK_URL_ENV

logger = logging.getLogger(__name__)

ATTACHMENTS_PATH = "/api/v1/attachments"
FETCH_TIMEOUT_SECONDS = 20.0
STORE_TIMEOUT_SECONDS = 20.0
CHUNK_BYTES = 64 * 1024

PHOTO_NOT_RECEIVED = {
    "vi": "Xin lỗi bạn, mình chưa nhận được ảnh vừa rồi. Bạn gửi lại ảnh JPEG, PNG hoặc WebP "
    "dưới 5 MB giúp mình nhé.",
    "en": "Sorry, I couldn't receive that photo. Please send it again as a JPEG, PNG or WebP "
    "image under 5 MB.",
}


def photo_not_received(language: Any = None) -> str:
    """Told to a customer whose photo could not be kept, in their language (both if unknown)."""
    if isinstance(language, str) and language in PHOTO_NOT_RECEIVED:
        return PHOTO_NOT_RECEIVED[language]
    return f"{PHOTO_NOT_RECEIVED['vi']}\n\n{PHOTO_NOT_RECEIVED['en']}"


def upload_tokens() -> UploadTokens | None:
    key = os.environ.get("BACKOFFICE_API_KEY", "")
    return UploadTokens(key) if key else None


def upload_offer(session_id: str) -> dict[str, Any]:
    """What `session_confirm` tells the widget about photos; nothing without the shared key."""
    tokens = upload_tokens()
    if tokens is None:
        return {}
    return {
        "upload_token": tokens.issue(session_id, time.time()),
        "max_attachment_bytes": MAX_ATTACHMENT_BYTES,
        "attachment_types": list(IMAGE_TYPES),
    }


def with_attachment(metadata: dict[str, Any]) -> dict[str, Any]:
    """A client's metadata with its attachment reference reduced to a well-formed id (or
    dropped): nothing else a client writes there reaches the bot."""
    found = attachment_reference(metadata)
    cleaned = {k: v for k, v in metadata.items() if k != METADATA_KEY}
    return {**cleaned, METADATA_KEY: {"id": found}} if found else cleaned


class ImageRefused(Exception):
    """The platform's file could not be fetched, or is not an image we accept."""


async def read_limited(answer: aiohttp.ClientResponse) -> bytes:
    """The body, refused as soon as it passes the limit (whatever Content-Length said)."""
    declared = answer.content_length
    if declared is not None and declared > MAX_ATTACHMENT_BYTES:
        raise ImageRefused("too large")
    data = bytearray()
    async for chunk in answer.content.iter_chunked(CHUNK_BYTES):
        data += chunk
        if len(data) > MAX_ATTACHMENT_BYTES:
            raise ImageRefused("too large")
    return bytes(data)


class PlatformImages:
    """Fetches a platform's image and stores it in the back office; one HTTP session."""

    def __init__(self, base_url: str | None = None, api_key: str | None = None) -> None:
        base = base_url or os.environ.get(HELPDESK_URL_ENV) or DEFAULT_HELPDESK_URL
        self.url = base.rstrip("/") + ATTACHMENTS_PATH
        self._api_key = api_key if api_key is not None else os.environ.get("BACKOFFICE_API_KEY", "")
        self._http: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:  # never show the key
        return f"PlatformImages(url={self.url!r})"

    def _client(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession()
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def fetch(self, url: str) -> bytes:
        timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_SECONDS)
        try:
            async with self._client().get(url, timeout=timeout, allow_redirects=True) as answer:
                if answer.status != 200:
                    raise ImageRefused(f"HTTP {answer.status}")
                return await read_limited(answer)
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise ImageRefused(type(error).__name__) from None

    async def store(self, url: str, conversation_id: str, channel: str) -> str:
        """The attachment id of the image at `url`, stored for `conversation_id`."""
        data = await self.fetch(url)
        kind = image_type(data)
        if kind is None:
            raise ImageRefused("not a JPEG, PNG or WebP image")
        headers = {
            "X-API-Key": self._api_key,
            "X-Conversation-Id": conversation_id,
            "X-Channel": channel,
            "Content-Type": kind,
        }
        timeout = aiohttp.ClientTimeout(total=STORE_TIMEOUT_SECONDS)
        try:
            async with self._client().post(
                self.url, data=data, headers=headers, timeout=timeout
            ) as answer:
                body = await answer.json(content_type=None) if answer.status < 500 else None
                found = body.get("id") if isinstance(body, dict) else None
                if answer.status != 201 or not isinstance(found, str):
                    raise ImageRefused(f"the back office answered HTTP {answer.status}")
                return found
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise ImageRefused(type(error).__name__) from None

    async def message_metadata(
        self, url: str, conversation_id: str, channel: str
    ) -> dict[str, Any] | None:
        """`{"attachment": {"id": …}}` for a message carrying this image; None (logged) when
        it could not be kept: the channel then tells the customer (`photo_not_received`)."""
        try:
            found = await self.store(url, conversation_id, channel)
        except ImageRefused as error:
            logger.warning("%s: a customer's image was not stored: %s", channel, error)
            return None
        return {METADATA_KEY: {"id": found}}
