"""Live-chat clients for end-to-end tests: a website visitor on Rasa's socket.io channel and an
agent on the helpdesk's agent API (what the widget and the console do, without a browser)."""

from __future__ import annotations

import queue
import time

import requests
import socketio

from tests.support.helpdesk import login_agent


class Customer:
    """A website visitor on Rasa's socket.io channel."""

    def __init__(self, url: str) -> None:
        self.replies: queue.Queue[dict] = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("bot_uttered", lambda data: self.replies.put(data))
        # What the channel sends when it is done with a customer message (channels/socketio.py),
        # each with the number of bot messages received before it.
        self.turns_done: queue.Queue[int] = queue.Queue()
        self.client.on("caredesk_turn_done", lambda _: self.turns_done.put(self.replies.qsize()))
        confirmed: queue.Queue[dict] = queue.Queue()
        self.client.on("session_confirm", lambda data: confirmed.put(data))
        self.client.connect(url, socketio_path="/socket.io", transports=["polling"])
        self.client.emit("session_request", {})
        self.session = confirmed.get(timeout=10)  # the server issues the session
        self.session_id = self.session["session_id"]
        self.session_token = self.session["session_token"]

    def say(self, text: str, metadata: dict | None = None) -> None:
        """`metadata` as the widget sends it (e.g. the shop's `customer_token`)."""
        body = {"message": text, "session_id": self.session_id}
        if metadata is not None:
            body["metadata"] = metadata
        self.client.emit("user_uttered", body)

    def expect_messages(self, count: int = 1, timeout: float = 30) -> list[dict]:
        """The next `count` bot messages as sent (text, quick replies...)."""
        messages: list[dict] = []
        deadline = time.monotonic() + timeout
        while len(messages) < count:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"expected {count} replies, got {messages}"
            messages.append(self.replies.get(timeout=remaining))
        return messages

    def expect(self, count: int = 1, timeout: float = 30) -> list[str]:
        return [m.get("text", "") for m in self.expect_messages(count, timeout)]

    def turn(self, timeout: float = 60) -> list[dict]:
        """Every bot message of the turn in progress, up to the channel's end-of-turn mark."""
        replies_before = self.turns_done.get(timeout=timeout)
        messages = []
        while len(messages) < replies_before and not self.replies.empty():
            messages.append(self.replies.get())
        return messages

    def silence(self, seconds: float = 3) -> list[str]:
        """Whatever arrives within `seconds` (should be nothing while an agent owns the chat)."""
        time.sleep(seconds)
        got = []
        while not self.replies.empty():
            got.append(self.replies.get().get("text", ""))
        return got

    def close(self) -> None:
        self.client.disconnect()


class Agent:
    def __init__(self, base_url: str, username: str) -> None:
        self.base = base_url + "/api/v1/agent"
        client = login_agent(base_url, username)
        self.headers = {"Authorization": f"Bearer {client.token}"}

    def get(self, path: str) -> dict:
        response = requests.get(self.base + path, headers=self.headers, timeout=10)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def post(self, path: str, body: dict | None = None) -> dict:
        response = requests.post(
            self.base + path, json=body or {}, headers=self.headers, timeout=10
        )
        assert response.status_code in (200, 201, 202, 204), response.text
        return dict(response.json()) if response.content else {}

    def waiting(self, department: str) -> list[str]:
        queues = self.get("/queue")["departments"]
        return [
            e["conversation_id"]
            for q in queues
            if q["department"] == department
            for e in q["waiting"]
        ]
