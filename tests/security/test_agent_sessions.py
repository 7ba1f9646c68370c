"""Agents' sign-in and sessions (issue 10), against two real back-office processes that share
one database, as a deployment with several processes does.

Wrong passwords are counted per account and per client address in the database, so a guesser
gains nothing by spreading guesses over processes; a locked account answers 429 with
Retry-After, even to the right password. An agent changes their own password (current one
first, the rule for the new one) and every other session ends, including its websocket in the
other process; a websocket stops receiving pushes once its session is signed out anywhere.
The API docs are served in development settings and not in production ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from devstack.backoffice import AGENT_PASSWORDS, write_departments_file
from tests.support.helpdesk import (
    AgentClient,
    Helpdesk,
    login_agent,
    new_conversation_id,
    rasa_recorder,
    running_helpdesk,
)

# Several back-office processes: not in `make test-fast` (pyproject.toml's markers).
pytestmark = pytest.mark.stack

WS_SESSION_ENDED = 4401


@dataclass
class Pair:
    """Two back-office processes on one database."""

    one: Helpdesk
    two: Helpdesk

    def sessions_of(self, username: str) -> int:
        return int(
            self.one.rows(
                "SELECT COUNT(*) FROM agent_sessions s JOIN agents a ON a.id = s.agent_id "
                "WHERE a.username = :u",
                u=username,
            )[0][0]
        )


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    folder = tmp_path_factory.mktemp("agent-sessions")
    departments = write_departments_file(folder / "departments.yml")
    with (
        rasa_recorder() as rasa,
        running_helpdesk(f"sqlite:///{folder / 'helpdesk.db'}", "sqlite", rasa, departments) as one,
    ):
        two = Helpdesk("sqlite", one.database_url, one.engine, rasa, one.env)
        two.start()
        try:
            yield Pair(one, two)
        finally:
            two.stop()


@pytest.fixture(autouse=True)
def fresh_counts(pair: Pair) -> None:
    """Every test here signs in from 127.0.0.1: each starts without the others' failures."""
    with pair.one.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM login_counters")


def sign_in(helpdesk: Helpdesk, username: str, password: str) -> requests.Response:
    return requests.post(
        helpdesk.base_url + "/api/v1/agent/login",
        json={"username": username, "password": password},
        timeout=10,
    )


def assert_locked_out(response: requests.Response) -> int:
    assert response.status_code == 429, response.text
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= 15 * 60
    error = response.json()["error"]
    assert error["code"] == "too_many_attempts"
    assert error["details"] == {"retry_after_seconds": retry_after}
    assert "token" not in response.json()
    return retry_after


# -- throttling ---------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_in_every_process(pair: Pair) -> None:
    sessions = pair.sessions_of("logistics")
    for helpdesk in (pair.one, pair.two, pair.one, pair.two, pair.one):
        wrong = sign_in(helpdesk, "logistics", "not the password")
        assert wrong.status_code == 401
        assert wrong.json()["error"]["code"] == "invalid_credentials"
    for helpdesk in (pair.one, pair.two):
        assert_locked_out(sign_in(helpdesk, "logistics", AGENT_PASSWORDS["logistics"]))
        assert_locked_out(sign_in(helpdesk, "LOGISTICS", "another guess"))  # same account
    assert pair.sessions_of("logistics") == sessions  # nothing was signed in
    other = sign_in(pair.two, "technical", AGENT_PASSWORDS["technical"])
    assert other.status_code == 200  # other accounts (from the same address) are not locked


def test_a_right_password_starts_the_accounts_count_again(pair: Pair) -> None:
    for attempt in range(2):
        for _ in range(4):
            assert sign_in(pair.one, "billing", "typo").status_code == 401
        right = sign_in(pair.two, "billing", AGENT_PASSWORDS["billing"])
        assert right.status_code == 200, (attempt, right.text)  # eight wrong, never locked


def test_one_address_trying_many_accounts_is_stopped(pair: Pair) -> None:
    names = ["customer_support", "sales", "admin", "nobody", "root", "marketing"]
    answers = []
    for number in range(20):  # the client limit; at most 4 per account
        helpdesk = pair.one if number % 2 else pair.two
        answers.append(sign_in(helpdesk, names[number % len(names)], f"guess {number}").json())
    assert all(a == answers[0] for a in answers)  # unknown names get the very same answer
    for helpdesk in (pair.one, pair.two):
        assert_locked_out(sign_in(helpdesk, "sales", AGENT_PASSWORDS["sales"]))


# -- changing one's password --------------------------------------------------------------------


