"""Profile analysis in batches: the rules' profile of each due learner, its text rewritten by the LLM when one
is configured (checked against the rules, else the rules' profile with the reason), delivered to MongoDB
through the outbox (so a crash between the two stores loses nothing and duplicates nothing).

Fallback reasons (`provenance.fallback_reason`): None when the rules were asked for (`use_llm=False`);
"llm: not configured" when an LLM was asked for and none is set (AI4D_LLM_BASE_URL unset), so the review queue
lists those profiles for a re-run once one is; "llm: <error>" when the call failed after the client's retries
(timeout, rate_limited, http_500, connection, ...); "llm: refused: <why>" when the validator refused the reply.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection

from ai4d_core.adapters.sql import analysis as sql
from ai4d_core.adapters.sql import profile_inputs
from ai4d_core.bootstrap import Container
from ai4d_core.domain import profile_check
from ai4d_core.domain.plain_text import without_control
from ai4d_core.domain.profile import REFUSED_TEXT_MAX, Profile
from ai4d_core.domain.profile_rules import analyze
from ai4d_core.llm import profile_prompt as prompt
from ai4d_core.llm.client import ChatRequest, ChatResult, LlmClient

CHUNK = 200  # learners read, written by the LLM (concurrently) and saved per round
NOT_CONFIGURED = "llm: not configured"
MAX_REASON_CHARS = 300
Progress = Callable[["WriteReport", int], None]  # (counts so far, learners in the run)


@dataclass(frozen=True, slots=True)
class ProfileJob:
    """One learner's rules profile and what the prompt says besides it."""

    rules: Profile
    data: prompt.PromptData = prompt.NO_DATA


@dataclass(slots=True)
class WriteReport:
    written: int = 0
    skipped: int = 0  # another run wrote that version first
    llm: int = 0  # written with the LLM's checked text
    fallback: int = 0  # written by the rules, with a reason
    reasons: Counter[str] = field(default_factory=Counter)

    def __str__(self) -> str:
        why = "; ".join(f"{n} {reason}" for reason, n in self.reasons.most_common())
        return (
            f"{self.written} profile(s) written ({self.llm} by the LLM, checked; {self.fallback} by the rules as "
            f"fallback{': ' + why if why else ''}), {self.skipped} skipped (raced)"
        )


