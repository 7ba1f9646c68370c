"""A local stand-in for Meta's Graph API Send API, and a Messenger customer.

The server answers `POST /v{N}/me/messages?access_token=...&appsecret_proof=...` like the Send
API does (https://developers.facebook.com/docs/messenger-platform/reference/send-api/):
`{"recipient_id", "message_id"}`, or `{"error": {"message", "type", "code"}}` for a wrong token
or a message past the documented limits (text 2000 characters, 13 quick replies, a button
template of 3 buttons and 640 characters, titles of 20). It records every call.
`MessengerUser` posts signed webhook notifications (`object: page`) to Rasa.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

from channels.senders import conversation_id
from tests.support.http_fakes import FakeServer, Reply, Seen, fake_http_server

PAGE_ACCESS_TOKEN = "EAAFakePageTokenForTests0123456789"
APP_SECRET = "fake-app-secret-for-tests"
VERIFY_TOKEN = "fake-verify-token-for-tests"
PAGE_ID = "104000000000001"
UTILITY_TEMPLATE = "order_update_vi"  # the Page's approved utility template (tests configure it)
UTILITY_TEMPLATES = {UTILITY_TEMPLATE}
SEND_PATH = re.compile(r"/v\d+(\.\d+)?/me/messages")


@dataclass
class Call:
    params: dict[str, str]
    body: dict[str, Any]
    status: int


def _error(status: int, message: str, code: int = 100, kind: str = "OAuthException") -> Reply:
    return Reply(status, json.dumps({"error": {"message": message, "type": kind, "code": code}}))


def _problem(message: dict[str, Any]) -> str | None:
    """Why the Send API would refuse `message`, or None."""
    text = message.get("text")
    if text is not None and not 1 <= len(text) <= 2000:
        return "(#100) Length of param message[text] must be less than or equal to 2000"
    quick = message.get("quick_replies")
    if quick is not None:
        if len(quick) > 13:
            return "(#100) param message[quick_replies] must have at most 13 elements"
        if any(len(q.get("title", "")) > 20 for q in quick):
            return "(#100) quick reply title must be at most 20 characters"
    payload = (message.get("attachment") or {}).get("payload") or {}
    if payload.get("template_type") == "button":
        if not 1 <= len(payload.get("buttons", [])) <= 3:
            return "(#100) param message[attachment][payload][buttons] must have 1-3 elements"
        if len(payload.get("text", "")) > 640:
            return "(#100) button template text must be at most 640 characters"
        if any(len(b.get("title", "")) > 20 for b in payload["buttons"]):
            return "(#100) button title must be at most 20 characters"
    if payload.get("template_type") == "utility":
        if payload.get("name") not in UTILITY_TEMPLATES or not payload.get("language"):
            return "(#100) utility template name or language is not an approved template"
        body = [c for c in payload.get("components") or [] if c.get("type") == "body"]
        values = [p.get("text") for c in body for p in c.get("parameters") or []]
        if not values or not all(isinstance(v, str) and v for v in values):
            return "(#100) utility template body parameters must be non-empty text"
    if text is None and "attachment" not in message:
        return "(#100) Must send either message text or an attachment"
    return None


def _is_utility(body: dict[str, Any]) -> bool:
    attachment = (body.get("message") or {}).get("attachment") or {}
    return (attachment.get("payload") or {}).get("template_type") == "utility"


@dataclass
class FakeGraphApi:
    page_access_token: str = PAGE_ACCESS_TOKEN
    app_secret: str = APP_SECRET
    server: FakeServer | None = None
    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    files: dict[str, bytes] = field(default_factory=dict)  # what Meta's CDN serves: path -> bytes

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return self.server.base_url

    def _record(self, params: dict[str, str], body: dict[str, Any], reply: Reply) -> Reply:
        with self.lock:
            self.calls.append(Call(params, body, reply.status))
        return reply

    def add_file(self, data: bytes) -> str:
        """A customer's attachment on Meta's CDN (here): the `payload.url` of its event."""
        path = f"/files/{next(self._ids)}.jpg"
        with self.lock:
            self.files[path] = data
        return self.base_url + path

    def answer(self, request: Seen) -> Reply:
        parts = urlsplit(request.path)
        if request.method == "GET" and parts.path in self.files:
            return Reply(200, self.files[parts.path], content_type="image/jpeg")
        if request.method != "POST" or not SEND_PATH.fullmatch(parts.path):
            return _error(400, "Unsupported request", 100, "GraphMethodException")
        params = dict(parse_qsl(parts.query))
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return self._record(params, {}, _error(400, "(#100) Invalid JSON"))
        if params.get("access_token") != self.page_access_token:
            return self._record(params, body, _error(400, "Invalid OAuth access token.", 190))
        proof = hmac.new(
            self.app_secret.encode(), self.page_access_token.encode(), hashlib.sha256
        ).hexdigest()
        if "appsecret_proof" in params and params["appsecret_proof"] != proof:
            return self._record(params, body, _error(400, "Invalid appsecret_proof", 100))
        recipient = (body.get("recipient") or {}).get("id")
        if not recipient:
            return self._record(params, body, _error(400, "(#100) param recipient is required"))
        if "sender_action" in body:
            return self._record(params, body, Reply(200, json.dumps({"recipient_id": recipient})))
        problem = _problem(body.get("message") or {})
        if not problem and _is_utility(body) and body.get("messaging_type") != "UTILITY":
            problem = "(#100) a utility template is sent with messaging_type UTILITY"
        if problem:
            return self._record(params, body, _error(400, problem))
        answer = {"recipient_id": recipient, "message_id": f"m_fake{next(self._ids)}"}
        return self._record(params, body, Reply(200, json.dumps(answer)))

    # -- what was sent --------------------------------------------------------------------------

    def sent(self, psid: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if (c.body.get("recipient") or {}).get("id") == psid]

    def messages(self, psid: str) -> list[dict[str, Any]]:
        """Send API bodies with a message the API accepted, in order (sender actions left out)."""
        return [c.body for c in self.sent(psid) if c.status == 200 and "message" in c.body]

    def sender_actions(self, psid: str) -> list[str]:
        return [c.body["sender_action"] for c in self.sent(psid) if "sender_action" in c.body]

    def refused(self) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.status != 200]

    def wait_messages(
        self, psid: str, count: int, timeout: float = 30.0, after: int = 0
    ) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.messages(psid)[after:]
            if len(got) >= count:
                return got
            time.sleep(0.05)
        raise AssertionError(
            f"{psid}: {count} messages expected, got {self.messages(psid)[after:]}"
        )


@contextmanager
def fake_graph_api(
    page_access_token: str = PAGE_ACCESS_TOKEN, app_secret: str = APP_SECRET
) -> Iterator[FakeGraphApi]:
    fake = FakeGraphApi(page_access_token, app_secret)
    with fake_http_server(fake.answer) as server:
        fake.server = server
        yield fake


def text_of(body: dict[str, Any]) -> str:
    """The text a customer reads in one Send API body (plain, quick replies or template)."""
    message = body.get("message") or {}
    if "text" in message:
        return str(message["text"])
    return str(((message.get("attachment") or {}).get("payload") or {}).get("text", ""))


def choices(body: dict[str, Any]) -> list[tuple[str, str]]:
    """(title, payload) of the quick replies or template buttons of one Send API body."""
    message = body.get("message") or {}
    if "quick_replies" in message:
        return [(q["title"], q["payload"]) for q in message["quick_replies"]]
    payload = (message.get("attachment") or {}).get("payload") or {}
    return [(b["title"], b.get("payload", "")) for b in payload.get("buttons", [])]


def sign(body: bytes, app_secret: str = APP_SECRET) -> dict[str, str]:
    """The signature headers Meta puts on a webhook notification."""
    sha256 = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    sha1 = hmac.new(app_secret.encode(), body, hashlib.sha1).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={sha256}", "X-Hub-Signature": f"sha1={sha1}"}


def notification(*events: dict[str, Any]) -> dict[str, Any]:
    """A webhook notification for the page with these messaging events."""
    now = int(time.time() * 1000)
    return {"object": "page", "entry": [{"id": PAGE_ID, "time": now, "messaging": list(events)}]}


_mids = itertools.count(1)


def message_event(psid: str, text: str, quick_reply: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"mid": f"m_in{next(_mids)}", "text": text}
    if quick_reply is not None:
        message["quick_reply"] = {"payload": quick_reply}
    return {
        "sender": {"id": psid},
        "recipient": {"id": PAGE_ID},
        "timestamp": int(time.time() * 1000),
        "message": message,
    }


def image_event(psid: str, url: str) -> dict[str, Any]:
    """A message with a photo: an `image` attachment whose payload holds the file's URL."""
    return {
        "sender": {"id": psid},
        "recipient": {"id": PAGE_ID},
        "timestamp": int(time.time() * 1000),
        "message": {
            "mid": f"m_in{next(_mids)}",
            "attachments": [{"type": "image", "payload": {"url": url}}],
        },
    }


