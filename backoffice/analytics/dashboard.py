"""The Chief Customer Officer's dashboard, `GET /dashboard`: one static page and its assets with
the console's strict CSP (api/static_pages.py).

The page itself is public, like the console's: it holds no data. Everything it shows comes from
the analytics API with the bearer token of a `cco` or `admin` account, which the API checks.
Chart.js is bundled by `web/build.mjs` into `dist/chart.js` (built output, not in git: `make
widget`, which `make run` and the test targets run, builds it).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse

from backoffice.api.static_pages import MEDIA_TYPES, WEB_DIR, StaticPage

router = APIRouter(tags=["analytics"])

DASHBOARD_DIR = WEB_DIR / "dashboard"
CHART_BUNDLE = "dist/chart.js"
DASHBOARD = StaticPage(DASHBOARD_DIR, built={CHART_BUNDLE: MEDIA_TYPES[".js"]})


@router.get(
    "/dashboard",
    response_class=FileResponse,
    summary="The CCO dashboard (a web page; sign in with a cco or admin account)",
)
def dashboard_page() -> FileResponse:
    return DASHBOARD.page()


@router.get("/dashboard/", include_in_schema=False)
def dashboard_slash() -> RedirectResponse:
    return RedirectResponse("/dashboard", status_code=308)


@router.get("/dashboard/static/{name:path}", include_in_schema=False)
def dashboard_asset(name: str) -> FileResponse:
    return DASHBOARD.asset(name)
