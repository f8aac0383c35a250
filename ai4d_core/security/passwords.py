"""Password hashing (Argon2id through the passlib API of the maintained `libpass` fork) and policy.

Policy (ASVS 5.0 V6): at least 15 characters, long passphrases allowed (up to 256), no composition rules,
and a blocklist of common passwords.
"""

from __future__ import annotations

from functools import lru_cache

from passlib.context import CryptContext

MIN_LENGTH = 15
MAX_LENGTH = 256
_COMMON = frozenset(
    {
        "passwordpassword",
        "123456789012345",
        "1234567890123456",
        "qwertyuiopasdfgh",
        "iloveyouiloveyou",
        "passwordpassword1",
        "aaaaaaaaaaaaaaa",
        "correcthorsebatterystaple",
        "password123456789",
        "letmeinletmeinletmein",
        "qwertyqwertyqwerty",
        "abcdefghijklmnop",
        "111111111111111",
        "changemechangeme",
        "welcomewelcome123",
    }
)


class PasswordPolicyError(ValueError):
    """A password the policy refuses; the message says why."""


@lru_cache(maxsize=1)
def _context() -> CryptContext:
    # Argon2id with passlib's defaults (time_cost=3, memory 64 MiB); bcrypt kept for verifying legacy hashes.
    return CryptContext(schemes=["argon2", "bcrypt"], deprecated="auto", argon2__type="ID")


def check_policy(password: str) -> None:
    """Raise `PasswordPolicyError` if `password` is too short, too long or too common."""
    if len(password) < MIN_LENGTH:
        raise PasswordPolicyError(f"use at least {MIN_LENGTH} characters (a passphrase of a few words works well)")
    if len(password) > MAX_LENGTH:
        raise PasswordPolicyError(f"use at most {MAX_LENGTH} characters")
    if "".join(password.split()).casefold() in _COMMON or len(set(password)) < 4:
        raise PasswordPolicyError("this password is too common; choose a passphrase of your own")


def hash_password(password: str) -> str:
    """Check the policy, then hash."""
    check_policy(password)
    return str(_context().hash(password))


def verify_password(password: str, password_hash: str | None) -> bool:
    """Constant-work check: with no hash (unknown user) a dummy hash is verified so timing does not tell."""
    if password_hash is None:
        _context().verify(password, _dummy_hash())
        return False
    return bool(_context().verify(password, password_hash))


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return str(_context().hash("unknown-user-placeholder-passphrase"))
