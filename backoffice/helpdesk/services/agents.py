"""Agent accounts and sessions: sign in with a password, then a bearer token until it expires
(or the agent signs out, or changes the password, which ends every other session)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from backoffice.core.errors import AppError, InvalidInputError, UnauthorizedError
from backoffice.core.passwords import (
    DUMMY_HASH,
    hash_password,
    new_token,
    token_digest,
    verify_password,
)
from backoffice.core.unit_of_work import utcnow, writing
from backoffice.helpdesk.models import Agent, AgentSession
from backoffice.helpdesk.repositories import HelpdeskRepository
from backoffice.helpdesk.services.login_throttle import LoginThrottle, account_key
from caredesk_rules.accounts import PASSWORD_PROBLEMS, PASSWORD_RULE, password_problem

SESSION_LIFETIME = timedelta(hours=12)


class InvalidCredentialsError(UnauthorizedError):
    code = "invalid_credentials"
    message = "Wrong username or password."


class InvalidTokenError(UnauthorizedError):
    code = "invalid_token"
    message = "Sign in again: the session is missing, expired or revoked."


class WrongPasswordError(AppError):
    """Not 401: the session is fine, only the password typed to confirm the change is not."""

    status_code = 403
    code = "wrong_password"
    message = "The current password is not right."


class WeakPasswordError(InvalidInputError):
    def __init__(self, problem: str) -> None:
        super().__init__(
            f"The new password {PASSWORD_PROBLEMS[problem]}.",
            code=problem,
            details=PASSWORD_RULE,  # the numbers, for the console's own words
        )


class AgentService:
    def __init__(self, session: Session, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.session = session
        self.repo = HelpdeskRepository(session)
        self.clock = clock

    def login(self, username: str, password: str, client: str) -> tuple[str, AgentSession]:
        """TooManyAttemptsError (429) before the password is even checked, while locked out."""
        throttle = LoginThrottle(self.session, clock=self.clock)
        account = account_key(username)
        throttle.admit(account, client)
        agent = self.repo.agent_by_username(username)
        # Verify even for an unknown name, so timing does not tell which usernames exist.
        valid = verify_password(password, agent.password_hash if agent else DUMMY_HASH)
        if agent is None or not valid or not agent.active:
            throttle.failed(account, client)
            raise InvalidCredentialsError()
        throttle.succeeded(account, client)
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

    def change_password(self, agent: Agent, token: str, current: str, new: str, client: str) -> int:
        """The agent's own change: the current password first (counted like a sign-in), then the
        rule; every other session of the agent ends. Returns how many were ended."""
        problem = password_problem(new, agent.username)
        if problem is None and new == current:
            problem = "password_unchanged"
        if problem is not None:
            raise WeakPasswordError(problem)
        throttle = LoginThrottle(self.session, clock=self.clock)
        account = account_key(agent.username)
        throttle.admit(account, client)
        if not verify_password(current, agent.password_hash):
            throttle.failed(account, client)
            raise WrongPasswordError()
        throttle.succeeded(account, client)
        return self.set_password(agent, new, keep_token=token)

    def set_password(self, agent: Agent, password: str, *, keep_token: str | None = None) -> int:
        """Store the new hash and end the agent's sessions (but `keep_token`'s); the caller has
        checked the password against the rule. Returns how many sessions were ended."""
        password_hash = hash_password(password)  # slow on purpose: before the write lock
        with writing(self.session):
            agent.password_hash = password_hash
            ended = delete(AgentSession).where(AgentSession.agent_id == agent.id)
            if keep_token is not None:
                ended = ended.where(AgentSession.token_hash != token_digest(keep_token))
            result = self.session.execute(ended.execution_options(synchronize_session=False))
        return int(result.rowcount or 0)

    def logout(self, token: str) -> None:
        with writing(self.session):
            self.session.execute(
                delete(AgentSession)
                .where(AgentSession.token_hash == token_digest(token))
                .execution_options(synchronize_session=False)
            )
