"""Shapes shared by every router: the error envelope and strict base models."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

# Printable text only: NUL breaks PostgreSQL and other control characters break logs and UIs.
_SINGLE_LINE_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_MULTI_LINE_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# JSON may escape half of a surrogate pair (backslash-u-d800): such text has no UTF-8 form, so the
# database, the logs and spaCy all fail on it. A whole pair arrives as one code point.
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Who asks for an ownership check (core/verification.py): a conversation's channel and sender id.
CLIENT_MAX_LENGTH = 200


def single_line(value: str) -> str:
    if _SINGLE_LINE_FORBIDDEN.search(value):
        raise ValueError("must not contain control characters or line breaks")
    return value


def multi_line(value: str) -> str:
    if _MULTI_LINE_FORBIDDEN.search(value):
        raise ValueError("must not contain control characters")
    return value


class StrictRequest(BaseModel):
    """Incoming bodies: unknown fields are an error, so typos never get silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _valid_unicode(cls, values: Any) -> Any:
        if _has_lone_surrogate(values):
            raise ValueError("text must be valid Unicode (a lone surrogate has no UTF-8 form)")
        return values


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return _LONE_SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_lone_surrogate(item) for item in value)
    return False


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Missing or wrong X-API-Key"},
    404: {"model": ErrorResponse, "description": "No such order for this contact"},
    413: {"model": ErrorResponse, "description": "Body larger than 16 KB"},
    422: {"model": ErrorResponse, "description": "Invalid input"},
}
