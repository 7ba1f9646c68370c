"""The agent console's API: sign in, queues, conversations, tickets, and a websocket for pushes.

Bearer tokens (from `POST /agent/login`), not the service key: this API is called by people's
browsers. An agent sees and acts on the departments on their account; an admin on all. Wrong
passwords are throttled per account and per client address (`backoffice.helpdesk.login_limits`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, WebSocket
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocketDisconnect, WebSocketState

from backoffice.api.deps import SessionDep
from backoffice.api.schemas import ErrorResponse
from backoffice.core.errors import AppError, NotFoundError
from backoffice.helpdesk.api.deps import (
    AgentDep,
    AgentServiceDep,
    ConversationIdDep,
    DeliveryIdDep,
    DirectoryDep,
    HandoffServiceDep,
    TicketIdDep,
    TicketServiceDep,
    TokenDep,
    TypingDep,
)
from backoffice.helpdesk.models import Agent, Attachment, Handoff, OutboxEvent, Ticket
from backoffice.helpdesk.schemas import (
    AgentOut,
    AgentText,
    AttachmentOut,
    ConversationOut,
    DeliveryOut,
    DemoAccountOut,
    DemoAccountsOut,
    DepartmentAvailabilityOut,
    DepartmentKey,
    DepartmentQueueOut,
    DepartmentsAvailabilityOut,
    HandoffDetailOut,
    LoginOut,
    LoginRequest,
    MessageOut,
    NoteOut,
    PasswordChange,
    QueueEntryOut,
    QueueOut,
    TicketListOut,
    TicketOut,
    TicketStatus,
    TicketStatusUpdate,
    TransferRequest,
    TypingOut,
    TypingSignal,
)
from backoffice.helpdesk.services import handoff_states
from backoffice.helpdesk.services.agents import AgentService
from backoffice.helpdesk.services.attachments import (
    attachment_out,
    line_attachments,
    ticket_attachments,
)
from backoffice.helpdesk.services.handoffs import QueueEntry
from backoffice.helpdesk.services.login_throttle import client_key
from backoffice.helpdesk.services.outbox import delivery_state
from backoffice.helpdesk.services.presence import PresenceService
from backoffice.orders.policies import Knowledge
from caredesk_rules.accounts import ADMIN, SEEDED_AGENTS
from caredesk_rules.handoff_states import BOT, WAITING, WITH_AGENT

router = APIRouter(prefix="/agent", tags=["agent console"])
logger = logging.getLogger(__name__)

RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Missing, expired or revoked token"},
    403: {"model": ErrorResponse, "description": "Another department's work"},
    404: {"model": ErrorResponse, "description": "No such conversation or ticket"},
    409: {"model": ErrorResponse, "description": "Not possible in the current state"},
    422: {"model": ErrorResponse, "description": "Invalid input"},
}
TOO_MANY_ATTEMPTS: dict[str, Any] = {
    "model": ErrorResponse,
    "description": "Too many wrong passwords for this account or from this address; "
    "the Retry-After header says how many seconds to wait",
}
WS_POLICY_VIOLATION = 4401  # "unauthorised" in the 4000-4999 application range
# An open websocket re-checks its session this often even when nothing is pushed (and before
# every push), so a logout or a password change in any back-office process ends it.
WS_SESSION_RECHECK_SECONDS = 15.0


def agent_out(agent: Agent) -> AgentOut:
    return AgentOut(
        username=agent.username,
        display_name=agent.display_name,
        departments=list(agent.departments or []),
        is_admin=bool(agent.is_admin),
        role=agent.role,
    )


def ticket_out(ticket: Ticket) -> TicketOut:
    return TicketOut(
        id=ticket.public_id,
        status=ticket.status,
        priority=ticket.priority,
        department=ticket.department,
        subject=ticket.subject,
        language=ticket.language,
        channel=ticket.channel,
        contact_email=ticket.contact_email,
        contact_phone=ticket.contact_phone,
        contact_verified=bool(ticket.contact_verified),
        conversation_id=ticket.conversation_id,
        order_id=ticket.order_id,
        routing_reason=ticket.routing_reason,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        first_agent_reply_at=ticket.first_agent_reply_at,
        solved_at=ticket.solved_at,
        csat_score=ticket.csat_score,
    )


def handoff_detail(handoff: Handoff, agent: Agent | None) -> HandoffDetailOut:
    owner = agent if handoff.agent_id is not None else None
    return HandoffDetailOut(
        conversation_id=handoff.conversation_id,
        state=handoff.state,
        department=handoff.department,
        channel=handoff.channel,
        language=handoff.language,
        agent_username=owner.username if owner else None,
        agent_name=owner.display_name if owner else None,
        requested_at=handoff.requested_at,
        waiting_since=handoff.waiting_since,
        claimed_at=handoff.claimed_at,
        resolved_at=handoff.resolved_at,
        can_take_over=handoff_states.allowed(handoff, "take_over"),
    )


def delivery_out(event: OutboxEvent | None) -> DeliveryOut | None:
    if event is None or event.delivery_key is None:
        return None
    return DeliveryOut(
        delivery_id=event.delivery_key,
        state=delivery_state(event),
        attempts=event.attempts or 0,
        error=event.last_error if event.delivered_at is None else None,
    )


def queue_entry(entry: QueueEntry) -> QueueEntryOut:
    handoff, ticket, agent = entry.handoff, entry.ticket, entry.agent
    expected = entry.expected_reply
    return QueueEntryOut(
        conversation_id=handoff.conversation_id,
        ticket_id=ticket.public_id,
        state=handoff.state,
        department=handoff.department,
        language=handoff.language,
        channel=handoff.channel,
        subject=ticket.subject,
        routing_reason=ticket.routing_reason,
        contact=ticket.contact,
        contact_verified=bool(ticket.contact_verified) and ticket.contact is not None,
        first_words=entry.first_words,
        requested_at=handoff.requested_at,
        waiting_since=handoff.waiting_since,
        waiting_seconds=entry.waiting_seconds,
        agent_username=agent.username if agent and handoff.agent_id else None,
        agent_name=agent.display_name if agent and handoff.agent_id else None,
        claimed_at=handoff.claimed_at,
        expected_reply_at=expected.at if expected else None,
        expected_reply_en=expected.en if expected else None,
        expected_reply_vi=expected.vi if expected else None,
        overdue=entry.overdue,
    )


# -- session ----------------------------------------------------------------------------------


@router.post(
    "/login",
    response_model=LoginOut,
    responses={401: RESPONSES[401], 422: RESPONSES[422], 429: TOO_MANY_ATTEMPTS},
    summary="Sign in: a bearer token for the other agent endpoints",
)
def login(
    body: LoginRequest, agents: AgentServiceDep, request: Request, response: Response
) -> LoginOut:
    client = client_key(request.client.host if request.client else None)
    token, session = agents.login(body.username, body.password, client)
    response.headers["Cache-Control"] = "no-store"
    logger.info("agent %s signed in", body.username)
    return LoginOut(token=token, expires_at=session.expires_at, agent=agent_out(session.agent))


@router.get(
    "/demo-accounts",
    response_model=DemoAccountsOut,
    responses={404: {"model": ErrorResponse, "description": "Not a demo (CAREDESK_SEED_DEMO off)"}},
    summary="The seeded accounts' names for the sign-in page, in a demo only (no passwords)",
)
def demo_accounts(request: Request) -> DemoAccountsOut:
    """A demo's visitors need the user names; production (which refuses CAREDESK_SEED_DEMO,
    core/config.py) never tells them."""
    if not request.app.state.settings.seed_demo:
        raise NotFoundError("Not a demo.", code="not_a_demo")
    return DemoAccountsOut(
        accounts=[
            DemoAccountOut(
                username=a.username,
                display_name=a.display_name,
                departments=list(a.departments),
                is_admin=a.role == ADMIN,
                role=a.role,  # type: ignore[arg-type]  # one of ROLES
            )
            for a in SEEDED_AGENTS
        ]
    )


@router.post("/logout", status_code=204, responses=RESPONSES, summary="Revoke the token")
def logout(token: TokenDep, agent: AgentDep, agents: AgentServiceDep) -> Response:
    agents.logout(token)
    PresenceService(agents.session).sign_off(agent)  # offline now, not after the timeout
    return Response(status_code=204)


@router.post(
    "/password",
    status_code=204,
    responses={
        401: RESPONSES[401],
        403: {"model": ErrorResponse, "description": "The current password is not right"},
        422: {
            "model": ErrorResponse,
            "description": "The new password breaks the rule (codes password_too_short, "
            "password_too_simple, password_contains_username, password_unchanged)",
        },
        429: TOO_MANY_ATTEMPTS,
    },
    summary="Change your own password; your other sessions end",
)
def change_password(
    body: PasswordChange,
    token: TokenDep,
    agent: AgentDep,
    agents: AgentServiceDep,
    request: Request,
) -> Response:
    client = client_key(request.client.host if request.client else None)
    ended = agents.change_password(agent, token, body.current_password, body.new_password, client)
    logger.info("agent %s changed their password; %d other sessions ended", agent.username, ended)
    return Response(status_code=204)


@router.get("/me", response_model=AgentOut, responses=RESPONSES, summary="Who is signed in")
def me(agent: AgentDep) -> AgentOut:
    return agent_out(agent)


@router.get(
    "/intent-labels",
    response_model=dict[str, dict[str, str]],
    responses=RESPONSES,
    summary="What each of the assistant's intents is about, in English and Vietnamese",
)
def intent_labels(agent: AgentDep, request: Request) -> dict[str, dict[str, str]]:
    """The routing reason names the assistant's reading of a message ("warranty_claim"); agents
    read it as words from the retailer's knowledge file instead."""
    knowledge: Knowledge = request.app.state.knowledge
    return knowledge.intent_labels


