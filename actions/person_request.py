"""Whether a message explicitly asks for a person, whatever topic the NLU put first.

"get me a human, my parcel never arrived" may be classified as the delivery problem it names;
the customer still asked for a person, and the FAQ answer must not stand in for one.
"""

from __future__ import annotations

import re

from rasa_sdk import Tracker

from actions.handoff import original_text
from components.vietnamese_text import expand_teen_code, fold

# The NLU must also see a request for a person among its top guesses: the words alone are not
# enough ("are your staff real people?" is not a request).
MIN_CONFIDENCE = 0.05

_WHO = (
    r"(?:someone|somebody|a person|a human|human|an? (?:real|live) (?:person|agent)|"
    r"(?:an?|the|your|a real|a live) (?:agent|operator|staff(?: member)?|representative|rep|"
    r"employee|team member|manager|supervisor|advisor|consultant))"
)
_ENGLISH = re.compile(
    r"\b(?:"
    rf"(?:talk|speak|chat)(?: to| with) {_WHO}|"
    rf"(?:get|put|connect|transfer|pass) me (?:to|through to|with|in touch with)? ?{_WHO}|"
    r"real (?:person|human)|live (?:agent|person|chat)|human (?:agent|being|please)|"
    r"(?:agent|operator|human|staff) please"
    r")\b"
)
_VIETNAMESE = re.compile(
    r"\b(?:"
    r"(?:gap|noi chuyen voi|lien he voi|ket noi voi|chuyen (?:cho|sang|toi)|cho \w+ gap) "
    r"(?:nhan vien|tu van vien|nguoi that|nguoi|ban|ai do|tong dai vien|admin|ad)|"
    r"nguoi that|tu van vien|tong dai vien"
    r")\b"
)


def asks_for_a_person(text: str) -> bool:
    lowered = text.lower()
    if _ENGLISH.search(lowered):
        return True
    return bool(_VIETNAMESE.search(expand_teen_code(fold(lowered))))


def explicit_person_request(tracker: Tracker) -> bool:
    """The message says it wants a person, and the NLU considered that reading."""
    ranking = tracker.latest_message.get("intent_ranking") or []
    considered = any(
        r.get("name") == "contact_human_agent" and float(r.get("confidence") or 0) >= MIN_CONFIDENCE
        for r in ranking
    )
    return considered and asks_for_a_person(original_text(tracker))
