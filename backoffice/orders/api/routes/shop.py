"""The demo shop page with the website chat widget on it, and the widget's script.

`make run` shows the whole system in a browser at `/shop`: a small Vietnamese online shop whose
only chat code is one `<script>` tag loading `/widget/caredesk-widget.js` (built from `web/`
with esbuild) with data attributes. The page names the Rasa server as the customer's browser
reaches it (`RASA_PUBLIC_URL`, else `RASA_URL`), and its Content-Security-Policy allows exactly
that origin for the socket.io connection (http and ws), nothing else from elsewhere. Only the
files listed in `SHOP_ASSETS` are served.

Its demo sign-in shows how a shop passes its signed-in customer to the chat: the page's server
renders a token signed with `CAREDESK_SHOP_SECRET` into the widget's `data-customer-token`
(channels/shop_identity.py); signing out renders none, and the widget starts a new conversation.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)

from backoffice.core.errors import NotFoundError
from channels.shop_identity import TOKEN_TTL_SECONDS, ShopIdentity

router = APIRouter(tags=["website chat widget"])

WEB_DIR = Path(__file__).resolve().parents[3] / "web"
SHOP_DIR = WEB_DIR / "shop"
WIDGET_BUNDLE = WEB_DIR / "widget" / "dist" / "caredesk-widget.js"
SHOP_ASSETS: dict[str, str] = {"shop.css": "text/css; charset=utf-8"}
# The demo sign-in signs in this one customer; the cookie holds a token only this server (and the
# chat, which shares CAREDESK_SHOP_SECRET) can make, so it cannot be edited into someone else.
DEMO_CUSTOMER = "an.nguyen@example.com"
SIGN_IN_COOKIE = "maystore_demo_customer"
ACCOUNT_TEXTS = {
    False: ("Khách · Guest", "Đăng nhập (demo) · Sign in", "/shop/sign-in"),
    True: ("Đã đăng nhập · Signed in as {customer}", "Đăng xuất · Sign out", "/shop/sign-out"),
}
LANGUAGES = ("vi", "en")
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
SIGN_IN_UNAVAILABLE = (
    "The demo sign-in needs CAREDESK_SHOP_SECRET, the secret the shop shares with the chat "
    "(`make run` writes one into .env).\n"
)
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
            # The bot may send product pictures from a CDN; the customer's own photos are shown
            # from blob: URLs (fetched with the conversation's upload token).
            "img-src 'self' data: https: blob:",
            "connect-src 'self' " + " ".join(socket_origins(rasa_public_url)),
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def render_shop(template: str, values: dict[str, str]) -> str:
    """Fills `{{name}}` placeholders with HTML-escaped values (an unknown name is an error)."""
    return PLACEHOLDER.sub(lambda m: html.escape(values[m.group(1)], quote=True), template)


def shop_identity(request: Request) -> ShopIdentity:
    secret = request.app.state.settings.shop_secret
    return ShopIdentity(secret.get_secret_value() if secret else None)


def page_language(lang: str) -> str:
    return lang if lang in LANGUAGES else "vi"


@router.get("/shop", response_class=HTMLResponse, summary="Demo shop page with the chat widget")
def shop_page(
    request: Request, lang: str = Query("vi", description="Page language: vi or en")
) -> HTMLResponse:
    language = page_language(lang)
    rasa_public_url: str = request.app.state.settings.rasa_public_url
    identity = shop_identity(request)
    customer = identity.verify(request.cookies.get(SIGN_IN_COOKIE))
    status, button, action = ACCOUNT_TEXTS[customer is not None]
    page = render_shop(
        (SHOP_DIR / "index.html").read_text(encoding="utf-8"),
        {
            "lang": language,
            "other_lang": "en" if language == "vi" else "vi",
            "other_lang_name": "English" if language == "vi" else "Tiếng Việt",
            "rasa_url": rasa_public_url,
            "account_status": status.format(customer=customer),
            "account_button": button,
            "account_action": f"{action}?lang={language}",
            # A fresh token on every page: the widget sends it, the chat verifies it.
            "customer_token": identity.sign(customer) if customer else "",
        },
    )
    headers = {
        **COMMON_HEADERS,
        "Content-Security-Policy": shop_csp(rasa_public_url),
        "X-Frame-Options": "DENY",
        "Cache-Control": "no-store",  # the page carries the signed-in customer's token
    }
    return HTMLResponse(page, headers=headers)


@router.post("/shop/sign-in", include_in_schema=False)
def demo_sign_in(request: Request, lang: str = Query("vi")) -> Response:
    """The demo's pretend sign-in (no password: it is a demo account). A real shop does this
    with its own accounts; what matters is that only its server signs the customer id."""
    identity = shop_identity(request)
    if not identity.enabled:
        return PlainTextResponse(SIGN_IN_UNAVAILABLE, status_code=503, headers=COMMON_HEADERS)
    response = RedirectResponse(f"/shop?lang={page_language(lang)}", status_code=303)
    response.set_cookie(
        SIGN_IN_COOKIE,
        identity.sign(DEMO_CUSTOMER),
        max_age=TOKEN_TTL_SECONDS,
        path="/shop",
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.public_base_url.startswith("https://"),
    )
    return response


@router.post("/shop/sign-out", include_in_schema=False)
def demo_sign_out(lang: str = Query("vi")) -> Response:
    """Signs out; the widget then starts a new conversation (what was verified stays behind)."""
    response = RedirectResponse(f"/shop?lang={page_language(lang)}", status_code=303)
    response.delete_cookie(SIGN_IN_COOKIE, path="/shop")
    return response


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
