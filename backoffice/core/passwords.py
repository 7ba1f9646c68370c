"""Agent passwords (salted scrypt; the rule a new one must meet is caredesk_rules.accounts) and
session tokens (random, stored as SHA-256 only)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# scrypt cost: 16 MiB of memory and a few tens of milliseconds per check on a laptop core.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
_KEY_BYTES = 32
_SCHEME = "scrypt"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=_KEY_BYTES, maxmem=64 * 1024**2
    )


def hash_password(password: str) -> str:
    """`scrypt$n$r$p$salt$key`: the parameters travel with the hash so they can be raised later."""
    salt = secrets.token_bytes(16)
    key = _derive(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"{_SCHEME}${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != _SCHEME:
            return False
        derived = _derive(password, _unb64(salt), int(n), int(r), int(p))
        return hmac.compare_digest(derived, _unb64(key))
    except (ValueError, TypeError):
        return False


# Checked against when the username is unknown, so both failures take the same time.
DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def unusable_password_hash() -> str:
    """A hash no password matches (the password was random and thrown away)."""
    return hash_password(secrets.token_urlsafe(32))


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()
