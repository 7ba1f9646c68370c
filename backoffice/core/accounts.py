"""The helpdesk accounts seeded on first start, and where each one's first password comes from.

Every seeded account has a password of its own, in `.env` as `HELPDESK_<USERNAME>_PASSWORD`
(`HELPDESK_ADMIN_PASSWORD`, `HELPDESK_BILLING_PASSWORD`, ...): `scripts/envfile.py` writes a
random one for each, the back office hashes it when it seeds the account, and the agent changes
it in the console afterwards. Standard library only: the `.env` generator imports this too.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SeededAgent:
    username: str
    display_name: str
    departments: tuple[str, ...]
    is_admin: bool = False


SEEDED_AGENTS: tuple[SeededAgent, ...] = (
    SeededAgent("customer_support", "Nguyễn Thu Hà", ("customer_support",)),
    SeededAgent("after_sales", "Trần Minh Khoa", ("after_sales",)),
    SeededAgent("billing", "Lê Thị Mai Anh", ("billing",)),
    SeededAgent("logistics", "Phạm Quốc Bảo", ("logistics",)),
    SeededAgent("sales", "Võ Thanh Tùng", ("sales",)),
    SeededAgent("marketing", "Đặng Ngọc Linh", ("marketing",)),
    SeededAgent("technical", "Bùi Đức Thắng", ("technical",)),
    SeededAgent("admin", "Hoàng Gia Huy", (), is_admin=True),
)


def password_variable(username: str) -> str:
    """`admin` -> `HELPDESK_ADMIN_PASSWORD`, `after_sales` -> `HELPDESK_AFTER_SALES_PASSWORD`."""
    return f"HELPDESK_{username.upper()}_PASSWORD"


# username -> the variable holding that account's first password
PASSWORD_VARIABLES: dict[str, str] = {
    agent.username: password_variable(agent.username) for agent in SEEDED_AGENTS
}
