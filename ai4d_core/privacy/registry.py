"""Every store and column of AI4D that holds personal data, and how export and erasure treat it.

A test fails when a PostgreSQL table (models and live schema), a MongoDB collection or a warehouse table
holds a user reference that is not registered here, so a new store cannot slip past export and erasure.

Keys: how a store's rows are found for one person -
``id`` (the user id in `user_column`), ``email`` (their address, case-insensitive), ``attempt`` (the ids of
their submissions and attempts), ``payload`` (the id inside a JSON document), ``pseudonym`` (the warehouse's
salted pseudonym of the id) and ``text`` (the e-mail anywhere in a line or message).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

Key = Literal["id", "email", "attempt", "payload", "pseudonym", "text"]


class StoreKind(StrEnum):
    POSTGRESQL = "postgresql"
    MONGODB = "mongodb"
    WAREHOUSE = "warehouse"
    FILES = "files"


class Erasure(StrEnum):
    DELETE = "delete"  # the person's rows are deleted
    SET_NULL = "set null"  # the row stays (it is not theirs alone); the reference to them is cleared
    SCRUB = "scrub"  # the row stays; ids, their source address and their e-mail inside it are cleared
    REBUILD = "rebuild"  # the store is rebuilt from PostgreSQL after the deletions
    REDACT = "redact"  # the e-mail is replaced by "[erased]" in place


@dataclass(frozen=True, slots=True)
class PersonalStore:
    """One store (table, collection, warehouse table or file set) holding personal data."""

    kind: StoreKind
    name: str
    user_columns: tuple[str, ...]  # the columns or fields that identify the person
    key: Key
    holds: str  # what personal data is there
    export: str  # what the export includes
    erasure: Erasure
    erase: str  # what erasure does

    @property
    def ref(self) -> str:
        """The store's name in exports, erasure counts and scans: `<kind>.<name>`."""
        return f"{self.kind.value}.{self.name}"


def _pg(name: str, cols: tuple[str, ...], key: Key, holds: str, export: str, how: Erasure, erase: str) -> PersonalStore:
    return PersonalStore(StoreKind.POSTGRESQL, name, cols, key, holds, export, how, erase)


_ALL_BUT_HASHES = "every column except hashes"
POSTGRESQL: tuple[PersonalStore, ...] = (
    _pg("users", ("id", "email"), "id",
        "e-mail, display name, role, password hash, status, sign-up answers (field, role, goal, hours a week)",
        "every column except password_hash", Erasure.DELETE, "deleted last; its foreign keys cascade"),
    _pg("sessions", ("user_id",), "id", "login sessions: token hash and times",
        "times only (no token hash)", Erasure.DELETE, "deleted"),
    _pg("login_attempts", ("account",), "email", "the e-mail typed at login, source address, outcome, device id",
        "time, source, outcome, throttled", Erasure.DELETE, "deleted by account e-mail (no foreign key)"),
    _pg("auth_tokens", ("user_id",), "id", "verification and reset tokens (hashed) and their times",
        "purpose and times only", Erasure.DELETE, "deleted"),
    _pg("cohorts", ("created_by",), "id", "who created a cohort",
        "id and name of the cohorts they created", Erasure.SET_NULL, "created_by set to NULL"),
    _pg("cohort_invites", ("created_by",), "id", "who created a join code",
        "cohort, times and uses of their codes (no code hash)", Erasure.SET_NULL, "created_by set to NULL"),
    _pg("cohort_members", ("user_id",), "id", "cohort memberships and role in them",
        _ALL_BUT_HASHES, Erasure.DELETE, "deleted"),
    _pg("submissions", ("learner_id",), "id", "raw submitted payloads (their answers), status and reason",
        _ALL_BUT_HASHES, Erasure.DELETE, "deleted"),
    _pg("attempts", ("learner_id",), "id", "scored quiz attempts", _ALL_BUT_HASHES, Erasure.DELETE, "deleted"),
    _pg("responses", ("learner_id",), "id", "every scored answer (answer text)",
        _ALL_BUT_HASHES, Erasure.DELETE, "deleted by learner_id (no foreign key)"),
    _pg("score_suggestions", ("attempt_id",), "attempt", "LLM score suggestions and comments on their open answers",
        _ALL_BUT_HASHES, Erasure.DELETE, "deleted by their attempt ids (no foreign key)"),
    _pg("grades", ("learner_id", "grader_id"), "id", "educators' grades and comments of their open responses, and "
        "the grades they gave as an educator", "every column; a grader other than them shown as 'another account'",
        Erasure.DELETE, "grades of their answers deleted; in grades they gave, grader_id set to NULL"),
    _pg("quiz_sessions", ("learner_id",), "id", "their quizzes: mode, topics, adaptive state (answers' scores, "
        "ability estimates), the question shown, status and times", _ALL_BUT_HASHES, Erasure.DELETE, "deleted"),
    _pg("quiz_answers", ("learner_id",), "id", "every answer of their quizzes: what they typed, the order shown, "
        "score and feedback", _ALL_BUT_HASHES, Erasure.DELETE, "deleted"),
    _pg("profile_state", ("learner_id",), "id", "how far profile analysis has got",
        _ALL_BUT_HASHES, Erasure.DELETE, "deleted"),
    _pg("xp_awards", ("learner_id",), "id", "the XP each item earned them: score, difficulty, the answer it came "
        "from and when", _ALL_BUT_HASHES, Erasure.DELETE, "deleted"),
    _pg("badge_awards", ("learner_id",), "id", "their badges and the evidence that earned them (item ids, quiz ids, "
        "dates)", _ALL_BUT_HASHES, Erasure.DELETE, "deleted"),
    _pg("learner_settings", ("learner_id",), "id", "their time zone, leaderboard and e-mail opt-ins, and their "
        "leaderboard pseudonym", _ALL_BUT_HASHES, Erasure.DELETE, "deleted"),
    _pg("profile_review_requests", ("learner_id", "resolved_by"), "id", "their requests for a review of their "
        "profile (with their note), and the requests they resolved as an educator",
        "every column; a resolver other than them shown as 'another account'", Erasure.DELETE,
        "their requests deleted; in requests they resolved, resolved_by set to NULL"),
    _pg("profile_reruns", ("started_by",), "id", "profile re-runs they started as an educator (flow run id, count)",
        _ALL_BUT_HASHES, Erasure.DELETE, "deleted"),
    _pg("profile_notifications", ("learner_id",), "id", "which profile versions they were e-mailed about, and when",
        _ALL_BUT_HASHES, Erasure.DELETE, "deleted"),
    _pg("outbox", ("payload.learner_id",), "payload", "profiles waiting to reach MongoDB",
        _ALL_BUT_HASHES, Erasure.DELETE, "deleted (so no profile of theirs is delivered again)"),
    _pg("mail_outbox", ("user_id", "to_address"), "id", "e-mails to them: address, subject, bodies",
        "every column; random link tokens in the bodies replaced by [redacted]", Erasure.DELETE,
        "deleted by user id or recipient address"),
    _pg("audit_log", ("actor_id", "target_id"), "id", "security events they did or underwent, source address",
        "their entries; other people shown as 'another account'", Erasure.SCRUB,
        "actor_id and target_id set to NULL, source cleared where they acted, their e-mail in detail replaced"),
)  # fmt: skip