def postback_event(psid: str, title: str, payload: str) -> dict[str, Any]:
    return {
        "sender": {"id": psid},
        "recipient": {"id": PAGE_ID},
        "timestamp": int(time.time() * 1000),
        "postback": {"mid": f"m_pb{next(_mids)}", "title": title, "payload": payload},
    }


@dataclass
class MessengerUser:
    """A customer writing to the page: signed notifications in, Send API calls out.

    The webhook answers before the turn runs: `wait_turn(conversation id, message id)` (the
    running stack's `Stack.wait_turn`) returns once the turn of a message is over."""

    webhook_url: str
    graph: FakeGraphApi
    psid: str
    app_secret: str = APP_SECRET
    seen: int = 0
    wait_turn: Callable[[str, str], None] | None = None

    @property
    def conversation_id(self) -> str:
        return conversation_id("facebook", self.psid)

    def post(
        self, body: dict[str, Any] | bytes, headers: dict[str, str] | None = None
    ) -> requests.Response:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        sent = {"Content-Type": "application/json"}
        sent.update(sign(raw, self.app_secret) if headers is None else headers)
        return requests.post(self.webhook_url, data=raw, headers=sent, timeout=60)

    def unread(self) -> list[dict[str, Any]]:
        got = self.graph.messages(self.psid)[self.seen :]
        self.seen += len(got)
        return got

    def _turn(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        response = self.post(notification(event))
        assert response.status_code == 200, response.text
        if self.wait_turn is not None:
            mid = (event.get("message") or event.get("postback") or {})["mid"]
            self.wait_turn(self.conversation_id, mid)
        return self.unread()

    def say(self, text: str) -> list[dict[str, Any]]:
        """Send a text; the bot's answers."""
        return self._turn(message_event(self.psid, text))

    def tap_quick_reply(self, title: str, payload: str) -> list[dict[str, Any]]:
        return self._turn(message_event(self.psid, title, quick_reply=payload))

    def tap_button(self, title: str, payload: str) -> list[dict[str, Any]]:
        return self._turn(postback_event(self.psid, title, payload))

    def expect(self, count: int = 1, timeout: float = 30.0) -> list[dict[str, Any]]:
        """The next `count` messages pushed outside a turn (agent messages)."""
        got = self.graph.wait_messages(self.psid, count, timeout, after=self.seen)
        self.seen += count
        return got[:count]

    def silence(self, seconds: float = 3.0) -> list[dict[str, Any]]:
        time.sleep(seconds)
        return self.unread()
