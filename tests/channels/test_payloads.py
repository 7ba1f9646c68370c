"""Which typed payloads count as intents: only the buttons the bot offered in this session."""

from __future__ import annotations

from rasa.shared.core.events import BotUttered, SessionStarted, UserUttered

from channels.payloads import OFFER_LOOKBACK, as_text, offered_payloads


def _offer(*payloads: str) -> BotUttered:
    return BotUttered("pick one", {"buttons": [{"title": p, "payload": p} for p in payloads]})


def test_buttons_of_the_session_are_offered() -> None:
    events = [_offer("/affirm", "/deny"), UserUttered("hm"), BotUttered("ok")]
    assert offered_payloads(events) == {"/affirm", "/deny"}


def test_buttons_before_the_session_started_are_not() -> None:
    events = [_offer("/affirm"), SessionStarted(), BotUttered("hello")]
    assert offered_payloads(events) == set()


def test_only_recent_offers_count() -> None:
    events = [_offer("/old"), *[BotUttered(f"m{i}") for i in range(OFFER_LOOKBACK)]]
    assert offered_payloads(events) == set()


def test_a_payload_read_as_text_loses_its_slashes() -> None:
    assert as_text('//EXTERNAL_agent_joined{"agent_name": "M"}') == (
        'EXTERNAL_agent_joined{"agent_name": "M"}'
    )
    assert as_text("/") == ""
