"""The "profile ready" notifications in PostgreSQL: who may be told, and the one claim per (learner, version)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ai4d_core.adapters.sql.tables import User
from ai4d_core.adapters.sql.tables_learner import LearnerSettingsRow, ProfileNotification


def recipients(conn: Connection, newest: Mapping[int, int]) -> list[tuple[int, str, str]]:
    """(id, e-mail, display name) of the learners of `newest` (learner: version) who turned the e-mail on, with an
    active account and a verified address, not yet told of that version or a newer one."""
    told = (
        select(ProfileNotification.learner_id, func.max(ProfileNotification.version))
        .where(ProfileNotification.learner_id.in_(sorted(newest)))
        .group_by(ProfileNotification.learner_id)
    )
    already = {int(i): int(v) for i, v in conn.execute(told)}
    rows = conn.execute(
        select(User.id, User.email, User.display_name)
        .join(LearnerSettingsRow, LearnerSettingsRow.learner_id == User.id)
        .where(
            User.id.in_(sorted(newest)),
            LearnerSettingsRow.notify_profile_ready.is_(True),
            User.is_active.is_(True),
            User.email_verified_at.is_not(None),
        )
        .order_by(User.id)
    )
    return [(int(i), str(e), str(n)) for i, e, n in rows if already.get(int(i), 0) < newest[int(i)]]


def claim(conn: Connection, learner_id: int, version: int) -> bool:
    """Reserve the notification of (learner, version); False if it was reserved before (by any run)."""
    row = conn.execute(
        pg_insert(ProfileNotification)
        .values(learner_id=learner_id, version=version)
        .on_conflict_do_nothing()
        .returning(ProfileNotification.learner_id)
    ).first()
    return row is not None


def record_mail(conn: Connection, learner_id: int, version: int, mail_id: int) -> None:
    conn.execute(
        update(ProfileNotification)
        .where(ProfileNotification.learner_id == learner_id, ProfileNotification.version == version)
        .values(mail_id=mail_id)
    )


__all__ = ["claim", "recipients", "record_mail"]