# -- queues and conversations -----------------------------------------------------------------


@router.get(
    "/queue",
    response_model=QueueOut,
    responses=RESPONSES,
    summary="Waiting and with-agent conversations per department, with waiting times, and "
    "those with the assistant whose ticket awaits an agent (earliest promised reply first)",
)
def queue(
    agent: AgentDep,
    service: HandoffServiceDep,
    directory: DirectoryDep,
    department: Annotated[DepartmentKey | None, Query()] = None,
) -> QueueOut:
    now = service.clock()
    groups = []
    for key, entries in service.queue(agent, department):
        info = directory.get(key)
        groups.append(
            DepartmentQueueOut(
                department=key,
                name_en=info.name_en,
                name_vi=info.name_vi,
                open_now=directory.is_open(key, now),
                waiting=[queue_entry(e) for e in entries if e.handoff.state == WAITING],
                with_agent=[queue_entry(e) for e in entries if e.handoff.state == WITH_AGENT],
                awaiting_reply=[queue_entry(e) for e in entries if e.handoff.state == BOT],
            )
        )
    return QueueOut(departments=groups, time_zone=directory.time_zone)


@router.get(
    "/departments",
    response_model=DepartmentsAvailabilityOut,
    responses=RESPONSES,
    summary="Every department: open now, agents online, and whether a transfer would reach a "
    "person",
)
def departments(
    agent: AgentDep, service: HandoffServiceDep, directory: DirectoryDep
) -> DepartmentsAvailabilityOut:
    """The console's "Transfer to" list: a transfer to a department nobody can take the chat
    in leaves the customer with a ticket and a promised reply, so the agent is asked first."""
    out = []
    for item in service.availability():
        info = directory.get(item.department)
        out.append(
            DepartmentAvailabilityOut(
                department=item.department,
                name_en=info.name_en,
                name_vi=info.name_vi,
                open_now=item.open_now,
                agents_online=item.agents_online,
                nobody=item.nobody,  # type: ignore[arg-type]
            )
        )
    return DepartmentsAvailabilityOut(departments=out)


