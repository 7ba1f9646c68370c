"""Agent accounts and sessions: sign in with a password, then a bearer token until it expires."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from backoffice.core.errors import UnauthorizedError
from backoffice.core.passwords import DUMMY_HASH, new_token, token_digest, verify_password
from backoffice.models.helpdesk import Agent, AgentSession
from backoffice.repositories.helpdesk import HelpdeskRepository
from backoffice.services.unit_of_work import utcnow, writing

SESSION_LIFETIME = timedelta(hours=12)


class InvalidCredentialsError(UnauthorizedError):
    code = "invalid_credentials"
    message = "Wrong username or password."


class InvalidTokenError(UnauthorizedError):
    code = "invalid_token"
    message = "Sign in again: the session is missing, expired or revoked."


class AgentService:
    def __init__(self, session: Session, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.session = session
        self.repo = HelpdeskRepository(session)
        self.clock = clock

    def login(self, username: str, password: str) -> tuple[str, AgentSession]:
        agent = self.repo.agent_by_username(username)
        # Verify even for an unknown name, so timing does not tell which usernames exist.
        valid = verify_password(password, agent.password_hash if agent else DUMMY_HASH)
        if agent is None or not valid or not agent.active:
            raise InvalidCredentialsError()
        token = new_token()
        with writing(self.session):
            now = self.clock()
            self.session.execute(
                delete(AgentSession)
                .where(AgentSession.agent_id == agent.id, AgentSession.expires_at < now)
                .execution_options(synchronize_session=False)
            )
            record = AgentSession(
                agent_id=agent.id,
                token_hash=token_digest(token),
                created_at=now,
                expires_at=now + SESSION_LIFETIME,
            )
            self.session.add(record)
        return token, record

    def authenticate(self, token: str | None) -> Agent:
        if not token or len(token) > 200:
            raise InvalidTokenError(headers={"WWW-Authenticate": "Bearer"})
        record = self.repo.agent_session(token_digest(token))
        if record is None or record.expires_at <= self.clock() or not record.agent.active:
            raise InvalidTokenError(headers={"WWW-Authenticate": "Bearer"})
        agent: Agent = record.agent
        return agent

    def logout(self, token: str) -> None:
        with writing(self.session):
            self.session.execute(
                delete(AgentSession)
                .where(AgentSession.token_hash == token_digest(token))
                .execution_options(synchronize_session=False)
            )
