from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from components.language_policy import latest_language


def user(text, language=None, metadata=None):
    parse_data = {"intent": {"name": "greet", "confidence": 1.0}}
    if language:
        parse_data["language"] = language
    return UserUttered(text, parse_data["intent"], parse_data=parse_data, metadata=metadata)


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


def test_when_the_words_say_nothing_the_channel_language_decides():
    assert latest_language(tracker(user("hello", metadata={"language": "en"}))) == "en"
    assert latest_language(tracker(user("/greet", metadata={"language": "en"}))) == "en"
    assert latest_language(tracker(user("ok", metadata={"language": "fr"}))) is None


def test_the_words_win_over_the_channel_language():
    assert latest_language(tracker(user("xin chào", "vi", metadata={"language": "en"}))) == "vi"
    words_then_button = tracker(
        user("tôi muốn trả hàng", "vi"), user("/get_refund", metadata={"language": "en"})
    )
    assert latest_language(words_then_button) == "vi"
