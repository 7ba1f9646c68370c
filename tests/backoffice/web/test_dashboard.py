"""The CCO dashboard (`GET /dashboard`) against a real back office reading Rasa's SQL event
broker table, helpdesk included.

Plain HTTP first (the page, its assets and their headers, what is refused) and its string
tables, then Playwright driving Debian's Chromium over conversations published by Rasa's own
SQL broker and a hand-off made through the helpdesk API: the CCO's figures equal the API's,
follow the range and the filters, read in Vietnamese, drill down to a conversation's transcript
and export as CSV; a department agent is told the page is not theirs; no CSP violation or page
error anywhere.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from backoffice.analytics.dashboard import CHART_BUNDLE, DASHBOARD_DIR
from backoffice.api.static_pages import CONTENT_SECURITY_POLICY
from devstack.backoffice import AGENT_PASSWORDS
from tests.backoffice.analytics.rasa_events import Chat, Turn, publish
from tests.backoffice.web.test_console import Tab
from tests.support.browser import require
from tests.support.helpdesk import Helpdesk, helpdesk_reading_events

SHOP_CLOCK = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = datetime.now(SHOP_CLOCK).date()
SUMMARY = "/api/v1/analytics/summary"
CONVERSATIONS = "/api/v1/analytics/conversations"
RUN = uuid.uuid4().hex[:8]
# A misunderstood message a spreadsheet would run as a formula: the CSV must defuse it.
FORMULA_MESSAGE = "=HYPERLINK(1) what??"


def _page_size() -> int:
    """A drill-down's page of conversations, as the page's state.js sets it."""
    found = re.search(r"PAGE_SIZE = (\d+);", (DASHBOARD_DIR / "state.js").read_text("utf-8"))
    assert found, "state.js sets no PAGE_SIZE"
    return int(found.group(1))


PAGE_SIZE = _page_size()
BILLING_QUESTION = "I was charged twice, a person please"


def _at(day: date, hour: int) -> float:
    """Unix time of `hour`:00 on `day` on the shop's clock."""
    return datetime.combine(day, clock(hour), SHOP_CLOCK).timestamp()


# -- the back office, with conversations in it ----------------------------------------------------


@pytest.fixture(scope="module")
def events_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dashboard-events") / "rasa_events.db"


@pytest.fixture(scope="module")
def helpdesk(tmp_path_factory: pytest.TempPathFactory, events_db: Path) -> Iterator[Helpdesk]:
    """The back office reading Rasa's SQL broker table (this module's own, not the conftest's)."""
    with helpdesk_reading_events(tmp_path_factory.mktemp("dashboard"), events_db) as running:
        yield running


