"""Ticket endpoints for the assistant: open a ticket, and let the customer who proves the
contact on it read its status, add information and rate the help they got."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter

from backoffice.api.deps import VerificationGuardDep
from backoffice.api.schemas import ErrorResponse
from backoffice.core.verification import Attempt, VerificationGuard
from backoffice.helpdesk.api.deps import (
    ClientDep,
    ContactDep,
    DirectoryDep,
    RouterDep,
    TicketIdDep,
    TicketServiceDep,
)
from backoffice.helpdesk.api.routes.routing import department_names
from backoffice.helpdesk.schemas import (
    CsatCreate,
    CsatOut,
    TicketCreate,
    TicketCreatedOut,
    TicketMessageCreate,
    TicketSummaryOut,
)
from backoffice.helpdesk.services.assignment import assign
from backoffice.helpdesk.services.business_hours import DepartmentDirectory
from backoffice.helpdesk.services.tickets import (
    CreatedTicket,
    NewTicket,
    TicketNotFoundError,
    TicketService,
    TicketSummary,
    TranscriptLine,
)
from caredesk_rules.ids import ticket_id_for, ticket_number

router = APIRouter(prefix="/tickets", tags=["tickets"])
logger = logging.getLogger(__name__)

RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Missing or wrong X-API-Key"},
    404: {"model": ErrorResponse, "description": "No such ticket for this contact"},
    429: {"model": ErrorResponse, "description": "Too many failed attempts: locked until ..."},
    413: {"model": ErrorResponse, "description": "Body too large"},
    422: {"model": ErrorResponse, "description": "Invalid input"},
}


def prove_ownership(
    guard: VerificationGuard,
    service: TicketService,
    ticket_id: str,
    contact: str | None,
    client: str,
) -> None:
    """Every customer-scoped ticket call: counted like order verifications (a ticket locks after
    too many wrong contacts), and the same 404 for an unknown ticket and a wrong contact."""
    number = ticket_number(ticket_id)  # TCK-42 and TCK-000042 are one ticket, one count
    subject = ticket_id_for(number) if number is not None else ticket_id
    guard.require(
        Attempt("ticket", subject, contact, client),
        lambda: service.owns(ticket_id, contact),
        TicketNotFoundError(),
    )


def summary_out(summary: TicketSummary) -> TicketSummaryOut:
    ticket = summary.ticket
    return TicketSummaryOut(
        id=ticket.public_id,
        status=ticket.status,
        department=ticket.department,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        messages_count=summary.messages_count,
    )


def created_out(created: CreatedTicket, directory: DepartmentDirectory) -> TicketCreatedOut:
    ticket = created.ticket
    return TicketCreatedOut(
        **summary_out(created).model_dump(),
        department_names=department_names(directory, ticket.department),
        routing_reason=ticket.routing_reason,
        priority=ticket.priority,
        subject=ticket.subject,
        language=ticket.language,
        conversation_id=ticket.conversation_id,
        order_id=ticket.order_id,
        within_business_hours=created.within_business_hours,
        expected_reply_en=created.expected_reply.en,
        expected_reply_vi=created.expected_reply.vi,
    )


@router.post(
    "",
    response_model=TicketCreatedOut,
    status_code=201,
    responses=RESPONSES,
    summary="Open a ticket (with the chat transcript so far)",
)
def create_ticket(
    body: TicketCreate, service: TicketServiceDep, routing: RouterDep, directory: DirectoryDep
) -> TicketCreatedOut:
    """Routed by the description (`intent` as a hint) unless the caller names the department."""
    assignment = assign(
        routing,
        default_department=routing.config.default_department,
        department=body.department,
        reason=body.routing_reason,
        text=body.description,
        intent=body.intent,
        language=body.language,
    )
    created = service.create(
        NewTicket(
            department=assignment.department,
            subject=body.subject,
            description=body.description,
            contact=body.contact,
            language=body.language,
            conversation_id=body.conversation_id,
            order_id=body.order_id,
            priority=body.priority,
            transcript=[TranscriptLine(t.role, t.text, t.at) for t in body.transcript or []],
            routing_reason=assignment.reason,
            routing=assignment.routing,
        )
    )
    logger.info("ticket %s opened for %s", created.ticket.public_id, assignment.department)
    return created_out(created, directory)


@router.get(
    "/{ticket_id}",
    response_model=TicketSummaryOut,
    responses=RESPONSES,
    summary="A ticket's status, for the customer who proves the contact on it",
)
def get_ticket(
    ticket_id: TicketIdDep,
    contact: ContactDep,
    client: ClientDep,
    service: TicketServiceDep,
    guard: VerificationGuardDep,
) -> TicketSummaryOut:
    prove_ownership(guard, service, ticket_id, contact, client)
    return summary_out(service.summary_for_customer(ticket_id, contact))


@router.post(
    "/{ticket_id}/messages",
    response_model=TicketSummaryOut,
    status_code=201,
    responses=RESPONSES,
    summary="Add information to a ticket (reopens a solved one)",
)
def add_ticket_message(
    body: TicketMessageCreate,
    ticket_id: TicketIdDep,
    contact: ContactDep,
    client: ClientDep,
    service: TicketServiceDep,
    guard: VerificationGuardDep,
) -> TicketSummaryOut:
    prove_ownership(guard, service, ticket_id, contact, client)
    return summary_out(service.add_customer_info(ticket_id, contact, body.text))


@router.post(
    "/{ticket_id}/csat",
    response_model=CsatOut,
    responses=RESPONSES,
    summary="Store the customer's 1-5 satisfaction rating (the conversation id is the proof)",
)
def rate_ticket(body: CsatCreate, ticket_id: TicketIdDep, service: TicketServiceDep) -> CsatOut:
    ticket = service.record_csat(ticket_id, body.conversation_id, body.score)
    logger.info("ticket %s rated %d", ticket.public_id, body.score)
    return CsatOut(ticket_id=ticket.public_id, csat_score=body.score)
