"""The API docs page (/docs: Swagger UI) on files served by this process, not by a CDN, so it
renders on a machine without internet. The files come from the pinned `fastapi-offline`
package (MIT; Swagger UI 5, which reads FastAPI's OpenAPI 3.1), used for its files only: the
page is FastAPI's own. There is no /redoc: ReDoc's page loads its footer logo from a CDN.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

DOCS_URL = "/docs"
OPENAPI_URL = "/openapi.json"
ASSETS_URL = DOCS_URL + "/assets"
OAUTH2_REDIRECT_URL = DOCS_URL + "/oauth2-redirect"
ASSETS = Path(str(files("fastapi_offline") / "static"))


def install_api_docs(app: FastAPI) -> None:
    """/docs and its assets (the app is made with docs_url=None, redoc_url=None)."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=OPENAPI_URL,
            title=f"{app.title} - API docs",
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
            oauth2_redirect_url=OAUTH2_REDIRECT_URL,
            # No validator badge: it would send the schema's address to swagger.io.
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get(OAUTH2_REDIRECT_URL, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()
