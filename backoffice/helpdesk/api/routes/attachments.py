"""Customers' photos in and out (services/attachments.py stores them).

`POST /api/v1/attachments`: the body is the image itself (`Content-Type: image/jpeg`,
`image/png` or `image/webp`), at most `MAX_ATTACHMENT_BYTES`. Who may upload, and into which
conversation, is decided by credentials, never by the body:
- the website widget: `Authorization: Bearer <upload token>` (caredesk_rules/attachments.py),
  which names its conversation;
- the chat channels (Telegram, Messenger, Zalo fetch a platform's file and store it here):
  `X-API-Key` with `X-Conversation-Id` and `X-Channel`.

`GET /api/v1/attachments/{id}`: the image, to a signed-in agent (bearer session token), to the
channels (`X-API-Key`), and to the customer whose conversation it is (their upload token);
anyone else gets 404, as for an id that does not exist. Served with its checked type,
`nosniff`, a sandboxing CSP and no caching outside the browser.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import Response

from backoffice.api.deps import SessionDep
from backoffice.api.schemas import ErrorResponse
from backoffice.core.errors import UnauthorizedError
from backoffice.core.security import key_matches
from backoffice.core.unit_of_work import utcnow
from backoffice.helpdesk.api.deps import bearer
from backoffice.helpdesk.schemas import CHANNEL_PATTERN, CONVERSATION_ID_PATTERN
from backoffice.helpdesk.services.agents import AgentService
from backoffice.helpdesk.services.attachments import (
    AttachmentFiles,
    AttachmentNotFound,
    AttachmentService,
    Upload,
    attachment_out,
)
from caredesk_rules.attachments import ATTACHMENT_ID, UploadTokens

router = APIRouter(prefix="/attachments", tags=["attachments"])
logger = logging.getLogger(__name__)

UPLOAD_PATH = "/attachments"
# The upload token's form starts so; an agent's session token never does (token_urlsafe).
UPLOAD_TOKEN_PREFIX = "a1."  # noqa: S105 - a format, not a secret
WIDGET_CHANNEL = "socketio"


class UploadRefused(UnauthorizedError):
    code = "upload_not_allowed"
    message = "An upload token for this conversation (or X-API-Key) is required."


def attachment_service(request: Request, session: SessionDep) -> AttachmentService:
    return AttachmentService(session, AttachmentFiles(request.app.state.settings.attachments_dir))


AttachmentServiceDep = Annotated[AttachmentService, Depends(attachment_service)]


def upload_tokens(request: Request) -> UploadTokens:
    return UploadTokens(request.app.state.settings.api_key.get_secret_value())


def has_api_key(request: Request) -> bool:
    return key_matches(
        request.headers.get("X-API-Key"),
        request.app.state.settings.api_key.get_secret_value(),
    )


def bearer_value(request: Request) -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


async def image_body(request: Request) -> bytes:
    """The request's bytes (the size middleware has already cut off anything too large)."""
    return await request.body()


RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "No valid upload token or X-API-Key"},
    413: {"model": ErrorResponse, "description": "Larger than the limit"},
    415: {"model": ErrorResponse, "description": "Not a JPEG, PNG or WebP image (`not_an_image`)"},
    422: {"model": ErrorResponse, "description": "Missing conversation or channel header"},
    429: {"model": ErrorResponse, "description": "Too many uploads (`too_many_uploads`)"},
}


@router.post(
    "",
    status_code=201,
    responses=RESPONSES,
    summary="Store a customer's photo (body: the image bytes)",
    dependencies=[Depends(bearer)],  # documents the scheme; checked below
)
def upload(
    request: Request,
    service: AttachmentServiceDep,
    data: Annotated[bytes, Depends(image_body)],
    content_type: Annotated[str, Header(alias="Content-Type", max_length=100)] = "",
    x_conversation_id: Annotated[
        str | None,
        Header(alias="X-Conversation-Id", pattern=CONVERSATION_ID_PATTERN, max_length=128),
    ] = None,
    x_channel: Annotated[
        str | None, Header(alias="X-Channel", pattern=CHANNEL_PATTERN, max_length=32)
    ] = None,
) -> dict[str, object]:
    if has_api_key(request):
        if x_conversation_id is None or x_channel is None:
            raise UploadRefused(
                "X-Conversation-Id and X-Channel are required with X-API-Key.",
                code="conversation_required",
                status_code=422,
            )
        conversation, channel = x_conversation_id, x_channel
    else:
        found = upload_tokens(request).conversation(bearer_value(request), utcnow().timestamp())
        if found is None:
            raise UploadRefused(headers={"WWW-Authenticate": "Bearer"})
        conversation, channel = found, WIDGET_CHANNEL
    attachment = service.store(Upload(conversation, channel, content_type, data))
    logger.info(
        "attachment %s stored (%s, %d bytes) for conversation on %s",
        attachment.public_id,
        attachment.content_type,
        attachment.size,
        channel,
    )
    return attachment_out(attachment)


@router.get(
    "/{attachment_id}",
    responses={
        200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}},
        401: {"model": ErrorResponse, "description": "Not signed in"},
        404: {"model": ErrorResponse, "description": "No such attachment (or not yours)"},
    },
    response_class=Response,
    summary="A customer's photo, to agents and to the customer who sent it",
    dependencies=[Depends(bearer)],
)
def download(
    attachment_id: str, request: Request, session: SessionDep, service: AttachmentServiceDep
) -> Response:
    if not ATTACHMENT_ID.fullmatch(attachment_id):
        raise AttachmentNotFound()
    token = bearer_value(request)
    customer: str | None = None
    if not has_api_key(request):
        if token is None:
            raise UnauthorizedError(
                "Sign in, or send the upload token.", headers={"WWW-Authenticate": "Bearer"}
            )
        if token.startswith(UPLOAD_TOKEN_PREFIX):
            customer = upload_tokens(request).conversation(token, utcnow().timestamp())
            if customer is None:
                raise UploadRefused(headers={"WWW-Authenticate": "Bearer"})
        else:
            AgentService(session).authenticate(token)
    attachment = service.get(attachment_id)
    if customer is not None and attachment.conversation_id != customer:
        raise AttachmentNotFound()  # another customer's photo: as if it did not exist
    return Response(
        service.content(attachment),
        media_type=attachment.content_type,
        headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Content-Disposition": f'inline; filename="{attachment.public_id}"',
            "Cache-Control": "private, max-age=3600",
        },
    )
