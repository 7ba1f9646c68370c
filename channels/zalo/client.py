"""Zalo Official Account, the platform side: the webhook signature and a `requests` client for
the OA "customer service" message API (OpenAPI v3). No Rasa here, so both are tested fast.

Sources and the limits they state are in docs/zalo.md.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any

import requests
from urllib3.exceptions import NewConnectionError

from channels.webhook_guard import same_secret

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://openapi.zalo.me"
SEND_PATH = "/v3.0/oa/message/cs"
SIGNATURE_HEADER = "X-ZEvent-Signature"
MAX_TEXT_CHARS = 2000  # a text message holds at most 2,000 characters
MAX_BUTTON_TITLE_CHARS = 100
MAX_BUTTON_PAYLOAD_CHARS = 1000

# Zalo answers HTTP 200 with {"error": <code>, "message": ...}; 0 is success.
TOKEN_ERRORS = frozenset({-216, -124})  # access token invalid / expired
WINDOW_ERRORS = frozenset({-213, -230})  # user not reachable: not following / window closed
RATE_LIMIT_ERRORS = frozenset({-32})  # request rate exceeded: nothing was sent
ERROR_MEANINGS = {
    -216: "access token invalid",
    -124: "access token expired",
    -213: "user has not followed the OA or is outside the 48-hour reply window",
    -230: "user has not interacted with the OA in the last 7 days (reply window closed)",
    -32: "rate limit exceeded",
}


def compute_signature(app_id: str, raw_body: bytes, timestamp: str, secret_key: str) -> str:
    """The `X-ZEvent-Signature` value Zalo sends: "mac=" + hex sha256 over the app id, the exact
    body bytes, the event's timestamp (from the body) and the OA secret key, in that order."""
    digest = hashlib.sha256(
        app_id.encode() + raw_body + timestamp.encode() + secret_key.encode()
    ).hexdigest()
    return f"mac={digest}"


def signature_matches(
    header: str | None, app_id: str, raw_body: bytes, timestamp: str, secret_key: str
) -> bool:
    """Constant-time check of a received header (the "mac=" prefix is optional, hex any case)."""
    if not header:
        return False
    received = header.strip()
    if received[:4].lower() == "mac=":
        received = received[4:].strip()
    expected = compute_signature(app_id, raw_body, timestamp, secret_key)[4:]
    return same_secret(received.lower(), expected)


class ZaloApiError(Exception):
    """A message Zalo did not accept. `kind` says what to do about it: token (fix the
    credentials), window (the user cannot be messaged now), rate_limit, network, bad_response,
    other. The access token never appears in it."""

    def __init__(self, kind: str, code: int | None, detail: str) -> None:
        self.kind = kind
        self.code = code
        self.detail = detail
        meaning = ERROR_MEANINGS.get(code) if code is not None else None
        super().__init__(_describe(kind, code, meaning, detail))


def _describe(kind: str, code: int | None, meaning: str | None, detail: str) -> str:
    parts = [f"zalo {kind} error"]
    if code is not None:
        parts.append(f"code {code}")
    if meaning:
        parts.append(f"({meaning})")
    if detail:
        parts.append(f": {detail[:200]}")
    return " ".join(parts)


def classify(code: int) -> str:
    if code in TOKEN_ERRORS:
        return "token"
    if code in WINDOW_ERRORS:
        return "window"
    if code in RATE_LIMIT_ERRORS:
        return "rate_limit"
    return "other"


@dataclass(frozen=True)
class Sent:
    message_id: str | None
    attempts: int


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the request cannot have reached Zalo (no connection was made), so sending it
    again cannot duplicate a message. A read timeout or a reset after sending is not that."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError):
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        return isinstance(reason, NewConnectionError) or isinstance(
            exc.args[0] if exc.args else None, NewConnectionError
        )
    return False


class ZaloClient:
    """Sends OA customer-service messages. Blocking: call it from a worker thread.

    Retries only what cannot duplicate a message: a connection that never opened, HTTP 429 and
    Zalo's rate-limit code (the request was refused, not processed). A read timeout is not
    retried: Zalo may have delivered the message already."""

    def __init__(
        self,
        access_token: str,
        api_url: str = DEFAULT_API_URL,
        *,
        timeout: tuple[float, float] = (3.05, 10.0),
        attempts: int = 3,
        backoff: float = 0.5,
        session: requests.Session | None = None,
    ) -> None:
        self._access_token = access_token
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self._session = session or requests.Session()

    def __repr__(self) -> str:  # never show the token
        return f"ZaloClient(api_url={self.api_url!r})"

    def send(self, user_id: str, message: dict[str, Any]) -> Sent:
        """POST {api}/v3.0/oa/message/cs; the message id on success, ZaloApiError otherwise."""
        body = {"recipient": {"user_id": user_id}, "message": message}
        headers = {"access_token": self._access_token, "Content-Type": "application/json"}
        last: ZaloApiError | None = None
        for attempt in range(1, self.attempts + 1):
            if attempt > 1:
                time.sleep(self.backoff * 2 ** (attempt - 2))
            try:
                response = self._session.post(
                    self.api_url + SEND_PATH, json=body, headers=headers, timeout=self.timeout
                )
            except requests.RequestException as exc:
                error = ZaloApiError("network", None, type(exc).__name__)
                if _never_sent(exc):
                    last = error
                    continue
                raise error from None
            if response.status_code == 429:
                last = ZaloApiError("rate_limit", None, "HTTP 429")
                continue
            answer = _json_object(response)
            if answer is None or not isinstance(answer.get("error"), int):
                raise ZaloApiError(
                    "bad_response", None, f"HTTP {response.status_code}, not a Zalo answer"
                )
            code = int(answer["error"])
            if code == 0:
                data = answer.get("data")
                data = data if isinstance(data, dict) else {}
                message_id = data.get("message_id") or data.get("msg_id")
                return Sent(str(message_id) if message_id else None, attempt)
            error = ZaloApiError(classify(code), code, str(answer.get("message") or ""))
            if error.kind == "rate_limit":
                last = error
                continue
            raise error
        assert last is not None
        raise last


def _json_object(response: requests.Response) -> dict[str, Any] | None:
    try:
        value = response.json()
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
