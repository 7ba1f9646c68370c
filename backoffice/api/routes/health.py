"""Liveness and database reachability, for process supervisors and test harnesses."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from backoffice.api.deps import SessionDep
from backoffice.core.errors import error_response

router = APIRouter(tags=["health"])
logger = logging.getLogger(__name__)


@router.get("/health", summary="Service and database health")
def health(session: SessionDep) -> JSONResponse:
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        logger.exception("database health check failed")
        return error_response(503, "database_unavailable", "The database is not reachable.")
    return JSONResponse({"status": "ok"})