MONGODB: tuple[PersonalStore, ...] = (
    PersonalStore(StoreKind.MONGODB, "profiles", ("learner_id",), "id",
                  "learning profiles: levels, strengths, weaknesses, misconceptions, path, narrative",
                  "every document (without _id)", Erasure.DELETE, "deleted"),
    PersonalStore(StoreKind.MONGODB, "activity", ("learner_id",), "id", "the learner's event history",
                  "every document (without _id)", Erasure.DELETE, "deleted"),
)  # fmt: skip

WAREHOUSE: tuple[PersonalStore, ...] = tuple(
    PersonalStore(StoreKind.WAREHOUSE, name, ("learner",), "pseudonym", holds,
                  "their rows (found by their pseudonym)", Erasure.REBUILD,
                  "the warehouse is rebuilt from PostgreSQL without them")
    for name, holds in (
        ("fact_responses", "scores per answer under a salted pseudonym"),
        ("dim_memberships", "cohort memberships under a salted pseudonym"),
        ("agg_learner_topic", "mean score and mastery per topic under a salted pseudonym"),
    )
)  # fmt: skip

FILES: tuple[PersonalStore, ...] = (
    PersonalStore(StoreKind.FILES, "logs", ("text",), "text",
                  "var/log/*.log: service output. postgres.log may quote key values (an e-mail in a unique-key "
                  "error); panel.log has Tornado access lines (time, path, client address, no cookie); "
                  "smtp.log, mongo.log, prefect-*.log and demo-flows.log hold service and flow messages "
                  "(counts, ids, exception types; never passwords, tokens or answers)",
                  "lines that contain their e-mail", Erasure.REDACT,
                  "their e-mail replaced by [erased] in every log file; access lines carry no account"),
    PersonalStore(StoreKind.FILES, "mail_sink", ("To",), "text",
                  "var/mail: the development SMTP sink's Maildir (copies of every e-mail sent)",
                  "headers and text of messages to them, link tokens redacted", Erasure.DELETE,
                  "their messages are deleted from the Maildir"),
)  # fmt: skip

REGISTRY: tuple[PersonalStore, ...] = POSTGRESQL + MONGODB + WAREHOUSE + FILES

# Tables with no personal data, each with the reason: every table must be in one list or the other.
NOT_PERSONAL: dict[str, str] = {
    "items": "question bank versions; no author column",
    "ingest_ledger": "batch ids and counts only",
    "llm_cache": "LLM answers keyed by a prompt hash; prompts carry no names, e-mails or ids (DESIGN §7)",
    "generation_rejections": "rejected LLM-generated items",
    "calibration_runs": "when the bank was calibrated, with which model, on how many responses (counts only)",
    "item_calibrations": "per item version: IRT estimates, option statistics and promotion decisions (aggregates)",
    "activity_relay": "how far the activity relay has read each source table (a time and a count per source)",
    "alembic_version": "the schema version",
}
WAREHOUSE_NOT_PERSONAL: dict[str, str] = {
    "dim_items": "items",
    "agg_cohort_topic": "aggregates over cohorts, no per-learner row",
}

# Column and field names that reference a person (plus any foreign key to users).
USER_REFERENCE = re.compile(r"(^|_)(user|learner|actor|target)(_id)?$|^created_by$|^account$|(^|_)e?mail$|_address$")


def by_ref() -> dict[str, PersonalStore]:
    return {store.ref: store for store in REGISTRY}


def registered_columns(kind: StoreKind) -> set[tuple[str, str]]:
    """(store name, column) pairs registered for `kind`."""
    return {(s.name, col) for s in REGISTRY if s.kind is kind for col in s.user_columns}


def of_kind(kind: StoreKind) -> tuple[PersonalStore, ...]:
    return tuple(s for s in REGISTRY if s.kind is kind)


__all__ = [
    "MONGODB",
    "NOT_PERSONAL",
    "POSTGRESQL",
    "REGISTRY",
    "USER_REFERENCE",
    "WAREHOUSE",
    "WAREHOUSE_NOT_PERSONAL",
    "Erasure",
    "PersonalStore",
    "StoreKind",
    "by_ref",
    "of_kind",
    "registered_columns",
]
