"""Authorization: who may see or change what. Pure decisions on values, used by every service.

- a learner sees only their own data;
- an educator only their cohorts, the detail of a learner only if that learner is in one of them, and
  aggregates only over groups of at least k learners (`Settings.k_anonymity`); they grade the open
  responses of their cohorts' learners (admins any; learners never);
- an analyst the pseudonymous warehouse only;
- an admin everything.

The facts a decision needs (the cohorts an educator teaches, a learner's cohorts) are passed in by the
service that asks; nothing here does I/O. A refusal raises `Forbidden`, whose message is safe to show.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

LEARNER, EDUCATOR, ANALYST, ADMIN = "learner", "educator", "analyst", "admin"
ROLES = (LEARNER, EDUCATOR, ANALYST, ADMIN)
COHORT_ROLES = (LEARNER, EDUCATOR)

NOT_SIGNED_IN = "Please sign in."
NOT_ALLOWED = "You are not allowed to do this."
NOT_YOURS = "This is not yours to see."


class Forbidden(PermissionError):  # noqa: N818 - the name the services and pages use
    """A refused request; `str()` is safe to show and says nothing about what exists."""

    def __init__(self, message: str = NOT_ALLOWED) -> None:
        super().__init__(message)


class Principal(Protocol):
    """Anyone the services act for: `accounts.SessionUser` and `Viewer` both qualify."""

    @property
    def id(self) -> int: ...

    @property
    def role(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Viewer:
    """The least a decision needs to know about who asks."""

    id: int
    role: str


CLI = Viewer(0, ADMIN)  # the operator at the `ai4d` command line (audited with no actor id, via "cli")


def actor_id(viewer: Principal) -> int | None:
    """The id an audit entry names as actor: None for the command line."""
    return None if viewer is CLI else viewer.id


def require(viewer: Principal | None, *roles: str) -> Principal:
    """The viewer, if signed in and (when `roles` are given) holding one of them; else `Forbidden`."""
    if viewer is None:
        raise Forbidden(NOT_SIGNED_IN)
    if viewer.role not in ROLES or (roles and viewer.role not in roles):
        raise Forbidden(NOT_ALLOWED)
    return viewer


def require_admin(viewer: Principal | None) -> Principal:
    return require(viewer, ADMIN)


def is_admin(viewer: Principal | None) -> bool:
    return viewer is not None and viewer.role == ADMIN


def require_self(viewer: Principal | None, user_id: int) -> Principal:
    """A learner's own data: only they (and an admin) may read it through this door."""
    who = require(viewer)
    if who.role != ADMIN and who.id != user_id:
        raise Forbidden(NOT_YOURS)
    return who


def require_cohort_creator(viewer: Principal | None) -> Principal:
    """Educators and admins create cohorts."""
    return require(viewer, EDUCATOR, ADMIN)


def require_cohort_educator(viewer: Principal | None, cohort_id: int, taught: Collection[int]) -> Principal:
    """Managing a cohort (rename, educators, members, invites): an admin, or an educator of that cohort."""
    who = require(viewer, EDUCATOR, ADMIN)
    if who.role != ADMIN and cohort_id not in taught:
        raise Forbidden(NOT_YOURS)
    return who


def visible_cohorts(viewer: Principal | None, taught: Collection[int]) -> frozenset[int] | None:
    """The cohorts a viewer may list: None means all (admin); an educator only those they teach."""
    who = require(viewer, EDUCATOR, ADMIN)
    return None if who.role == ADMIN else frozenset(taught)


def require_learner_detail(
    viewer: Principal | None, learner_id: int, taught: Collection[int], learner_cohorts: Collection[int]
) -> Principal:
    """One learner's detail: the learner, an admin, or an educator who teaches one of the learner's cohorts."""
    who = require(viewer)
    if who.role == ADMIN or who.id == learner_id:
        return who
    if who.role == EDUCATOR and set(taught) & set(learner_cohorts):
        return who
    raise Forbidden(NOT_YOURS)


def grading_cohorts(
    viewer: Principal | None, taught: Collection[int], cohort_id: int | None = None
) -> frozenset[int] | None:
    """The cohorts whose open responses a viewer may grade (None: all, for an admin); only educators and admins
    grade, and an educator asking for one cohort must teach it."""
    who = require(viewer, EDUCATOR, ADMIN)
    if who.role == ADMIN:
        return None if cohort_id is None else frozenset({cohort_id})
    if cohort_id is not None and cohort_id not in taught:
        raise Forbidden(NOT_YOURS)
    return frozenset(taught) if cohort_id is None else frozenset({cohort_id})


def require_grader(viewer: Principal | None, taught: Collection[int], learner_cohorts: Collection[int]) -> Principal:
    """Grading one learner's answer: an admin, or an educator who teaches one of the learner's cohorts (never
    the learner, not even their own answer)."""
    who = require(viewer, EDUCATOR, ADMIN)
    if who.role == EDUCATOR and not set(taught) & set(learner_cohorts):
        raise Forbidden(NOT_YOURS)
    return who


def aggregate_threshold(viewer: Principal | None, k: int) -> int:
    """The smallest group whose aggregates the viewer may see: k for educators, 1 for admins."""
    who = require(viewer, EDUCATOR, ADMIN)
    return 1 if who.role == ADMIN else max(1, k)


def require_warehouse(viewer: Principal | None) -> Principal:
    """The pseudonymous warehouse as a whole: analysts and admins."""
    return require(viewer, ANALYST, ADMIN)


def require_role_name(role: str, allowed: Collection[str] = ROLES) -> str:
    """A role name from outside, checked (ValueError, not Forbidden: it is a bad value)."""
    if role not in allowed:
        raise ValueError(f"role must be one of {', '.join(allowed)}")
    return role


__all__ = [
    "ADMIN",
    "ANALYST",
    "CLI",
    "COHORT_ROLES",
    "EDUCATOR",
    "LEARNER",
    "ROLES",
    "Forbidden",
    "Principal",
    "Viewer",
    "actor_id",
    "aggregate_threshold",
    "grading_cohorts",
    "is_admin",
    "require",
    "require_admin",
    "require_cohort_creator",
    "require_cohort_educator",
    "require_grader",
    "require_learner_detail",
    "require_role_name",
    "require_self",
    "require_warehouse",
    "visible_cohorts",
]
