"""The educators' profile review queue, learners' review requests and re-runs of profiles with the LLM.

- `review_queue`: the viewer's learners (an educator: their cohorts' learners; an admin: all) whose latest
  profile was written by the rules with a fallback reason, or who asked for a review; requests first.
  Each entry has the reason, the rules' text and, where the LLM wrote a version (earlier, or refused now), its text.
- `request_review`: a learner asks (rate-limited, one open request per learner, asking again returns it).
- `resolve`: an educator closes a request with an outcome.
- `start_rerun` / `rerun_progress`: a re-run is a Prefect flow run of `analyze-profiles` with the LLM; the flow
  runs are started and read by a `FlowRuns` the caller passes (`dashboards.flow_runs`: this package never
  imports prefect). Every re-run is audited.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ai4d_core import policy
from ai4d_core.adapters.mongo_profile_review import MongoProfileReviewReader
from ai4d_core.adapters.sql.profile_review import Rerun, ReviewRequest, SqlProfileReviewStore
from ai4d_core.adapters.sql.tables_review import OUTCOMES
from ai4d_core.bootstrap import Container
from ai4d_core.domain.plain_text import without_control
from ai4d_core.policy import ADMIN, EDUCATOR, LEARNER, Forbidden, Principal
from ai4d_core.services import audit
from ai4d_core.services.cohorts import store as cohort_store
from ai4d_core.services.rate_limit import RateLimiter

MAX_NOTE = 500
MAX_RERUN = 5_000  # learners in one re-run
REQUESTS = RateLimiter(capacity=3, per_second=1 / 60)  # per learner: 3 at once, then one a minute
RERUNS = RateLimiter(capacity=5, per_second=1 / 60)  # per educator
NO_LLM = "No LLM is configured (AI4D_LLM_BASE_URL): a re-run would only write the rules' profile again."
NOTHING_TO_RERUN = "No profile of your learners needs a re-run."
TOO_MANY = "Too many requests: try again in a minute."
REFUSED_TEXT_KEY = "refused_llm_text"  # where the analysis may keep a refused LLM reply (plain text, capped)


class FlowRunsUnavailableError(RuntimeError):
    """The flow runner (Prefect API, deployment) cannot be reached; the message says so and is safe to show."""


@dataclass(frozen=True, slots=True)
class RunProgress:
    """A re-run as the flow runner reports it: its state and, when the flow reports it, the percent done."""

    state: str  # e.g. "Scheduled", "Running", "Completed", "Failed"
    final: bool
    ok: bool
    percent: float | None
    message: str = ""


class FlowRuns(Protocol):
    """Starts `analyze-profiles` runs and reads their progress (the Prefect client, outside `ai4d_core`)."""

    def start(self, learner_ids: Sequence[int]) -> uuid.UUID: ...

    def progress(self, run_id: uuid.UUID) -> RunProgress: ...


@dataclass(frozen=True, slots=True)
class TextSection:
    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class QueueEntry:
    learner_id: int
    display_name: str
    reason: str | None  # why the rules wrote the latest profile (None: asked for a review of an LLM profile)
    request: ReviewRequest | None
    version: int | None  # the latest profile version
    generated_at: str | None
    rules_text: tuple[TextSection, ...]
    llm_text: tuple[TextSection, ...]  # empty when the LLM never wrote a version
    llm_label: str  # "version 3 by gpt-4o-mini", "refused reply", or ""

    @property
    def requested(self) -> bool:
        return self.request is not None


def store(c: Container) -> SqlProfileReviewStore:
    return SqlProfileReviewStore(c.engine)


def _reader(c: Container) -> MongoProfileReviewReader:
    return MongoProfileReviewReader(c.mongo_db)


def _visible_learners(c: Container, viewer: Principal | None) -> dict[int, str]:
    """The learners whose profiles the viewer may review: an educator's cohorts' learners, every one for admins."""
    who = policy.require(viewer, EDUCATOR, ADMIN)
    taught = cohort_store(c).cohorts_of(who.id, EDUCATOR) if who.role == EDUCATOR else []
    visible = policy.visible_cohorts(who, taught)
    if visible is not None and not visible:
        return {}
    return store(c).learners(visible)


def profile_text(profile: dict[str, Any] | None) -> tuple[TextSection, ...]:
    """The text fields of a stored profile (any schema version), in reading order; plain strings, never markup."""
    if not profile:
        return ()

    def claims(key: str) -> tuple[str, ...]:
        return tuple(str(c.get("claim", "")) for c in profile.get(key) or [] if isinstance(c, dict))

    def step(s: Any) -> str:
        return str(s.get("text", "")) if isinstance(s, dict) else str(s)

    sections = [
        TextSection("Narrative", (str(profile.get("narrative") or ""),)),
        TextSection("Strengths", claims("strengths")),
        TextSection("Weaknesses", claims("weaknesses")),
        TextSection("Misconceptions", claims("misconceptions")),
        TextSection(
            "Learning path",
            tuple(f"{s.get('order', '')}. {s.get('objective', '')}" for s in profile.get("learning_path") or []),
        ),
        TextSection(
            "Timeline", tuple(f"Week {t.get('week', '')}: {t.get('focus', '')}" for t in profile.get("timeline") or [])
        ),
        TextSection("Next steps", tuple(step(s) for s in profile.get("next_steps") or [])),
    ]
    return tuple(s for s in sections if any(line.strip() for line in s.lines))


def _sides(
    c: Container, learner_id: int, latest: dict[str, Any] | None, llm_version: int | None
) -> tuple[tuple[TextSection, ...], tuple[TextSection, ...], str]:
    """(the rules' text, the LLM's text, what the LLM's text is): the latest version on its writer's side, and on
    the LLM's side of a rules profile the refused reply the analysis kept, else the newest version the LLM wrote."""
    provenance = (latest or {}).get("provenance") or {}
    if provenance.get("source") == "llm":
        assert latest is not None  # a provenance came from it
        return (), profile_text(latest), f"version {latest.get('version')} by {provenance.get('model') or 'the LLM'}"
    refused = (latest or {}).get(REFUSED_TEXT_KEY)
    if isinstance(refused, str) and refused.strip():
        return profile_text(latest), (TextSection("Refused reply", (refused,)),), "the LLM's refused reply"
    if llm_version is None:
        return profile_text(latest), (), ""
    earlier = _reader(c).version(learner_id, llm_version)
    model = ((earlier or {}).get("provenance") or {}).get("model") or "the LLM"
    return profile_text(latest), profile_text(earlier), f"version {llm_version} by {model}"


def review_queue(c: Container, viewer: Principal | None) -> list[QueueEntry]:
    """The viewer's learners with a fallback profile or an open request; requests first (oldest first), then
    fallbacks (newest profile first)."""
    learners = _visible_learners(c, viewer)
    if not learners:
        return []
    requests = {r.learner_id: r for r in store(c).open_requests(learners)}
    heads = _reader(c).heads(learners)
    entries = []
    for learner_id in learners:
        head = heads.get(learner_id)
        if learner_id not in requests and not (head and _fallback(head.provenance)):
            continue
        latest = head.latest if head else None
        provenance = (latest or {}).get("provenance") or {}
        rules_text, llm_text, llm_label = _sides(c, learner_id, latest, head.llm_version if head else None)
        entries.append(
            QueueEntry(
                learner_id=learner_id, display_name=learners[learner_id], reason=_fallback(provenance),
                request=requests.get(learner_id), version=head.version if head else None,
                generated_at=provenance.get("generated_at"), rules_text=rules_text, llm_text=llm_text,
                llm_label=llm_label,
            )
        )  # fmt: skip
    requested = sorted((e for e in entries if e.request), key=lambda e: (e.request.requested_at, e.learner_id))  # type: ignore[union-attr]
    fallbacks = sorted((e for e in entries if not e.request), key=lambda e: str(e.generated_at or ""), reverse=True)
    return [*requested, *fallbacks]


def _fallback(provenance: dict[str, Any]) -> str | None:
    """The fallback reason of a rules-written profile (None for an LLM profile or rules with no LLM asked)."""
    reason = provenance.get("fallback_reason")
    return str(reason) if provenance.get("source") == "rules" and reason else None


def clean_note(note: str) -> str:
    """A learner's note as plain text: control characters dropped, at most `MAX_NOTE` characters (else ValueError)."""
    text = without_control(note).strip()
    if len(text) > MAX_NOTE:
        raise ValueError(f"the note can have at most {MAX_NOTE} characters")
    return text


def request_review(c: Container, learner: Principal | None, note: str = "", source: str = "") -> ReviewRequest:
    """The learner asks an educator to review their profile; asking again while a request is open returns it."""
    who = policy.require(learner, LEARNER)
    text = clean_note(note)
    existing = store(c).open_request(who.id)
    if existing is not None:
        return existing
    if not REQUESTS.allow(who.id):
        raise ValueError(TOO_MANY)
    latest = c.profiles.latest(who.id)
    made, new = store(c).add_request(who.id, text, int(latest["version"]) if latest else None)
    if new:
        audit.record(
            c, "profile_review_requested", actor_id=who.id, target_id=who.id, source=source, request_id=made.id
        )
    return made


def my_request(c: Container, learner: Principal | None) -> ReviewRequest | None:
    """The learner's open review request, if any (for the profile page)."""
    return store(c).open_request(policy.require(learner, LEARNER).id)


def resolve(c: Container, educator: Principal | None, request_id: int, outcome: str, source: str = "") -> bool:
    """Close a request of one of the viewer's learners; False if it was closed already."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
    learners = _visible_learners(c, educator)
    request = store(c).get_request(request_id)
    if request is None or request.learner_id not in learners:
        raise Forbidden(policy.NOT_YOURS)
    assert educator is not None  # _visible_learners required it
    done = store(c).resolve(request_id, policy.actor_id(educator), outcome)
    if done:
        audit.record(
            c, "profile_review_resolved", actor_id=policy.actor_id(educator), target_id=request.learner_id,
            source=source, request_id=request_id, outcome=outcome,
        )  # fmt: skip
    return done


def start_rerun(
    c: Container, educator: Principal | None, learner_ids: Sequence[int] | None, runs: FlowRuns, source: str = ""
) -> uuid.UUID:
    """Start `analyze-profiles` with the LLM for these learners (None: every fallback profile in the viewer's
    queue); returns the flow run id. Learners outside the viewer's cohorts are refused."""
    learners = _visible_learners(c, educator)
    assert educator is not None
    if learner_ids is None:  # every fallback in the queue (a request for an LLM profile is re-run on its own)
        ids = [e.learner_id for e in review_queue(c, educator) if e.reason]
    else:
        ids = sorted(set(learner_ids))
        if any(i not in learners for i in ids):
            raise Forbidden(policy.NOT_YOURS)
    if c.settings.llm_base_url is None:
        raise ValueError(NO_LLM)
    if not ids:
        raise ValueError(NOTHING_TO_RERUN)
    if len(ids) > MAX_RERUN:
        raise ValueError(f"at most {MAX_RERUN} learners in one re-run")
    if not RERUNS.allow(educator.id):
        raise ValueError(TOO_MANY)
    run_id = runs.start(ids)
    by = policy.actor_id(educator)
    store(c).add_rerun(run_id, by, ids, {"all": learner_ids is None})
    audit.record(
        c, "profile_rerun_started", actor_id=by, target_id=ids[0] if len(ids) == 1 else None, source=source,
        flow_run_id=str(run_id), n_learners=len(ids), all_fallbacks=learner_ids is None,
    )  # fmt: skip
    return run_id


def _own_rerun(c: Container, viewer: Principal | None, run_id: uuid.UUID) -> Rerun:
    who = policy.require(viewer, EDUCATOR, ADMIN)
    rerun = store(c).get_rerun(run_id)
    if rerun is None or (who.role != ADMIN and rerun.started_by != who.id):
        raise Forbidden(policy.NOT_YOURS)
    return rerun


def rerun_progress(c: Container, viewer: Principal | None, run_id: uuid.UUID, runs: FlowRuns) -> RunProgress:
    """How far a re-run the viewer started has got (admins: any)."""
    _own_rerun(c, viewer, run_id)
    return runs.progress(run_id)


def latest_rerun(c: Container, viewer: Principal | None) -> Rerun | None:
    """The newest re-run the viewer started (a page reloaded mid-run picks it up again)."""
    who = policy.require(viewer, EDUCATOR, ADMIN)
    return store(c).latest_rerun(policy.actor_id(who))


def when(value: datetime | str | None) -> str:
    """A timestamp for the queue (UTC, minutes)."""
    if value is None:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return f"{moment:%Y-%m-%d %H:%M} UTC"


__all__ = [
    "MAX_NOTE",
    "FlowRuns",
    "FlowRunsUnavailableError",
    "QueueEntry",
    "Rerun",
    "ReviewRequest",
    "RunProgress",
    "TextSection",
    "clean_note",
    "latest_rerun",
    "my_request",
    "profile_text",
    "request_review",
    "rerun_progress",
    "resolve",
    "review_queue",
    "start_rerun",
    "when",
]
