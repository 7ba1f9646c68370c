"""Keep customers' emails and phone numbers out of log files (PDPL / Decree 13 hygiene).

The filter sits on handlers, not loggers, because records from child loggers skip the
filters of the loggers they propagate through.
"""

from __future__ import annotations

import copy
import logging
import logging.config
from collections.abc import Mapping
from typing import Any

from caredesk_rules.contacts import EMAIL_TO_REDACT, PHONE_TO_REDACT

REDACTED_EMAIL = "[email]"
REDACTED_PHONE = "[phone]"


def redact(text: str) -> str:
    return PHONE_TO_REDACT.sub(REDACTED_PHONE, EMAIL_TO_REDACT.sub(REDACTED_EMAIL, text))


class RedactingFilter(logging.Filter):
    """Redacts the message template and each argument, keeping the record's shape.

    The shape matters: uvicorn's access formatter unpacks `record.args` itself.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        elif record.msg is not None and not isinstance(record.msg, (int, float)):
            record.msg = redact(str(record.msg))
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(arg) for arg in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {key: _redact_arg(value) for key, value in record.args.items()}
        if record.exc_info and not record.exc_text:
            # Exception messages often quote the input; format now so the text can be redacted.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def _redact_arg(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return redact(value if isinstance(value, str) else str(value))


def install_redaction(logger: logging.Logger | None = None) -> None:
    """Attach the filter to every handler of `logger` (default: root) that lacks it."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())


def uvicorn_log_config() -> dict[str, Any]:
    """Uvicorn's own logging config with the redaction filter on each handler."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact"] = {"()": "backoffice.core.logging.RedactingFilter"}
    for handler in config.get("handlers", {}).values():
        handler.setdefault("filters", []).append("redact")
    # Our own loggers (backoffice.*) go through the root logger and the same stderr handler.
    config.setdefault("loggers", {})["backoffice"] = {
        "handlers": ["default"],
        "level": "INFO",
        "propagate": False,
    }
    return config
