"""The drill-down behind the summary on a real back office that reads Rasa's SQL event broker
table (`GET /api/v1/analytics/conversations`, `.csv`, `/{id}`): who may read it, what it
refuses, totals equal to the summary's figures, a CSV that parses back and is safe in Excel, and
a conversation's transcript with both sides and its ticket."""

from __future__ import annotations

import csv
import io
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from backoffice.analytics.export import COLUMNS
from backoffice.analytics.kpis import MEASURES
from tests.backoffice.analytics.measures import FIGURES
from tests.backoffice.analytics.rasa_events import Chat, Turn, publish
from tests.support.bad_input import BAD_PATH_VALUES, BAD_VALUES
from tests.support.helpdesk import Helpdesk, handoff_body

API = "/api/v1/analytics"
LIST, CSV = API + "/conversations", API + "/conversations.csv"
TODAY = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
RANGE = {"from": (TODAY - timedelta(days=1)).isoformat(), "to": TODAY.isoformat()}
RUN = uuid.uuid4().hex[:8]
# A REST customer chooses their sender id: this one is a formula to a spreadsheet.
FORMULA_SENDER = f'=HYPERLINK("http://evil.example","x"),{RUN}'


def get(helpdesk: Helpdesk, path: str, token: str | None, **params: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(
        helpdesk.base_url + path, params={**RANGE, **params}, headers=headers, timeout=30
    )


@pytest.fixture(scope="module")
def cco(helpdesk: Helpdesk) -> str:
    return helpdesk.agent("cco").token


@pytest.fixture(scope="module")
def conversations(helpdesk: Helpdesk, events_db: Path, cco: str) -> dict[str, list[int]]:
    """Conversations in the store (their ids by sender, newest first): contained two hours
    ago, a fallback that ended one, an escalation to billing answered by an agent, a formula
    sender, and a customer who came back."""
    now = time.time()
    chats = [
        Chat(
            f"contained-{RUN}",
            "rest",
            [
                Turn(now - 7200, "what is your return policy", "faq", reply="30 days."),
                Turn(now - 7190, "thanks", "thank_you", reply="You're welcome!"),
            ],
        ),
        Chat(
            f"lost-{RUN}",
            "socketio",
            [
                Turn(now - 7000, "ship ra Đà Nẵng bao lâu", "delivery_options", "vi"),
                Turn(now - 6990, "blorp zorp", "nlu_fallback", "vi", fallback=True),
            ],
        ),
        Chat(
            f"billing-{RUN}",
            "rest",
            [
                Turn(now - 30, "hello", "greet", reply="Hi! How can I help?"),
                Turn(
                    now - 20,
                    "I was charged twice, a person please",
                    "payment_issue",
                    slots={"department": "billing"},
                    reply="Connecting you with billing.",
                ),
            ],
        ),
        Chat(FORMULA_SENDER, "rest", [Turn(now - 7100, "hi", "greet")]),
        Chat(
            f"twice-{RUN}",
            "rest",
            [
                Turn(now - 7150, "hi", "greet", reply="Hello!"),
                Turn(now - 100, "back again", "greet", reply="Welcome back."),
            ],
        ),
    ]
    billing = chats[2].sender
    created = helpdesk.api("POST", "/handoffs", json=handoff_body(billing, channel="rest"))
    assert created.status_code in (200, 201), created.text
    agent = helpdesk.agent("billing")
    assert agent.call("POST", f"/conversations/{billing}/claim").status_code == 200
    replied = agent.call(
        "POST", f"/conversations/{billing}/reply", json={"text": "Refunding the second charge."}
    )
    assert replied.status_code == 201, replied.text
    publish(events_db, chats)

    deadline = time.monotonic() + 30
    while True:
        found: dict[str, list[int]] = {}
        for c in get(helpdesk, LIST, cco, limit=500).json()["conversations"]:
            found.setdefault(c["sender_id"], []).append(c["id"])
        if len(found.get(f"twice-{RUN}", ())) == 2 and all(chat.sender in found for chat in chats):
            return found
        assert time.monotonic() < deadline, f"not in the drill-down after 30 s: {found}"
        time.sleep(0.5)


def test_only_the_cco_and_admin_read_the_drill_down(
    helpdesk: Helpdesk, conversations: dict[str, list[int]]
) -> None:
    detail = f"{API}/conversations/{conversations[f'billing-{RUN}'][0]}"
    billing = helpdesk.agent("billing").token
    for path in (LIST, CSV, detail):
        assert get(helpdesk, path, None).status_code == 401, path
        assert get(helpdesk, path, "not-a-token").status_code == 401, path
        refused = get(helpdesk, path, billing)
        assert refused.status_code == 403, path
        assert refused.json()["error"]["code"] == "forbidden_role"
        for username in ("cco", "admin"):
            answer = get(helpdesk, path, helpdesk.agent(username).token)
            assert answer.status_code == 200, (path, answer.text)
            assert answer.headers["Cache-Control"] == "no-store"
        keyed = requests.get(
            helpdesk.base_url + path,
            params=RANGE,
            headers={"X-API-Key": helpdesk.env["BACKOFFICE_API_KEY"]},
            timeout=10,
        )
        assert keyed.status_code == 401, path


@pytest.mark.parametrize("path", [LIST, CSV])
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"from": "2026-12-08", "to": "2026-12-07"}, "from"),
        ({"from": "2025-01-01", "to": "2026-12-31"}, "to"),
        ({"department": "accounting"}, "department"),
        ({"language": "fr"}, "language"),
        ({"channel": "Web Chat!"}, "channel"),
        ({"measure": "happiness"}, "measure"),
        ({"message": "?!?"}, "message"),
    ],
)
def test_bad_filters_are_a_422_naming_the_field(
    helpdesk: Helpdesk, cco: str, path: str, params: dict, field: str
) -> None:
    response = get(helpdesk, path, cco, **params)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert (error["code"], error["details"]["field"]) == ("invalid_request", field)


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "501"},
        {"limit": "ten"},
        {"offset": "-1"},
        {"offset": str(10**30)},
        {"message": "x" * 501},
        {"intent": "i" * 65},
        {"from": None},
    ],
)
def test_bad_paging_and_lengths_are_a_422(helpdesk: Helpdesk, cco: str, params: dict) -> None:
    response = get(helpdesk, LIST, cco, **params)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_request"


