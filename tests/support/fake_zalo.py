"""A local stand-in for Zalo: the OA message API (records what the bot sends, answers like Zalo,
fails on demand) and a webhook sender that posts signed, documented events to a Rasa server.

The payloads follow Zalo's documented shapes (see docs/zalo.md): events carry `app_id`,
`event_name`, `timestamp` (ms, a string), `sender.id`/`recipient.id` (or `follower.id` for
follow/unfollow) and `message.{text,msg_id}`; the API answers `{"error", "message", "data"}`.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests

from channels.zalo.client import MAX_TEXT_CHARS, SEND_PATH, SIGNATURE_HEADER, compute_signature
from tests.support.http_fakes import FakeServer, Reply, Seen, fake_http_server

OA_ID = "579745863508352884"


@dataclass
class Delivered:
    user_id: str
    message: dict[str, Any]
    message_id: str

    @property
    def text(self) -> str:
        return str(self.message.get("text") or "")

    @property
    def buttons(self) -> list[dict[str, Any]]:
        payload = (self.message.get("attachment") or {}).get("payload") or {}
        return list(payload.get("buttons") or [])


@dataclass
class FakeZaloApi:
    """POST /v3.0/oa/message/cs like Zalo: checks the access_token header and the body, records
    accepted messages, and answers scripted error codes per user (or for everyone) first."""

    access_token: str
    server: FakeServer | None = None
    delivered: list[Delivered] = field(default_factory=list)
    refused: list[tuple[str, int]] = field(default_factory=list)  # (user id, error code)
    scripted: dict[str, list[int]] = field(default_factory=dict)  # user id or "*" -> codes
    http_status: list[int] = field(default_factory=list)  # next answers' HTTP statuses
    lock: threading.Lock = field(default_factory=threading.Lock)
    files: dict[str, bytes] = field(default_factory=dict)  # what Zalo's CDN serves

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return self.server.base_url

    def add_file(self, data: bytes) -> str:
        """A customer's photo on Zalo's CDN (here): the attachment's `payload.url`."""
        path = f"/files/{uuid.uuid4().hex}.jpg"
        with self.lock:
            self.files[path] = data
        return self.base_url + path

    def fail_next(self, user_id: str, *codes: int) -> None:
        """The next len(codes) sends to `user_id` ("*": anyone) are refused with these codes."""
        with self.lock:
            self.scripted.setdefault(user_id, []).extend(codes)

    def answer(self, request: Seen) -> Reply:
        if request.method == "GET" and request.path in self.files:
            return Reply(200, self.files[request.path], content_type="image/jpeg")
        if request.method != "POST" or request.path.split("?")[0] != SEND_PATH:
            return Reply(404, json.dumps({"error": -14, "message": "Unknown API"}))
        with self.lock:
            if self.http_status:
                return Reply(self.http_status.pop(0), "{}")
        if request.headers.get("access_token") != self.access_token:
            return _error(-216, "Access token is invalid")
        try:
            body = json.loads(request.body)
            user_id = body["recipient"]["user_id"]
            message = body["message"]
        except (ValueError, KeyError, TypeError):
            return _error(-201, "Parameters are invalid")
        if not isinstance(user_id, str) or not isinstance(message, dict):
            return _error(-201, "Parameters are invalid")
        text = message.get("text")
        if text is None and "attachment" not in message:
            return _error(-201, "Message is empty")
        if text is not None and (not isinstance(text, str) or len(text) > MAX_TEXT_CHARS):
            return _error(-201, "Text is too long")
        with self.lock:
            codes = self.scripted.get(user_id) or self.scripted.get("*")
            if codes:
                code = codes.pop(0)
                self.refused.append((user_id, code))
                return _error(code, "scripted failure")
            message_id = uuid.uuid4().hex
            self.delivered.append(Delivered(user_id, message, message_id))
        return Reply(
            200,
            json.dumps(
                {
                    "error": 0,
                    "message": "Success",
                    "data": {"message_id": message_id, "user_id": user_id},
                }
            ),
        )

    def messages_for(self, user_id: str) -> list[Delivered]:
        with self.lock:
            return [d for d in self.delivered if d.user_id == user_id]

    def wait_for(self, user_id: str, count: int, timeout: float = 60.0) -> list[Delivered]:
        """The first `count` messages delivered to `user_id` (waits for them)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.messages_for(user_id)
            if len(got) >= count:
                return got[:count]
            time.sleep(0.05)
        raise AssertionError(
            f"{count} messages expected for {user_id}, got {[d.message for d in got]}"
        )


def _error(code: int, message: str) -> Reply:
    return Reply(200, json.dumps({"error": code, "message": message}))


@contextmanager
def fake_zalo_api(access_token: str) -> Iterator[FakeZaloApi]:
    api = FakeZaloApi(access_token)
    with fake_http_server(api.answer) as server:
        api.server = server
        yield api


# -- the Zalo side of the webhook -------------------------------------------------------------


def now_ms() -> str:
    return str(int(time.time() * 1000))


def new_user_id() -> str:
    """A Zalo user id: digits, as Zalo writes them."""
    return str(uuid.uuid4().int)[:19]


@dataclass
class ZaloWebhook:
    """Posts events to the Zalo channel's webhook, signed as Zalo signs them."""

    url: str
    app_id: str
    secret_key: str

    def text_event(self, user_id: str, text: str, msg_id: str | None = None) -> dict[str, Any]:
        return {
            "app_id": self.app_id,
            "user_id_by_app": "app-" + user_id,
            "event_name": "user_send_text",
            "timestamp": now_ms(),
            "sender": {"id": user_id},
            "recipient": {"id": OA_ID},
            "message": {"text": text, "msg_id": msg_id or uuid.uuid4().hex[:20]},
        }

    def follow_event(self, user_id: str, name: str = "follow") -> dict[str, Any]:
        return {
            "app_id": self.app_id,
            "oa_id": OA_ID,
            "user_id_by_app": "app-" + user_id,
            "event_name": name,
            "timestamp": now_ms(),
            "source": "oa_profile",
            "follower": {"id": user_id},
        }

    def image_event(
        self, user_id: str, url: str = "https://example.com/i.jpg", caption: str = ""
    ) -> dict[str, Any]:
        """user_send_image as Zalo documents it: the photo in `message.attachments`."""
        return {
            "app_id": self.app_id,
            "user_id_by_app": "app-" + user_id,
            "event_name": "user_send_image",
            "timestamp": now_ms(),
            "sender": {"id": user_id},
            "recipient": {"id": OA_ID},
            "message": {
                "msg_id": uuid.uuid4().hex[:20],
                "text": caption,
                "attachments": [
                    {
                        "type": "image",
                        "payload": {"thumbnail": url, "url": url},
                    }
                ],
            },
        }

    def encode(self, event: dict[str, Any]) -> bytes:
        return json.dumps(event, ensure_ascii=False).encode("utf-8")

    def sign(self, raw: bytes, timestamp: str, secret_key: str | None = None) -> str:
        return compute_signature(
            self.app_id, raw, timestamp, self.secret_key if secret_key is None else secret_key
        )

    def post_raw(self, raw: bytes, signature: str | None) -> requests.Response:
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers[SIGNATURE_HEADER] = signature
        return requests.post(self.url, data=raw, headers=headers, timeout=10)

    def post(self, event: dict[str, Any]) -> requests.Response:
        """Post `event` signed correctly."""
        raw = self.encode(event)
        return self.post_raw(raw, self.sign(raw, str(event["timestamp"])))

    def say(self, user_id: str, text: str) -> requests.Response:
        response = self.post(self.text_event(user_id, text))
        assert response.status_code == 200, response.text
        return response
