"""Privacy requests: export everything about a user, or erase them from every store (DESIGN §8).

The operator (CLI, as `policy.CLI`) or an admin may act for anyone; a learner only for themself, from their
page, and erasing their own account needs their e-mail or password typed as confirmation. Exports and
erasures are audited; the erasure's entry holds a random reference and counts, never an id or an e-mail.
"""

from __future__ import annotations

import hmac
from typing import Any

from ai4d_core import policy
from ai4d_core.adapters.sql import privacy as sql
from ai4d_core.bootstrap import Container
from ai4d_core.policy import Principal
from ai4d_core.privacy.erase import ErasureReport, erase_subject
from ai4d_core.privacy.export import export_subject, to_json
from ai4d_core.privacy.scan import scan_subject
from ai4d_core.privacy.subject import PrivacyError, Subject, parse_identifier, warehouse_pseudonym
from ai4d_core.security.passwords import verify_password
from ai4d_core.services import audit

NO_SUCH_USER = "no such user"
CONFIRM_MISMATCH = "That is neither your e-mail address nor your password; nothing was deleted."
LEARNERS_ONLY = "Only learner accounts can be deleted from this page; ask an administrator."


def resolve(c: Container, identifier: str | int) -> Subject:
    """The user with this id or e-mail, with every key their data is found by; `PrivacyError` if none."""
    ident = identifier if isinstance(identifier, int) else parse_identifier(identifier)
    found = sql.find_user(c.engine, ident)
    if found is None:
        raise PrivacyError(NO_SUCH_USER)
    user_id, email = found
    salt = c.settings.pseudonym_salt.get_secret_value()
    return Subject(user_id, email.lower(), warehouse_pseudonym(user_id, salt), sql.attempt_ids(c.engine, user_id))


def export_user(
    c: Container, identifier: str | int, viewer: Principal = policy.CLI, source: str | None = "cli"
) -> dict[str, Any]:
    """Everything about the user, one entry per registered store; audited as `data_exported`."""
    s = resolve(c, identifier)
    policy.require_self(viewer, s.id)
    document = export_subject(c, s)
    audit.record(c, "data_exported", actor_id=policy.actor_id(viewer), target_id=s.id, source=source)
    return document


def export_json(c: Container, identifier: str | int, viewer: Principal = policy.CLI, source: str | None = "cli") -> str:
    return to_json(export_user(c, identifier, viewer, source))


def scan_user(c: Container, identifier: str | int) -> dict[str, int]:
    """What each registered store holds of the user (for the operator, before an erasure)."""
    return scan_subject(c, resolve(c, identifier))


def erase_user(
    c: Container, identifier: str | int, viewer: Principal = policy.CLI, source: str | None = "cli"
) -> ErasureReport:
    """Remove the user from every store and rebuild the warehouse without them."""
    s = resolve(c, identifier)
    policy.require_self(viewer, s.id)
    self_service = viewer is not policy.CLI and viewer.id == s.id
    # The person's own address is personal data: their self-service entry records no source.
    actor = None if self_service else policy.actor_id(viewer)
    return erase_subject(c, s, actor_id=actor, source=None if self_service else source)


def confirms(c: Container, user_id: int, typed: str) -> bool:
    """Whether `typed` is the user's e-mail (any case) or their password."""
    user = c.users.get(user_id)
    if user is None or not typed or len(typed) > 1024:
        return False
    if hmac.compare_digest(typed.strip().lower().encode(), user.email.lower().encode()):
        return True
    return verify_password(typed, user.password_hash)


def erase_own_account(c: Container, viewer: Principal, typed: str) -> ErasureReport:
    """A learner deleting their own account from their page, confirmed by their e-mail or password."""
    who = policy.require(viewer)
    if who.role != policy.LEARNER:
        raise PrivacyError(LEARNERS_ONLY)
    if not confirms(c, who.id, typed):
        raise PrivacyError(CONFIRM_MISMATCH)
    return erase_user(c, who.id, who, source=None)


__all__ = [
    "CONFIRM_MISMATCH",
    "LEARNERS_ONLY",
    "NO_SUCH_USER",
    "ErasureReport",
    "PrivacyError",
    "confirms",
    "erase_own_account",
    "erase_user",
    "export_json",
    "export_user",
    "resolve",
    "scan_user",
]