def attachment_model(attachment: Attachment | None) -> AttachmentOut | None:
    return None if attachment is None else AttachmentOut.model_validate(attachment_out(attachment))


def conversation_out(service: Any, agent: Agent, conversation_id: str) -> ConversationOut:
    view = service.conversation(agent, conversation_id)
    photos = line_attachments(service.session, [m.id for m in view.transcript])
    return ConversationOut(
        handoff=handoff_detail(view.handoff, view.agent),
        ticket=ticket_out(view.ticket),
        routing_reason=view.ticket.routing_reason,
        routing=view.ticket.routing,
        order_summary=view.ticket.order_summary,
        transcript=[
            MessageOut(
                id=m.id,
                role=m.role,
                text=m.text,
                author=m.author,
                at=m.at,
                delivery=delivery_out(view.deliveries.get(m.id)),
                event=m.event,
                event_data=m.event_data,
                attachment=attachment_model(photos.get(m.id)),
            )
            for m in view.transcript
        ],
        attachments=[
            AttachmentOut.model_validate(attachment_out(a))
            for a in ticket_attachments(service.session, view.ticket.id)
        ],
        notes=[
            NoteOut(
                id=n.id,
                agent_username=n.agent.username,
                agent_name=n.agent.display_name,
                text=n.text,
                at=n.at,
            )
            for n in view.notes
        ],
    )


