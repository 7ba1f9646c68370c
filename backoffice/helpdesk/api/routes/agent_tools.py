"""The console's tools beside the reply box: saved replies, the assistant's knowledge base, the
customer's history, and agents' presence. Same bearer tokens and department rules as the rest
of the agent API (routes/agent.py): an agent reads their departments' things, an admin all,
and only an admin changes the saved replies.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from backoffice.api.deps import SessionDep
from backoffice.api.schemas import ErrorResponse
from backoffice.core.errors import NotFoundError
from backoffice.helpdesk.api.deps import AgentDep, ConversationIdDep, HandoffServiceDep
from backoffice.helpdesk.api.routes.agent import RESPONSES, ticket_out
from backoffice.helpdesk.models import CannedReply
from backoffice.helpdesk.schemas import (
    AgentPresenceOut,
    CannedReplyIn,
    CannedReplyListOut,
    CannedReplyOut,
    CustomerHistoryOut,
    DepartmentKey,
    HistoryOrderOut,
    HistoryTicketOut,
    KnowledgeAnswerListOut,
    KnowledgeAnswerOut,
    Language,
    PresenceOut,
    PresenceUpdate,
    TeamPresenceOut,
)
from backoffice.helpdesk.services.canned_replies import CannedReplyData, CannedReplyService
from backoffice.helpdesk.services.customer_history import CustomerHistoryService
from backoffice.helpdesk.services.knowledge_base import KnowledgeBase, load_knowledge_base
from backoffice.helpdesk.services.presence import (
    HEARTBEAT_INTERVAL,
    PRESENCE_TIMEOUT,
    PresenceService,
)
from backoffice.orders.api.deps import OrderServiceDep
from backoffice.orders.api.routes.orders import history_out

router = APIRouter(prefix="/agent", tags=["agent console"])
logger = logging.getLogger(__name__)

ADMIN_ONLY: dict[int | str, dict[str, Any]] = {
    **RESPONSES,
    403: {"model": ErrorResponse, "description": "Not an admin (`admin_only`)"},
    409: {"model": ErrorResponse, "description": "The title exists (`canned_reply_exists`)"},
}
SearchText = Annotated[str | None, Query(min_length=1, max_length=100)]


def get_canned_replies(session: SessionDep) -> CannedReplyService:
    return CannedReplyService(session)


def get_presence(session: SessionDep) -> PresenceService:
    return PresenceService(session)


def get_knowledge_base(request: Request) -> KnowledgeBase:
    settings = request.app.state.settings
    return load_knowledge_base(settings.knowledge_file, settings.departments_file)


CannedRepliesDep = Annotated[CannedReplyService, Depends(get_canned_replies)]
PresenceDep = Annotated[PresenceService, Depends(get_presence)]
KnowledgeBaseDep = Annotated[KnowledgeBase, Depends(get_knowledge_base)]
ReplyIdDep = Annotated[int, Path(ge=1, le=2**31 - 1, description="A saved reply's id")]


def canned_out(reply: CannedReply) -> CannedReplyOut:
    return CannedReplyOut(
        id=reply.id,
        department=reply.department,
        language=reply.language,
        title=reply.title,
        text=reply.text,
        updated_at=reply.updated_at,
    )


def canned_data(body: CannedReplyIn) -> CannedReplyData:
    return CannedReplyData(body.department, body.language, " ".join(body.title.split()), body.text)


# -- saved replies ----------------------------------------------------------------------------


@router.get(
    "/canned-replies",
    response_model=CannedReplyListOut,
    responses=RESPONSES,
    summary="Saved replies of your departments, by department, language and words",
)
def list_canned_replies(
    agent: AgentDep,
    service: CannedRepliesDep,
    department: Annotated[DepartmentKey | None, Query()] = None,
    language: Annotated[Language | None, Query()] = None,
    q: SearchText = None,
) -> CannedReplyListOut:
    replies = service.search(agent, department=department, language=language, query=q)
    return CannedReplyListOut(replies=[canned_out(r) for r in replies])


@router.post(
    "/canned-replies",
    response_model=CannedReplyOut,
    status_code=201,
    responses=ADMIN_ONLY,
    summary="Add a saved reply (admins)",
)
def create_canned_reply(
    body: CannedReplyIn, agent: AgentDep, service: CannedRepliesDep
) -> CannedReplyOut:
    reply = service.create(agent, canned_data(body))
    logger.info("agent %s added saved reply %d", agent.username, reply.id)
    return canned_out(reply)


@router.put(
    "/canned-replies/{reply_id}",
    response_model=CannedReplyOut,
    responses=ADMIN_ONLY,
    summary="Change a saved reply (admins)",
)
def update_canned_reply(
    body: CannedReplyIn, reply_id: ReplyIdDep, agent: AgentDep, service: CannedRepliesDep
) -> CannedReplyOut:
    reply = service.update(agent, reply_id, canned_data(body))
    logger.info("agent %s changed saved reply %d", agent.username, reply_id)
    return canned_out(reply)


@router.delete(
    "/canned-replies/{reply_id}",
    status_code=204,
    responses=ADMIN_ONLY,
    summary="Delete a saved reply (admins)",
)
def delete_canned_reply(
    reply_id: ReplyIdDep, agent: AgentDep, service: CannedRepliesDep
) -> Response:
    service.delete(agent, reply_id)
    logger.info("agent %s deleted saved reply %d", agent.username, reply_id)
    return Response(status_code=204)


# -- the assistant's knowledge base -----------------------------------------------------------


class TopicNotFoundError(NotFoundError):
    code = "topic_not_found"
    message = "The knowledge base has no such topic."


@router.get(
    "/knowledge",
    response_model=KnowledgeAnswerListOut,
    responses=RESPONSES,
    summary="Search the assistant's answers (knowledge/store.yml), worded in the language",
)
def search_knowledge(
    agent: AgentDep,
    knowledge: KnowledgeBaseDep,
    language: Annotated[Language, Query()] = "en",
    q: SearchText = None,
) -> KnowledgeAnswerListOut:
    return KnowledgeAnswerListOut(
        answers=[
            KnowledgeAnswerOut(topic=a.topic, title=a.title, language=language, text=a.text)
            for a in knowledge.search(q, language)
        ]
    )


# -- the customer's history -------------------------------------------------------------------


@router.get(
    "/conversations/{conversation_id}/history",
    response_model=CustomerHistoryOut,
    responses=RESPONSES,
    summary="The customer's earlier tickets and hand-offs, and their orders once verified "
    "or looked up by the agent",
)
def customer_history(
    conversation_id: ConversationIdDep,
    agent: AgentDep,
    handoffs: HandoffServiceDep,
    orders: OrderServiceDep,
    look_up_orders: Annotated[bool, Query()] = False,
) -> CustomerHistoryOut:
    """`look_up_orders=true`: the agent asks for the orders of a contact the customer only
    wrote (not verified); a verified contact's orders come without asking."""
    history = CustomerHistoryService(handoffs.session, handoffs, orders).history(
        agent, conversation_id, look_up_orders=look_up_orders
    )
    return CustomerHistoryOut(
        tickets=[
            HistoryTicketOut(ticket=ticket_out(p.ticket), handoff_state=p.handoff_state)  # type: ignore[arg-type]
            for p in history.tickets
        ],
        other_departments=history.hidden,
        contact=history.contact,
        verified=history.verified,
        orders_looked_up=history.looked_up,
        orders=[
            HistoryOrderOut(
                order_id=o.id,
                status=o.status,
                placed_at=o.placed_at,
                total_vnd=o.total_vnd,
                items=sum(item.quantity for item in o.items),
                history=[history_out(event) for event in o.history],
            )
            for o in history.orders
        ],
    )


# -- presence ---------------------------------------------------------------------------------


@router.post(
    "/presence",
    response_model=PresenceOut,
    responses=RESPONSES,
    summary="The console is open (a heartbeat), and optionally the away toggle",
)
def heartbeat(body: PresenceUpdate, agent: AgentDep, presence: PresenceDep) -> PresenceOut:
    now = presence.heartbeat(agent, body.away)
    return PresenceOut(
        presence=now,
        heartbeat_seconds=int(HEARTBEAT_INTERVAL.total_seconds()),
        timeout_seconds=int(PRESENCE_TIMEOUT.total_seconds()),
    )


@router.get(
    "/presence",
    response_model=TeamPresenceOut,
    responses=RESPONSES,
    summary="Who is online, away or offline: your departments' agents (an admin: everyone)",
)
def team_presence(agent: AgentDep, presence: PresenceDep) -> TeamPresenceOut:
    scope = None if agent.is_admin else list(agent.departments or [])
    return TeamPresenceOut(
        agents=[
            AgentPresenceOut(
                username=p.agent.username,
                display_name=p.agent.display_name,
                departments=list(p.agent.departments or []),
                is_admin=bool(p.agent.is_admin),
                presence=p.presence,
            )
            for p in presence.agents(scope)
        ]
    )
