"""The applicant's verification code (查询码) for /status, printed on the 受理回执.

A case gets a random salt when its code is issued; the code is an HMAC of the salt under the app's
SECRET_KEY, and the database keeps only the salt and the code's SHA-256 (``status_code_hash``). So the
database alone reveals no code, a retried API call and a regenerated 受理回执 show the same code, and a
look-up compares hashes. (Changing SECRET_KEY leaves existing codes valid for look-ups; a 受理回执
generated afterwards shows a new code, which then replaces the old one.)
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read off paper and typed on a phone
LENGTH = 8
_V = "v1"


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _derive(salt: str) -> str:
    mac = hmac.new(current_app.config["SECRET_KEY"].encode(), f"status-code:{salt}".encode(), hashlib.sha256).digest()
    n = int.from_bytes(mac, "big")
    chars = []
    for _ in range(LENGTH):
        n, r = divmod(n, len(ALPHABET))
        chars.append(ALPHABET[r])
    return "".join(chars)


def display(code: str) -> str:
    """The code as printed: two groups of four (ABCD-EFGH)."""
    return f"{code[:4]}-{code[4:]}"


def normalize(typed: str | None) -> str:
    """What an applicant typed, as the code: upper case, without spaces and hyphens."""
    return "".join(ch for ch in (typed or "").upper() if ch.isalnum())


def issue() -> tuple[str, str]:
    """(code for display, value for status_code_hash) of a new random code."""
    salt = secrets.token_hex(16)
    code = _derive(salt)
    return display(code), f"{_V}${salt}${_digest(code)}"


def code_of(stored: str | None) -> str | None:
    """The code of a case (for display), when it still derives from its salt under today's SECRET_KEY."""
    if not stored or stored.count("$") != 2:
        return None
    _, salt, digest = stored.split("$")
    code = _derive(salt)
    return display(code) if hmac.compare_digest(_digest(code), digest) else None


def matches(stored: str | None, typed: str | None) -> bool:
    """Whether the typed code is the case's (constant time in the code)."""
    digest = stored.split("$")[-1] if stored else "0" * 64
    return hmac.compare_digest(_digest(normalize(typed)), digest) and bool(stored)
