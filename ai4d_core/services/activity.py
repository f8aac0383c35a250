"""The activity relay: learner facts in PostgreSQL (quizzes started, answers, profile versions delivered, badges,
grades) become events in MongoDB `activity`, and a delivered profile queues its opt-in e-mail.

Each source is read in pages after its watermark (less `LOOKBACK`, for transactions that commit late); a page
is upserted into MongoDB, then its notifications and the new watermark are committed in one PostgreSQL
transaction. Re-running never duplicates (events are upserted by id, notifications claimed once per version),
and a failure leaves the watermark where it was, so the next run reads that page again and nothing is lost.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ai4d_core import policy
from ai4d_core.adapters.sql import activity as sql
from ai4d_core.bootstrap import Container
from ai4d_core.domain.activity import ActivityEvent
from ai4d_core.services import profile_ready

log = logging.getLogger("ai4d.activity")

LOOKBACK = timedelta(minutes=10)  # far longer than any transaction that writes a source row
PAGE = 1000


class RelayError(RuntimeError):
    """Some sources could not be relayed (their watermarks stayed; the next run retries them)."""


@dataclass(frozen=True, slots=True)
class RelayReport:
    events: int  # new events stored in MongoDB
    notifications: int  # "profile ready" e-mails queued
    per_source: dict[str, int]
    skipped: tuple[str, ...] = ()  # sources whose table is not in the schema
    failed: tuple[str, ...] = ()

    def __str__(self) -> str:
        text = f"{self.events} new activity event(s), {self.notifications} profile-ready e-mail(s) queued"
        if self.skipped:
            text += f"; not installed: {', '.join(self.skipped)}"
        return text + (f"; FAILED: {', '.join(self.failed)}" if self.failed else "")


def relay(c: Container, page: int = PAGE) -> RelayReport:
    """Relay every installed source; one source's failure does not stop the others (it is reported)."""
    per_source: dict[str, int] = {}
    notified = 0
    skipped, failed = [], []
    with c.engine.connect() as conn:
        ready = {s.kind for s in sql.SOURCES if sql.installed(conn, s)}
    for source in sql.SOURCES:
        if source.kind not in ready:
            skipped.append(source.kind)
            continue
        try:
            per_source[source.kind], queued = _relay_source(c, source, page)
        except Exception:
            log.exception("activity relay of %s failed; its watermark stays", source.kind)
            failed.append(source.kind)
            continue
        notified += queued
    return RelayReport(sum(per_source.values()), notified, per_source, tuple(skipped), tuple(failed))


def relay_activity(c: Container) -> int:
    """Relay new facts; returns how many events were new. `RelayError` after the others if a source failed."""
    report = relay(c)
    if report.failed:
        raise RelayError(str(report))
    return report.events


def _relay_source(c: Container, source: sql.Source, page: int) -> tuple[int, int]:
    with c.engine.connect() as conn:
        mark = sql.watermark(conn, source.kind)
    since = mark - LOOKBACK if mark is not None else None
    after: tuple[datetime, str] | None = None
    new = queued = 0
    while True:
        with c.engine.connect() as conn:
            facts = sql.read_page(conn, source, since, after, page)
        if not facts:
            break
        events = [f.event for f in facts]
        stored = c.activity.upsert(events)
        drop_erased(c, {e.learner_id for e in events})
        with c.engine.begin() as conn:
            if source.kind == "profile_written":
                queued += profile_ready.queue(c, conn, events, datetime.now(UTC))
            sql.advance(conn, source.kind, facts[-1].ts, stored)
        new += stored
        after = (facts[-1].ts, facts[-1].event.key)
        if len(facts) < page:
            break
    return new, queued


def drop_erased(c: Container, learner_ids: set[int]) -> int:
    """Remove the events just stored of learners erased meanwhile. An erasure deletes their documents before and
    after its PostgreSQL transaction; events read before it and stored after both are caught here, because
    this check runs after they were stored."""
    with c.engine.connect() as conn:
        gone = sql.missing_learners(conn, learner_ids)
    return sum(c.activity.delete_learner(learner_id) for learner_id in sorted(gone))


def recent(c: Container, viewer: policy.Principal | None, limit: int = 50) -> list[ActivityEvent]:
    """The viewer's own latest events, newest first (anonymous: `Forbidden`)."""
    return c.activity.recent(policy.require(viewer).id, limit)


__all__ = ["LOOKBACK", "PAGE", "RelayError", "RelayReport", "drop_erased", "recent", "relay", "relay_activity"]
