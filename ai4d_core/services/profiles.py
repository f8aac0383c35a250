"""Reading learner profiles: a learner sees only their own."""

from __future__ import annotations

from typing import Any

from ai4d_core.bootstrap import Container
from ai4d_core.services.accounts import SessionUser


def latest_profile(c: Container, viewer: SessionUser) -> dict[str, Any] | None:
    """The viewer's own latest profile, or None before the first analysis."""
    return c.profiles.latest(viewer.id)


def profile_history(c: Container, viewer: SessionUser) -> list[dict[str, Any]]:
    return c.profiles.history(viewer.id)
