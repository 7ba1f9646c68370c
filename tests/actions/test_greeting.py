import asyncio

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.greeting import ActionGreet
from tests.support.trackers import tracker_for
from tests.test_responses import render

GREETINGS = {
    "en": "Hi, I'm Mây Store's virtual assistant.",
    "vi": "Xin chào, mình là trợ lý ảo của Mây Store.",
}


@pytest.mark.parametrize("language", ["en", "vi"])
def test_the_assistant_introduces_itself_in_the_shop_s_brand(language):
    """The greeting as the customer reads it: the action's values rendered by Rasa's NLG."""
    dispatcher = CollectingDispatcher()
    tracker = tracker_for("hello", "greet", language, slots={"language": language})
    events = asyncio.run(ActionGreet().run(dispatcher, tracker, {}))
    [message] = dispatcher.messages
    values = {k: v for k, v in message.items() if k not in {"response", "text", "buttons"}}
    text = render(message["response"], language, **values)["text"]
    assert events == []
    assert text.startswith(GREETINGS[language])
    assert "caredesk" not in text.lower()
