"""A local stand-in for Telegram's Bot API (https://core.telegram.org/bots/api), and a customer.

The server answers `POST /bot<token>/<method>` like Telegram does (JSON, form or multipart
parameters; `{"ok": true, "result": ...}` or `{"ok": false, "error_code", "description"}`),
checks the documented limits (text 1-4096 characters, callback_data 1-64 bytes) and records
every call. `TelegramUser` posts documented Updates (messages, button presses) to a webhook.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

from channels.senders import conversation_id
from tests.support.http_fakes import FakeServer, Reply, Seen, fake_http_server

TOKEN = "123456789:AAFakeTokenForTests-0123456789abcdef"
BOT_USERNAME = "caredesk_test_bot"
BOT_ID = 123456789


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int


def _params(request: Seen) -> dict[str, Any]:
    """Bot API parameters from a query string, JSON, urlencoded or multipart body."""
    params: dict[str, Any] = dict(parse_qsl(urlsplit(request.path).query))
    content_type = request.headers.get("Content-Type", "")
    if not request.body:
        return params
    if content_type.startswith("application/json"):
        params.update(json.loads(request.body))
    elif content_type.startswith("multipart/form-data"):
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + request.body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            params[str(name)] = part.get_content()
    else:
        params.update(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
    # Structured parameters arrive JSON-serialised in form bodies.
    for key in ("reply_markup", "allowed_updates", "entities"):
        if isinstance(params.get(key), str):
            params[key] = json.loads(params[key])
    return params


def _error(status: int, description: str) -> Reply:
    return Reply(
        status, json.dumps({"ok": False, "error_code": status, "description": description})
    )


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class FakeTelegram:
    token: str = TOKEN
    username: str = BOT_USERNAME
    server: FakeServer | None = None
    calls: list[Call] = field(default_factory=list)
    webhook: dict[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _message_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1000))
    # Cleared by `hold()`: sendMessage waits (a slow Bot API) until `release()`.
    _answering: threading.Event = field(default_factory=threading.Event)
    _failing: set[str] = field(default_factory=set)  # chats whose next sendMessage gets a 500

    refusals: dict[str, int] = field(default_factory=dict)  # chat id -> sendMessages to refuse
    # chat id -> [sendMessages still to answer 429, the retry_after they give] (`flood`).
    floods: dict[str, list[int]] = field(default_factory=dict)
    # A customer's files: file_id -> (file_path, bytes), for getFile and the download URL.
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._answering.set()

    def hold(self) -> None:
        self._answering.clear()

    def release(self) -> None:
        self._answering.set()

    def fail_next(self, chat_id: int | str) -> None:
        """The next sendMessage to `chat_id` fails with 500, as Telegram does at times."""
        with self.lock:
            self._failing.add(str(chat_id))

    def refuse(self, chat_id: int | str, times: int) -> None:
        """The next `times` messages to this chat get Telegram's 502 (its servers in trouble)."""
        with self.lock:
            self.refusals[str(chat_id)] = times

    def flood(self, chat_id: int | str, times: int, retry_after: int = 1) -> None:
        """The next `times` messages to this chat get Telegram's flood control: 429 with
        `parameters.retry_after` (https://core.telegram.org/bots/api#responseparameters)."""
        with self.lock:
            self.floods[str(chat_id)] = [times, retry_after]

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return self.server.base_url

    def _record(self, method: str, params: dict[str, Any], reply: Reply) -> Reply:
        with self.lock:
            self.calls.append(Call(method, params, reply.status))
        return reply

    def add_file(self, data: bytes, file_path: str = "") -> str:
        """A file a customer sent; its file_id (getFile gives its path)."""
        file_id = f"AgACAgIAAxkBAAI{next(self._message_ids)}"
        with self.lock:
            self.files[file_id] = (file_path or f"photos/file_{len(self.files)}.jpg", data)
        return file_id

    def download(self, path: str) -> Reply:
        """GET /file/bot<token>/<file_path>: the file's bytes, as Telegram serves them."""
        token, _, file_path = path[len("/file/bot") :].partition("/")
        if token != self.token:
            return _error(401, "Unauthorized")
        for known_path, data in self.files.values():
            if known_path == file_path:
                return Reply(200, data, content_type="application/octet-stream")
        return _error(404, "Not Found")

    def answer(self, request: Seen) -> Reply:
        path = urlsplit(request.path).path
        if path.startswith("/file/bot"):
            return self.download(path)
        prefix, _, method = path.rpartition("/")
        if not prefix.startswith("/bot"):
            return _error(404, "Not Found")
        if prefix[len("/bot") :] != self.token:
            return self._record(method, {}, _error(401, "Unauthorized"))
        try:
            params = _params(request)
        except (ValueError, UnicodeDecodeError):
            return self._record(method, {}, _error(400, "Bad Request: can't parse parameters"))
        handler = getattr(self, "_" + method, None)
        if handler is None:
            return self._record(method, params, _error(404, "Not Found: method not found"))
        return self._record(method, params, handler(params))

    # -- Bot API methods ------------------------------------------------------------------------

    def _ok(self, result: Any) -> Reply:
        return Reply(200, json.dumps({"ok": True, "result": result}))

    def _getMe(self, params: dict[str, Any]) -> Reply:
        return self._ok(
            {"id": BOT_ID, "is_bot": True, "first_name": "Caredesk", "username": self.username}
        )

    def _setWebhook(self, params: dict[str, Any]) -> Reply:
        if not str(params.get("url", "")).startswith(("https://", "http://")):
            return _error(400, "Bad Request: bad webhook: An HTTPS URL must be provided")
        with self.lock:
            self.webhook = dict(params)
        return Reply(
            200, json.dumps({"ok": True, "result": True, "description": "Webhook was set"})
        )

    def _sendMessage(self, params: dict[str, Any]) -> Reply:
        self._answering.wait(timeout=60)
        with self.lock:
            if str(params.get("chat_id")) in self._failing:
                self._failing.discard(str(params.get("chat_id")))
                return _error(500, "Internal Server Error")
        text = str(params.get("text", ""))
        if "chat_id" not in params:
            return _error(400, "Bad Request: chat_id is empty")
        if not text.strip():
            return _error(400, "Bad Request: message text is empty")
        if _utf16(text) > 4096:
            return _error(400, "Bad Request: message is too long")
        with self.lock:
            flood = self.floods.get(str(params["chat_id"]))
            if flood and flood[0] > 0:
                flood[0] -= 1
                return Reply(
                    429,
                    json.dumps(
                        {
                            "ok": False,
                            "error_code": 429,
                            "description": f"Too Many Requests: retry after {flood[1]}",
                            "parameters": {"retry_after": flood[1]},
                        }
                    ),
                )
            refused = self.refusals.get(str(params["chat_id"]), 0)
            if refused:
                self.refusals[str(params["chat_id"])] = refused - 1
        if refused:
            return _error(502, "Bad Gateway")
        markup = params.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data", "")
                if not 1 <= len(data.encode("utf-8")) <= 64:
                    return _error(400, "Bad Request: BUTTON_DATA_INVALID")
        chat_id = int(params["chat_id"])
        return self._ok(
            {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Caredesk"},
                "text": text,
            }
        )

    def _answerCallbackQuery(self, params: dict[str, Any]) -> Reply:
        if not params.get("callback_query_id"):
            return _error(400, "Bad Request: query is too old or query ID is invalid")
        return self._ok(True)

    def _sendChatAction(self, params: dict[str, Any]) -> Reply:
        return self._ok(True)

    def _getFile(self, params: dict[str, Any]) -> Reply:
        """A File object (https://core.telegram.org/bots/api#getfile) for a known file_id."""
        found = self.files.get(str(params.get("file_id") or ""))
        if found is None:
            return _error(400, "Bad Request: invalid file_id")
        file_path, data = found
        file_id = str(params["file_id"])
        return self._ok(
            {
                "file_id": file_id,
                "file_unique_id": "u" + file_id[-8:],
                "file_size": len(data),
                "file_path": file_path,
            }
        )

    def wait_webhook(self, timeout: float = 10.0) -> dict[str, Any]:
        """The setWebhook parameters (Rasa registers it just after it starts answering)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.webhook:
                    return dict(self.webhook)
            time.sleep(0.05)
        raise AssertionError(f"no setWebhook within {timeout}s; calls: {self.calls}")

    # -- what was sent --------------------------------------------------------------------------

    def calls_of(self, method: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method]

    def messages(self, chat_id: int | str) -> list[dict[str, Any]]:
        """Messages delivered to one chat (sendMessage calls Telegram accepted), in order."""
        return [
            c.params
            for c in self.calls_of("sendMessage")
            if c.status == 200 and str(c.params.get("chat_id")) == str(chat_id)
        ]

    def wait_messages(
        self, chat_id: int | str, count: int, timeout: float = 30.0, after: int = 0
    ) -> list[dict[str, Any]]:
        """The messages after the first `after` ones, once there are at least `count` of them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.messages(chat_id)[after:]
            if len(got) >= count:
                return got
            time.sleep(0.05)
        raise AssertionError(
            f"chat {chat_id}: {count} messages expected, got {self.messages(chat_id)[after:]}"
        )


