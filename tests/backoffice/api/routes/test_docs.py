"""/docs renders without internet: the page names only files this back office serves itself
(Swagger UI from the pinned swagger-ui-bundle package), and each of them is served."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import requests

from devstack.backoffice import Backoffice


def test_the_docs_page_loads_its_assets_from_this_server(backoffice_sqlite: Backoffice) -> None:
    page = requests.get(backoffice_sqlite.base_url + "/docs", timeout=10)
    assert page.status_code == 200
    html = page.text
    assert "SwaggerUIBundle" in html and "/openapi.json" in html
    assets = re.findall(r"""<(?:script|link)[^>]*(?:src|href)=["']([^"']+)["']""", html)
    assert {a.rsplit("/", 1)[-1] for a in assets} >= {"swagger-ui-bundle.js", "swagger-ui.css"}
    # Nothing from another host: no absolute URL anywhere in the page (a CDN, fonts, a favicon).
    assert not re.search(r"""(?:src|href)=["'](?:https?:)?//""", html), html
    for asset in assets:
        assert asset.startswith("/docs/assets/"), asset
        served = requests.get(urljoin(backoffice_sqlite.base_url, asset), timeout=10)
        assert served.status_code == 200, asset
        assert len(served.content) > 500, asset
    script = requests.get(
        backoffice_sqlite.base_url + "/docs/assets/swagger-ui-bundle.js", timeout=10
    )
    assert "javascript" in script.headers["content-type"]
    assert "SwaggerUIBundle" in script.text


def test_the_openapi_document_the_page_reads_is_served(backoffice_sqlite: Backoffice) -> None:
    schema = requests.get(backoffice_sqlite.base_url + "/openapi.json", timeout=10).json()
    assert "/api/v1/orders/verify" in schema["paths"]
    assert "/docs" not in schema["paths"]  # the page itself is not part of the API
