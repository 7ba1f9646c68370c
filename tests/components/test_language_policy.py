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
    assert latest_language(tracker(user("xin chào", "vi"), user("hello", "en")), "vi") == "en"


def test_a_message_without_language_keeps_the_conversation_language():
    # "ok" or a button after an English exchange stays English, whatever the widget says.
    assert latest_language(tracker(user("hello", "en"), user("ok")), "en") is None
    button = user("/get_refund", metadata={"language": "vi"})
    assert latest_language(tracker(user("I'd like to return it", "en"), button), "en") is None


def test_a_conversation_without_language_takes_the_channel_language():
    assert latest_language(tracker(user("hello", metadata={"language": "en"})), None) == "en"
    assert latest_language(tracker(user("/greet", metadata={"language": "en"})), None) == "en"
    assert latest_language(tracker(user("ok", metadata={"language": "fr"})), None) is None


def test_the_words_win_over_the_channel_language():
    spoken = user("xin chào", "vi", metadata={"language": "en"})
    assert latest_language(tracker(spoken), "en") == "vi"
