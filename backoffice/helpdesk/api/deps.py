"""FastAPI dependencies of the helpdesk routers: services wired to the app, the signed-in agent."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from backoffice.api.deps import SessionDep
from backoffice.api.schemas import CLIENT_MAX_LENGTH
from backoffice.helpdesk.models import Agent
from backoffice.helpdesk.schemas import (
    CONVERSATION_ID_PATTERN,
    DELIVERY_ID_PATTERN,
)
from backoffice.helpdesk.services.agents import AgentService, InvalidTokenError
from backoffice.helpdesk.services.business_hours import DepartmentDirectory
from backoffice.helpdesk.services.handoffs import HandoffService
from backoffice.helpdesk.services.notifications import Notifier
from backoffice.helpdesk.services.routing.router import Router, load_router
from backoffice.helpdesk.services.tickets import TicketService
from backoffice.helpdesk.services.typing import Typing
from caredesk_rules.ids import TICKET_ID_MAX_LENGTH, TICKET_ID_PATTERN

bearer = HTTPBearer(auto_error=False, description="The token from POST /api/v1/agent/login")


def get_directory(request: Request) -> DepartmentDirectory:
    directory: DepartmentDirectory = request.app.state.directory
    return directory


def get_notifier(request: Request) -> Notifier:
    """Per request: what the service pushes after its commit."""
    helpdesk = request.app.state.helpdesk
    return Notifier(hub=helpdesk.hub, wake_outbox=helpdesk.worker.wake)


def get_router(request: Request) -> Router:
    """One router per process (cached by `load_router`), warmed when the app starts."""
    return load_router(request.app.state.settings.departments_file)


def get_typing(request: Request) -> Typing:
    """The process's typing relay (one throttle for every request)."""
    typing: Typing = request.app.state.helpdesk.typing
    return typing


DirectoryDep = Annotated[DepartmentDirectory, Depends(get_directory)]
TypingDep = Annotated[Typing, Depends(get_typing)]
RouterDep = Annotated[Router, Depends(get_router)]
NotifierDep = Annotated[Notifier, Depends(get_notifier)]


def get_ticket_service(
    session: SessionDep, directory: DirectoryDep, notifier: NotifierDep
) -> TicketService:
    return TicketService(session, directory, notifier=notifier)


def get_handoff_service(
    request: Request, session: SessionDep, directory: DirectoryDep, notifier: NotifierDep
) -> HandoffService:
    settings = request.app.state.settings
    return HandoffService(
        session,
        directory,
        wait_seconds=settings.handoff_agent_wait_seconds,
        notifier=notifier,
        needs_agent_online=settings.handoff_needs_agent_online,
    )


def get_agent_service(session: SessionDep) -> AgentService:
    return AgentService(session)


TicketServiceDep = Annotated[TicketService, Depends(get_ticket_service)]
HandoffServiceDep = Annotated[HandoffService, Depends(get_handoff_service)]
AgentServiceDep = Annotated[AgentService, Depends(get_agent_service)]


def bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise InvalidTokenError(headers={"WWW-Authenticate": "Bearer"})
    return credentials.credentials


TokenDep = Annotated[str, Depends(bearer_token)]


def current_agent(token: TokenDep, agents: AgentServiceDep) -> Agent:
    return agents.authenticate(token)


AgentDep = Annotated[Agent, Depends(current_agent)]


def customer_contact(
    x_customer_contact: Annotated[
        str | None,
        Header(
            alias="X-Customer-Contact",
            description="Email or phone on the ticket; proves the caller is that customer.",
        ),
    ] = None,
) -> str | None:
    return x_customer_contact  # unusable values get the unknown-ticket answer, by design


def conversation_client(
    x_conversation_client: Annotated[
        str,
        Header(
            alias="X-Conversation-Client",
            min_length=1,
            max_length=CLIENT_MAX_LENGTH,
            description="Who asks: the conversation's channel and sender id (counts failures).",
        ),
    ],
) -> str:
    return x_conversation_client


def ticket_id_path(
    ticket_id: Annotated[
        str,
        Path(
            pattern=TICKET_ID_PATTERN,
            max_length=TICKET_ID_MAX_LENGTH,
            description="TCK- and digits",
        ),
    ],
) -> str:
    return ticket_id


def conversation_id_path(
    conversation_id: Annotated[
        str, Path(pattern=CONVERSATION_ID_PATTERN, max_length=128, description="Rasa sender id")
    ],
) -> str:
    return conversation_id


def delivery_id_path(
    delivery_id: Annotated[
        str,
        Path(pattern=DELIVERY_ID_PATTERN, max_length=32, description="A message's delivery id"),
    ],
) -> str:
    return delivery_id


ContactDep = Annotated[str | None, Depends(customer_contact)]
ClientDep = Annotated[str, Depends(conversation_client)]
TicketIdDep = Annotated[str, Depends(ticket_id_path)]
ConversationIdDep = Annotated[str, Depends(conversation_id_path)]
DeliveryIdDep = Annotated[str, Depends(delivery_id_path)]
