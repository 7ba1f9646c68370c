"""The API docs page (/docs) on Swagger UI served from this process, not from a CDN, so it
renders on a machine without internet. The files come from the pinned `swagger-ui-bundle`
package (Apache-2.0); ReDoc has no such package, so /redoc is not offered.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

DOCS_URL = "/docs"
OPENAPI_URL = "/openapi.json"
ASSETS_URL = DOCS_URL + "/assets"
OAUTH2_REDIRECT_URL = DOCS_URL + "/oauth2-redirect"


def install_api_docs(app: FastAPI) -> None:
    """/docs and its assets (the app is made with docs_url=None, openapi_url=OPENAPI_URL)."""
    app.mount(ASSETS_URL, StaticFiles(directory=Path(str(swagger_ui_path))), name="docs-assets")

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=OPENAPI_URL,
            title=f"{app.title} - API docs",
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon-32x32.png",
            oauth2_redirect_url=OAUTH2_REDIRECT_URL,
        )

    @app.get(OAUTH2_REDIRECT_URL, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()
