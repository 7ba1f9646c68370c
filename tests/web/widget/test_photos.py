"""A customer sends a photo from the widget while an agent has the conversation; the agent sees
it in the console (issue 12 of the project), in English and Vietnamese, on a desktop and a
390x844 phone.

Real: the back office (helpdesk, console, `/shop` with the widget, `POST /api/v1/attachments`),
the widget bundle, the channel's upload offer (`channels.attachments.upload_offer`) and the
action server's helpdesk client (`HelpdeskClient.forward_message`, as `action_forward_to_agent`
calls it). The Rasa server is played by a socket.io peer that speaks the channel's protocol and
forwards each customer message to the helpdesk as the hand-off policy would, so that no trained
model is needed. Screenshots: var/artifacts/screenshots/photos-*.png.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import socketio

from actions.clients.helpdesk import HelpdeskClient
from caredesk_rules.attachments import MAX_ATTACHMENT_BYTES, PHOTO_TEXT, attachment_reference
from channels.attachments import upload_offer, with_attachment
from channels.socketio import SESSION_OFFER, TURN_DONE_EVENT, CaredeskSocketIOOutput
from devstack.backoffice import AGENT_PASSWORDS
from devstack.processes import free_port
from tests.support.asgi_server import ThreadedServer
from tests.support.browser import SCREENSHOTS, WIDGET_BUNDLE, launched_chromium, require_chromium
from tests.support.helpdesk import API_KEY, Helpdesk, module_helpdesk
from tests.support.images import large_png, png

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1280, "height": 860}, "phone": {"width": 390, "height": 844}}
LOCALES = {"en": "en-US", "vi": "vi-VN"}
AGENT = "Lê Thị Mai Anh"  # billing's seeded agent
JOINED = {
    "en": f"You're now chatting with {AGENT} from our Billing team.",
    "vi": f"Bạn đang trò chuyện với {AGENT} từ bộ phận Thanh toán & Hóa đơn.",
}
TEXTS = {
    "en": {
        "ask": "I want to talk to someone, my blender arrived broken",
        "attach": "Send a photo",
        "type": "please choose a photo in JPEG, PNG or WebP format",
        "large": "This photo is too large",
        "console_title": "Photos from the customer",
    },
    "vi": {
        "ask": "cho mình gặp nhân viên, máy xay bị vỡ khi nhận hàng",
        "attach": "Gửi ảnh",
        "type": "bạn vui lòng chọn ảnh định dạng JPEG, PNG hoặc WebP",
        "large": "Ảnh này quá lớn",
        "console_title": "Ảnh khách hàng gửi",
    },
}


class ChatPeer(ThreadedServer):
    """The chat server as the widget sees it: session_confirm with the real upload offer; every
    customer message goes to the helpdesk (a hand-off for the first, forwarded after)."""

    def __init__(self, helpdesk: Helpdesk) -> None:
        self.port = free_port()
        self.helpdesk = helpdesk
        self.client: HelpdeskClient | None = None  # once the back office has its port
        self.received: list[dict[str, Any]] = []
        self.handed_off: set[str] = set()
        sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins="*")
        self.sessions: dict[str, str] = {}

        @sio.on("session_request")
        async def session_request(sid: str, data: dict[str, Any] | None) -> None:
            session_id = (data or {}).get("session_id") or uuid.uuid4().hex
            self.sessions[sid] = session_id
            confirmation = {
                "session_id": session_id,
                "session_token": "t" * 64,
                **SESSION_OFFER,
                **upload_offer(session_id),
            }
            await sio.emit("session_confirm", confirmation, room=sid)

        out = CaredeskSocketIOOutput(sio, "bot_uttered")

        @sio.on("user_uttered")
        async def user_uttered(sid: str, data: dict[str, Any]) -> None:
            try:
                language = await asyncio.to_thread(self.handle, self.sessions[sid], data)
                if language:  # handed off: the agent takes it at once in these tests
                    mark = {"from": "bot", "event": "agent_joined", "agent_name": AGENT}
                    joined = {"text": JOINED[language], "caredesk": mark, "timestamp": time.time()}
                    await out.send_response(sid, joined)
            finally:
                await sio.emit(TURN_DONE_EVENT, {}, room=sid)

        self._serve(socketio.ASGIApp(sio))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def handle(self, conversation: str, data: dict[str, Any]) -> str | None:
        """The language of a conversation just handed off, else None."""
        metadata = with_attachment(data.get("metadata") or {})
        text = str(data.get("message") or "").strip() or PHOTO_TEXT
        self.received.append({"conversation": conversation, "text": text, "metadata": metadata})
        if conversation not in self.handed_off:
            answer = self.helpdesk.request_handoff(
                conversation, language=metadata.get("language", "en")
            )
            assert answer.status_code == 201, answer.text
            self.handed_off.add(conversation)
            return str(metadata.get("language", "en"))
        if self.client is None:
            self.client = HelpdeskClient(self.helpdesk.base_url, API_KEY)
        self.client.forward_message(
            conversation,
            f"m-{uuid.uuid4().hex}",
            text,
            datetime.now(timezone.utc).isoformat(),
            attachment_reference(metadata),
        )
        return None


@pytest.fixture(scope="module")
def helpdesk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Helpdesk]:
    with module_helpdesk(tmp_path_factory.mktemp("photos")) as running:
        yield running


@pytest.fixture(scope="module")
def peer(helpdesk: Helpdesk) -> Iterator[ChatPeer]:
    require_chromium()
    if not WIDGET_BUNDLE.is_file():
        pytest.fail(f"{WIDGET_BUNDLE} is missing: run `make widget` (make test does)")
    mp = pytest.MonkeyPatch()
    mp.setenv("BACKOFFICE_API_KEY", API_KEY)  # the channel's key: signs the upload tokens
    chat = ChatPeer(helpdesk)
    helpdesk.env["RASA_PUBLIC_URL"] = chat.url  # the shop's widget talks to the peer
    helpdesk.start()
    with chat:
        yield chat
    mp.undo()


@pytest.fixture(scope="module")
def browser(peer: ChatPeer) -> Iterator[Any]:
    with launched_chromium() as chromium:
        yield chromium


def shoot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"photos-{name}.png"))


def watched(context: Any) -> tuple[Any, list[str]]:
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return page, problems


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize("language", ["en", "vi"])
def test_a_customer_sends_a_photo_and_the_agent_sees_it(
    browser: Any, helpdesk: Helpdesk, peer: ChatPeer, language: str, viewport: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    texts = TEXTS[language]
    size = VIEWPORTS[viewport]
    customer = browser.new_context(viewport=size, locale=LOCALES[language])
    customer.set_default_timeout(20_000)
    page, problems = watched(customer)
    page.goto(helpdesk.base_url + "/shop")
    widget = page.locator("#caredesk-widget")
    widget.locator(".cd-launcher").click()
    expect(widget.locator(".cd-root")).to_have_attribute("data-connection", "online")
    if widget.locator("#cd-language").input_value() != language:
        widget.locator("#cd-language").select_option(language)
    attach = widget.locator(".cd-attach")
    expect(attach).to_have_attribute("aria-label", texts["attach"])

    peer.received.clear()
    box = widget.locator("#cd-input")
    box.fill(texts["ask"])
    box.press("Enter")
    conversation = None
    for _ in range(100):
        conversation = next((r["conversation"] for r in peer.received), None)
        if conversation and conversation in peer.handed_off:
            break
        page.wait_for_timeout(100)
    assert conversation is not None
    peer.received.clear()
    agent = helpdesk.agent("billing")
    claimed = agent.conversation(conversation, "claim")
    assert claimed.status_code == 200, claimed.text

    # A text file named like a photo, and a photo over the limit: said, nothing sent.
    file_input = widget.locator(".cd-file")
    file_input.set_input_files(
        {"name": "broken.jpg", "mimeType": "text/plain", "buffer": b"not a photo"}
    )
    error = widget.locator("#cd-photo-error")
    expect(error).to_contain_text(texts["type"])
    file_input.set_input_files(
        {
            "name": "huge.png",
            "mimeType": "image/png",
            "buffer": large_png(MAX_ATTACHMENT_BYTES + 700 * 1024),
        }
    )
    expect(error).to_contain_text(texts["large"])
    shoot(page, f"{language}-{viewport}-01-refused")
    # Declared a photo but not one: the back office refuses it by its bytes.
    file_input.set_input_files(
        {"name": "fake.jpg", "mimeType": "image/jpeg", "buffer": b"GIF89a, or a text file"}
    )
    expect(error).to_contain_text(texts["type"])
    assert peer.received == []

    # The photo: uploaded, shown as a thumbnail in the customer's transcript, forwarded.
    photo = png(480, 360)
    file_input.set_input_files({"name": "blender.png", "mimeType": "image/png", "buffer": photo})
    thumbnail = widget.locator(".cd-msg-customer .cd-photo").last
    expect(thumbnail).to_be_visible()
    expect(thumbnail).to_have_attribute("src", re.compile("^blob:"))
    expect(error).to_be_hidden()
    page.wait_for_function(
        "() => { const img = document.querySelector('#caredesk-widget').shadowRoot"
        ".querySelector('.cd-msg-customer .cd-photo'); return img && img.naturalWidth === 480; }"
    )
    shoot(page, f"{language}-{viewport}-02-widget")
    for _ in range(100):
        if peer.received:
            break
        page.wait_for_timeout(100)
    sent = peer.received[-1]
    attachment_id = attachment_reference(sent["metadata"])
    assert attachment_id and sent["text"] == PHOTO_TEXT

    # The agent's console: the photo in the transcript (opens in full size) and the details.
    console = browser.new_context(viewport=size, locale=LOCALES[language])
    console.set_default_timeout(20_000)
    desk, desk_problems = watched(console)
    desk.goto(helpdesk.base_url + "/console")
    desk.select_option("#language", language)
    desk.fill("#username", "billing")
    desk.fill("#password", AGENT_PASSWORDS["billing"])
    desk.press("#password", "Enter")
    expect(desk.locator("#chats-view")).to_be_visible()
    desk.locator(f'.queue-item[data-conversation="{conversation}"]').first.click()
    shown = desk.locator(f'#transcript .msg-photo[data-attachment="{attachment_id}"] img')
    expect(shown).to_be_visible()
    desk.wait_for_function(
        "id => { const img = document.querySelector("
        "`#transcript .msg-photo[data-attachment='${id}'] img`);"
        " return img && img.naturalWidth === 480; }",
        arg=attachment_id,
    )
    link = desk.locator(f'#transcript .msg-photo[data-attachment="{attachment_id}"]')
    assert (link.get_attribute("href") or "").startswith("blob:")
    assert link.get_attribute("target") == "_blank"
    expect(desk.locator("#attachments-title")).to_have_text(texts["console_title"])
    expect(desk.locator(f'#attachments [data-attachment="{attachment_id}"] img')).to_be_visible()
    shown.scroll_into_view_if_needed()
    shoot(desk, f"{language}-{viewport}-03-console")
    desk.locator("#attachments").scroll_into_view_if_needed()
    shoot(desk, f"{language}-{viewport}-04-console-details")

    assert problems == [] and desk_problems == []
    customer.close()
    console.close()
    resolved = agent.conversation(conversation, "resolve")  # the agent is free for the next
    assert resolved.status_code == 200, resolved.text