def summary(helpdesk: Helpdesk, first: date, last: date, **filters: str) -> dict[str, Any]:
    response = requests.get(
        helpdesk.base_url + SUMMARY,
        params={"from": first.isoformat(), "to": last.isoformat(), **filters},
        headers={"Authorization": f"Bearer {helpdesk.agent('cco').token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def seeded(helpdesk: Helpdesk, events_db: Path) -> dict[str, Any]:
    """Conversations over the last 30 days, in both languages and two channels: contained
    ones 20 and 2 days ago, a Vietnamese one ending on a fallback, and one today escalated to
    billing, taken and answered by the billing agent. Waits until the summary counts them."""
    now = time.time()
    old, recent = TODAY - timedelta(days=20), TODAY - timedelta(days=2)
    escalated = Chat(
        f"rest-billing-{RUN}",
        "rest",
        [Turn(now - 60, BILLING_QUESTION, "payment_issue", slots={"department": "billing"})],
    )
    chats = [
        Chat(f"rest-old-a-{RUN}", "rest", [Turn(_at(old, 10), "where is my order", "track_order")]),
        Chat(f"rest-old-b-{RUN}", "rest", [Turn(_at(old, 11), "return policy?", "faq_returns")]),
        Chat(
            f"socketio-vi-{RUN}",
            "socketio",
            [
                Turn(_at(recent, 9), "đơn hàng của tôi đâu", "track_order", language="vi"),
                Turn(
                    _at(recent, 9) + 30,
                    FORMULA_MESSAGE,
                    "nlu_fallback",
                    language="vi",
                    fallback=True,
                ),
            ],
        ),
        Chat(f"rest-recent-{RUN}", "rest", [Turn(_at(recent, 15), "shipping fee", "faq_fees")]),
        escalated,
    ]
    # Enough more for a second page of a drill-down.
    busy = TODAY - timedelta(days=10)
    chats += [
        Chat(f"rest-busy-{n}-{RUN}", "rest", [Turn(_at(busy, 8) + 600 * n, "hello", "greet")])
        for n in range(PAGE_SIZE)
    ]
    created = helpdesk.request_handoff(escalated.sender, channel="rest")
    assert created.status_code == 201, created.text
    billing = helpdesk.agent("billing")
    assert billing.conversation(escalated.sender, "claim").status_code == 200
    replied = billing.conversation(escalated.sender, "reply", json={"text": "Checking it now."})
    assert replied.status_code in (200, 201), replied.text
    publish(events_db, chats)

    first = TODAY - timedelta(days=29)
    deadline = time.monotonic() + 30
    while True:
        figures = summary(helpdesk, first, TODAY)
        if figures["conversations"] == len(chats):
            break
        assert time.monotonic() < deadline, f"not in the summary after 30 s: {figures}"
        time.sleep(0.5)
    return {"chats": chats, "escalated": escalated.sender}


# -- plain HTTP -----------------------------------------------------------------------------------


def test_the_page_and_its_assets_are_served_with_the_consoles_csp(helpdesk: Helpdesk) -> None:
    page = requests.get(helpdesk.base_url + "/dashboard", timeout=10)  # public: no token
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe" not in CONTENT_SECURITY_POLICY
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    html = page.text
    assert re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S | re.I) == [
        (' type="module" src="/dashboard/static/main.js"', "")
    ]
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"\son[a-z]+\s*=", html)
    for name, media_type in (
        ("main.js", "text/javascript"),
        ("locales/vi.json", "application/json"),
        ("dashboard.css", "text/css"),
    ):
        asset = requests.get(f"{helpdesk.base_url}/dashboard/static/{name}", timeout=10)
        assert asset.status_code == 200, name
        assert asset.headers["content-type"].split(";")[0] == media_type
        assert asset.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert asset.text == (DASHBOARD_DIR / name).read_text(encoding="utf-8")
    slash = requests.get(helpdesk.base_url + "/dashboard/", timeout=10, allow_redirects=False)
    assert slash.status_code == 308 and slash.headers["location"] == "/dashboard"


def test_the_chart_bundle_is_served_once_built(helpdesk: Helpdesk) -> None:
    bundle = DASHBOARD_DIR / CHART_BUNDLE
    require(bundle.is_file(), f"{bundle} is missing: run `make widget` (make test does)")
    response = requests.get(f"{helpdesk.base_url}/dashboard/static/{CHART_BUNDLE}", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "export" in response.text and "Chart.js" in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/static/index.html",
        "/dashboard/static/nothing.js",
        "/dashboard/static/locales/fr.json",
        "/dashboard/static/..%2F..%2Fapi%2Fmain.py",
        "/dashboard/static/%2e%2e/%2e%2e/analytics/dashboard.py",
        "/dashboard/static/%2e%2e/console/main.js",
        "/dashboard/static/",
        "/dashboard/static/locales/",
    ],
)
def test_only_the_dashboards_files_are_served(helpdesk: Helpdesk, path: str) -> None:
    response = requests.get(helpdesk.base_url + path, timeout=10)
    assert response.status_code == 404
    assert "import" not in response.text


def test_the_string_tables_match_and_name_every_key_the_page_uses() -> None:
    en, vi = (
        json.loads((DASHBOARD_DIR / "locales" / f"{lang}.json").read_text("utf-8"))
        for lang in ("en", "vi")
    )
    assert list(en) == list(vi)
    for key in en:
        assert re.findall(r"\{(\w+)\}", en[key]) == re.findall(r"\{(\w+)\}", vi[key]), key
    scripts = "\n".join(p.read_text("utf-8") for p in DASHBOARD_DIR.glob("*.js"))
    html = (DASHBOARD_DIR / "index.html").read_text("utf-8")
    named = set(re.findall(r"""\bt\(\s*"([^"]+)"\s*[,)]""", scripts))
    named |= set(re.findall(r'\bdata-i18n(?:-aria-label)?="([^"]+)"', html))
    assert sorted(named - set(en)) == []
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in scripts
    assert not re.search(r"https?://", scripts + html)


