"""The one running system most test modules share: starting Rasa, the action server and the back
office costs about a minute, so the suite does it once (tests/conftest.py's `stack` fixture).

Its messaging channels are switched on as in production, from environment variables
(scripts/credentials.py), each pointed at a local fake of its platform.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devstack.stack import Stack, running_stack
from scripts.credentials import compose, write
from tests.support.fake_graph_api import (
    APP_SECRET,
    PAGE_ACCESS_TOKEN,
    VERIFY_TOKEN,
    FakeGraphApi,
    fake_graph_api,
)
from tests.support.fake_telegram import BOT_USERNAME, TOKEN, FakeTelegram, fake_telegram
from tests.support.fake_zalo import FakeZaloApi, fake_zalo_api

TELEGRAM_SECRET = "tg-secret_token-for-tests"
TELEGRAM_PUBLIC_WEBHOOK = "https://shop.example.com/webhooks/telegram/webhook"
ZALO_APP_ID = "2553928453557884079"
ZALO_SECRET_KEY = "oa-secret-key-for-tests-not-secret"
ZALO_ACCESS_TOKEN = "oa-access-token-for-tests-not-secret"


@dataclass
class SharedStack:
    stack: Stack
    telegram: FakeTelegram
    graph: FakeGraphApi
    zalo: FakeZaloApi
    credentials: dict[str, Any]  # what Rasa was started with


def channel_environment(telegram: str, graph: str, zalo: str) -> dict[str, str]:
    return {
        "TELEGRAM_ACCESS_TOKEN": TOKEN,
        "TELEGRAM_BOT_NAME": BOT_USERNAME,
        "TELEGRAM_WEBHOOK_URL": TELEGRAM_PUBLIC_WEBHOOK,
        "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
        "TELEGRAM_API_URL": telegram,
        "FACEBOOK_VERIFY_TOKEN": VERIFY_TOKEN,
        "FACEBOOK_APP_SECRET": APP_SECRET,
        "FACEBOOK_PAGE_ACCESS_TOKEN": PAGE_ACCESS_TOKEN,
        "FACEBOOK_GRAPH_API_URL": graph,
        "ZALO_APP_ID": ZALO_APP_ID,
        "ZALO_OA_SECRET_KEY": ZALO_SECRET_KEY,
        "ZALO_OA_ACCESS_TOKEN": ZALO_ACCESS_TOKEN,
        "ZALO_API_URL": zalo,
    }


@contextmanager
def running_shared_stack() -> Iterator[SharedStack]:
    with (
        fake_telegram() as telegram,
        fake_graph_api() as graph,
        fake_zalo_api(ZALO_ACCESS_TOKEN) as zalo,
        tempfile.TemporaryDirectory() as tmp,
    ):
        composition = compose(channel_environment(telegram.base_url, graph.base_url, zalo.base_url))
        if sorted(composition.enabled) != ["facebook", "telegram", "zalo"]:
            raise RuntimeError(f"channels not all enabled: {composition.incomplete}")
        credentials = write(Path(tmp) / "credentials.yml", composition)
        with running_stack(credentials=credentials) as stack:
            yield SharedStack(stack, telegram, graph, zalo, composition.credentials)
