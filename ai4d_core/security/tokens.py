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


def form_token(secret: str, purpose: str, session_hash: bytes) -> str:
    """A form's anti-forgery token bound to one session and one purpose (HMAC-SHA-256 of the session token's
    hash): a page that knows the session can put it in its form; another site, knowing neither, cannot."""
    message = purpose.encode("utf-8") + b"\x00" + session_hash
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def form_token_valid(secret: str, purpose: str, session_hash: bytes, candidate: str) -> bool:
    """Whether `candidate` is `form_token(secret, purpose, session_hash)` (compared in constant time)."""
    return hmac.compare_digest(form_token(secret, purpose, session_hash).encode("ascii"), candidate.encode("utf-8"))
