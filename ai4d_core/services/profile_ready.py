"""The opt-in "your profile is ready" e-mail, queued in the mail outbox when a new profile version reaches
MongoDB (the activity relay's `profile_written` events), at most once per (learner, version).

Only learners who turned it on in their settings get it, only at a verified address of an active account, only
for the newest version they have (never for an older one), and only while the version is fresh: a learner
who opts in later is not sent mail about old profiles. The mail holds a link to their page and nothing of the
profile.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Connection

from ai4d_core.adapters.sql import notifications as sql
from ai4d_core.bootstrap import Container
from ai4d_core.domain.activity import ActivityEvent
from ai4d_core.services.mail import enqueue_mail

TEMPLATE = "profile_ready"
FRESH_FOR = timedelta(days=1)  # a profile delivered longer ago than this is not announced
PROFILE_PATH = "/learner?section=profile"


def profile_link(c: Container) -> str:
    return c.settings.public_url.rstrip("/") + PROFILE_PATH


def queue(c: Container, conn: Connection, events: Iterable[ActivityEvent], now: datetime) -> int:
    """Queue the e-mail, in `conn`'s transaction, for the newest fresh version of each opted-in learner among
    `events`; returns how many were queued (0 when every one was queued before)."""
    newest: dict[int, int] = {}
    for e in events:
        if e.kind == "profile_written" and now - e.at <= FRESH_FOR and isinstance(e.data.get("version"), int):
            newest[e.learner_id] = max(newest.get(e.learner_id, 0), int(e.data["version"]))
    if not newest:
        return 0
    queued = 0
    for learner_id, email, name in sql.recipients(conn, newest):
        version = newest[learner_id]
        if not sql.claim(conn, learner_id, version):
            continue  # queued by an earlier run (or by a relay running at the same time)
        mail_id = enqueue_mail(c, TEMPLATE, email, learner_id, conn=conn, link=profile_link(c), display_name=name)
        sql.record_mail(conn, learner_id, version, mail_id)
        queued += 1
    return queued


__all__ = ["FRESH_FOR", "PROFILE_PATH", "TEMPLATE", "profile_link", "queue"]
