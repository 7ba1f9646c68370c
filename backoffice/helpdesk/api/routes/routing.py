"""Routing for the assistant: which department a customer's words belong to, and the
departments themselves (names in both languages, what each handles, whether it is open)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter

from backoffice.api.schemas import ErrorResponse
from backoffice.helpdesk.api.deps import DirectoryDep, RouterDep
from backoffice.helpdesk.schemas import DepartmentNames, DepartmentOut, RoutingOut, RoutingRequest
from backoffice.helpdesk.services.business_hours import DepartmentDirectory

router = APIRouter(tags=["routing"])

RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Missing or wrong X-API-Key"},
    422: {"model": ErrorResponse, "description": "Invalid input"},
}


def department_names(directory: DepartmentDirectory, key: str) -> DepartmentNames:
    department = directory.get(key)
    return DepartmentNames(en=department.name_en, vi=department.name_vi)


@router.post(
    "/routing",
    response_model=RoutingOut,
    responses=RESPONSES,
    summary="Preview where a request would go (the hand-off and ticket endpoints route the same)",
)
def preview_routing(
    body: RoutingRequest, routing: RouterDep, directory: DirectoryDep
) -> RoutingOut:
    decision = routing.route(body.text, body.intent, body.language)
    names = (
        None if decision.department is None else department_names(directory, decision.department)
    )
    return RoutingOut(
        department=decision.department,  # type: ignore[arg-type]
        department_names=names,
        reason=decision.reason,
    )


@router.get(
    "/departments",
    response_model=list[DepartmentOut],
    responses=RESPONSES,
    summary="The departments, their names, what they handle and whether they are open now",
)
def list_departments(routing: RouterDep, directory: DirectoryDep) -> list[DepartmentOut]:
    now = datetime.now(timezone.utc)
    configured = routing.config.departments
    return [
        DepartmentOut(
            key=key,  # type: ignore[arg-type]
            names=department_names(directory, key),
            handles=DepartmentNames(
                en=configured[key].handles.get("en", ""), vi=configured[key].handles.get("vi", "")
            ),
            first_response_minutes=directory.get(key).first_response_minutes,
            open_now=directory.is_open(key, now),
        )
        for key in directory.departments
    ]