@contextmanager
def fake_telegram(token: str = TOKEN, username: str = BOT_USERNAME) -> Iterator[FakeTelegram]:
    fake = FakeTelegram(token, username)
    with fake_http_server(fake.answer) as server:
        fake.server = server
        yield fake


def inline_buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The inline keyboard's buttons of a sent message, row after row."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button for row in rows for button in row]


_update_ids = itertools.count(500_000)


def message_update(chat_id: int, text: str, first_name: str = "An") -> dict[str, Any]:
    """An Update with a private text message, as Telegram sends it."""
    user = {"id": chat_id, "is_bot": False, "first_name": first_name, "language_code": "vi"}
    return {
        "update_id": next(_update_ids),
        "message": {
            "message_id": next(_update_ids),
            "from": user,
            "chat": {"id": chat_id, "first_name": first_name, "type": "private"},
            "date": int(time.time()),
            "text": text,
        },
    }


def photo_update(chat_id: int, file_ids: list[str], caption: str | None = None) -> dict[str, Any]:
    """An Update with a private photo message: `photo` is the sizes Telegram made of it,
    smallest first (PhotoSize objects), `caption` the words sent with it."""
    update = message_update(chat_id, "")
    message = update["message"]
    del message["text"]
    message["photo"] = [
        {
            "file_id": file_id,
            "file_unique_id": "u" + file_id[-8:],
            "width": 90 * (n + 1),
            "height": 68 * (n + 1),
            "file_size": 1000 * (n + 1),
        }
        for n, file_id in enumerate(file_ids)
    ]
    if caption is not None:
        message["caption"] = caption
    return update


