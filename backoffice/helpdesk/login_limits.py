"""How many wrong passwords may be tried before a pause: per account and per client address.

The one home of these numbers. Counted in the database (`LoginCounter`), so every back-office
process enforces the same count. A wrong current password when an agent changes their password
counts too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class LoginLimit:
    scope: str  # what the counter is keyed by
    max_failures: int  # wrong passwords within `window`; the last one starts the lockout
    window: timedelta  # counting restarts this long after the first failure
    lockout: timedelta  # every attempt is refused (429) this long, right password or not


# An account: a few typos are fine; a guesser gets 5 tries a quarter of an hour.
ACCOUNT_LIMIT = LoginLimit("account", 5, timedelta(minutes=15), timedelta(minutes=15))
# A client address: a shop's office behind one address has several agents, each with typos;
# one address trying many accounts is a password spray.
CLIENT_LIMIT = LoginLimit("client", 20, timedelta(minutes=15), timedelta(minutes=15))

LOGIN_LIMITS: tuple[LoginLimit, ...] = (ACCOUNT_LIMIT, CLIENT_LIMIT)
LOGIN_SCOPES: tuple[str, ...] = tuple(limit.scope for limit in LOGIN_LIMITS)
