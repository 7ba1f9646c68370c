"""The agent console: one static page and its assets, served with a strict CSP.

Plain HTML, CSS, JavaScript modules and JSON string tables from `backoffice/web/console/` (no
build step, nothing loaded from elsewhere). The page talks to the agent API
(`/api/v1/agent/...`) and its websocket on the same origin, which is all the
Content-Security-Policy lets it do: no inline scripts or styles, no other hosts, no framing.
Only the files listed in `ASSETS` (read once from that folder, by suffix) are ever served, so a
request cannot name its way to anything else on disk.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse

from backoffice.core.errors import NotFoundError

router = APIRouter(tags=["agent console"])

CONSOLE_DIR = Path(__file__).resolve().parents[3] / "web" / "console"
PAGE = "index.html"
# Suffix -> media type of the files the page loads (module scripts need a JavaScript type).
MEDIA_TYPES: dict[str, str] = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json; charset=utf-8",
}


def _assets(folder: Path) -> dict[str, str]:
    """URL path under /console/static/ -> media type, for every asset file in the folder."""
    return {
        path.relative_to(folder).as_posix(): MEDIA_TYPES[path.suffix]
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.suffix in MEDIA_TYPES
    }


# Nothing outside this table is served.
ASSETS: dict[str, str] = _assets(CONSOLE_DIR)

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob:",  # customers' photos, fetched with the agent's token (photos.js)
        "connect-src 'self'",  # fetch and the websocket (CSP 3: 'self' covers ws:// and wss://)
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    # Revalidate every time (ETag): a new release reaches agents on their next reload.
    "Cache-Control": "no-cache",
}


class AssetNotFoundError(NotFoundError):
    code = "not_found"
    message = "No such resource."


def _file(name: str, media_type: str) -> FileResponse:
    path = CONSOLE_DIR / name
    if not path.is_file():
        raise AssetNotFoundError()
    return FileResponse(path, media_type=media_type, headers=SECURITY_HEADERS)


@router.get(
    "/console",
    response_class=FileResponse,
    summary="The agent console (a web page; sign in with an agent account)",
)
def console_page() -> FileResponse:
    return _file(PAGE, "text/html; charset=utf-8")


@router.get("/console/", include_in_schema=False)
def console_slash() -> RedirectResponse:
    return RedirectResponse("/console", status_code=308)


@router.get("/console/static/{name:path}", include_in_schema=False)
def console_asset(name: str) -> FileResponse:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise AssetNotFoundError()
    return _file(name, media_type)
