"""The agent console's string tables (`backoffice/web/console/locales/*.json`) against its code.

Both languages must have the same keys and the same `{placeholders}`, and every key the
modules or the page name must exist; a key made from a value (`"ticket." + status`) must have
its family in the table, and every value of the console's fixed lists must have its key. Read
from the files, no browser: a missing key would otherwise show up as the key itself on screen.
"""

from __future__ import annotations

import json
import re

import pytest

from devstack.processes import REPO_ROOT

CONSOLE = REPO_ROOT / "backoffice" / "web" / "console"
LANGUAGES = ("en", "vi")
# A whole string literal that looks like a key: "namespace.name" (either quote).
KEY_LITERAL = re.compile(r"""(["'])([a-z]+\.[A-Za-z_]+)\1""")
# A literal that begins a key made from a value: "ticket." + status.
PREFIX_LITERAL = re.compile(r"""(["'])([a-z]+\.)\1\s*\+""")
# label("ticket.", value): the helper that adds the value itself.
LABEL_CALL = re.compile(r"""\blabel\(\s*"([a-z]+\.)\"""")
# A whole literal passed to t(): whatever its form, it must be a key.
T_CALL = re.compile(r"""\bt\(\s*"([^"]*)"\s*[,)]""")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Key families whose values are fixed lists in state.js, and the lists.
FAMILIES = {
    "dept.": "DEPARTMENTS",
    "role.": "ROLES",
    "ticket.": "TICKET_STATUSES",
    "channel.": "CHANNELS",
    "event.": "SYSTEM_EVENTS",
    "noagent.": "NO_AGENT_REASONS",
}


def _table(lang: str) -> dict[str, str]:
    table = json.loads((CONSOLE / "locales" / f"{lang}.json").read_text(encoding="utf-8"))
    assert isinstance(table, dict)
    return table


def _scripts() -> dict[str, str]:
    paths = sorted(CONSOLE.rglob("*.js"))
    assert paths, "no console modules found"
    return {path.relative_to(CONSOLE).as_posix(): path.read_text("utf-8") for path in paths}


def _namespaces(table: dict[str, str]) -> set[str]:
    return {key.split(".")[0] + "." for key in table}


def _list_in_state(name: str) -> list[str]:
    text = (CONSOLE / "state.js").read_text(encoding="utf-8")
    match = re.search(rf"\b{name} = \[(.*?)\];", text, re.S)
    assert match, f"state.js has no list {name}"
    return re.findall(r'"([^"]+)"', match.group(1))


@pytest.fixture(scope="module")
def english() -> dict[str, str]:
    return _table("en")


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    en, vi = (_table(lang) for lang in LANGUAGES)
    assert sorted(set(en) - set(vi)) == [], "keys missing in vi.json"
    assert sorted(set(vi) - set(en)) == [], "keys missing in en.json"
    assert list(en) == list(vi), "the two files list the keys in different orders"
    for key in en:
        for lang, table in (("en", en), ("vi", vi)):
            assert isinstance(table[key], str) and table[key].strip(), f"{lang}: {key} is empty"
        assert set(PLACEHOLDER.findall(en[key])) == set(PLACEHOLDER.findall(vi[key])), key


def test_every_key_the_modules_name_exists(english: dict[str, str]) -> None:
    namespaces = _namespaces(english)
    missing = []
    for name, script in _scripts().items():
        for key in T_CALL.findall(script):
            if key not in english:
                missing.append(f"{name}: t({key!r})")
        for _, key in KEY_LITERAL.findall(script):
            if key.split(".")[0] + "." in namespaces and key not in english:
                missing.append(f"{name}: {key!r}")
        prefixes = [p for _, p in PREFIX_LITERAL.findall(script)] + LABEL_CALL.findall(script)
        for prefix in prefixes:
            if prefix not in namespaces:
                missing.append(f"{name}: keys {prefix}*")
    assert missing == []


def test_every_key_the_page_names_exists(english: dict[str, str]) -> None:
    html = (CONSOLE / "index.html").read_text(encoding="utf-8")
    keys = re.findall(r'\bdata-i18n(?:-placeholder|-aria-label)?="([^"]+)"', html)
    assert len(keys) > 50
    assert sorted(set(keys) - set(english)) == []


@pytest.mark.parametrize(("prefix", "list_name"), sorted(FAMILIES.items()))
def test_every_value_of_a_fixed_list_has_its_key(
    english: dict[str, str], prefix: str, list_name: str
) -> None:
    values = _list_in_state(list_name)
    assert values
    assert [value for value in values if prefix + value not in english] == []


def test_every_connection_state_has_its_key(english: dict[str, str]) -> None:
    modes = set()
    for script in _scripts().values():
        modes |= set(re.findall(r"""(?:on\.connection|setConnection)\(\s*"(\w+)"\)""", script))
    assert modes == {"live", "polling", "offline"}
    assert sorted(mode for mode in modes if f"conn.{mode}" not in english) == []


def test_every_key_is_used(english: dict[str, str]) -> None:
    """A key is named somewhere (modules or page), or its family is built from a value."""
    text = "\n".join(_scripts().values())
    html = (CONSOLE / "index.html").read_text(encoding="utf-8")
    built = {p for _, p in PREFIX_LITERAL.findall(text)} | set(LABEL_CALL.findall(text))
    unused = [
        key
        for key in english
        if f'"{key}"' not in text
        and f'"{key}"' not in html
        and key.split(".")[0] + "." not in built
    ]
    assert unused == []


def test_the_console_names_every_system_line_and_channel_the_back_office_writes() -> None:
    """The kinds of system line (helpdesk/services/transition_listeners.py), the reasons nobody
    took a hand-off and the customer channels (channels/) are the console's lists."""
    from backoffice.helpdesk.services.transition_listeners import NO_AGENT_REASONS

    listeners = (
        REPO_ROOT / "backoffice" / "helpdesk" / "services" / "transition_listeners.py"
    ).read_text(encoding="utf-8")
    kinds = set(re.findall(r'kind(?:, text)? = "(\w+)"', listeners))
    kinds |= set(re.findall(r'event="(\w+)"', listeners))
    assert kinds == set(_list_in_state("SYSTEM_EVENTS"))
    assert set(NO_AGENT_REASONS) == set(_list_in_state("NO_AGENT_REASONS"))
    channels = set()
    for path in (REPO_ROOT / "channels").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        channels |= set(re.findall(r'CHANNEL_NAME = "(\w+)"', text))
        channels |= set(re.findall(r'def name\(cls\) -> str:\s+return "(\w+)"', text))
    assert channels == set(_list_in_state("CHANNELS"))
