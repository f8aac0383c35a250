"""Cohorts: create, rename, educators, members, join codes and links; every change audited.

Who may do what is decided by `ai4d_core.policy`; the facts it needs (the cohorts the viewer teaches) are read
here. A join code is 16 characters of Crockford base32 (80 random bits), shown grouped as `ABCD-EFGH-JKMN-PQRS`,
stored only as its SHA-256, valid until it expires or is revoked. Unknown, expired and revoked codes get the
same answer (`InvalidCodeError`).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from ai4d_core import policy
from ai4d_core.adapters.sql.cohorts import CohortRecord, InviteRecord, MemberRecord, SqlCohortStore
from ai4d_core.bootstrap import Container
from ai4d_core.policy import EDUCATOR, LEARNER, Forbidden, Principal
from ai4d_core.services import audit

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
CODE_LENGTH = 16  # 80 bits
DEFAULT_INVITE_DAYS = 14
MAX_INVITE_DAYS = 365
MAX_NAME = 120
INVALID_CODE = "This join code is invalid or expired."
_CONFUSABLE = str.maketrans({"I": "1", "L": "1", "O": "0"})


class InvalidCodeError(ValueError):
    """A join code that is unknown, expired or revoked (one answer for all three)."""

    def __init__(self) -> None:
        super().__init__(INVALID_CODE)


@dataclass(frozen=True, slots=True)
class Invite:
    code: str
    link: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Membership:
    cohort_id: int
    name: str
    role: str


def store(c: Container) -> SqlCohortStore:
    """The cohort store on the container's engine (cheap: it holds only the engine)."""
    return SqlCohortStore(c.engine)


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalize_code(text: str) -> str | None:
    """The canonical code in what a person typed or pasted (a link with `?join=` too), or None if malformed."""
    text = text.strip()
    if "join=" in text:
        text = (parse_qs(urlsplit(text).query).get("join") or [""])[0]
    raw = re.sub(r"[\s-]", "", text).upper().translate(_CONFUSABLE)
    return raw if len(raw) == CODE_LENGTH and all(ch in ALPHABET for ch in raw) else None


def code_hash(code: str) -> bytes:
    normalized = normalize_code(code)
    if normalized is None:
        raise InvalidCodeError
    return hashlib.sha256(normalized.encode("ascii")).digest()


def join_link(c: Container, code: str) -> str:
    return f"{c.settings.public_url.rstrip('/')}/learner?join={code}"


def _taught(c: Container, viewer: Principal | None) -> list[int]:
    if viewer is None or viewer.role != EDUCATOR:
        return []
    return store(c).cohorts_of(viewer.id, EDUCATOR)


def _manage(c: Container, viewer: Principal | None, cohort_id: int) -> Principal:
    who = policy.require_cohort_educator(viewer, cohort_id, _taught(c, viewer))
    if store(c).get(cohort_id) is None:  # only an admin gets here for a cohort that does not exist
        raise LookupError("no such cohort")
    return who


def _audit(c: Container, event: str, who: Principal, target_id: int | None, source: str, **detail: object) -> None:
    if who is policy.CLI:
        detail["via"] = "cli"
    audit.record(c, event, actor_id=policy.actor_id(who), target_id=target_id, source=source, conn=None, **detail)


