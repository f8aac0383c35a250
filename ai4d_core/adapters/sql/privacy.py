"""Finding, exporting and erasing one person's rows in PostgreSQL (see `ai4d_core.privacy.registry`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    LargeBinary,
    Text,
    cast,
    delete,
    false,
    func,
    or_,
    select,
    text,
    union,
    update,
)

from ai4d_core.adapters.sql.tables import (
    Attempt,
    AuditEntry,
    AuthToken,
    Base,
    Cohort,
    CohortInvite,
    CohortMember,
    LoginAttempt,
    MailMessage,
    OutboxMessage,
    ProfileState,
    Response,
    ScoreSuggestion,
    Session,
    Submission,
    User,
)
from ai4d_core.adapters.sql.tables_gamification import BadgeAward, XpAward
from ai4d_core.adapters.sql.tables_grading import Grade
from ai4d_core.adapters.sql.tables_learner import LearnerSettingsRow, ProfileNotification
from ai4d_core.adapters.sql.tables_quiz import QuizAnswer, QuizSession
from ai4d_core.adapters.sql.tables_review import ProfileRerun, ProfileReviewRequest
from ai4d_core.privacy.subject import Subject

ERASED = "[erased]"


def _attempt_in(column: Any, s: Subject) -> ColumnElement[bool]:
    return column.in_(sorted(s.attempt_ids)) if s.attempt_ids else false()


def _audit_email(s: Subject) -> ColumnElement[bool]:
    return func.lower(cast(AuditEntry.detail, Text)).contains(s.email, autoescape=True)


WHERE: dict[str, Callable[[Subject], ColumnElement[bool]]] = {
    "users": lambda s: or_(User.id == s.id, func.lower(User.email) == s.email),
    "sessions": lambda s: Session.user_id == s.id,
    "login_attempts": lambda s: func.lower(func.trim(LoginAttempt.account)) == s.email,
    "auth_tokens": lambda s: AuthToken.user_id == s.id,
    "cohorts": lambda s: Cohort.created_by == s.id,
    "cohort_invites": lambda s: CohortInvite.created_by == s.id,
    "cohort_members": lambda s: CohortMember.user_id == s.id,
    "submissions": lambda s: or_(Submission.learner_id == s.id, _attempt_in(Submission.id, s)),
    "attempts": lambda s: or_(Attempt.learner_id == s.id, _attempt_in(Attempt.id, s)),
    "responses": lambda s: or_(Response.learner_id == s.id, _attempt_in(Response.attempt_id, s)),
    "score_suggestions": lambda s: _attempt_in(ScoreSuggestion.attempt_id, s),
    "grades": lambda s: or_(Grade.learner_id == s.id, Grade.grader_id == s.id),
    "quiz_sessions": lambda s: QuizSession.learner_id == s.id,
    "quiz_answers": lambda s: QuizAnswer.learner_id == s.id,
    "profile_state": lambda s: ProfileState.learner_id == s.id,
    "xp_awards": lambda s: XpAward.learner_id == s.id,
    "badge_awards": lambda s: BadgeAward.learner_id == s.id,
    "learner_settings": lambda s: LearnerSettingsRow.learner_id == s.id,
    "profile_notifications": lambda s: ProfileNotification.learner_id == s.id,
    "profile_review_requests": lambda s: or_(
        ProfileReviewRequest.learner_id == s.id, ProfileReviewRequest.resolved_by == s.id
    ),
    "profile_reruns": lambda s: ProfileRerun.started_by == s.id,
    "outbox": lambda s: OutboxMessage.payload["learner_id"].astext == str(s.id),
    "mail_outbox": lambda s: or_(MailMessage.user_id == s.id, func.lower(MailMessage.to_address) == s.email),
    "audit_log": lambda s: or_(AuditEntry.actor_id == s.id, AuditEntry.target_id == s.id, _audit_email(s)),
}

# Deleted in this order (children before parents); `users` goes last, then nothing is left to cascade.
DELETE_ORDER = (
    "xp_awards", "badge_awards",
    "score_suggestions", "responses", "attempts", "quiz_answers", "quiz_sessions", "submissions", "profile_state",
    "learner_settings", "profile_notifications", "profile_review_requests", "profile_reruns",
    "outbox", "mail_outbox", "sessions", "auth_tokens",
    "cohort_members", "login_attempts",
)  # fmt: skip


def find_user(engine: Engine, ident: int | str) -> tuple[int, str] | None:
    """(id, e-mail) of the user with this id or (case-insensitive) e-mail."""
    where = User.id == ident if isinstance(ident, int) else func.lower(User.email) == ident
    with engine.connect() as conn:
        row = conn.execute(select(User.id, User.email).where(where)).first()
    return (int(row[0]), str(row[1])) if row else None


def attempt_ids(engine: Engine, user_id: int) -> frozenset[uuid.UUID]:
    """Ids of every submission, attempt and response set of the user."""
    query = union(
        select(Submission.id).where(Submission.learner_id == user_id),
        select(Attempt.id).where(Attempt.learner_id == user_id),
        select(Response.attempt_id).where(Response.learner_id == user_id),
    )
    with engine.connect() as conn:
        return frozenset(row[0] for row in conn.execute(query))


def rows_of(conn: Connection, table: str, s: Subject) -> list[dict[str, Any]]:
    """The person's rows of `table`, every column but binary ones (token and code hashes) and password hashes."""
    t = Base.metadata.tables[table]
    columns = [c for c in t.columns if not isinstance(c.type, LargeBinary) and c.name != "password_hash"]
    order = list(t.primary_key.columns)
    rows = conn.execute(select(*columns).where(WHERE[table](s)).order_by(*order))
    return [dict(row._mapping) for row in rows]