# -- in the browser -------------------------------------------------------------------------------


class DashboardTab(Tab):
    """A console test tab that also records the page's console errors (a refused load too)."""

    def __init__(self, browser: Any, base_url: str) -> None:
        super().__init__(browser, base_url)
        self.console_errors: list[str] = []
        self.page.on("console", self._record_error)

    def _record_error(self, message: Any) -> None:
        url = message.location.get("url", "")
        # The browser's own favicon request: the back office has none (the console neither).
        if message.type == "error" and not url.endswith("/favicon.ico"):
            self.console_errors.append(f"{message.text} ({url})")

    def assert_clean(self) -> None:
        super().assert_clean()
        assert self.console_errors == []


@pytest.fixture
def tabs(browser: Any, helpdesk: Helpdesk) -> Iterator[Any]:
    """Signed-out dashboard tabs on demand (`tabs()`), each closed after the test."""
    opened: list[DashboardTab] = []

    def new_tab() -> DashboardTab:
        tab = DashboardTab(browser, helpdesk.base_url)
        opened.append(tab)
        return tab

    yield new_tab
    for tab in opened:
        tab.close()


def _open(tabs: Any, username: str, hash_: str = "") -> DashboardTab:
    from playwright.sync_api import expect

    tab = tabs()
    tab.page.goto(f"{tab.base_url}/dashboard{hash_}")
    tab.page.fill("#username", username)
    tab.page.fill("#password", AGENT_PASSWORDS[username])
    tab.page.press("#password", "Enter")
    expect(tab.page.locator("#login-view")).to_be_hidden()
    return tab


