"""Rasa messages as Zalo messages (channels/zalo/render.py): splitting, template buttons,
numbered choices."""

from __future__ import annotations

from channels.zalo.render import NumberedChoices, image_message, with_buttons

YES_NO = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


def test_few_buttons_become_zalo_template_buttons():
    messages, numbered = with_buttons("Cancel order ORD-10002?", YES_NO)
    assert numbered is None
    assert messages == [
        {
            "text": "Cancel order ORD-10002?",
            "attachment": {
                "type": "template",
                "payload": {
                    "buttons": [
                        {"title": "Yes", "type": "oa.query.hide", "payload": "/affirm"},
                        {"title": "No", "type": "oa.query.hide", "payload": "/deny"},
                    ]
                },
            },
        }
    ]


def test_link_buttons_open_the_url():
    messages, _ = with_buttons("Invoice", [{"title": "Open", "payload": "https://x.test/i/1"}])
    [button] = messages[0]["attachment"]["payload"]["buttons"]
    assert button == {
        "title": "Open",
        "type": "oa.open.url",
        "payload": {"url": "https://x.test/i/1"},
    }


def test_many_buttons_become_a_numbered_list():
    buttons = [{"title": f"Option {i}", "payload": f"/intent_{i}"} for i in range(1, 7)]
    messages, numbered = with_buttons("What can I do for you?", buttons)
    assert numbered == [f"/intent_{i}" for i in range(1, 7)]
    assert messages == [
        {"text": "What can I do for you?\n\n" + "\n".join(f"{i}. Option {i}" for i in range(1, 7))}
    ]


def test_a_title_over_zalos_limit_falls_back_to_numbers():
    _, numbered = with_buttons("Pick", [{"title": "t" * 101, "payload": "/a"}])
    assert numbered == ["/a"]


def test_long_text_with_buttons_keeps_the_buttons_on_the_last_piece():
    messages, _ = with_buttons("word " * 500, YES_NO)
    assert len(messages) == 2 and "attachment" not in messages[0]
    assert messages[1]["attachment"]["payload"]["buttons"][0]["payload"] == "/affirm"


def test_numbered_choice_is_resolved_once():
    choices = NumberedChoices()
    choices.offer("u1", ["/track_order", "/check_refund_policy"])
    assert choices.resolve("u2", "2") == "2"  # another user's options do not apply
    assert choices.resolve("u1", " 2. ") == "/check_refund_policy"
    assert choices.resolve("u1", "2") == "2"  # used up


def test_numbered_choices_last_only_until_the_next_message():
    choices = NumberedChoices()
    choices.offer("u1", ["/a", "/b"])
    assert choices.resolve("u1", "where is my order") == "where is my order"
    assert choices.resolve("u1", "1") == "1"


def test_numbers_outside_the_options_stay_text():
    choices = NumberedChoices()
    choices.offer("u1", ["/a", "/b"])
    assert choices.resolve("u1", "3") == "3"


def test_numbered_choices_are_bounded():
    choices = NumberedChoices(size=2)
    for user in ("a", "b", "c"):
        choices.offer(user, ["/x"])
    assert choices.resolve("a", "1") == "1" and choices.resolve("c", "1") == "/x"


def test_image_message_is_a_media_template():
    payload = image_message("https://x.test/p.jpg")["attachment"]["payload"]
    assert payload["template_type"] == "media"
    assert payload["elements"] == [{"media_type": "image", "url": "https://x.test/p.jpg"}]
