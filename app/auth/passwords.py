"""Password hashing (argon2id) and the password rules.

Parameters: OWASP/ASVS minimum for argon2id is m=19 MiB, t=2, p=1; we use
m=19 MiB, t=3 (above it), fitting a Pi 3B with 1 GB and two web workers.
Rules (ASVS 6.2): at least 8 characters, at most 128, no composition rules,
not one of the most common passwords, not the username.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import Type
from app.i18n import lazy_gettext as _l

MIN_LENGTH = 8
MAX_LENGTH = 128

hasher = PasswordHasher(time_cost=3, memory_cost=19456, parallelism=1,
                        hash_len=32, salt_len=16, type=Type.ID)
_DUMMY_HASH = hasher.hash("not a real password, used to even out timing")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(l.strip().lower() for l in lines if l and not l.startswith("#"))


def password_problem(password: str, username: str = "") -> str | None:
    """Why this password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return _l("Use at least %(n)s characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("Use at most %(n)s characters.", n=MAX_LENGTH)
    if password.lower() in common_passwords():
        return _l("This password is too common. Choose another one.")
    if username and password.lower() == username.lower():
        return _l("Do not use your username as your password.")
    return None


def hash_password(password: str) -> str:
    return hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Constant-ish time even when there is no user or no password yet."""
    try:
        return hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return hasher.check_needs_rehash(stored_hash)
