"""/docs renders without internet: the page names only files this back office serves itself
(Swagger UI from the pinned fastapi-offline package), and each of them is served."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import requests

from devstack.backoffice import Backoffice
from tests.support.browser import SCREENSHOTS, launched_chromium, require_chromium


def test_the_docs_page_loads_its_assets_from_this_server(backoffice_sqlite: Backoffice) -> None:
    response = requests.get(backoffice_sqlite.base_url + "/docs", timeout=10)
    assert response.status_code == 200
    html = response.text
    assert "/openapi.json" in html
    assets = re.findall(r"""<(?:script|link)[^>]*(?:src|href)=["']([^"']+)["']""", html)
    assert {a.rsplit("/", 1)[-1] for a in assets} == {
        "swagger-ui-bundle.js",
        "swagger-ui.css",
        "favicon.png",
    }
    # Nothing from another host anywhere in the page: no CDN, no web fonts.
    assert not re.search(r"https?://|(?:src|href)=[\"']//", html), html
    for asset in assets:
        assert asset.startswith("/docs/assets/"), asset
        served = requests.get(urljoin(backoffice_sqlite.base_url, asset), timeout=10)
        assert served.status_code == 200, asset
        assert len(served.content) > 1000, asset


def test_swagger_ui_reads_openapi_3_1(backoffice_sqlite: Backoffice) -> None:
    """FastAPI writes OpenAPI 3.1, which Swagger UI renders only from version 5 on."""
    schema = requests.get(backoffice_sqlite.base_url + "/openapi.json", timeout=10).json()
    assert schema["openapi"].startswith("3.1")
    assert "/api/v1/orders/verify" in schema["paths"]
    assert "/docs" not in schema["paths"]  # the pages are not part of the API
    script = requests.get(
        f"{backoffice_sqlite.base_url}/docs/assets/swagger-ui-bundle.js", timeout=10
    )
    assert "javascript" in script.headers["content-type"]
    version = re.search(r'PACKAGE_VERSION:"(\d+)\.\d+\.\d+"', script.text)
    assert version and int(version[1]) >= 5
    assert "isOAS31" in script.text


def test_the_page_renders_with_no_other_host_reachable(backoffice_sqlite: Backoffice) -> None:
    """In a browser that can reach this server and nothing else, the page draws the API."""
    require_chromium()
    elsewhere: list[str] = []

    def only_here(route, request) -> None:
        if urlsplit(request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            elsewhere.append(request.url)
            route.abort()

    with launched_chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.route("**/*", only_here)
        tab = context.new_page()
        tab.goto(backoffice_sqlite.base_url + "/docs")
        tab.locator(".opblock").first.wait_for(state="visible", timeout=30_000)
        assert "caredesk back office" in tab.content()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SCREENSHOTS / "api-docs.png"))
        context.close()
    assert elsewhere == []
