"""Reading learner profiles: a learner sees only their own (decided by `ai4d_core.policy`)."""

from __future__ import annotations

from typing import Any

from ai4d_core import policy
from ai4d_core.bootstrap import Container


def latest_profile(c: Container, viewer: policy.Principal | None) -> dict[str, Any] | None:
    """The viewer's own latest profile, or None before the first analysis (anonymous: `Forbidden`)."""
    return c.profiles.latest(policy.require(viewer).id)


def profile_history(c: Container, viewer: policy.Principal | None) -> list[dict[str, Any]]:
    """Every version of the viewer's own profile, oldest first (anonymous: `Forbidden`)."""
    return c.profiles.history(policy.require(viewer).id)
