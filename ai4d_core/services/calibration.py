"""Calibrating the item bank (the `calibrate-items` flow, nightly): estimate, decide, store every decision.

What is calibrated: the latest version of every active and provisional item (items set aside for review and
retired ones are not). An item's answers are pooled over its versions with the same content (a status
change adds a version; its answers still speak for the same question). Each learner counts once per item,
with their **latest** answer: a retry after feedback says more about what they know now, and counting
repeats would weigh learners unequally and break the model's independence of answers.

The estimation and the policy are pure (`domain.bank_calibration`, `domain.promotion`). Each run stores, in
one transaction, its row, one decision with its reason per item version, the new calibration in the item
bodies (in place, no new version: calibration is not content) and a new version for each status change
(promoted -> active, set aside -> review), as every status change of the bank does. A run id is stored
once: running the same id again (a retried flow run) returns the stored run and changes nothing.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from ai4d_core.adapters.sql import calibration as store
from ai4d_core.bootstrap import Container
from ai4d_core.domain import item_statistics as stats
from ai4d_core.domain.bank_calibration import LEVEL_PRIOR_B, MODEL_VERSION, Answers, ItemOutcome, calibrate_bank
from ai4d_core.domain.items import Calibration, Item, ItemStatus
from ai4d_core.domain.promotion import DEFAULT_POLICY, Decision, PromotionPolicy

CALIBRATED = (ItemStatus.ACTIVE, ItemStatus.PROVISIONAL)
_NOT_CONTENT = {"version", "status", "calibration"}


@dataclass(frozen=True, slots=True)
class ItemDecision:
    """One item version's result in a run (the columns of `item_calibrations`)."""

    item_id: str
    item_version: int
    status_before: str
    status_after: str
    fixed: bool
    a: float
    b: float
    se_a: float | None
    se_b: float | None
    n_responses: int
    fit: float | None
    point_biserial: float | None
    options: list[dict[str, Any]]
    decision: str
    reason: str


@dataclass(frozen=True, slots=True)
class CalibrationReport:
    run_id: str
    model_version: str
    calibrated_at: datetime
    n_responses: int
    n_learners: int
    n_items: int
    anchored: bool
    log_likelihood: float | None
    iterations: int
    converged: bool
    decisions: tuple[ItemDecision, ...] = field(default=())

    @property
    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(d.decision for d in self.decisions).items()))

    def only(self, decision: str | None) -> list[ItemDecision]:
        return [d for d in self.decisions if decision is None or d.decision == decision]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"calibrated_at": self.calibrated_at.isoformat(), "counts": self.counts}

    def __str__(self) -> str:
        scale = "anchored on earlier calibrations" if self.anchored else "a new scale"
        counts = ", ".join(f"{n} {d.replace('_', ' ')}" for d, n in self.counts.items()) or "no items"
        return (
            f"calibration {self.run_id} ({self.model_version}, {scale}): {self.n_responses} answers of "
            f"{self.n_learners} learners on {self.n_items} items; {counts}"
        )


