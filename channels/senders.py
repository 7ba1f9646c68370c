"""Conversation ids of the messaging channels: `<channel>:<the platform's id>`.

A Telegram chat, a Messenger user (page-scoped id) and a Zalo user are numbers chosen by their
platforms; unprefixed, the same number on two channels (or sent as a REST `sender`) would be one
conversation, with its verified order. With the channel's name in front (`telegram:123`,
`facebook:456`, `zalo:789`: the names Rasa records as `input_channel`) they cannot meet.

The widget's ids (server-issued, bound to a token; or a fresh id that matches
`[0-9A-Za-z_-]{16,64}`) and REST senders (which may not contain `:`) have no colon, so no
client can name a messaging channel's conversation. docs/migrations.md says how conversations
and tickets from before the prefix carry on.
"""

from __future__ import annotations

SEPARATOR = ":"


def conversation_id(channel: str, platform_id: str) -> str:
    """The Rasa sender id of a platform user on `channel`."""
    return f"{channel}{SEPARATOR}{platform_id}"


def platform_id(channel: str, sender_id: str) -> str:
    """The platform's id in a conversation id; an id from before the prefix is one already."""
    prefix = channel + SEPARATOR
    return sender_id[len(prefix) :] if sender_id.startswith(prefix) else sender_id
