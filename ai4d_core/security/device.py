"""Device cookies (OWASP "Slow down online guessing attacks with device cookies").

A successful login or password reset gives the browser an HttpOnly cookie `ai4d_device` naming the account
and a random device id, signed with HMAC-SHA-256 under the cookie secret. Login attempts that carry a valid
device cookie for the account being tried are throttled on their own budget, so an attacker elsewhere who
exhausts the account's budget does not lock its owner out. The cookie proves only that this browser once
knew the password; it never replaces the password.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

DEVICE_COOKIE = "ai4d_device"
MAX_AGE_DAYS = 90
_PURPOSE = b"ai4d-device-cookie|v1|"


@dataclass(frozen=True, slots=True)
class Device:
    user_id: int
    device_id: str  # 22 URL-safe characters (128 random bits): what `login_attempts.device` stores


def _mac(secret: str, payload: str) -> str:
    return hmac.new(secret.encode("utf-8"), _PURPOSE + payload.encode("ascii"), hashlib.sha256).hexdigest()


def issue(secret: str, user_id: int) -> str:
    """A fresh device cookie value for `user_id`."""
    payload = f"{user_id}.{secrets.token_urlsafe(16)}"
    return f"{payload}.{_mac(secret, payload)}"


def read(secret: str, value: str | None) -> Device | None:
    """The device a cookie value names, or None if absent, malformed or not signed with `secret`."""
    if not value or len(value) > 200:
        return None
    parts = value.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or len(parts[1]) != 22:
        return None
    payload = f"{parts[0]}.{parts[1]}"
    try:
        good = hmac.compare_digest(_mac(secret, payload), parts[2])
    except (TypeError, UnicodeEncodeError):
        return None
    return Device(int(parts[0]), parts[1]) if good else None
