from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from components.language_policy import latest_language


def user(text, language=None):
    parse_data = {"intent": {"name": "greet", "confidence": 1.0}}
    if language:
        parse_data["language"] = language
    return UserUttered(text, parse_data["intent"], parse_data=parse_data)


def tracker(*events):
    return DialogueStateTracker.from_events("c1", list(events))


def test_the_latest_message_decides():
    assert latest_language(tracker(user("xin chào", "vi"), user("hello", "en"))) == "en"


def test_a_button_payload_keeps_the_language_of_the_words_before_it():
    assert (
        latest_language(tracker(user("I'd like to return it", "en"), user("/get_refund"))) == "en"
    )


def test_an_ambiguous_message_decides_nothing():
    assert latest_language(tracker(user("hello", "en"), user("ok"))) is None
