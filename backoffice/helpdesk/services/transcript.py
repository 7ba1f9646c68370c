"""A ticket's transcript: the lines customers, the bot, agents and the system add to it, and how
a new line is pushed to the agents' consoles."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import object_session

from backoffice.helpdesk.models import Attachment, Ticket, TicketMessage
from backoffice.helpdesk.services.attachments import attachment_out


def add_message(
    ticket: Ticket,
    role: str,
    text: str,
    at: datetime,
    *,
    author: str | None = None,
    external_id: str | None = None,
    event: str | None = None,
    event_data: dict[str, Any] | None = None,
) -> TicketMessage:
    """`event` and `event_data`: a system line's kind and values, for the console's words."""
    message = TicketMessage(
        role=role,
        text=text,
        at=at,
        author=author,
        external_id=external_id,
        event=event,
        event_data=event_data,
    )
    session = object_session(ticket)
    if ticket.id is None or session is None:
        ticket.messages.append(message)  # a new ticket: its transcript goes in with it
    else:
        message.ticket_id = ticket.id  # no need to load a long transcript to add one turn
        session.add(message)
    return message


def message_event(
    ticket: Ticket,
    conversation_id: str,
    message: TicketMessage,
    attachment: Attachment | None = None,
) -> dict[str, Any]:
    """What the consoles get of a new line (with the photo it carries, if any)."""
    return {
        "type": "customer_message" if message.role == "customer" else "conversation_updated",
        "conversation_id": conversation_id,
        "ticket_id": ticket.public_id,
        "message": {
            "id": message.id,
            "role": message.role,
            "text": message.text,
            "author": message.author,
            "at": message.at.isoformat(),
            "attachment": None if attachment is None else attachment_out(attachment),
        },
    }