@pytest.mark.parametrize(
    ("conversation_id", "status"), [("abc", 422), ("0", 422), (str(2**40), 422), ("999999", 404)]
)
def test_a_conversation_id_that_is_not_one_is_a_4xx(
    helpdesk: Helpdesk, cco: str, conversation_id: str, status: int
) -> None:
    response = get(helpdesk, f"{API}/conversations/{conversation_id}", cco)
    assert response.status_code == status, response.text
    if status == 404:
        assert response.json()["error"]["code"] == "conversation_not_found"


def test_the_bad_input_corpus_is_refused_without_5xx(
    helpdesk: Helpdesk, cco: str, conversations: dict[str, list[int]]
) -> None:
    """Every parameter of the list and the CSV with each value of the corpus (as a reader:
    the security sweep's department agent stops at 403), and each bad id."""
    values = [str(v) for v in BAD_VALUES if len(str(v)) < 5000 and "\ud800" not in str(v)]
    names = ("from", "to", "department", "language", "channel", "measure", "intent", "message")
    answers = []
    for path in (LIST, CSV):
        for name in (*names, "limit", "offset"):
            for value in values:
                response = get(helpdesk, path, cco, **{name: value})
                answers.append((path, name, value, response.status_code))
    for value in BAD_PATH_VALUES:
        response = requests.get(
            f"{helpdesk.base_url}{API}/conversations/{value}",
            headers={"Authorization": f"Bearer {cco}"},
            timeout=30,
        )
        answers.append(("detail", "id", value, response.status_code))
    assert [a for a in answers if a[3] >= 500] == []
    assert {a[3] for a in answers} <= {200, 404, 422}


@pytest.mark.parametrize(
    "filters", [{}, {"department": "billing"}, {"language": "vi"}, {"channel": "rest"}]
)
def test_each_measure_s_total_is_the_summary_s_figure(
    helpdesk: Helpdesk, cco: str, conversations: dict[str, list[int]], filters: dict
) -> None:
    summary = get(helpdesk, API + "/summary", cco, **filters).json()
    for measure in MEASURES:
        listed = get(helpdesk, LIST, cco, measure=measure, limit=500, **filters).json()
        assert listed["measure"] == measure
        assert listed["total"] == FIGURES[measure](summary), (measure, filters)
        assert len(listed["conversations"]) == listed["total"]
    for intent, counts in summary["by_intent"].items():
        listed = get(helpdesk, LIST, cco, intent=intent, **filters).json()
        assert listed["total"] == counts["conversations"], intent
    if not filters:
        assert summary["escalations"] >= 1 and summary["fallback_conversations"] >= 1
        assert summary["contained"] >= 2 and summary["handoffs"] >= 1