def new_run_id(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def calibrate_items(
    c: Container,
    run_id: str | None = None,
    policy: PromotionPolicy = DEFAULT_POLICY,
    *,
    rescale: bool = False,
    now: datetime | None = None,
) -> CalibrationReport:
    """Calibrate the bank from all answers, apply the promotion policy and store the run (module docstring)."""
    now = now or datetime.now(UTC)
    run_id = run_id or new_run_id(now)
    stored = store.load_run(c.engine, run_id)
    if stored is not None:
        return _from_stored(stored)
    by_id: dict[str, list[Item]] = {}
    for key, version in sorted(c.items.all_versions().items()):
        by_id.setdefault(key[0], []).append(version)
    targets = [vs[-1] for vs in by_id.values() if vs[-1].status in CALIBRATED]
    pooled = {i.id: [v.version for v in by_id[i.id] if _content(v) == _content(i)] for i in targets}
    rows = store.latest_answers(c.engine, [(k, v) for k, vs in pooled.items() for v in vs])
    index = {i.id: k for k, i in enumerate(targets)}
    learners, persons = np.unique(np.array([r.learner_id for r in rows], dtype=np.int64), return_inverse=True)
    answers = Answers(
        persons=persons.astype(np.int64).reshape(-1),
        items=np.array([index[r.item_id] for r in rows], dtype=np.int64),
        scores=np.array([r.score for r in rows], dtype=np.float64),
        chosen=[stats.chosen_options(targets[index[r.item_id]], _parse(r.answer)) for r in rows],
        n_persons=learners.size,
    )
    result = calibrate_bank(targets, answers, policy, rescale=rescale)
    decisions = [_decision(item, o) for item, o in zip(targets, result.outcomes, strict=True)]
    calibrations: dict[tuple[str, int], dict[str, Any]] = {}
    new_versions: list[Item] = []
    for item, outcome in zip(targets, result.outcomes, strict=True):
        fresh = _calibration(outcome, run_id)
        if fresh is not None:
            calibrations |= {(item.id, v): fresh.model_dump(mode="json") for v in pooled[item.id]}
        if outcome.status_after is not item.status:
            update = {
                "version": item.version + 1,
                "status": outcome.status_after,
                "calibration": fresh or item.calibration,
            }
            new_versions.append(item.model_copy(update=update))
    run = {
        "id": run_id, "model_version": MODEL_VERSION, "calibrated_at": now, "n_responses": len(rows),
        "n_learners": int(learners.size), "n_items": len(targets), "anchored": result.anchored,
        "log_likelihood": result.log_likelihood, "iterations": result.iterations, "converged": result.converged,
        "policy": policy.as_dict() | {"level_prior_b": {str(k): v for k, v in LEVEL_PRIOR_B.items()},
                                      "rescale": rescale},
    }  # fmt: skip
    if not store.save_run(c.engine, store.RunToSave(run, [asdict(d) for d in decisions], calibrations, new_versions)):
        stored = store.load_run(c.engine, run_id)  # another process saved this run id first
        assert stored is not None
        return _from_stored(stored)
    return CalibrationReport(
        run_id, MODEL_VERSION, now, len(rows), int(learners.size), len(targets), result.anchored,
        result.log_likelihood, result.iterations, result.converged, tuple(decisions),
    )  # fmt: skip


def last_calibration(c: Container, run_id: str | None = None) -> CalibrationReport | None:
    """A stored run (the latest by default) with its decisions, or None if there is none."""
    stored = store.load_run(c.engine, run_id)
    return _from_stored(stored) if stored else None


def _content(item: Item) -> str:
    return json.dumps(item.model_dump(mode="json", exclude=_NOT_CONTENT), sort_keys=True)


def _parse(answer: str) -> object:
    try:
        return json.loads(answer)
    except ValueError:
        return answer


def _calibration(o: ItemOutcome, run_id: str) -> Calibration | None:
    """The calibration to write into the item's body: None for an anchor, an unanswered or a reversed item."""
    e = o.evidence
    if o.fixed or e.n_responses == 0 or e.a <= 0:
        return None
    return Calibration(
        discrimination=min(e.a, 4.0), difficulty=float(np.clip(e.b, -4.0, 4.0)), n_responses=e.n_responses,
        se_discrimination=e.se_a, se_difficulty=e.se_b, model=MODEL_VERSION, run=run_id,
    )  # fmt: skip


def _decision(item: Item, o: ItemOutcome) -> ItemDecision:
    e = o.evidence
    return ItemDecision(
        item.id, item.version, str(item.status), str(o.status_after), o.fixed, e.a, e.b, e.se_a, e.se_b,
        e.n_responses, e.fit, e.point_biserial, [asdict(opt) for opt in e.options], str(o.verdict.decision),
        o.verdict.reason,
    )  # fmt: skip


def _from_stored(stored: store.StoredRun) -> CalibrationReport:
    r = stored.run
    return CalibrationReport(
        r["id"], r["model_version"], r["calibrated_at"], r["n_responses"], r["n_learners"], r["n_items"],
        r["anchored"], r["log_likelihood"], r["iterations"], r["converged"],
        tuple(ItemDecision(**d) for d in stored.decisions),
    )  # fmt: skip


__all__ = ["CALIBRATED", "CalibrationReport", "Decision", "ItemDecision", "calibrate_items", "last_calibration"]
