"""Customers' photos: checked, counted, written to disk, tied to the conversation's ticket.

The bytes go to files in `CAREDESK_ATTACHMENTS_DIR`, the facts (conversation, ticket, type,
size, SHA-256) to the `attachments` table. Files, not database rows, because photos are large
and never queried: the database (and its backups, and PostgreSQL's WAL) stays small, a file is
streamed back as it is, and the SHA-256 in the row tells whether a file was changed. A file's
name is the attachment's random id, checked against `att_` and 32 hex digits before it becomes
a path: nothing a client sends is ever part of one.

What is stored is what was sent: the type is read from the bytes (`caredesk_rules.attachments.
image_type`), and a file that is not a whole JPEG, PNG or WebP image is refused, never repaired
or re-encoded.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from backoffice.core.errors import AppError, NotFoundError
from backoffice.core.unit_of_work import utcnow, writing
from backoffice.helpdesk.models import Attachment, Ticket
from caredesk_rules.attachments import (
    IMAGE_TYPES,
    MAX_ATTACHMENT_BYTES,
    UPLOAD_WINDOW_SECONDS,
    UPLOADS_PER_WINDOW,
    image_type,
    is_attachment_id,
)


class AttachmentTooLarge(AppError):
    status_code = 413
    code = "attachment_too_large"
    message = f"A photo may be at most {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB."


class NotAnImage(AppError):
    status_code = 415
    code = "not_an_image"
    message = "Only JPEG, PNG and WebP photos are accepted."


class TooManyUploads(AppError):
    status_code = 429
    code = "too_many_uploads"
    message = "Too many photos in a short time; try again in a few minutes."


class AttachmentNotFound(NotFoundError):
    code = "attachment_not_found"
    message = "No such attachment."


class AttachmentFiles:
    """The attachments directory: one file per attachment, written whole or not at all."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, public_id: str) -> Path:
        if not is_attachment_id(public_id):  # the only way a name becomes a path
            raise AttachmentNotFound()
        return self.directory / public_id[4:6] / public_id

    def write(self, public_id: str, data: bytes) -> None:
        target = self.path(public_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        with open(partial, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, target)

    def read(self, public_id: str) -> bytes:
        try:
            return self.path(public_id).read_bytes()
        except FileNotFoundError:
            raise AttachmentNotFound() from None

    def remove(self, public_id: str) -> None:
        self.path(public_id).unlink(missing_ok=True)


@dataclass(frozen=True)
class Upload:
    conversation_id: str
    channel: str
    declared_type: str
    data: bytes


def checked_type(declared: str, data: bytes) -> str:
    """The type the bytes are; refuses what is too large, not an image, or declared as other
    than an image (the declared type may name another of the accepted formats: a phone's PNG
    saved as .jpg is still the photo, and is stored and served as what it is)."""
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise AttachmentTooLarge()
    declared = declared.split(";")[0].strip().lower()
    found = image_type(data)
    if declared not in IMAGE_TYPES or found is None:
        raise NotAnImage()
    return found


class AttachmentService:
    def __init__(
        self, session: Session, files: AttachmentFiles, *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.session = session
        self.files = files
        self.clock = clock

    def store(self, upload: Upload) -> Attachment:
        content_type = checked_type(upload.declared_type, upload.data)
        now = self.clock()
        public_id = "att_" + secrets.token_hex(16)
        with writing(self.session):
            since = now - timedelta(seconds=UPLOAD_WINDOW_SECONDS)
            recent = self.session.scalar(
                select(func.count(Attachment.id)).where(
                    Attachment.conversation_id == upload.conversation_id,
                    Attachment.created_at >= since,
                )
            )
            if (recent or 0) >= UPLOADS_PER_WINDOW:
                raise TooManyUploads(headers={"Retry-After": str(UPLOAD_WINDOW_SECONDS)})
            ticket = self._open_ticket(upload.conversation_id)
            attachment = Attachment(
                public_id=public_id,
                conversation_id=upload.conversation_id,
                sender="customer",
                channel=upload.channel,
                ticket_id=ticket.id if ticket is not None else None,
                content_type=content_type,
                size=len(upload.data),
                sha256=hashlib.sha256(upload.data).hexdigest(),
                created_at=now,
            )
            self.session.add(attachment)
            self.files.write(public_id, upload.data)
            try:
                self.session.flush()
            except BaseException:
                self.files.remove(public_id)
                raise
        return attachment

    def _open_ticket(self, conversation_id: str) -> Ticket | None:
        """The conversation's latest ticket that is not solved: the photo belongs to it."""
        return self.session.scalars(
            select(Ticket)
            .where(Ticket.conversation_id == conversation_id, Ticket.status != "solved")
            .order_by(Ticket.id.desc())
            .limit(1)
        ).first()

    def get(self, public_id: str) -> Attachment:
        if not is_attachment_id(public_id):
            raise AttachmentNotFound()
        found = self.session.scalars(
            select(Attachment).where(Attachment.public_id == public_id)
        ).first()
        if found is None:
            raise AttachmentNotFound()
        return found

    def content(self, attachment: Attachment) -> bytes:
        data = self.files.read(attachment.public_id)
        if hashlib.sha256(data).hexdigest() != attachment.sha256:
            raise AttachmentNotFound("The attachment's file was changed; it is not served.")
        return data


def attach_to_line(
    session: Session, conversation_id: str, public_id: str | None, ticket: Ticket, line_id: int
) -> Attachment | None:
    """Ties a customer's photo to the transcript line that carried it (and to its ticket);
    an id of another conversation ties nothing."""
    if not is_attachment_id(public_id):
        return None
    attachment = session.scalars(
        select(Attachment).where(
            Attachment.public_id == public_id, Attachment.conversation_id == conversation_id
        )
    ).first()
    if attachment is None:
        return None
    attachment.ticket_id = ticket.id
    attachment.ticket_message_id = line_id
    return attachment


def attach_conversation(session: Session, conversation_id: str, ticket: Ticket) -> None:
    """Photos the customer sent before the ticket existed belong to it now."""
    session.execute(
        update(Attachment)
        .where(Attachment.conversation_id == conversation_id, Attachment.ticket_id.is_(None))
        .values(ticket_id=ticket.id)
    )


def attachment_out(attachment: Attachment) -> dict[str, object]:
    return {
        "id": attachment.public_id,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "created_at": attachment.created_at.isoformat(),
    }


def ticket_attachments(session: Session, ticket_id: int) -> list[Attachment]:
    return list(
        session.scalars(
            select(Attachment).where(Attachment.ticket_id == ticket_id).order_by(Attachment.id)
        )
    )


def line_attachments(session: Session, line_ids: list[int]) -> dict[int, Attachment]:
    if not line_ids:
        return {}
    found = session.scalars(select(Attachment).where(Attachment.ticket_message_id.in_(line_ids)))
    return {a.ticket_message_id: a for a in found}
