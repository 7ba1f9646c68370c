"""FastAPI dependencies both capabilities' routers use: a database session, the ownership check."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from backoffice.core.db import get_session
from backoffice.core.verification import VerificationGuard

SessionDep = Annotated[Session, Depends(get_session)]


def get_verification_guard(request: Request, session: SessionDep) -> VerificationGuard:
    return VerificationGuard(session, request.app.state.verification_key)


VerificationGuardDep = Annotated[VerificationGuard, Depends(get_verification_guard)]