@router.get(
    "/conversations/{conversation_id}",
    response_model=ConversationOut,
    responses=RESPONSES,
    summary="Handoff, ticket, whole transcript (bot part included), order summary, notes",
)
def conversation(
    conversation_id: ConversationIdDep, agent: AgentDep, service: HandoffServiceDep
) -> ConversationOut:
    return conversation_out(service, agent, conversation_id)


@router.post(
    "/conversations/{conversation_id}/claim",
    response_model=ConversationOut,
    responses=RESPONSES,
    summary="Take a waiting conversation (waiting -> with_agent)",
)
def claim(
    conversation_id: ConversationIdDep, agent: AgentDep, service: HandoffServiceDep
) -> ConversationOut:
    service.claim(agent, conversation_id)
    logger.info("agent %s claimed conversation %s", agent.username, conversation_id)
    return conversation_out(service, agent, conversation_id)


@router.post(
    "/conversations/{conversation_id}/take-over",
    response_model=ConversationOut,
    responses=RESPONSES,
    summary="Take a conversation nobody could take at hand-off time: with the assistant, its "
    "ticket open (bot -> with_agent); the customer is told the agent joined",
)
def take_over(
    conversation_id: ConversationIdDep, agent: AgentDep, service: HandoffServiceDep
) -> ConversationOut:
    service.take_over(agent, conversation_id)
    logger.info("agent %s took over conversation %s", agent.username, conversation_id)
    return conversation_out(service, agent, conversation_id)


@router.post(
    "/conversations/{conversation_id}/reply",
    response_model=ConversationOut,
    status_code=201,
    responses=RESPONSES,
    summary="Send a message to the customer",
)
def reply(
    body: AgentText, conversation_id: ConversationIdDep, agent: AgentDep, service: HandoffServiceDep
) -> ConversationOut:
    service.reply(agent, conversation_id, body.text)
    return conversation_out(service, agent, conversation_id)


@router.post(
    "/conversations/{conversation_id}/typing",
    response_model=TypingOut,
    status_code=202,
    responses=RESPONSES,
    summary="The agent is typing a reply, or stopped (shown to the customer; never stored)",
)
def typing(
    body: TypingSignal,
    conversation_id: ConversationIdDep,
    agent: AgentDep,
    session: SessionDep,
    relay: TypingDep,
) -> TypingOut:
    return TypingOut(relayed=relay.agent_typing(session, agent, conversation_id, body.typing))


@router.post(
    "/conversations/{conversation_id}/notes",
    response_model=ConversationOut,
    status_code=201,
    responses=RESPONSES,
    summary="Add an internal note (never shown to the customer)",
)
def add_note(
    body: AgentText, conversation_id: ConversationIdDep, agent: AgentDep, service: HandoffServiceDep
) -> ConversationOut:
    service.add_note(agent, conversation_id, body.text)
    return conversation_out(service, agent, conversation_id)


@router.post(
    "/conversations/{conversation_id}/transfer",
    response_model=HandoffDetailOut,
    responses=RESPONSES,
    summary="Hand over to another department (with_agent -> waiting)",
)
def transfer(
    body: TransferRequest,
    conversation_id: ConversationIdDep,
    agent: AgentDep,
    service: HandoffServiceDep,
) -> HandoffDetailOut:
    handoff = service.transfer(agent, conversation_id, body.department)
    logger.info("agent %s transferred %s to %s", agent.username, conversation_id, body.department)
    return handoff_detail(handoff, None)


