"""Personal data never reaches a log line, whichever way the message was built."""

from __future__ import annotations

import logging

import pytest

from backoffice.core.logging import RedactingFilter, install_redaction, redact, uvicorn_log_config


@pytest.mark.parametrize(
    "text",
    [
        "an.nguyen@example.com",
        "+84 912 345 678",
        "0912.345.678",
        "0912345678",
        "84912345678",
        "(+84) 912-345-678",
    ],
)
def test_contacts_are_redacted(text: str) -> None:
    redacted = redact(f"customer {text} asked")
    assert redacted in ("customer [email] asked", "customer [phone] asked")


@pytest.mark.parametrize(
    "text",
    ["ORD-10001", "GHN123456789VN", "1290000 VND", "2026-05-20", "RFD-000004", "port 8000"],
)
def test_business_identifiers_survive(text: str) -> None:
    assert redact(text) == text


def _record(msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("t", logging.INFO, __file__, 1, msg, args, None)


def test_filter_redacts_arguments_and_keeps_the_record_shape() -> None:
    # uvicorn's access formatter unpacks record.args itself, so they must stay a tuple.
    record = _record('%s - "%s %s HTTP/%s" %d', "1.2.3.4:5", "GET", "/x?e=a@b.vn", "1.1", 200)
    assert RedactingFilter().filter(record)
    assert isinstance(record.args, tuple) and record.args[2] == "/x?e=[email]"
    assert record.getMessage() == '1.2.3.4:5 - "GET /x?e=[email] HTTP/1.1" 200'


def test_filter_redacts_exceptions_and_mappings() -> None:
    try:
        raise ValueError("no order for 0912 345 678")
    except ValueError:
        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed %(who)s", None, None)
        record.args = {"who": "chi.le@example.com"}
        import sys

        record.exc_info = sys.exc_info()
    RedactingFilter().filter(record)
    assert record.getMessage() == "failed [email]"
    assert record.exc_text is not None and "[phone]" in record.exc_text
    assert "0912" not in record.exc_text


def test_install_redaction_on_handlers(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("caredesk.test.redaction")
    handler = logging.StreamHandler()
    logger.addHandler(handler)
    try:
        install_redaction(logger)
        install_redaction(logger)  # idempotent
        assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1
    finally:
        logger.removeHandler(handler)


def test_uvicorn_config_filters_every_handler() -> None:
    config = uvicorn_log_config()
    assert config["handlers"]
    assert all("redact" in h["filters"] for h in config["handlers"].values())
