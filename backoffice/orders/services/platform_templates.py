"""The platforms' approved templates: the only way an order update may reach a Messenger or Zalo
customer once their reply window has closed. Sent by the back office itself (the platform's
template API, not a chat message through Rasa), and only when the shop configured one:

- Messenger utility message (Meta's Send API): `messaging_type: UTILITY` and a `utility`
  template attachment naming the Page's approved template, its language and the body
  parameters, in the order the template's placeholders take them;
- Zalo ZNS (`POST {ZNS}/message/template`): the order's phone (84…), the template id, the
  template's parameters by name, and a `tracking_id` (the update's delivery key) so a resend
  is recognisable.

Which payload field fills which placeholder is configuration (docs/contract.md): a template is
approved for its exact parameters, so the shop says how ours map onto its template.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

HTTP_TIMEOUT = (3.05, 10.0)
GRAPH_API_URL = "https://graph.facebook.com"  # channels/messenger/client.py's default too
GRAPH_API_VERSION = "21.0"
ZNS_API_URL = "https://business.openapi.zalo.me"


class TemplateRefused(RuntimeError):
    """The platform did not take the template message (the text says why, never the token)."""


def template_values(payload: Mapping[str, Any], fields: Mapping[str, str]) -> dict[str, str]:
    """{placeholder: the payload field's value}; a field without a value gives "-" (templates
    refuse empty parameters)."""
    return {
        name: str(payload.get(field)) if payload.get(field) not in (None, "") else "-"
        for name, field in fields.items()
    }


def parse_fields(spec: str) -> dict[str, str]:
    """`"name=field,name2=field2"` (configuration) -> {name: field}; ValueError when malformed."""
    fields: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, sep, field = item.partition("=")
        if not sep or not name.strip() or not field.strip():
            raise ValueError(f"expected name=field, got {item!r}")
        fields[name.strip()] = field.strip()
    return fields


@dataclass(frozen=True)
class MessengerUtilityTemplate:
    """The Page's approved utility template for order updates."""

    page_access_token: str
    name: str
    language: str
    parameters: Mapping[str, str]  # placeholder -> payload field, in the template's order
    api_url: str = GRAPH_API_URL

    def body(self, psid: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        values = template_values(payload, self.parameters)
        return {
            "recipient": {"id": psid},
            "messaging_type": "UTILITY",
            "message": {
                "attachment": {
                    "type": "template",
                    "payload": {
                        "template_type": "utility",
                        "name": self.name,
                        "language": self.language,
                        "components": [
                            {
                                "type": "body",
                                "parameters": [
                                    {"type": "text", "text": value} for value in values.values()
                                ],
                            }
                        ],
                    },
                }
            },
        }

    def send(self, http: requests.Session, psid: str, payload: Mapping[str, Any]) -> None:
        url = f"{self.api_url.rstrip('/')}/v{GRAPH_API_VERSION}/me/messages"
        try:
            answer = http.post(
                url,
                params={"access_token": self.page_access_token},
                json=self.body(psid, payload),
                timeout=HTTP_TIMEOUT,
            )
        except requests.RequestException as exc:  # its message holds the URL and the token
            raise TemplateRefused(f"Send API unreachable: {type(exc).__name__}") from None
        if answer.status_code != 200:
            raise TemplateRefused(f"Send API refused the utility template: {_graph_error(answer)}")


def _graph_error(answer: requests.Response) -> str:
    try:
        error = answer.json().get("error") or {}
    except (ValueError, AttributeError):
        return f"HTTP {answer.status_code}"
    return f"HTTP {answer.status_code} code {error.get('code')}: {str(error.get('message'))[:120]}"


@dataclass(frozen=True)
class ZnsTemplate:
    """The OA's approved ZNS transaction template for order updates."""

    access_token: str  # the OA's access token
    template_id: str
    data: Mapping[str, str]  # template parameter -> payload field
    api_url: str = ZNS_API_URL

    def body(self, phone: str, payload: Mapping[str, Any], tracking_id: str) -> dict[str, Any]:
        return {
            "phone": zns_phone(phone),
            "template_id": self.template_id,
            "template_data": template_values(payload, self.data),
            "tracking_id": tracking_id,
        }

    def send(
        self, http: requests.Session, phone: str, payload: Mapping[str, Any], tracking_id: str
    ) -> None:
        url = f"{self.api_url.rstrip('/')}/message/template"
        try:
            answer = http.post(
                url,
                headers={"access_token": self.access_token},
                json=self.body(phone, payload, tracking_id),
                timeout=HTTP_TIMEOUT,
            )
        except requests.RequestException as exc:
            raise TemplateRefused(f"ZNS unreachable: {type(exc).__name__}") from None
        try:
            result = answer.json()
        except ValueError:
            raise TemplateRefused(f"ZNS: HTTP {answer.status_code}, not a ZNS answer") from None
        code = result.get("error") if isinstance(result, dict) else None
        if answer.status_code != 200 or code != 0:
            message = str(result.get("message") if isinstance(result, dict) else "")[:120]
            raise TemplateRefused(f"ZNS refused the template: error {code}: {message}")


def zns_phone(phone: str) -> str:
    """ZNS wants the number as 84XXXXXXXXX (the order keeps +84XXXXXXXXX)."""
    digits = phone.lstrip("+")
    return "84" + digits[1:] if digits.startswith("0") else digits
