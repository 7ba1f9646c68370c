"""What every back-office client shares: one `requests.Session`, timeouts on every call,
retries with exponential backoff for idempotent calls only, JSON errors read the same way.

Each client (orders, helpdesk) names its own exceptions, so actions catch what they mean.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import requests
from requests.adapters import HTTPAdapter

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 5.0
DEFAULT_RETRIES = 2
DEFAULT_BACKOFF = 0.25
RETRY_STATUSES = frozenset({500, 502, 503, 504})
API_PREFIX = "/api/v1"

T = TypeVar("T")


class SchemaError(Exception):
    """An answer that does not have the shape the contract promises."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any


NOT_JSON = object()


class JsonApiClient:
    """Base class: subclasses set the names, the environment variables and the exceptions."""

    service: ClassVar[str] = "service"
    user_agent: ClassVar[str] = "caredesk-client/0.1"
    url_variable: ClassVar[str] = ""
    timeout_variable: ClassVar[str] = ""
    retries_variable: ClassVar[str] = ""
    default_url: ClassVar[str] = "http://127.0.0.1:8000"
    unavailable: ClassVar[type[Exception]] = ConnectionError
    invalid: ClassVar[type[Exception]] = ValueError

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float | None = None,
        retries: int | None = None,
        backoff: float = DEFAULT_BACKOFF,
        session: requests.Session | None = None,
    ) -> None:
        env = os.environ
        self.base_url = (base_url or env.get(self.url_variable) or self.default_url).rstrip("/")
        self._api_key = api_key if api_key is not None else env.get("BACKOFFICE_API_KEY", "")
        self.timeout = timeout if timeout is not None else env_timeout(self.timeout_variable)
        self.retries = retries if retries is not None else env_int(self.retries_variable)
        self.backoff = backoff
        self._session = session or requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=32, max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers.update({"Accept": "application/json", "User-Agent": self.user_agent})
        if self._api_key:
            self._session.headers["X-API-Key"] = self._api_key

    def __repr__(self) -> str:  # never show the key
        return f"{type(self).__name__}(base_url={self.base_url!r}, timeout={self.timeout})"

    def close(self) -> None:
        self._session.close()

    def _call(
        self,
        method: str,
        path: str,
        *,
        contact: str | None = None,
        json: Any = None,
        retry: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        sent = dict(headers or {})
        if contact is not None:
            contact = contact.strip()
            # Header values must be printable ASCII; anything else cannot be a valid contact.
            if not contact or not contact.isascii() or not contact.isprintable():
                raise self.invalid("the contact is not a valid email or phone number")
            sent["X-Customer-Contact"] = contact
        url = f"{self.base_url}{API_PREFIX}{path}"
        attempts = 1 + (max(self.retries, 0) if retry else 0)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            started = time.monotonic()
            try:
                response = self._session.request(
                    method, url, json=json, headers=sent, timeout=self.timeout
                )
            except (requests.Timeout, requests.ConnectionError) as exc:
                kind = "timed out" if isinstance(exc, requests.Timeout) else "connection failed"
                logger.warning(
                    "%s %s %s %s (attempt %d)", self.service, method, path, kind, attempt + 1
                )
                if last:
                    raise self.unavailable(f"{self.service} {kind}") from exc
                self._sleep(attempt)
                continue
            except requests.RequestException as exc:
                raise self.unavailable(f"{self.service} request failed: {exc}") from exc
            logger.debug(
                "%s %s %s -> %d in %.0f ms",
                self.service,
                method,
                path,
                response.status_code,
                (time.monotonic() - started) * 1000,
            )
            if response.status_code in RETRY_STATUSES and not last:
                logger.warning(
                    "%s %s %s -> %d (attempt %d), retrying",
                    self.service,
                    method,
                    path,
                    response.status_code,
                    attempt + 1,
                )
                self._sleep(attempt)
                continue
            return Answer(response.status_code, self._json(response))
        raise AssertionError("unreachable")  # pragma: no cover

    def _sleep(self, attempt: int) -> None:
        time.sleep(self.backoff * (2**attempt))

    @staticmethod
    def _json(response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            return NOT_JSON

    def _parse(self, parse: Callable[[Any], T], body: Any) -> T:
        if body is NOT_JSON:
            raise self.unavailable(f"{self.service} answered with something that is not JSON")
        try:
            return parse(body)
        except SchemaError as exc:
            raise self.unavailable(f"{self.service} answer is malformed: {exc}") from None

    @staticmethod
    def _error(answer: Answer) -> Mapping[str, Any] | None:
        body = answer.body
        if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
            error = body["error"]
            if isinstance(error.get("code"), str):
                return error
        return None

    def _error_code(self, answer: Answer) -> str | None:
        error = self._error(answer)
        return error["code"] if error else None

    def _unavailable(self, answer: Answer) -> Exception:
        if answer.status == 401:
            logger.error("%s rejected our API key (check BACKOFFICE_API_KEY)", self.service)
        return self.unavailable(f"{self.service} answered HTTP {answer.status}")


def env_timeout(name: str) -> float:
    raw = os.environ.get(name, "").strip() if name else ""
    try:
        value = float(raw) if raw else DEFAULT_TIMEOUT
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, got {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{name} must be positive")
    return value


def env_int(name: str) -> int:
    raw = os.environ.get(name, "").strip() if name else ""
    try:
        return max(int(raw), 0) if raw else DEFAULT_RETRIES
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None
