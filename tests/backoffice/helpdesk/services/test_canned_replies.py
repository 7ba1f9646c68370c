"""Saved replies: the starting set from the YAML file, search in the agent's departments and
language, admin-only changes (in-process: the world of conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from backoffice.core.config import ConfigError
from backoffice.core.db import make_session_factory
from backoffice.helpdesk.services.canned_replies import (
    CANNED_REPLIES_FILE,
    AdminOnlyError,
    CannedReplyData,
    CannedReplyService,
    DuplicateCannedReplyError,
    load_canned_replies,
    seed_canned_replies_if_empty,
)
from backoffice.helpdesk.services.tickets import ForbiddenDepartmentError
from caredesk_rules.departments import DEPARTMENT_KEYS
from caredesk_rules.vietnamese import has_vietnamese_marks
from tests.backoffice.helpdesk.services.conftest import World


def test_the_file_has_replies_for_every_department_in_both_languages() -> None:
    replies = load_canned_replies()
    for department in DEPARTMENT_KEYS:
        for language in ("en", "vi"):
            assert [r for r in replies if (r.department, r.language) == (department, language)]
    for reply in replies:
        if reply.language == "vi":
            assert has_vietnamese_marks(reply.text), reply.title
            # docs/style-vi.md: "bạn"/"mình", never "quý khách", "tôi", "+84" or "VND"
            for banned in ("quý khách", "tôi ", "+84", "VND", "anh/chị"):
                assert banned not in reply.text.lower().replace("của tôi", ""), reply.title


def test_a_broken_file_is_refused_whole(tmp_path: Path) -> None:
    broken = tmp_path / "canned.yml"
    broken.write_text("billing:\n  - title: {en: Hi}\n    en: Hello\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="vi"):
        load_canned_replies(broken)
    broken.write_text("nowhere:\n  - {}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a department"):
        load_canned_replies(broken)


def seeded(world: World) -> CannedReplyService:
    factory = make_session_factory(world.engine)
    assert seed_canned_replies_if_empty(factory) == len(load_canned_replies(CANNED_REPLIES_FILE))
    assert seed_canned_replies_if_empty(factory) == 0  # only into an empty table
    return CannedReplyService(world.session(), clock=lambda: world.clock[0])


def test_agents_find_their_departments_replies_with_or_without_diacritics(world: World) -> None:
    service = seeded(world)
    billing = world.agent("billing")
    mine = service.search(billing, language="vi")
    assert mine and {r.department for r in mine} == {"billing"}
    assert {r.language for r in mine} == {"vi"}
    found = service.search(billing, language="vi", query="hoa don cong ty")
    assert [r.title for r in found] == ["Xuất hóa đơn công ty"]
    assert service.search(billing, language="en", query="VAT INVOICE")[0].title == "Company invoice"
    with pytest.raises(ForbiddenDepartmentError):
        service.search(billing, department="sales")
    everything = service.search(world.agent("admin"), limit=1000)
    assert {r.department for r in everything} == set(DEPARTMENT_KEYS)


def test_only_admins_change_replies_and_titles_stay_unique(world: World) -> None:
    service = seeded(world)
    reply = CannedReplyData("sales", "vi", "Cảm ơn", "Cảm ơn bạn đã ủng hộ shop ạ!")
    with pytest.raises(AdminOnlyError):
        service.create(world.agent("sales"), reply)
    admin = world.agent("admin")
    created = service.create(admin, reply)
    with pytest.raises(DuplicateCannedReplyError):
        CannedReplyService(world.session()).create(admin, reply)
    changed = service.update(
        admin, created.id, CannedReplyData("sales", "vi", "Cảm ơn", "Dạ cảm ơn bạn!")
    )
    assert changed.text == "Dạ cảm ơn bạn!"
    with pytest.raises(AdminOnlyError):
        service.delete(world.agent("sales"), created.id)
    service.delete(admin, created.id)
    assert not service.search(world.agent("sales"), query="Dạ cảm ơn bạn")