def _card(tab: DashboardTab, kpi: str) -> Any:
    return tab.page.locator(f'#cards [data-kpi="{kpi}"]')


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _expect_figures(tab: DashboardTab, figures: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    expect(_card(tab, "conversations").locator(".kpi-value")).to_have_text(
        str(figures["conversations"])
    )
    for kpi in ("containment_rate", "escalation_rate", "abandonment_rate", "fallback_rate"):
        expect(_card(tab, kpi).locator(".kpi-value")).to_have_text(_rate(figures[kpi]))
    expect(_card(tab, "sla_breaches").locator(".kpi-value")).to_have_text(
        str(figures["sla_breaches"])
    )
    updates = _card(tab, "order_updates")
    expect(updates.locator(".kpi-value")).to_have_text(str(figures["order_updates"]["sent"]))
    expect(updates.locator(".kpi-sub")).to_contain_text(
        f"opt-outs {figures['order_updates']['opt_outs']}"
    )
    expect(updates.locator(".kpi-drill")).to_have_count(0)  # no conversations behind it


@pytest.mark.browser
def test_the_cco_sees_the_apis_figures_for_any_range_and_filter(
    helpdesk: Helpdesk, seeded: dict[str, Any], tabs: Any
) -> None:
    from playwright.sync_api import expect

    tab = _open(tabs, "cco")
    page = tab.page
    expect(page.locator("#whoami")).to_contain_text("Chief Customer Officer")
    # Default: the last 30 days on the shop's clock, in the URL's hash.
    thirty = summary(helpdesk, TODAY - timedelta(days=29), TODAY)
    _expect_figures(tab, thirty)
    assert page.input_value("#f-from") == (TODAY - timedelta(days=29)).isoformat()
    assert page.input_value("#f-to") == TODAY.isoformat()
    expect(_card(tab, "escalation_rate").locator(".kpi-change")).to_contain_text("lower is better")
    expect(page.locator("#chart-daily canvas")).to_have_count(1)
    expect(page.locator("#chart-departments canvas")).to_have_count(1)
    # Every chart has its figures as a table; every breakdown is a table.
    daily_rows = page.locator("#chart-daily table tbody tr")
    expect(daily_rows).to_have_count(30)
    billing_row = page.locator('#chart-departments tbody tr[data-key="billing"] td')
    expect(billing_row).to_have_text(str(thirty["escalations_by_department"]["billing"]))
    departments = page.locator('[data-table="departments"] tbody tr[data-key="billing"]')
    expect(departments.locator("td").first).to_have_text("1")  # one hand-off
    expect(page.locator('[data-table="misunderstood"] tbody th')).to_have_text(FORMULA_MESSAGE)
    tab.screenshot("dashboard-01-thirty-days")

    # The 7-day preset: only the last week's conversations; the hash follows.
    page.get_by_role("button", name="Last 7 days").click()
    week = summary(helpdesk, TODAY - timedelta(days=6), TODAY)
    assert week["conversations"] < thirty["conversations"]
    _expect_figures(tab, week)
    assert f"from={(TODAY - timedelta(days=6)).isoformat()}" in page.url

    # Filters: Vietnamese conversations only, then a channel; each the API's figures.
    page.select_option("#f-language", "vi")
    vietnamese = summary(helpdesk, TODAY - timedelta(days=6), TODAY, language="vi")
    assert vietnamese["conversations"] == 1
    _expect_figures(tab, vietnamese)
    assert "language=vi" in page.url
    page.select_option("#f-language", "")
    page.select_option("#f-channel", "rest")
    _expect_figures(tab, summary(helpdesk, TODAY - timedelta(days=6), TODAY, channel="rest"))

    # Nothing to show: said so, and every table says it is empty.
    page.select_option("#f-department", "sales")
    expect(page.locator("#status")).to_have_text(
        "No conversations in this period with these filters."
    )
    expect(_card(tab, "conversations").locator(".kpi-value")).to_have_text("0")
    expect(page.locator('[data-table="languages"] .empty')).to_have_text(
        "Nothing to show in this period."
    )
    page.select_option("#f-department", "")

    # A range typed in: an impossible one is refused with a message, nothing is asked.
    page.fill("#f-from", TODAY.isoformat())
    page.fill("#f-to", (TODAY - timedelta(days=3)).isoformat())
    page.click("#apply")
    expect(page.locator("#filters-error")).to_have_text(
        "Choose a start date on or before the end date."
    )

    # The state is in the URL: a new tab opened on it shows the same view.
    other = _open(tabs, "cco", "#" + page.url.split("#", 1)[1])
    expect(other.page.locator("#f-channel")).to_have_value("rest")
    _expect_figures(other, summary(helpdesk, TODAY - timedelta(days=6), TODAY, channel="rest"))
    tab.assert_clean()
    other.assert_clean()


@pytest.mark.browser
def test_the_dashboard_in_vietnamese_with_each_kpis_definition(
    helpdesk: Helpdesk, seeded: dict[str, Any], tabs: Any
) -> None:
    from playwright.sync_api import expect

    tab = _open(tabs, "cco")
    page = tab.page
    expect(_card(tab, "conversations")).to_be_visible()
    page.select_option("#language", "vi")
    expect(page.locator("#cards-title")).to_have_text("Chỉ số chính")
    expect(_card(tab, "containment_rate").locator(".kpi-name")).to_have_text("Tỷ lệ tự xử lý")
    thirty = summary(helpdesk, TODAY - timedelta(days=29), TODAY)
    expected = f"{thirty['containment_rate'] * 100:.1f}".replace(".", ",")
    expect(_card(tab, "containment_rate").locator(".kpi-value")).to_contain_text(expected)
    expect(page.locator("#sign-out")).to_have_text("Đăng xuất")
    help_button = _card(tab, "containment_rate").locator(".kpi-help")
    expect(help_button).to_have_attribute("aria-label", "Tỷ lệ tự xử lý là gì?")
    help_button.focus()
    page.keyboard.press("Enter")  # keyboard only
    expect(page.locator("#help")).to_be_visible()
    expect(page.locator("#help-text")).to_contain_text("Tự xử lý = đã kết thúc")
    tab.screenshot("dashboard-02-vietnamese-help")
    page.keyboard.press("Escape")
    expect(page.locator("#help")).to_be_hidden()
    expect(help_button).to_be_focused()
    tab.assert_clean()


def _api_conversations(helpdesk: Helpdesk, **params: str) -> dict[str, Any]:
    response = requests.get(
        helpdesk.base_url + CONVERSATIONS,
        params=params,
        headers={"Authorization": f"Bearer {helpdesk.agent('cco').token}"},
        timeout=30,
    )
    require(response.status_code != 404, "the conversations API is not on this branch yet")
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.browser
def test_a_figure_drills_down_to_a_conversations_transcript(
    helpdesk: Helpdesk, seeded: dict[str, Any], tabs: Any
) -> None:
    from playwright.sync_api import expect

    first = (TODAY - timedelta(days=29)).isoformat()
    listed = _api_conversations(
        helpdesk, **{"from": first, "to": TODAY.isoformat(), "measure": "escalated"}
    )
    assert listed["total"] == 1
    tab = _open(tabs, "admin")
    page = tab.page
    opener = _card(tab, "escalation_rate").locator(".kpi-drill")
    opener.click()
    drill = page.locator("#drill")
    expect(drill).to_be_visible()
    expect(page.locator("#drill-title")).to_have_text("Escalated conversations")
    expect(page.locator("#drill-rows tr")).to_have_count(listed["total"])
    expect(page.locator("#drill-status")).to_have_text("1–1 of 1")
    row = page.locator("#drill-rows tr").first
    expect(row).to_contain_text("Billing")
    expect(row).to_contain_text("escalated")
    row_button = row.locator("button")
    row_button.click()
    conversation = page.locator("#conv")
    expect(conversation).to_be_visible()
    expect(page.locator("#conv-transcript")).to_contain_text(BILLING_QUESTION)
    expect(page.locator("#conv-tickets")).to_contain_text("Checking it now.")
    # An admin may open it in the console (it has a ticket): a link to that conversation.
    link = page.locator("#conv-console")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", re.compile(r"^/console#conversation=\S+$"))
    console_link = str(link.get_attribute("href"))
    tab.screenshot("dashboard-03-conversation")
    page.keyboard.press("Escape")
    expect(conversation).to_be_hidden()
    expect(row_button).to_be_focused()
    page.keyboard.press("Escape")
    expect(drill).to_be_hidden()
    expect(opener).to_be_focused()

    # Every conversation, a page at a time.
    all_ = _api_conversations(helpdesk, **{"from": first, "to": TODAY.isoformat()})
    assert all_["total"] > PAGE_SIZE
    _card(tab, "conversations").locator(".kpi-drill").click()
    expect(page.locator("#drill-rows tr")).to_have_count(PAGE_SIZE)
    expect(page.locator("#drill-status")).to_have_text(f"1–{PAGE_SIZE} of {all_['total']}")
    expect(page.locator("#drill-prev")).to_be_disabled()
    page.click("#drill-next")
    expect(page.locator("#drill-status")).to_have_text(
        f"{PAGE_SIZE + 1}–{all_['total']} of {all_['total']}"
    )
    expect(page.locator("#drill-rows tr")).to_have_count(all_["total"] - PAGE_SIZE)
    expect(page.locator("#drill-next")).to_be_disabled()
    page.keyboard.press("Escape")

    # Table rows: the conversations without a topic (the greetings), then the misunderstood
    # message's.
    page.locator('[data-table="intents"] tr[data-key="unknown"] th button').click()
    expect(page.locator("#drill-status")).to_have_text(f"1–{PAGE_SIZE} of {PAGE_SIZE}")
    expect(page.locator("#drill-scope")).to_contain_text("No topic")
    page.keyboard.press("Escape")
    page.locator('[data-table="misunderstood"] tbody th button').click()
    expect(page.locator("#drill-rows tr")).to_have_count(1)
    expect(page.locator("#drill-scope")).to_contain_text(FORMULA_MESSAGE)
    page.keyboard.press("Escape")
    tab.assert_clean()

    # The console's link opens that conversation once the admin signs in there.
    page.goto(helpdesk.base_url + console_link)
    page.fill("#username", "admin")
    page.fill("#password", AGENT_PASSWORDS["admin"])
    page.press("#password", "Enter")
    expect(page.locator("#transcript")).to_contain_text("Checking it now.")  # billing's reply
    assert page.url.endswith("/console")  # the link is used once, not kept in the address


def _csv_rows(path: str) -> tuple[bytes, list[list[str]]]:
    raw = Path(path).read_bytes()
    return raw, list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


@pytest.mark.browser
def test_tables_and_conversations_export_as_csv(
    helpdesk: Helpdesk, seeded: dict[str, Any], tabs: Any
) -> None:
    from playwright.sync_api import expect

    tab = _open(tabs, "cco")
    page = tab.page
    expect(_card(tab, "conversations")).to_be_visible()
    first = (TODAY - timedelta(days=29)).isoformat()

    # A table's CSV, made in the browser: BOM, header, the formula defused, named by period.
    with page.expect_download() as download_info:
        page.locator('[data-table="misunderstood"] .csv-download').click()
    download = download_info.value
    assert download.suggested_filename == f"caredesk-misunderstood-{first}_{TODAY}.csv"
    raw, rows = _csv_rows(download.path())
    assert raw.startswith(b"\xef\xbb\xbf")
    assert rows == [["Message", "Times"], ["'" + FORMULA_MESSAGE, "1"]]
    with page.expect_download() as download_info:
        page.locator('[data-table="languages"] .csv-download').click()
    _, rows = _csv_rows(download_info.value.path())
    thirty = summary(helpdesk, TODAY - timedelta(days=29), TODAY)
    by_language = {row[0]: row[1] for row in rows[1:]}
    assert by_language == {k: str(v["conversations"]) for k, v in thirty["by_language"].items()}

    # Every cell a spreadsheet would read as a formula is defused, whatever its first sign.
    made = page.evaluate(
        """async () => (await import("/dashboard/static/csv.js")).csvText(
            ["cell"], [["=1+1"], ["+1"], ["-1"], ["@SUM(A1)"], ['say "hi"'], [3], [null]])"""
    )
    assert made == (
        '\ufeff"cell"\r\n"\'=1+1"\r\n"\'+1"\r\n"\'-1"\r\n"\'@SUM(A1)"\r\n'
        '"say ""hi"""\r\n"3"\r\n""\r\n'
    )

    # Every conversation of the period from the server, fetched with the token.
    listed = _api_conversations(helpdesk, **{"from": first, "to": TODAY.isoformat()})
    with page.expect_download() as download_info:
        page.click("#export")
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    raw, rows = _csv_rows(download.path())
    assert len(rows) - 1 == listed["total"] == thirty["conversations"]
    assert any(seeded["escalated"] in cell for row in rows for cell in row)
    expect(page.locator("#export")).to_be_enabled()
    tab.assert_clean()


@pytest.mark.browser
def test_a_department_agent_is_told_the_page_is_not_theirs(
    helpdesk: Helpdesk, seeded: dict[str, Any], tabs: Any
) -> None:
    from playwright.sync_api import expect

    tab = _open(tabs, "billing")
    page = tab.page
    expect(page.locator("#forbidden-view")).to_be_visible()
    expect(page.locator("#forbidden-title")).to_have_text("This page is for the CCO and admins")
    expect(page.locator("#dashboard-view")).to_be_hidden()
    expect(page.locator("#cards li")).to_have_count(0)
    # The API refuses the token anyway, whatever the page does.
    refused = requests.get(
        helpdesk.base_url + SUMMARY,
        params={"from": TODAY.isoformat(), "to": TODAY.isoformat()},
        headers={"Authorization": f"Bearer {helpdesk.agent('billing').token}"},
        timeout=10,
    )
    assert refused.status_code == 403
    page.click("#forbidden-sign-out")
    expect(page.locator("#login-view")).to_be_visible()
    expect(page.locator("#banner-text")).to_have_text("You are signed out.")
    tab.assert_clean()


@pytest.mark.browser
def test_an_expired_session_goes_back_to_the_sign_in(
    helpdesk: Helpdesk, seeded: dict[str, Any], tabs: Any
) -> None:
    from playwright.sync_api import expect

    tab = _open(tabs, "cco")
    page = tab.page
    expect(_card(tab, "conversations")).to_be_visible()
    token = page.evaluate("window.sessionStorage.getItem('caredesk.dashboard.token')")
    ended = requests.post(
        helpdesk.base_url + "/api/v1/agent/logout",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert ended.status_code == 204
    page.get_by_role("button", name="Last 90 days").click()
    expect(page.locator("#login-view")).to_be_visible()
    expect(page.locator("#banner-text")).to_have_text(
        "Your session has ended. Please sign in again."
    )
    expect(page.locator("#dashboard-view")).to_be_hidden()
    expect(page.locator("#username")).to_be_focused()
    # The refused request is the one error the browser logs.
    assert [e for e in tab.console_errors if "401" not in e] == []
    tab.console_errors.clear()
    tab.assert_clean()
