"""Password hashing and policy (ASVS 5.0 V6 level 2, NIST SP 800-63B-4 §3.1.1).

- Argon2id through the passlib API (the maintained `libpass` fork): memory 64 MiB, time cost 3, parallelism 1
  — above the OWASP/ASVS minimum (m=19 MiB, t=2, p=1). About 140 ms of one core per hash on the 2-core
  development VM. Parallelism 1 because the server hashes on a bounded pool of low-priority threads
  (`dashboards.account_pages.auth_executor`): p lanes would start p threads per hash (the same CPU in all,
  140 ms), which on 2 cores only outnumber the event loop and page callbacks (measured in
  `bench/event_loop.py`). Hashes made with p=4 still verify and are upgraded at the next login
  (`needs_rehash`). bcrypt stays readable for legacy hashes.
- Every password is NFKC-normalised before it is checked, hashed or verified (so the same passphrase typed
  on another keyboard or with composed accents matches).
- 15 to 128 characters (code points after NFKC), no composition rules, and a blocklist
  (`ai4d_core.security.blocklist`): common passwords, repeated units, sequences and context words.
- Length is refused before hashing everywhere, at login too: `verify_password` returns False at once for a
  password outside 15..128 characters. That answer is quick for known and unknown accounts alike, so its
  timing tells an attacker only the length of what they sent, never whether the account exists.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from passlib.context import CryptContext

from ai4d_core.security.blocklist import weakness

MIN_LENGTH = 15
MAX_LENGTH = 128
ARGON2_MEMORY_KIB = 65536
ARGON2_TIME_COST = 3
ARGON2_PARALLELISM = 1


class PasswordPolicyError(ValueError):
    """A password the policy refuses; the message says why and is safe to show."""


@lru_cache(maxsize=1)
def _context() -> CryptContext:
    return CryptContext(
        schemes=["argon2", "bcrypt"],
        deprecated="auto",
        argon2__type="ID",
        argon2__memory_cost=ARGON2_MEMORY_KIB,
        argon2__rounds=ARGON2_TIME_COST,
        argon2__parallelism=ARGON2_PARALLELISM,
    )


def normalize(password: str) -> str:
    """NFKC, as every check, hash and verification sees the password."""
    return unicodedata.normalize("NFKC", password)


def length_ok(password: str) -> bool:
    """Whether the (normalised) password has 15..128 characters."""
    return MIN_LENGTH <= len(normalize(password)) <= MAX_LENGTH


def check_policy(password: str, context: Iterable[str] = ()) -> None:
    """Raise `PasswordPolicyError` if `password` is too short, too long, common, patterned or contextual.

    `context`: words of this account that must not make up the password (e-mail, display name).
    """
    value = normalize(password)
    if len(value) < MIN_LENGTH:
        raise PasswordPolicyError(
            f"Use at least {MIN_LENGTH} characters; a passphrase of a few words is easy to remember."
        )
    if len(value) > MAX_LENGTH:
        raise PasswordPolicyError(f"Use at most {MAX_LENGTH} characters.")
    problem = weakness(value, context)
    if problem:
        raise PasswordPolicyError(problem)


def hash_password(password: str, context: Iterable[str] = ()) -> str:
    """Check the policy, then hash the normalised password."""
    check_policy(password, context)
    return str(_context().hash(normalize(password)))


def verify_password(password: str, password_hash: str | None) -> bool:
    """Whether `password` matches; with no hash (unknown user) a dummy hash is verified so timing does not tell.

    A password outside the length limits is refused before any hashing (see the module docstring).
    """
    if not length_ok(password):
        return False
    value = normalize(password)
    if password_hash is None:
        _context().verify(value, _dummy_hash())
        return False
    try:
        return bool(_context().verify(value, password_hash))
    except ValueError:  # an unreadable stored hash is a failed check, never a 500
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash uses an older scheme or weaker parameters than today's."""
    try:
        return bool(_context().needs_update(password_hash))
    except ValueError:
        return True


def upgrade_hash(password: str) -> str:
    """A hash with today's parameters of a password that just verified (no policy: it is not a new choice)."""
    return str(_context().hash(normalize(password)))


def dummy_work(password: str) -> None:
    """The hashing work of a real hash, for paths that must take as long as one (unknown accounts)."""
    _context().hash(normalize(password)[:MAX_LENGTH])


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return str(_context().hash("unknown-user-placeholder-passphrase"))
