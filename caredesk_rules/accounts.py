"""The helpdesk accounts seeded on first start, where each one's first password comes from, and
the rule every password meets.

Every seeded account has a password of its own, in `.env` as `HELPDESK_<USERNAME>_PASSWORD`
(`HELPDESK_ADMIN_PASSWORD`, `HELPDESK_BILLING_PASSWORD`, ...): `scripts/envfile.py` writes a
random one for each, the back office hashes it when it seeds the account, and the agent changes
it in the console afterwards. Shared because the `.env` generator (scripts/envfile.py, in the
Rasa venv) writes those passwords and the back office checks and hashes them.
"""

from __future__ import annotations

from dataclasses import dataclass

# What an account may do: `agent` works its departments' conversations in the console, `cco`
# reads the analytics (the Chief Customer Officer's dashboard and its API), `admin` does all.
AGENT = "agent"
CCO = "cco"
ADMIN = "admin"
ROLES: tuple[str, ...] = (AGENT, CCO, ADMIN)
# The roles that read the analytics (GET /api/v1/analytics/summary).
ANALYTICS_ROLES: frozenset[str] = frozenset({CCO, ADMIN})


@dataclass(frozen=True)
class SeededAgent:
    username: str
    display_name: str
    departments: tuple[str, ...]
    role: str = AGENT


SEEDED_AGENTS: tuple[SeededAgent, ...] = (
    SeededAgent("customer_support", "Nguyễn Thu Hà", ("customer_support",)),
    SeededAgent("after_sales", "Trần Minh Khoa", ("after_sales",)),
    SeededAgent("billing", "Lê Thị Mai Anh", ("billing",)),
    SeededAgent("logistics", "Phạm Quốc Bảo", ("logistics",)),
    SeededAgent("sales", "Võ Thanh Tùng", ("sales",)),
    SeededAgent("marketing", "Đặng Ngọc Linh", ("marketing",)),
    SeededAgent("technical", "Bùi Đức Thắng", ("technical",)),
    SeededAgent("admin", "Hoàng Gia Huy", (), role=ADMIN),
    SeededAgent("cco", "Trịnh Phương Thảo", (), role=CCO),
)


def password_variable(username: str) -> str:
    """`admin` -> `HELPDESK_ADMIN_PASSWORD`, `after_sales` -> `HELPDESK_AFTER_SALES_PASSWORD`."""
    return f"HELPDESK_{username.upper()}_PASSWORD"


# username -> the variable holding that account's first password
PASSWORD_VARIABLES: dict[str, str] = {
    agent.username: password_variable(agent.username) for agent in SEEDED_AGENTS
}


# The rule for every password an account gets (seeded from .env, set by the CLI, changed in the
# console). Length is what makes a password hard to guess; a passphrase of words is welcome.
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
MIN_DISTINCT_CHARACTERS = 6
PASSWORD_RULE = {
    "min_length": MIN_PASSWORD_LENGTH,
    "min_distinct_characters": MIN_DISTINCT_CHARACTERS,
}
# problem code (also the API's error code) -> why, in words
PASSWORD_PROBLEMS: dict[str, str] = {
    "password_too_short": f"needs at least {MIN_PASSWORD_LENGTH} characters",
    "password_too_long": f"may have at most {MAX_PASSWORD_LENGTH} characters",
    "password_too_simple": f"needs at least {MIN_DISTINCT_CHARACTERS} different characters",
    "password_contains_username": "must not contain the username",
    "password_unchanged": "must differ from the current one",  # checked where both are known
}


def password_problem(password: str, username: str) -> str | None:
    """The first rule the password breaks (a key of PASSWORD_PROBLEMS), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "password_too_short"
    if len(password) > MAX_PASSWORD_LENGTH:
        return "password_too_long"
    if len(set(password)) < MIN_DISTINCT_CHARACTERS:
        return "password_too_simple"
    if username and username.lower() in password.lower():
        return "password_contains_username"
    return None