def test_the_list_is_newest_first_in_pages_of_records(
    helpdesk: Helpdesk, cco: str, conversations: dict[str, list[int]]
) -> None:
    everything = get(helpdesk, LIST, cco, limit=500).json()
    assert (everything["limit"], everything["offset"]) == (500, 0)
    starts = [c["started_at"] for c in everything["conversations"]]
    assert starts == sorted(starts, reverse=True)
    second = get(helpdesk, LIST, cco, limit=1, offset=1).json()
    assert second["total"] == everything["total"]
    assert second["conversations"] == everything["conversations"][1:2]
    assert set(everything["conversations"][0]) == set(COLUMNS)

    escalated = get(helpdesk, LIST, cco, measure="handoff").json()["conversations"]
    billing = next(c for c in escalated if c["sender_id"] == f"billing-{RUN}")
    assert billing["department"] == "billing" and billing["escalated"] is True
    assert billing["ticket_ids"] and billing["ticket_ids"][0].startswith("TCK-")
    assert billing["first_response_seconds"] is not None
    assert billing["topic"] == "payment_issue" and billing["messages"] == 2
    lost = get(helpdesk, LIST, cco, message="BLORP  zorp!").json()["conversations"]
    assert [c["sender_id"] for c in lost] == [f"lost-{RUN}"]
    assert lost[0]["abandoned"] is True and lost[0]["language"] == "vi"


def test_the_csv_has_every_conversation_and_is_safe_to_open_in_excel(
    helpdesk: Helpdesk, cco: str, conversations: dict[str, list[int]]
) -> None:
    response = get(helpdesk, CSV, cco)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="caredesk-conversations-{RANGE["from"]}-{RANGE["to"]}.csv"'
    )
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    listed = get(helpdesk, LIST, cco, limit=500).json()["conversations"]
    assert len(rows) == len(listed)
    assert tuple(rows[0]) == COLUMNS
    by_id = {row["id"]: row for row in rows}
    formula = by_id[str(conversations[FORMULA_SENDER][0])]
    assert formula["sender_id"] == "'" + FORMULA_SENDER  # read as text, never run
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    billing = by_id[str(conversations[f"billing-{RUN}"][0])]
    record = next(c for c in listed if c["sender_id"] == f"billing-{RUN}")
    assert billing["ticket_ids"] == " ".join(record["ticket_ids"])
    assert (billing["escalated"], billing["contained"]) == ("true", "false")
    assert billing["started_at"] == record["started_at"]
    assert billing["csat_score"] == ""  # none given

    only_fallbacks = get(helpdesk, CSV, cco, measure="fallback").content.decode("utf-8-sig")
    assert [row["sender_id"] for row in csv.DictReader(io.StringIO(only_fallbacks))] == [
        f"lost-{RUN}"
    ]


def test_a_conversation_s_transcript_has_both_sides_in_order_and_its_ticket(
    helpdesk: Helpdesk, cco: str, conversations: dict[str, list[int]]
) -> None:
    (conversation_id,) = conversations[f"billing-{RUN}"]
    response = get(helpdesk, f"{API}/conversations/{conversation_id}", cco)
    assert response.status_code == 200, response.text
    detail = response.json()
    assert detail["id"] == conversation_id and detail["sender_id"] == f"billing-{RUN}"
    lines = [(line["role"], line["text"]) for line in detail["transcript"]]
    assert lines == [
        ("customer", "hello"),
        ("assistant", "Hi! How can I help?"),
        ("customer", "I was charged twice, a person please"),
        ("assistant", "Connecting you with billing."),
    ]
    first = detail["transcript"][0]
    assert (first["intent"], first["confidence"]) == ("greet", 0.9)
    assert detail["transcript"][1]["intent"] is None
    assert [line["at"] for line in detail["transcript"]] == sorted(
        line["at"] for line in detail["transcript"]
    )
    (ticket,) = detail["tickets"]
    assert ticket["id"] == detail["ticket_ids"][0]
    assert (ticket["department"], ticket["csat_score"]) == ("billing", None)
    assert ticket["first_agent_reply_at"] is not None
    said = [(m["role"], m["text"]) for m in ticket["messages"]]
    assert ("customer", "I want a person, I was charged twice") in said
    assert ("agent", "Refunding the second charge.") in said

    # Who read which conversation is logged, never what was said in it.
    assert helpdesk.service is not None
    logged = helpdesk.service.output(tail=400)
    assert f"read conversation {conversation_id}" in logged
    assert "charged twice" not in logged


def test_a_conversation_s_transcript_ends_where_the_customer_s_next_one_starts(
    helpdesk: Helpdesk, cco: str, conversations: dict[str, list[int]]
) -> None:
    later, earlier = (
        get(helpdesk, f"{API}/conversations/{conversation_id}", cco).json()
        for conversation_id in conversations[f"twice-{RUN}"]
    )
    assert [line["text"] for line in earlier["transcript"]] == ["hi", "Hello!"]
    assert [line["text"] for line in later["transcript"]] == ["back again", "Welcome back."]
    assert earlier["contained"] is False  # the customer came back within 24 hours
    assert earlier["tickets"] == [] and later["ended"] is False
