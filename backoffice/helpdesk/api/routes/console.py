"""The agent console: one static page and its assets, served with a strict CSP.

Plain HTML, CSS, JavaScript modules and JSON string tables from `backoffice/web/console/` (no
build step, nothing loaded from elsewhere). The page talks to the agent API
(`/api/v1/agent/...`) and its websocket on the same origin, which is all the
Content-Security-Policy (api/static_pages.py, shared with the dashboard) lets it do.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse

from backoffice.api.static_pages import WEB_DIR, StaticPage

router = APIRouter(tags=["agent console"])

CONSOLE_DIR = WEB_DIR / "console"
CONSOLE = StaticPage(CONSOLE_DIR)


@router.get(
    "/console",
    response_class=FileResponse,
    summary="The agent console (a web page; sign in with an agent account)",
)
def console_page() -> FileResponse:
    return CONSOLE.page()


@router.get("/console/", include_in_schema=False)
def console_slash() -> RedirectResponse:
    return RedirectResponse("/console", status_code=308)


@router.get("/console/static/{name:path}", include_in_schema=False)
def console_asset(name: str) -> FileResponse:
    return CONSOLE.asset(name)
