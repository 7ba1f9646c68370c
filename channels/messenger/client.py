"""The Graph API, the platform side: fbmessenger's client on a configurable URL, the Send API
call (blocking: run it in a worker thread) and Meta's webhook signature (the origin check of
the webhook guard, channels.webhook_guard). No Rasa here."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import requests
from fbmessenger import MessengerClient

from channels.webhook_guard import Origin, Refusal, same_secret

GRAPH_API_URL = "https://graph.facebook.com"
GRAPH_API_VERSION = "21.0"
REQUEST_TIMEOUT = 15.0  # seconds per Graph API call


class GraphApiError(RuntimeError):
    """The Send API refused a message (the text says why, without the token)."""


def graph_client(page_access_token: str, api_url: str = GRAPH_API_URL) -> MessengerClient:
    """fbmessenger's client (its session and access token) on a configurable Graph API URL."""
    client = MessengerClient(page_access_token, api_version=GRAPH_API_VERSION)
    client.graph_url = f"{api_url.rstrip('/')}/v{GRAPH_API_VERSION}"
    return client


def valid_signature(app_secret: str, body: bytes, headers: Any) -> bool:
    """Meta signs the raw body with the app secret: sha256 in X-Hub-Signature-256, sha1 in
    X-Hub-Signature. The stronger header decides when both are present."""
    for header, algorithm in (("X-Hub-Signature-256", "sha256"), ("X-Hub-Signature", "sha1")):
        value = headers.get(header)
        if value is None:
            continue
        prefix, _, given = str(value).partition("=")
        if prefix != algorithm or not given:
            return False
        expected = hmac.new(app_secret.encode("utf-8"), body, getattr(hashlib, algorithm))
        return same_secret(given.strip().lower(), expected.hexdigest())
    return False


def signed_with(app_secret: str) -> Origin:
    """The webhook guard's origin check for Meta: the body signed with the app secret."""

    def check(body: bytes, headers: Any) -> Refusal | None:
        if valid_signature(app_secret, body, headers):
            return None
        return Refusal(403, "forbidden", "missing or wrong signature")

    return check


def send_api_post(client: MessengerClient, body: dict[str, Any]) -> dict[str, Any]:
    """POST /me/messages; the answer, or `GraphApiError` when Graph is unreachable or refuses."""
    try:
        reply = client.session.post(
            f"{client.graph_url}/me/messages",
            params=client.auth_args,
            json=body,
            timeout=REQUEST_TIMEOUT,
        )
    except requests.RequestException as failure:
        # requests puts the URL, access token included, in its messages: keep only the kind.
        raise GraphApiError(f"Send API unreachable: {type(failure).__name__}") from None
    try:
        answer = reply.json()
    except ValueError:
        answer = {}
    if reply.status_code >= 400 or not isinstance(answer, dict) or "error" in answer:
        refusal = answer.get("error") if isinstance(answer, dict) else None
        reason = refusal.get("message", "") if isinstance(refusal, dict) else ""
        raise GraphApiError(f"Send API answered {reply.status_code}: {reason}".strip())
    return answer
