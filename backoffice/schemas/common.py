"""Shapes shared by every router: the error envelope and strict base models."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Extra, errors

# Printable text only: NUL breaks PostgreSQL and other control characters break logs and UIs.
_SINGLE_LINE_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_MULTI_LINE_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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

    class Config:
        extra = Extra.forbid
        anystr_strip_whitespace = True

    @classmethod
    def validate(cls, value: Any) -> Any:
        # pydantic v1 would build a model from any iterable of pairs (`[]` becomes `{}`).
        if not isinstance(value, (dict, cls)):
            raise errors.DictError()
        return super().validate(value)


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