def _name(name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise ValueError(f"a cohort name needs 1 to {MAX_NAME} characters")
    return name


def create_cohort(
    c: Container, viewer: Principal | None, name: str, educator_id: int | None = None, source: str = ""
) -> int:
    """A new cohort; an educator who creates it teaches it, and so does `educator_id` if given."""
    who = policy.require_cohort_creator(viewer)
    cohort_id = store(c).create(_name(name), policy.actor_id(who))
    _audit(c, "cohort_created", who, None, source, cohort_id=cohort_id)
    if who.role == EDUCATOR and who is not policy.CLI:
        store(c).set_member(cohort_id, who.id, EDUCATOR)
    if educator_id is not None and educator_id != who.id:
        add_educator(c, who, cohort_id, educator_id, source)
    return cohort_id


def rename_cohort(c: Container, viewer: Principal | None, cohort_id: int, name: str, source: str = "") -> None:
    who = _manage(c, viewer, cohort_id)
    store(c).rename(cohort_id, _name(name))
    _audit(c, "cohort_renamed", who, None, source, cohort_id=cohort_id)


def add_educator(c: Container, viewer: Principal | None, cohort_id: int, user_id: int, source: str = "") -> None:
    """Make an educator (or admin) account an educator of the cohort."""
    who = _manage(c, viewer, cohort_id)
    user = c.users.get(user_id)
    if user is None or user.role not in (EDUCATOR, policy.ADMIN):
        raise ValueError("only an educator or admin account can teach a cohort")
    if store(c).set_member(cohort_id, user_id, EDUCATOR):
        _audit(c, "cohort_educator_added", who, user_id, source, cohort_id=cohort_id)


def remove_educator(c: Container, viewer: Principal | None, cohort_id: int, user_id: int, source: str = "") -> None:
    who = _manage(c, viewer, cohort_id)
    if store(c).remove_member(cohort_id, user_id, EDUCATOR):
        _audit(c, "cohort_member_removed", who, user_id, source, cohort_id=cohort_id, role=EDUCATOR)


def add_member(c: Container, viewer: Principal | None, cohort_id: int, user_id: int, source: str = "") -> None:
    """Add a learner account to the cohort (nothing changes if they are in it already)."""
    who = _manage(c, viewer, cohort_id)
    user = c.users.get(user_id)
    if user is None or user.role != LEARNER:
        raise ValueError("only a learner account can be a member")
    if store(c).add_member_if_absent(cohort_id, user_id, LEARNER):
        _audit(c, "cohort_member_added", who, user_id, source, cohort_id=cohort_id)


def remove_member(c: Container, viewer: Principal | None, cohort_id: int, user_id: int, source: str = "") -> None:
    who = _manage(c, viewer, cohort_id)
    if store(c).remove_member(cohort_id, user_id, LEARNER):
        _audit(c, "cohort_member_removed", who, user_id, source, cohort_id=cohort_id, role=LEARNER)


def list_cohorts(c: Container, viewer: Principal | None) -> list[CohortRecord]:
    """The cohorts the viewer manages: their own for educators, all for admins."""
    visible = policy.visible_cohorts(viewer, _taught(c, viewer))
    return store(c).listing(visible)


def cohort_by_name(c: Container, viewer: Principal | None, name: str) -> CohortRecord:
    """A cohort the viewer manages, by exact name (one answer for unknown and not yours)."""
    found = store(c).by_name(" ".join(name.split()))
    if found is None:
        raise LookupError(f"no cohort named {name!r} that you manage")
    try:
        _manage(c, viewer, found.id)
    except Forbidden as exc:
        raise LookupError(f"no cohort named {name!r} that you manage") from exc
    return found


def user_for_cohort(c: Container, viewer: Principal | None, cohort_id: int, email: str) -> int:
    """The id of the account with `email`, for someone who manages the cohort (to add or remove them)."""
    _manage(c, viewer, cohort_id)
    found = c.users.by_email(email) if email.strip() else None
    if found is None:
        raise LookupError("no account with that e-mail")
    return found.id


def members(c: Container, viewer: Principal | None, cohort_id: int) -> list[MemberRecord]:
    _manage(c, viewer, cohort_id)
    return store(c).members(cohort_id)


def create_invite(
    c: Container, viewer: Principal | None, cohort_id: int, days: float = DEFAULT_INVITE_DAYS, source: str = ""
) -> Invite:
    """A fresh join code and link for the cohort, valid for `days` (the code is shown once, stored hashed)."""
    who = _manage(c, viewer, cohort_id)
    if not 0 < days <= MAX_INVITE_DAYS:
        raise ValueError(f"an invite lasts more than 0 and at most {MAX_INVITE_DAYS} days")
    code = new_code()
    expires_at = datetime.now(UTC) + timedelta(days=days)
    store(c).add_invite(code_hash(code), cohort_id, policy.actor_id(who), expires_at)
    _audit(c, "invite_created", who, None, source, cohort_id=cohort_id, expires_at=expires_at.isoformat())
    return Invite(code, join_link(c, code), expires_at)


def invites(c: Container, viewer: Principal | None, cohort_id: int) -> list[InviteRecord]:
    _manage(c, viewer, cohort_id)
    return store(c).invites(cohort_id)


def revoke_invite(c: Container, viewer: Principal | None, cohort_id: int, invite_id: str, source: str = "") -> bool:
    """Revoke a code by its handle (`InviteRecord.id`); False if it was not live."""
    who = _manage(c, viewer, cohort_id)
    try:
        digest = bytes.fromhex(invite_id)
    except ValueError:
        return False
    done = store(c).revoke_invite(cohort_id, digest, datetime.now(UTC))
    if done:
        _audit(c, "invite_revoked", who, None, source, cohort_id=cohort_id)
    return done


def my_cohorts(c: Container, viewer: Principal | None) -> list[Membership]:
    """The viewer's own memberships (any role)."""
    who = policy.require(viewer)
    cohorts = store(c)
    roles = {cid: role for role in (LEARNER, EDUCATOR) for cid in cohorts.cohorts_of(who.id, role)}
    return [Membership(r.id, r.name, roles[r.id]) for r in cohorts.listing(list(roles))]


def join(c: Container, viewer: Principal | None, code: str, source: str = "") -> Membership:
    """A learner joins the cohort of a live code (joining twice changes nothing)."""
    who = policy.require(viewer, LEARNER)
    cohorts = store(c)
    cohort_id = cohorts.redeem(code_hash(code), datetime.now(UTC))
    if cohort_id is None:
        raise InvalidCodeError
    if cohorts.add_member_if_absent(cohort_id, who.id, LEARNER):
        _audit(c, "cohort_joined", who, who.id, source, cohort_id=cohort_id)
    found = cohorts.get(cohort_id)
    return Membership(cohort_id, found.name if found else "", LEARNER)


def leave(c: Container, viewer: Principal | None, cohort_id: int, source: str = "") -> bool:
    """A learner leaves one of their cohorts; False if they were not in it."""
    who = policy.require(viewer, LEARNER)
    done = store(c).remove_member(cohort_id, who.id, LEARNER)
    if done:
        _audit(c, "cohort_left", who, who.id, source, cohort_id=cohort_id)
    return done
