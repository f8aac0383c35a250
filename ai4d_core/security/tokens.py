"""Random tokens for sessions and e-mail links: 256 bits from `secrets`, stored only as SHA-256."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token() -> str:
    """A URL-safe random token (32 bytes of entropy)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    """What the database stores for a token."""
    return hashlib.sha256(token.encode("utf-8")).digest()


def pseudonym(learner_id: int, salt: str) -> str:
    """A stable pseudonym for the analytics warehouse (HMAC-SHA-256, 16 hex characters)."""
    return hmac.new(salt.encode("utf-8"), str(learner_id).encode("ascii"), hashlib.sha256).hexdigest()[:16]