def test_an_agent_changes_their_password_and_other_sessions_end(pair: Pair) -> None:
    old = AGENT_PASSWORDS["after_sales"]
    here = login_agent(pair.one.base_url, "after_sales")
    there = login_agent(pair.two.base_url, "after_sales")  # e.g. a browser left signed in
    here_socket, there_socket = here.websocket(), there.websocket()
    try:
        here_socket.wait_for(lambda e: e["type"] == "hello")
        there_socket.wait_for(lambda e: e["type"] == "hello")

        def change(current: str, new: str) -> requests.Response:
            body = {"current_password": current, "new_password": new}
            return here.call("POST", "/password", json=body)

        for new, code in (
            ("short one", "password_too_short"),
            ("aaaaaaaaaaaaaaaaaaaaaaa", "password_too_simple"),
            ("after_sales is my name", "password_contains_username"),
            (old, "password_unchanged"),
        ):
            refused = change(old, new)
            assert refused.status_code == 422, refused.text
            assert refused.json()["error"]["code"] == code
        wrong = change("not my password", "a brand-new passphrase")
        assert wrong.status_code == 403
        assert wrong.json()["error"]["code"] == "wrong_password"
        for bad in (
            {"current_password": old},
            {"new_password": "x" * 257, "current_password": old},
        ):
            assert here.call("POST", "/password", json=bad).status_code == 422
        assert pair.sessions_of("after_sales") == 2  # nothing changed so far
        assert there.call("GET", "/me").status_code == 200

        new = "một mật khẩu mới, dài hơn"
        changed = change(old, new)
        assert changed.status_code == 204, changed.text
        assert here.call("GET", "/me").status_code == 200  # this session goes on
        for helpdesk in (pair.one, pair.two):
            ended = AgentClient(helpdesk.base_url, there.token, there.agent).call("GET", "/me")
            assert ended.status_code == 401 and ended.json()["error"]["code"] == "invalid_token"
            assert sign_in(helpdesk, "after_sales", old).status_code == 401
        assert pair.sessions_of("after_sales") == 1
        again = login_agent(pair.two.base_url, "after_sales", new)
        assert again.agent["username"] == "after_sales"

        # The ended session's websocket, in the other process, gets no more pushes.
        conversation = new_conversation_id()
        assert pair.two.request_handoff(conversation, department="after_sales").ok
        there_socket.closed.wait(5)
        assert there_socket.close_code == WS_SESSION_ENDED
        assert [e for e in there_socket.drain(0.1) if e["type"] != "hello"] == []
        conversation = new_conversation_id()
        assert pair.one.request_handoff(conversation, department="after_sales").ok
        pushed = here_socket.wait_for(lambda e: e["type"] == "queue_changed")
        assert pushed["department"] == "after_sales"  # the session that changed it still hears
    finally:
        here_socket.close()
        there_socket.close()


# -- websockets after sign-out -------------------------------------------------------------------


def test_a_websocket_stops_receiving_pushes_after_sign_out(pair: Pair) -> None:
    agent = login_agent(pair.two.base_url, "technical")  # signs in and out in one process ...
    socket = AgentClient(pair.one.base_url, agent.token, agent.agent).websocket()  # ... this one
    witness = login_agent(pair.one.base_url, "admin").websocket()  # hears every department
    try:
        socket.wait_for(lambda e: e["type"] == "hello")
        witness.wait_for(lambda e: e["type"] == "hello")
        first = new_conversation_id()
        assert pair.one.request_handoff(first, department="technical").ok
        socket.wait_for(lambda e: e.get("conversation_id") == first)  # pushed while signed in
        socket.drain()

        assert agent.call("POST", "/logout").status_code == 204  # in the other process
        second = new_conversation_id()
        assert pair.one.request_handoff(second, department="technical").ok
        witness.wait_for(lambda e: e["type"] == "queue_changed" and e["department"] == "technical")
        socket.closed.wait(5)
        assert socket.close_code == WS_SESSION_ENDED
        assert socket.drain(0.1) == []  # nothing after the sign-out reached it
    finally:
        socket.close()
        witness.close()


# -- API docs ------------------------------------------------------------------------------------

DOCS = ("/docs", "/docs/assets/swagger-ui-bundle.js", "/openapi.json")


def test_api_docs_are_served_in_development_settings(pair: Pair) -> None:
    for path in DOCS:
        response = requests.get(pair.one.base_url + path, timeout=10)
        assert response.status_code == 200, path
    schema = requests.get(pair.one.base_url + "/openapi.json", timeout=10).json()
    assert "/api/v1/agent/password" in schema["paths"]
    assert "429" in schema["paths"]["/api/v1/agent/login"]["post"]["responses"]


def test_api_docs_are_not_served_in_production_settings(pair: Pair) -> None:
    production = Helpdesk(
        "sqlite",
        pair.one.database_url,
        pair.one.engine,
        pair.one.rasa,
        # Production settings seed no demo data (they refuse CAREDESK_SEED_DEMO=true).
        {**pair.one.env, "CAREDESK_ENV": "production", "CAREDESK_SEED_DEMO": "false"},
    )
    production.start()
    try:
        for path in (*DOCS, "/docs/oauth2-redirect", "/redoc"):
            response = requests.get(production.base_url + path, timeout=10)
            assert response.status_code == 404, path
            assert response.json()["error"]["code"] == "not_found"
        assert requests.get(production.base_url + "/console", timeout=10).status_code == 200
        assert login_agent(production.base_url, "marketing").agent["username"] == "marketing"
    finally:
        production.stop()