def callback_update(chat_id: int, data: str, message_id: int = 1) -> dict[str, Any]:
    """An Update for a pressed inline button (`callback_data` = `data`)."""
    user = {"id": chat_id, "is_bot": False, "first_name": "An"}
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": str(next(_update_ids)),
            "from": user,
            "message": {
                "message_id": message_id,
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Caredesk"},
                "chat": {"id": chat_id, "type": "private"},
                "date": int(time.time()),
                "text": "…",
            },
            "chat_instance": "-1234567890",
            "data": data,
        },
    }


@dataclass
class TelegramUser:
    """A customer in a private chat with the bot: posts Updates to Rasa's webhook the way
    Telegram does, and reads the bot's answers from the fake Bot API.

    The webhook answers before the turn runs: `wait_turn(conversation id, message id)` (the
    running stack's `Stack.wait_turn`) returns once the turn of an update is over."""

    webhook_url: str
    telegram: FakeTelegram
    chat_id: int
    secret_token: str | None = None
    seen: int = 0  # messages already read by `expect`
    wait_turn: Callable[[str, str], None] | None = None

    @property
    def conversation_id(self) -> str:
        return conversation_id("telegram", str(self.chat_id))

    def post(self, update: dict[str, Any] | bytes, secret: str | None = None) -> requests.Response:
        headers = {"Content-Type": "application/json"}
        token = self.secret_token if secret is None else secret
        if token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = token
        body = update if isinstance(update, bytes) else json.dumps(update).encode()
        return requests.post(self.webhook_url, data=body, headers=headers, timeout=60)

    def unread(self) -> list[dict[str, Any]]:
        got = self.telegram.messages(self.chat_id)[self.seen :]
        self.seen += len(got)
        return got

    def turn(self, update: dict[str, Any]) -> list[dict[str, Any]]:
        """Post `update`; the bot's answers once its turn is over."""
        response = self.post(update)
        assert response.status_code == 200, response.text
        assert response.json() == {"status": "ok"}, response.text
        if self.wait_turn is not None:
            self.wait_turn(self.conversation_id, str(update["update_id"]))
        return self.unread()

    def say(self, text: str) -> list[dict[str, Any]]:
        """Send a text; the bot's answers."""
        return self.turn(message_update(self.chat_id, text))

    def press(self, data: str) -> list[dict[str, Any]]:
        """Press an inline button whose callback_data is `data`; the bot's answers."""
        return self.turn(callback_update(self.chat_id, data))

    def expect(self, count: int = 1, timeout: float = 30.0) -> list[dict[str, Any]]:
        """The next `count` messages pushed to this chat outside a turn (agent messages)."""
        got = self.telegram.wait_messages(self.chat_id, count, timeout, after=self.seen)
        self.seen += count
        return got[:count]

    def silence(self, seconds: float = 3.0) -> list[dict[str, Any]]:
        """Whatever arrives within `seconds` (nothing while an agent owns the chat)."""
        time.sleep(seconds)
        return self.unread()


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(str(m.get("text", "")) for m in messages)