@dataclass(frozen=True, slots=True)
class AnalysisReport:
    analyzed: int
    skipped: int
    delivered: int
    failed: int
    llm: int = 0
    fallback: int = 0
    reasons: Mapping[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        why = "; ".join(f"{n} {reason}" for reason, n in sorted(self.reasons.items(), key=lambda kv: -kv[1]))
        return (
            f"{self.analyzed} profile(s) written ({self.llm} by the LLM, {self.fallback} fallback"
            f"{': ' + why if why else ''}), {self.skipped} skipped (raced), "
            f"{self.delivered} delivered to MongoDB, {self.failed} delivery failure(s)"
        )


def analyze_due(
    c: Container,
    limit: int | None = None,
    *,
    learner_ids: Sequence[int] | None = None,
    use_llm: bool = True,
    progress: Progress | None = None,
) -> WriteReport:
    """Write a new profile version for every due learner (or for `learner_ids`, due or not)."""
    now = datetime.now(UTC)
    if learner_ids is None:
        due = sql.due_learners(c.engine, limit)
    else:
        due = profile_inputs.learners(c.engine, learner_ids)[:limit]
    llm = c.llm if use_llm else None
    off = NOT_CONFIGURED if use_llm and llm is None else None
    report = WriteReport()
    for start in range(0, len(due), CHUNK):
        chunk = due[start : start + CHUNK]
        with c.engine.connect() as conn:
            jobs = [_job(conn, learner, now) for learner in chunk]
        for learner, profile in zip(chunk, write_texts(llm, jobs, off), strict=True):
            with c.engine.begin() as conn:
                saved = sql.save_profile(conn, learner, profile.model_dump(mode="json"))
            _count(report, profile, saved)
        if progress:
            progress(report, len(due))
    return report


def _job(conn: Connection, learner: sql.DueLearner, now: datetime) -> ProfileJob:
    context = sql.learner_context(conn, learner.learner_id)
    rules = analyze(learner.learner_id, learner.last_version + 1, sql.evidence_of(conn, learner.learner_id), now,
                    context)  # fmt: skip
    return ProfileJob(rules, prompt.PromptData(tuple(profile_inputs.answers_of(conn, learner.learner_id)), context))


def _count(report: WriteReport, profile: Profile, saved: bool) -> None:
    if not saved:
        report.skipped += 1
        return
    report.written += 1
    if profile.provenance.source == "llm":
        report.llm += 1
    elif reason := profile.provenance.fallback_reason:
        report.fallback += 1
        report.reasons[reason_kind(reason)] += 1


def reason_kind(reason: str) -> str:
    """The reason without a refusal's particulars ("llm: refused: resource ..." -> "llm: refused"), for counts."""
    return "llm: refused" if reason.startswith("llm: refused") else reason


def write_texts(llm: LlmClient | None, jobs: Sequence[ProfileJob], off: str | None = NOT_CONFIGURED) -> list[Profile]:
    """Each job's final profile: the LLM's checked text on the rules' profile, or the rules' with the reason.

    One batch through `LlmClient.complete_many` (cached, `concurrency` at a time); each learner is isolated:
    a failed call, a refusal or an error in one learner's prompt or check never touches the others.
    """
    if llm is None:
        return [fallback(j.rules, off) for j in jobs]
    with _collector_paused():
        requests: list[ChatRequest | None] = [_request(j) for j in jobs]
    asked = [r for r in requests if r is not None]
    try:
        answers = iter(llm.complete_many(asked))
    except Exception as exc:  # the client never raises for a call; this is its cache (the database) failing
        return [fallback(j.rules, f"llm: {type(exc).__name__}") for j in jobs]
    with _collector_paused():
        return list(_merged(llm.model, jobs, requests, answers))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Prompts and profiles are many small objects, none in a cycle: the cyclic collector would rescan the whole
    heap again and again while they are built (a cached batch took 0.4 to 2.3 s by when it ran), so it pauses."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _merged(
    model: str, jobs: Sequence[ProfileJob], requests: Sequence[ChatRequest | None], answers: Iterator[ChatResult]
) -> Iterator[Profile]:
    for job, request in zip(jobs, requests, strict=True):
        if request is None:
            yield fallback(job.rules, "llm: the prompt could not be built")
            continue
        result = next(answers)
        if result.error:
            yield fallback(job.rules, f"llm: {result.error}")
            continue
        try:
            yield profile_check.merge(
                job.rules, result.content, model=model, prompt_version=prompt.PROMPT_VERSION, data=job.data
            )
        except profile_check.ProfileRefused as exc:
            yield fallback(job.rules, f"llm: refused: {exc}", refused_text=result.content)
        except Exception as exc:  # a bug in the check must not cost the batch: this learner falls back
            yield fallback(job.rules, f"llm: refused: the check failed ({type(exc).__name__})")


def _request(job: ProfileJob) -> ChatRequest | None:
    try:
        messages = prompt.messages(job.rules, job.data)
    except Exception:  # one learner's odd data never stops the batch
        return None
    return ChatRequest(messages, prompt.SCHEMA_NAME, prompt.schema(), prompt.PROMPT_VERSION)


def fallback(rules: Profile, reason: str | None, *, refused_text: str | None = None) -> Profile:
    """The rules' profile, with why the LLM's text is not in it (None: the rules were asked for) and, for a
    refused reply, that reply as plain text for the review queue (control characters dropped, cut to a cap)."""
    if reason is None:
        return rules
    provenance = rules.provenance.model_copy(update={"fallback_reason": _cut(reason, MAX_REASON_CHARS)})
    kept = without_control(refused_text or "").strip()
    return rules.model_copy(
        update={"provenance": provenance, "refused_llm_text": _cut(kept, REFUSED_TEXT_MAX) if kept else None}
    )


def _cut(text: str, cap: int) -> str:
    return text if len(text) <= cap else text[: cap - 1] + "\N{HORIZONTAL ELLIPSIS}"


def relay_outbox(c: Container, batch: int = 500) -> tuple[int, int]:
    """Deliver queued profiles to MongoDB (idempotent upserts); returns (delivered, failed)."""
    delivered = failed = 0
    while messages := sql.undelivered(c.engine, "profile", batch):
        done = []
        for message_id, payload in messages:
            try:
                c.profiles.put(payload)
            except Exception as exc:  # recorded on the message, retried next run
                sql.mark_failed(c.engine, message_id, repr(exc))
                failed += 1
                continue
            done.append(message_id)
        if done:
            sql.mark_delivered(c.engine, done)
        delivered += len(done)
        if failed:
            break
    return delivered, failed


def analyze_profiles(
    c: Container, limit: int | None = None, *, learner_ids: Sequence[int] | None = None, use_llm: bool = True
) -> AnalysisReport:
    written = analyze_due(c, limit, learner_ids=learner_ids, use_llm=use_llm)
    delivered, failed = relay_outbox(c)
    return AnalysisReport(written.written, written.skipped, delivered, failed, written.llm, written.fallback,
                          dict(written.reasons))  # fmt: skip