def count_of(conn: Connection, table: str, s: Subject) -> int:
    t = Base.metadata.tables[table]
    return int(conn.execute(select(func.count()).select_from(t).where(WHERE[table](s))).scalar_one())


def erase_rows(conn: Connection, s: Subject) -> dict[str, int]:
    """Delete, clear or scrub every row of the person, in the caller's transaction; counts per table."""
    counts = {"grades": conn.execute(delete(Grade).where(Grade.learner_id == s.id)).rowcount}
    counts["grades"] += conn.execute(update(Grade).where(Grade.grader_id == s.id).values(grader_id=None)).rowcount
    resolved = update(ProfileReviewRequest).where(  # others' requests they resolved stay, without them
        ProfileReviewRequest.resolved_by == s.id, ProfileReviewRequest.learner_id != s.id
    )
    counts["profile_review_requests"] = conn.execute(resolved.values(resolved_by=None)).rowcount
    for table in DELETE_ORDER:
        t = Base.metadata.tables[table]
        counts[table] = counts.get(table, 0) + conn.execute(delete(t).where(WHERE[table](s))).rowcount
    for table, model in (("cohorts", Cohort), ("cohort_invites", CohortInvite)):
        counts[table] = conn.execute(update(model).where(WHERE[table](s)).values(created_by=None)).rowcount
    counts["audit_log"] = _scrub_audit(conn, s)
    counts["users"] = conn.execute(delete(User).where(WHERE["users"](s))).rowcount
    return counts


def _scrub_audit(conn: Connection, s: Subject) -> int:
    """Clear the person's ids (and their source address where they acted) and their e-mail inside details."""
    rows = conn.execute(select(AuditEntry.id, AuditEntry.detail).where(WHERE["audit_log"](s))).all()
    acted = update(AuditEntry).where(AuditEntry.actor_id == s.id).values(actor_id=None, source=None)
    conn.execute(acted)
    conn.execute(update(AuditEntry).where(AuditEntry.target_id == s.id).values(target_id=None))
    for entry_id, detail in rows:
        scrubbed = _without_email(detail, s.email)
        if scrubbed != detail:
            conn.execute(update(AuditEntry).where(AuditEntry.id == entry_id).values(detail=scrubbed))
    return len(rows)


def _without_email(value: Any, email: str) -> Any:
    if isinstance(value, dict):
        return {k: _without_email(v, email) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_email(v, email) for v in value]
    if isinstance(value, str) and email in value.lower():
        return ERASED
    return value


def live_user_columns(engine: Engine) -> list[tuple[str, str, bool]]:
    """(table, column, references users) for every column of the live public schema."""
    # Columns from information_schema; foreign keys from pg_constraint, which (unlike information_schema's
    # constraint views) shows them whoever owns the table.
    query = text("""
        select c.table_name, c.column_name, exists (
            select 1 from pg_constraint k
            join pg_attribute a on a.attrelid = k.conrelid and a.attnum = any (k.conkey)
            where k.contype = 'f' and k.confrelid = to_regclass('users')
              and k.conrelid = to_regclass(quote_ident(c.table_name)) and a.attname = c.column_name
        ) as refs_users
        from information_schema.columns c
        where c.table_schema = current_schema()
        order by 1, 2""")
    with engine.connect() as conn:
        return [(str(t), str(col), bool(refs)) for t, col, refs in conn.execute(query)]


__all__ = [
    "DELETE_ORDER",
    "WHERE",
    "attempt_ids",
    "count_of",
    "erase_rows",
    "find_user",
    "live_user_columns",
    "rows_of",
]