@router.post(
    "/conversations/{conversation_id}/resolve",
    response_model=ConversationOut,
    responses=RESPONSES,
    summary="Close the live chat and solve the ticket (with_agent -> resolved)",
)
def resolve(
    conversation_id: ConversationIdDep, agent: AgentDep, service: HandoffServiceDep
) -> ConversationOut:
    service.resolve(agent, conversation_id)
    logger.info("agent %s resolved conversation %s", agent.username, conversation_id)
    return conversation_out(service, agent, conversation_id)


@router.post(
    "/conversations/{conversation_id}/deliveries/{delivery_id}/retry",
    response_model=ConversationOut,
    responses=RESPONSES,
    summary="Send a message the customer did not get again (failed -> pending)",
)
def retry_delivery(
    conversation_id: ConversationIdDep,
    delivery_id: DeliveryIdDep,
    agent: AgentDep,
    service: HandoffServiceDep,
) -> ConversationOut:
    service.retry_delivery(agent, conversation_id, delivery_id)
    logger.info("agent %s retried a delivery in %s", agent.username, conversation_id)
    return conversation_out(service, agent, conversation_id)


# -- tickets ----------------------------------------------------------------------------------


@router.get("/tickets", response_model=TicketListOut, responses=RESPONSES, summary="Find tickets")
def search_tickets(
    agent: AgentDep,
    service: TicketServiceDep,
    q: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    status: Annotated[TicketStatus | None, Query()] = None,
    department: Annotated[DepartmentKey | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> TicketListOut:
    query = q.strip() if q else None
    tickets = service.search(
        agent, query=query or None, status=status, department=department, limit=limit
    )
    return TicketListOut(tickets=[ticket_out(t) for t in tickets])


@router.patch(
    "/tickets/{ticket_id}",
    response_model=TicketOut,
    responses=RESPONSES,
    summary="Change a ticket's status",
)
def update_ticket(
    body: TicketStatusUpdate, ticket_id: TicketIdDep, agent: AgentDep, service: TicketServiceDep
) -> TicketOut:
    return ticket_out(service.set_status(agent, ticket_id, body.status))


# -- websocket ---------------------------------------------------------------------------------


def _authenticate(websocket: WebSocket, token: str | None) -> dict[str, Any] | None:
    with websocket.app.state.session_factory() as session:
        try:
            agent = AgentService(session).authenticate(token)
        except AppError:
            return None
        return {
            "agent": agent_out(agent).model_dump(),
            "departments": None if agent.is_admin else list(agent.departments or []),
        }


@router.websocket("/ws")
async def agent_events(websocket: WebSocket, token: str | None = None) -> None:
    """Pushes `queue_changed`, `customer_message` and `conversation_updated` events for the
    agent's departments. Everything pushed is also in the database: on (re)connect, reload.

    The session is checked again before every push and every WS_SESSION_RECHECK_SECONDS: once
    it has ended (sign-out, password change, expiry) the socket is closed with 4401."""
    who = await run_in_threadpool(_authenticate, websocket, token)
    if who is None:
        await websocket.close(code=WS_POLICY_VIOLATION)
        return
    await websocket.accept()
    hub = websocket.app.state.helpdesk.hub
    client_id, events = hub.register(who["departments"], asyncio.get_running_loop())
    receiver = asyncio.create_task(_until_closed(websocket))
    try:
        await websocket.send_json({"type": "hello", "agent": who["agent"]})
        while True:
            getter = asyncio.create_task(events.get())
            done, _ = await asyncio.wait(
                {getter, receiver},
                timeout=WS_SESSION_RECHECK_SECONDS,
                return_when=asyncio.FIRST_COMPLETED,
            )
            if getter not in done:
                getter.cancel()  # an event not taken stays in the queue
            if receiver in done:
                break
            if await run_in_threadpool(_authenticate, websocket, token) is None:
                await websocket.close(code=WS_POLICY_VIOLATION)
                break
            if getter in done:
                await websocket.send_json(getter.result())
    except (WebSocketDisconnect, RuntimeError):
        pass  # the console went away mid-send
    finally:
        hub.unregister(client_id)
        receiver.cancel()
        if websocket.application_state != WebSocketState.DISCONNECTED:
            with contextlib.suppress(RuntimeError):
                await websocket.close()


async def _until_closed(websocket: WebSocket) -> None:
    """Read and ignore what the console sends (pings); return when it disconnects."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
