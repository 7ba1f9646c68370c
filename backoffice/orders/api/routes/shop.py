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
from urllib.parse import urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)

from backoffice.api.static_pages import WEB_DIR, AssetNotFoundError
from backoffice.orders.policies import Knowledge
from caredesk_rules.formatting import money
from channels.shop_identity import TOKEN_TTL_SECONDS, ShopIdentity

router = APIRouter(tags=["website chat widget"])

SHOP_DIR = WEB_DIR / "shop"
WIDGET_BUNDLE = WEB_DIR / "widget" / "dist" / "caredesk-widget.js"
SHOP_ASSETS: dict[str, str] = {"shop.css": "text/css; charset=utf-8"}
# The demo sign-in signs in this one customer; the cookie holds a token only this server (and the
# chat, which shares CAREDESK_SHOP_SECRET) can make, so it cannot be edited into someone else.
DEMO_CUSTOMER = "an.nguyen@example.com"
SIGN_IN_COOKIE = "maystore_demo_customer"
ACCOUNT_TEXTS = {
    "vi": {
        False: ("Khách", "Đăng nhập (demo)", "/shop/sign-in"),
        True: ("Đã đăng nhập: {customer}", "Đăng xuất", "/shop/sign-out"),
    },
    "en": {
        False: ("Guest", "Sign in (demo)", "/shop/sign-in"),
        True: ("Signed in as {customer}", "Sign out", "/shop/sign-out"),
    },
}
LANGUAGES = ("vi", "en")
# The page's own words in each language; the shop's name, the chat's title and the rules quoted
# (free delivery, returns) come from the knowledge file, the brand's one home.
PAGE_TEXTS: dict[str, dict[str, str]] = {
    "vi": {
        "tagline": "Đồ công nghệ chính hãng",
        "skip": "Bỏ qua đến nội dung",
        "home_label": "{shop_name}, trang chủ",
        "categories": "Danh mục",
        "category_phones": "Điện thoại & phụ kiện",
        "category_audio": "Âm thanh",
        "category_home": "Gia dụng",
        "help_link": "Hỗ trợ",
        "headline": "Đồ công nghệ chính hãng, giao nhanh toàn quốc",
        "lead": "Hàng chính hãng, giao tận nơi trên khắp Việt Nam.",
        "perk_delivery": "Miễn phí giao hàng cho đơn từ {free_shipping}",
        "perk_returns": "Đổi trả trong {return_window_days} ngày",
        "perk_warranty": "Bảo hành chính hãng",
        "best_sellers": "Bán chạy tuần này",
        "product_headphones": "Tai nghe Bluetooth Sony WH-CH520",
        "product_phone": "Điện thoại Xiaomi Redmi Note 13 8GB/128GB",
        "product_air_fryer": "Nồi chiên không dầu Philips HD9252 4.1L",
        "product_speaker": "Loa Bluetooth JBL Flip 6",
        "add_to_cart": "Thêm vào giỏ",
        "help_title": "Cần hỗ trợ?",
        "help_text": "Hỏi trợ lý ảo ở góc phải màn hình: tra cứu đơn hàng, phí giao hàng, đổi trả, "
        "bảo hành, hoặc gặp nhân viên.",
        "demo_hint_order": "Dùng thử: đơn",
        "footer": "{shop_name} là cửa hàng mẫu của dự án caredesk (mã nguồn mở, Apache-2.0).",
    },
    "en": {
        "tagline": "Genuine gadgets",
        "skip": "Skip to content",
        "home_label": "{shop_name}, home",
        "categories": "Categories",
        "category_phones": "Phones & accessories",
        "category_audio": "Audio",
        "category_home": "Home appliances",
        "help_link": "Help",
        "headline": "Genuine gadgets, delivered fast across Vietnam",
        "lead": "Official products, delivered to your door anywhere in Vietnam.",
        "perk_delivery": "Free delivery on orders from {free_shipping}",
        "perk_returns": "{return_window_days}-day returns",
        "perk_warranty": "Official warranty",
        "best_sellers": "Best sellers this week",
        "product_headphones": "Sony WH-CH520 Bluetooth headphones",
        "product_phone": "Xiaomi Redmi Note 13 phone, 8GB/128GB",
        "product_air_fryer": "Philips HD9252 4.1L air fryer",
        "product_speaker": "JBL Flip 6 Bluetooth speaker",
        "add_to_cart": "Add to cart",
        "help_title": "Need help?",
        "help_text": "Ask the assistant at the bottom right: order tracking, delivery fees, "
        "returns, warranty, or a person.",
        "demo_hint_order": "Try it: order",
        "footer": "{shop_name} is the demo shop of the caredesk project (open source, Apache-2.0).",
    },
}
PRICES_VND = {
    "headphones": 1_190_000,
    "phone": 4_890_000,
    "air_fryer": 2_190_000,
    "speaker": 2_690_000,
}
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


def page_texts(knowledge: Knowledge, language: str) -> dict[str, str]:
    """The page's words in its language, with the brand and the rules from the knowledge file."""
    facts, policies = knowledge.facts, knowledge.policies
    values = {
        "shop_name": facts.shop_name,
        "free_shipping": money(policies.free_shipping_threshold_vnd, language),
        "return_window_days": str(policies.return_window_days),
    }
    texts = {name: text.format(**values) for name, text in PAGE_TEXTS[language].items()}
    prices = {f"price_{name}": money(amount, language) for name, amount in PRICES_VND.items()}
    titles = {
        f"widget_title_{lang}": facts.widget_title.get(lang, facts.shop_name) for lang in LANGUAGES
    }
    return {**texts, **prices, **titles, "shop_name": facts.shop_name}


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
    status, button, action = ACCOUNT_TEXTS[language][customer is not None]
    page = render_shop(
        (SHOP_DIR / "index.html").read_text(encoding="utf-8"),
        {
            **page_texts(request.app.state.knowledge, language),
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
