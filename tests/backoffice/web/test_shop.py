"""The demo shop page and the widget's script, served by the real back-office app.

In-process (Starlette's test client on `create_app`, SQLite in a temporary folder): the page
embeds the widget with one script tag pointing at the configured Rasa URL, its CSP allows that
origin for socket.io and nothing else from elsewhere, settings are HTML-escaped, only the listed
files are served, and the bundle comes with its content type, caching and a clear 503 when it
was not built. The browser tests are in tests/web/widget/.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from backoffice.core.config import Settings
from backoffice.main import create_app
from backoffice.orders.api.routes import shop
from backoffice.prestart import prestart
from channels.shop_identity import ShopIdentity
from devstack.processes import REPO_ROOT

WIDGET_SOURCES = REPO_ROOT / "web" / "widget" / "src"
SHOP_FILES = REPO_ROOT / "backoffice" / "web" / "shop"
ENV_NAMES = (
    "RASA_URL",
    "RASA_PUBLIC_URL",
    "BACKOFFICE_DATABASE_URL",
    "BACKOFFICE_API_KEY",
    "CAREDESK_SHOP_SECRET",
    "CAREDESK_SEED_DEMO",
)
SHOP_SECRET = "shop-secret-for-tests"


@pytest.fixture
def client_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., TestClient]:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)

    def make(**env: str) -> TestClient:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("BACKOFFICE_API_KEY", "test-key-not-secret")
        monkeypatch.setenv("BACKOFFICE_DATABASE_URL", f"sqlite:///{tmp_path / 'shop.db'}")
        monkeypatch.setenv("CAREDESK_SEED_DEMO", "true")
        settings = Settings(_env_file=None)  # type: ignore[call-arg]
        prestart(settings)  # the schema and the demo orders, as before every start
        return TestClient(create_app(settings))  # no lifespan: the helpdesk worker stays off

    return make


def _csp(header: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in header.split(";"))}


def test_the_shop_embeds_the_widget_with_one_script_tag(
    client_for: Callable[..., TestClient],
) -> None:
    client = client_for(RASA_PUBLIC_URL="http://chat.example.vn:5005/")
    response = client.get("/shop")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<html lang="vi">' in html
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S | re.I)
    assert [body for _, body in scripts] == [""]  # no inline script
    widget = [attrs for attrs, _ in scripts if "caredesk-widget.js" in attrs]
    assert len(widget) == 1
    assert 'src="/widget/caredesk-widget.js"' in widget[0]
    assert 'data-server-url="http://chat.example.vn:5005"' in widget[0]
    assert 'data-primary-color="#0b5cad"' in widget[0]
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"\son[a-z]+\s*=", html)

    csp = _csp(response.headers["content-security-policy"])
    assert csp["default-src"] == ["'none'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["connect-src"] == [
        "'self'",
        "http://chat.example.vn:5005",
        "ws://chat.example.vn:5005",
    ]
    assert "blob:" in csp["img-src"]  # the customer's own photos (widget)
    assert csp["frame-ancestors"] == ["'none'"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_https_rasa_gets_wss(
    client_for: Callable[..., TestClient],
) -> None:
    secure = client_for(RASA_PUBLIC_URL="https://bot.shop.vn")
    csp = _csp(secure.get("/shop").headers["content-security-policy"])
    assert csp["connect-src"] == ["'self'", "https://bot.shop.vn", "wss://bot.shop.vn"]


def test_without_a_public_url_the_page_uses_rasa_url(client_for: Callable[..., TestClient]) -> None:
    client = client_for(RASA_URL="http://127.0.0.1:5999")
    html = client.get("/shop").text
    assert 'data-server-url="http://127.0.0.1:5999"' in html


def test_settings_are_escaped_into_the_page(client_for: Callable[..., TestClient]) -> None:
    client = client_for(RASA_PUBLIC_URL='http://evil.example/"><script>alert(1)</script>')
    html = client.get("/shop").text
    assert "<script>alert(1)" not in html
    assert 'data-server-url="http://evil.example/&quot;&gt;&lt;script&gt;' in html


def test_a_public_url_must_be_http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKOFFICE_API_KEY", "k")
    monkeypatch.setenv("RASA_PUBLIC_URL", "javascript:alert(1)")
    with pytest.raises(ValueError, match="http"):
        Settings(_env_file=None)  # type: ignore[call-arg]


@pytest.mark.parametrize(("query", "lang"), [("?lang=en", "en"), ("?lang=xx", "vi"), ("", "vi")])
def test_page_language(client_for: Callable[..., TestClient], query: str, lang: str) -> None:
    html = client_for().get("/shop" + query).text
    assert f'<html lang="{lang}">' in html


BRAND_PAGES = {
    "vi": ("Đồ công nghệ chính hãng, giao nhanh toàn quốc", "500.000đ"),
    "en": ("Genuine gadgets, delivered fast across Vietnam", "500,000 VND"),
}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_page_speaks_one_language_with_the_brand_of_the_knowledge_file(
    client_for: Callable[..., TestClient], lang: str
) -> None:
    html = client_for().get(f"/shop?lang={lang}").text
    headline, free_from = BRAND_PAGES[lang]
    assert f"<h1>{headline}</h1>" in html
    assert free_from in html  # the free-delivery threshold, from the knowledge file's policies
    assert "<title>Mây Store · " in html
    assert 'data-title-vi="Mây Store · Hỗ trợ"' in html
    assert 'data-title-en="Mây Store · Help"' in html
    other = BRAND_PAGES["en" if lang == "vi" else "vi"][0]
    assert other not in html and " · Help</a>" not in html and "{{" not in html


@pytest.mark.parametrize(
    "path",
    ["/shop/static/index.html", "/shop/static/../../api/main.py", "/shop/static/%2e%2e%2fshop.py"],
)
def test_only_the_shop_files_are_served(client_for: Callable[..., TestClient], path: str) -> None:
    response = client_for().get(path)
    assert response.status_code == 404
    assert "import" not in response.text


def test_shop_assets(client_for: Callable[..., TestClient]) -> None:
    client = client_for()
    css = client.get("/shop/static/shop.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert css.text == (SHOP_FILES / "shop.css").read_text(encoding="utf-8")


def widget_token(html: str) -> str:
    match = re.search(r'data-customer-token="([^"]*)"', html)
    assert match, "the widget's script tag carries data-customer-token"
    return match.group(1)


def test_a_guest_page_vouches_for_nobody(client_for: Callable[..., TestClient]) -> None:
    html = client_for(CAREDESK_SHOP_SECRET=SHOP_SECRET).get("/shop?lang=en").text
    assert widget_token(html) == ""
    assert 'action="/shop/sign-in?lang=en"' in html and "Guest" in html


def test_the_demo_sign_in_renders_a_token_the_chat_can_verify(
    client_for: Callable[..., TestClient],
) -> None:
    client = client_for(CAREDESK_SHOP_SECRET=SHOP_SECRET)
    signed_in = client.post("/shop/sign-in?lang=en", follow_redirects=False)
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/shop?lang=en"
    cookie = signed_in.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/shop" in cookie
    page = client.get("/shop?lang=en")
    assert page.headers["cache-control"] == "no-store"
    token = widget_token(page.text)
    assert ShopIdentity(SHOP_SECRET).verify(token) == "an.nguyen@example.com"
    assert ShopIdentity("another-secret").verify(token) is None
    assert "Signed in as an.nguyen@example.com" in page.text
    assert 'action="/shop/sign-out?lang=en"' in page.text

    signed_out = client.post("/shop/sign-out?lang=en", follow_redirects=False)
    assert signed_out.status_code == 303
    assert widget_token(client.get("/shop?lang=en").text) == ""


def test_a_forged_sign_in_cookie_is_a_guest(client_for: Callable[..., TestClient]) -> None:
    client = client_for(CAREDESK_SHOP_SECRET=SHOP_SECRET)
    for forged in (
        ShopIdentity("not-the-shop").sign("binh.tran@example.com"),
        "binh.tran@example.com",
    ):
        client.cookies.set(shop.SIGN_IN_COOKIE, forged, path="/shop")
        assert widget_token(client.get("/shop").text) == ""


def test_without_the_shared_secret_the_demo_sign_in_says_why(
    client_for: Callable[..., TestClient],
) -> None:
    client = client_for()
    refused = client.post("/shop/sign-in", follow_redirects=False)
    assert refused.status_code == 503
    assert "CAREDESK_SHOP_SECRET" in refused.text
    assert widget_token(client.get("/shop").text) == ""


def test_the_widget_bundle_is_served_with_caching(client_for: Callable[..., TestClient]) -> None:
    if not shop.WIDGET_BUNDLE.is_file():
        pytest.fail(f"{shop.WIDGET_BUNDLE} is missing: run `make widget` (make test does)")
    client = client_for()
    response = client.get("/widget/caredesk-widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["cache-control"].startswith("public, max-age=")
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.content == shop.WIDGET_BUNDLE.read_bytes()
    etag = response.headers["etag"]
    again = client.get("/widget/caredesk-widget.js", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    # One minified IIFE, small: socket.io-client included.
    text = response.text
    assert text.count("\n") < 5 and "(()=>{" in text
    assert len(response.content) < 120_000


def test_an_unbuilt_widget_is_a_clear_503(
    client_for: Callable[..., TestClient], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shop, "WIDGET_BUNDLE", tmp_path / "missing.js")
    response = client_for().get("/widget/caredesk-widget.js")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/plain")
    assert "make widget" in response.text


def test_the_widget_source_never_parses_html() -> None:
    sources = {p.name: p.read_text(encoding="utf-8") for p in WIDGET_SOURCES.glob("*.js")}
    assert "widget.js" in sources and "richtext.js" in sources
    sinks = ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(")
    for name, text in sources.items():
        for sink in (*sinks, "new Function", "DOMParser", "createContextualFragment"):
            assert sink not in text, f"{name} uses {sink}"
