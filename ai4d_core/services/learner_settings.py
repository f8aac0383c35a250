"""A learner's settings: their time zone (dates, streak days), the leaderboard and "profile ready" e-mail
opt-ins (both off until they turn them on) and their leaderboard pseudonym.

`get` is for the services that act on a learner's behalf (streaks, the leaderboard, notifications); a change
goes through `update`, where a learner may change only their own (an admin anyone's).
"""

from __future__ import annotations

from collections.abc import Iterable

from ai4d_core import policy
from ai4d_core.adapters.sql.learner_settings import SqlLearnerSettings
from ai4d_core.bootstrap import Container
from ai4d_core.domain.learner_settings import (
    LearnerSettings,
    SettingsError,
    check_flag,
    check_time_zone,
    new_pseudonym,
    time_zones,
)

CHANGEABLE = ("time_zone", "leaderboard_opt_in", "notify_profile_ready", "new_pseudonym")


def _store(c: Container) -> SqlLearnerSettings:
    return SqlLearnerSettings(c.engine, new_pseudonym)


def get(c: Container, learner_id: int) -> LearnerSettings:
    """The learner's settings (defaults and a fresh, then stable, pseudonym before they change anything);
    `LookupError` for an unknown learner."""
    return _store(c).many([learner_id])[learner_id]


def get_many(c: Container, learner_ids: Iterable[int]) -> dict[int, LearnerSettings]:
    """`get` for many learners at once (one read, plus one insert per learner seen for the first time)."""
    return _store(c).many(learner_ids)


def leaderboard_names(c: Container, learner_ids: Iterable[int] | None = None) -> dict[int, str]:
    """The pseudonyms of the learners (of `learner_ids`, if given) who opted in to the leaderboard: only they
    may appear on it."""
    return {i: s.pseudonym for i, s in _store(c).opted_in("leaderboard_opt_in", learner_ids).items()}


def notified(c: Container, learner_ids: Iterable[int]) -> set[int]:
    """Those of `learner_ids` who asked to be e-mailed when a new profile is ready."""
    return set(_store(c).opted_in("notify_profile_ready", learner_ids))


def update(
    c: Container, user: policy.Principal | None, *, learner_id: int | None = None, **changes: object
) -> LearnerSettings:
    """Change the settings of `learner_id` (default: the user's own) and return them.

    `changes`: `time_zone` (an IANA name), `leaderboard_opt_in`, `notify_profile_ready` (booleans), and
    `new_pseudonym=True` for a fresh pseudonym. A learner changes only their own (`policy.Forbidden`); a bad
    value or an unknown setting raises `SettingsError` with a message for the learner, and nothing is saved.
    """
    who = policy.require(user)
    target = who.id if learner_id is None else learner_id
    policy.require_self(who, target)
    unknown = sorted(set(changes) - set(CHANGEABLE))
    if unknown:
        raise SettingsError(f"unknown setting {', '.join(unknown)}; known: {', '.join(CHANGEABLE)}")
    values: dict[str, object] = {}
    if "time_zone" in changes:
        values["time_zone"] = check_time_zone(changes["time_zone"])
    for flag in ("leaderboard_opt_in", "notify_profile_ready"):
        if flag in changes:
            values[flag] = check_flag(flag, changes[flag])
    fresh = check_flag("new_pseudonym", changes.get("new_pseudonym", False))
    return _store(c).change(target, values, fresh)


__all__ = [
    "CHANGEABLE",
    "LearnerSettings",
    "SettingsError",
    "get",
    "get_many",
    "leaderboard_names",
    "notified",
    "time_zones",
    "update",
]
