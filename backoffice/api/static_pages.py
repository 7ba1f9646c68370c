"""Static pages of plain HTML, CSS, JavaScript modules and JSON (the agent console, the CCO
dashboard), served one way: a fixed table of files and one strict set of security headers.

Only the files in a page's asset table (read from its folder, by suffix) are ever served, so a
request cannot name its way to anything else on disk. The Content-Security-Policy lets a page
load only its own origin's files and talk only to its own origin's API: no inline scripts or
styles, no other hosts, no framing.
"""

from __future__ import annotations

from pathlib import Path

from fastapi.responses import FileResponse

from backoffice.core.errors import NotFoundError

WEB_DIR = Path(__file__).resolve().parents[1] / "web"
PAGE = "index.html"
# Suffix -> media type of the files a page loads (module scripts need a JavaScript type).
MEDIA_TYPES: dict[str, str] = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json; charset=utf-8",
}

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
    # Revalidate every time (ETag): a new release reaches its users on their next reload.
    "Cache-Control": "no-cache",
}


class AssetNotFoundError(NotFoundError):
    code = "not_found"
    message = "No such resource."


def asset_table(folder: Path) -> dict[str, str]:
    """Path under the page's static URL -> media type, for every asset file in the folder."""
    return {
        path.relative_to(folder).as_posix(): MEDIA_TYPES[path.suffix]
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.suffix in MEDIA_TYPES
    }


class StaticPage:
    """One page (`index.html`) and its assets from `folder`, with SECURITY_HEADERS.

    `built` names assets a build step writes (they may appear after the server started)."""

    def __init__(self, folder: Path, built: dict[str, str] | None = None) -> None:
        self.folder = folder
        # Nothing outside this table is served.
        self.assets: dict[str, str] = {**asset_table(folder), **(built or {})}

    def _file(self, name: str, media_type: str) -> FileResponse:
        path = self.folder / name
        if not path.is_file():
            raise AssetNotFoundError()
        return FileResponse(path, media_type=media_type, headers=SECURITY_HEADERS)

    def page(self) -> FileResponse:
        return self._file(PAGE, "text/html; charset=utf-8")

    def asset(self, name: str) -> FileResponse:
        media_type = self.assets.get(name)
        if media_type is None:
            raise AssetNotFoundError()
        return self._file(name, media_type)
