"""The demo shop page with the website chat widget on it, and the widget's script.

`make run` shows the whole system in a browser at `/shop`: a small Vietnamese online shop whose
only chat code is one `<script>` tag loading `/widget/caredesk-widget.js` (built from `web/`
with esbuild) with data attributes. The page names the Rasa server as the customer's browser
reaches it (`RASA_PUBLIC_URL`, else `RASA_URL`), and its Content-Security-Policy allows exactly
that origin for the socket.io connection (http and ws), nothing else from elsewhere. Only the
files listed in `SHOP_ASSETS` are served.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from backoffice.core.errors import NotFoundError

router = APIRouter(tags=["website chat widget"])

WEB_DIR = Path(__file__).resolve().parents[2] / "web"
SHOP_DIR = WEB_DIR / "shop"
WIDGET_BUNDLE = WEB_DIR / "widget" / "dist" / "caredesk-widget.js"
SHOP_ASSETS: dict[str, str] = {
    "shop.css": "text/css; charset=utf-8",
    "shop.js": "text/javascript; charset=utf-8",
}
LANGUAGES = ("vi", "en")
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
NOT_BUILT = (
    "The chat widget has not been built: run `make widget` (it needs Node.js 20 and npm; "
    "`make run` and `make test` build it too).\n"
)
# The file name carries no version: browsers may reuse it for five minutes, then revalidate
# with its ETag, so a new release reaches customers within minutes without a cache-busting URL.
WIDGET_CACHE = "public, max-age=300, stale-while-revalidate=3600"
COMMON_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


class AssetNotFoundError(NotFoundError):
    code = "not_found"
    message = "No such resource."


def socket_origins(rasa_public_url: str) -> list[str]:
    """The Rasa server's origin for socket.io's two transports: polling (http) and websocket."""
    parts = urlsplit(rasa_public_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    websocket = ("wss://" if parts.scheme == "https" else "ws://") + parts.netloc
    return [origin, websocket]


def shop_csp(rasa_public_url: str) -> str:
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",  # the widget uses constructable stylesheets, not inline <style>
            "img-src 'self' data: https:",  # the bot may send product pictures from a CDN
            "connect-src 'self' " + " ".join(socket_origins(rasa_public_url)),
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def render_shop(template: str, values: dict[str, str]) -> str:
    """Fills `{{name}}` placeholders with HTML-escaped values (an unknown name is an error)."""
    return PLACEHOLDER.sub(lambda m: html.escape(values[m.group(1)], quote=True), template)


@router.get("/shop", response_class=HTMLResponse, summary="Demo shop page with the chat widget")
def shop_page(
    request: Request, lang: str = Query("vi", description="Page language: vi or en")
) -> HTMLResponse:
    language = lang if lang in LANGUAGES else "vi"
    rasa_public_url: str = request.app.state.settings.rasa_public_url
    page = render_shop(
        (SHOP_DIR / "index.html").read_text(encoding="utf-8"),
        {
            "lang": language,
            "other_lang": "en" if language == "vi" else "vi",
            "other_lang_name": "English" if language == "vi" else "Tiếng Việt",
            "rasa_url": rasa_public_url,
        },
    )
    headers = {
        **COMMON_HEADERS,
        "Content-Security-Policy": shop_csp(rasa_public_url),
        "X-Frame-Options": "DENY",
        "Cache-Control": "no-cache",
    }
    return HTMLResponse(page, headers=headers)


@router.get("/shop/", include_in_schema=False)
def shop_slash() -> Response:
    return Response(status_code=308, headers={"Location": "/shop"})


@router.get("/shop/static/{name}", include_in_schema=False)
def shop_asset(name: str) -> FileResponse:
    media_type = SHOP_ASSETS.get(name)
    if media_type is None or not (SHOP_DIR / name).is_file():
        raise AssetNotFoundError()
    return FileResponse(
        SHOP_DIR / name,
        media_type=media_type,
        headers={**COMMON_HEADERS, "Cache-Control": "no-cache"},
    )


@router.get(
    "/widget/caredesk-widget.js",
    summary="The website chat widget (embed with one <script> tag; see the README)",
    response_class=FileResponse,
    responses={503: {"description": "The widget has not been built (`make widget`)"}},
)
def widget_bundle(request: Request) -> Response:
    try:
        stat = WIDGET_BUNDLE.stat()
    except OSError:
        return PlainTextResponse(NOT_BUILT, status_code=503, headers={"Retry-After": "60"})
    headers = {
        **COMMON_HEADERS,
        "Cache-Control": WIDGET_CACHE,
        # Any shop may embed it, also pages that isolate themselves (COEP).
        "Cross-Origin-Resource-Policy": "cross-origin",
        "Access-Control-Allow-Origin": "*",
    }
    response = FileResponse(
        WIDGET_BUNDLE,
        media_type="text/javascript; charset=utf-8",
        headers=headers,
        stat_result=stat,  # sets ETag and Last-Modified now, for the revalidation below
    )
    etag = response.headers["etag"]
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers={**headers, "ETag": etag})
    return response
