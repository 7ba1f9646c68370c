"""Live-handoff endpoints for the assistant: ask for a person, read the state, forward the
customer's messages while an agent owns the conversation, and that the customer is typing
(services/typing.py)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Response
from fastapi.encoders import jsonable_encoder

from backoffice.api.deps import SessionDep
from backoffice.api.schemas import ErrorResponse
from backoffice.helpdesk.api.deps import (
    ConversationIdDep,
    DirectoryDep,
    HandoffServiceDep,
    RouterDep,
    TypingDep,
)
from backoffice.helpdesk.api.routes.routing import department_names
from backoffice.helpdesk.schemas import (
    HandoffCreate,
    HandoffMessageCreate,
    HandoffMessageOut,
    HandoffOut,
    HandoffStatusOut,
    TypingOut,
    TypingSignal,
)
from backoffice.helpdesk.services.assignment import assign
from backoffice.helpdesk.services.business_hours import DepartmentDirectory
from backoffice.helpdesk.services.handoffs import HandoffRequest, HandoffResult
from backoffice.helpdesk.services.tickets import TranscriptLine
from caredesk_rules.handoff_states import BOT, WITH_AGENT

router = APIRouter(prefix="/handoffs", tags=["handoffs"])
logger = logging.getLogger(__name__)

RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Missing or wrong X-API-Key"},
    413: {"model": ErrorResponse, "description": "Body too large"},
    422: {"model": ErrorResponse, "description": "Invalid input"},
}
TOPIC_NEEDED: dict[int | str, dict[str, Any]] = {
    409: {
        "model": ErrorResponse,
        "description": "`require_topic` and the words name no topic (`topic_needed`)",
    }
}


def handoff_out(result: HandoffResult, directory: DepartmentDirectory) -> HandoffOut:
    return HandoffOut(
        state=result.handoff.state,
        ticket_id=result.ticket.public_id,
        department=result.handoff.department,
        department_names=department_names(directory, result.handoff.department),
        routing_reason=result.ticket.routing_reason or "",
        within_business_hours=result.within_business_hours,
        expected_reply_en=result.expected_reply.en,
        expected_reply_vi=result.expected_reply.vi,
        expected_reply_at=result.expected_reply.at,
    )


@router.post(
    "",
    response_model=HandoffOut,
    status_code=201,
    responses={
        200: {"model": HandoffOut, "description": "The existing handoff"},
        **TOPIC_NEEDED,
        **RESPONSES,
    },
    summary="Hand the conversation to a person (idempotent per conversation)",
)
def request_handoff(
    body: HandoffCreate,
    response: Response,
    service: HandoffServiceDep,
    routing: RouterDep,
    directory: DirectoryDep,
) -> HandoffOut:
    """Routed by the customer's words (`request_text`, `intent` as a hint) unless the caller
    names the department; the response says which department and why."""
    existing = service.active_department(body.conversation_id)
    assignment = assign(
        routing,
        default_department=routing.config.default_department,
        department=body.department or existing,
        reason=body.routing_reason,
        text=body.request_text,
        intent=body.intent,
        language=body.language,
        require_topic=body.require_topic,
    )
    result = service.request(
        HandoffRequest(
            conversation_id=body.conversation_id,
            department=assignment.department,
            routing_reason=assignment.reason,
            routing=assignment.routing,
            language=body.language,
            channel=body.channel,
            transcript=[TranscriptLine(t.role, t.text, t.at) for t in body.transcript],
            contact=body.contact,
            contact_verified=body.contact_verified,
            # JSON-ready (dates as ISO text): the summary is stored in a JSON column.
            order_summary=None
            if body.order_summary is None
            else jsonable_encoder(body.order_summary.model_dump(exclude_none=True)),
        )
    )
    if result.created:
        logger.info(
            "handoff requested: conversation %s -> %s (ticket %s, state %s)",
            body.conversation_id,
            result.handoff.department,
            result.ticket.public_id,
            result.handoff.state,
        )
    else:
        response.status_code = 200
    return handoff_out(result, directory)


@router.get(
    "/{conversation_id}",
    response_model=HandoffStatusOut,
    responses=RESPONSES,
    summary="Who has the conversation: bot, waiting, with_agent or resolved",
)
def handoff_status(
    conversation_id: ConversationIdDep, service: HandoffServiceDep
) -> HandoffStatusOut:
    state, handoff = service.status(conversation_id)
    if handoff is None:
        return HandoffStatusOut(state=BOT, ticket_id=None, department=None, agent_name=None)
    agent = handoff.agent if handoff.state == WITH_AGENT else None
    return HandoffStatusOut(
        state=state,  # type: ignore[arg-type]
        ticket_id=handoff.ticket.public_id,
        department=handoff.department,
        agent_name=agent.display_name if agent is not None else None,
    )


@router.post(
    "/{conversation_id}/messages",
    response_model=HandoffMessageOut,
    status_code=202,
    responses={
        409: {"model": ErrorResponse, "description": "No active handoff (`no_active_handoff`)"},
        **RESPONSES,
    },
    summary="Forward a customer message to the agent (idempotent by message_id)",
)
def customer_message(
    body: HandoffMessageCreate, conversation_id: ConversationIdDep, service: HandoffServiceDep
) -> HandoffMessageOut:
    handoff, duplicate = service.customer_message(
        conversation_id, body.message_id, body.text, body.sent_at, body.attachment_id
    )
    return HandoffMessageOut(
        state=handoff.state,  # type: ignore[arg-type]
        ticket_id=handoff.ticket.public_id,
        duplicate=duplicate,
    )


@router.post(
    "/{conversation_id}/typing",
    response_model=TypingOut,
    status_code=202,
    responses=RESPONSES,
    summary="The customer is typing, or stopped (shown in the consoles; never stored)",
)
def customer_typing(
    body: TypingSignal, conversation_id: ConversationIdDep, session: SessionDep, typing: TypingDep
) -> TypingOut:
    return TypingOut(relayed=typing.customer_typing(session, conversation_id, body.typing))
