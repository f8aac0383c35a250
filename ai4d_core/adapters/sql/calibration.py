"""What calibration reads from and writes to PostgreSQL: the latest answers, the runs and their decisions.

A run is written in one transaction: its row, one decision per item version, the calibrations written into
item bodies (in place: calibration is not content) and the new versions of items whose status changed.
The run's id is its key: saving a run id again writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, literal, select, text, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ai4d_core.adapters.sql.tables import ItemRow
from ai4d_core.adapters.sql.tables_calibration import CalibrationRun, ItemCalibration
from ai4d_core.domain.items import Item

# The latest scored answer of each learner to each item id, among the given (id, version) pairs (an open
# response awaiting an educator's grade has no score yet and is not evidence).
_LATEST = text("""
    select distinct on (r.learner_id, r.item_id) r.learner_id, r.item_id, r.answer, r.score
    from responses r
    join unnest(cast(:ids as text[]), cast(:versions as int[])) as v(id, version)
      on r.item_id = v.id collate "C" and r.item_version = v.version
    where r.score is not null
    order by r.learner_id, r.item_id, r.answered_at desc, r.attempt_id desc
""")


@dataclass(frozen=True, slots=True)
class LatestAnswer:
    learner_id: int
    item_id: str
    answer: str  # the answer as stored (JSON text)
    score: float


def latest_answers(engine: Engine, versions: Iterable[tuple[str, int]]) -> list[LatestAnswer]:
    """Each learner's latest answer to each item, pooled over the given versions of that item."""
    pairs = sorted(set(versions))
    if not pairs:
        return []
    params = {"ids": [p[0] for p in pairs], "versions": [p[1] for p in pairs]}
    with engine.connect() as conn:
        rows = conn.execute(_LATEST, params)
        return [LatestAnswer(int(learner), item, answer, float(score)) for learner, item, answer, score in rows]


@dataclass(frozen=True, slots=True)
class RunToSave:
    """A finished calibration: the run row, its decision rows, calibrations and new item versions."""

    run: Mapping[str, Any]  # the columns of `calibration_runs`
    decisions: Sequence[Mapping[str, Any]]  # the columns of `item_calibrations` (without run_id)
    calibrations: Mapping[tuple[str, int], Mapping[str, Any]]  # (id, version) -> body["calibration"]
    new_versions: Sequence[Item]  # status changes: the next version of an item


def save_run(engine: Engine, run: RunToSave) -> bool:
    """Write a run whole; False (and nothing written) if a run with its id exists already."""
    run_id = run.run["id"]
    with engine.begin() as conn:
        inserted = conn.execute(
            pg_insert(CalibrationRun).values(dict(run.run)).on_conflict_do_nothing().returning(CalibrationRun.id)
        ).first()
        if inserted is None:
            return False
        if run.decisions:
            conn.execute(pg_insert(ItemCalibration).values([{**d, "run_id": run_id} for d in run.decisions]))
        for (item_id, version), calibration in run.calibrations.items():
            conn.execute(
                update(ItemRow)
                .where(ItemRow.id == item_id, ItemRow.version == version)
                .values(
                    body=ItemRow.body.op("||")(
                        func.jsonb_build_object("calibration", literal(dict(calibration), JSONB))
                    )
                )
            )
        if run.new_versions:
            rows = [
                {"id": i.id, "version": i.version, "type": i.type, "topic": i.topic, "level": i.level,
                 "status": str(i.status), "provenance": i.provenance, "body": i.model_dump(mode="json")}
                for i in run.new_versions
            ]  # fmt: skip
            conn.execute(pg_insert(ItemRow).values(rows).on_conflict_do_nothing())
    return True


def run_ids(engine: Engine) -> list[str]:
    """Every run's id, the latest first."""
    query = select(CalibrationRun.id).order_by(CalibrationRun.calibrated_at.desc(), CalibrationRun.id.desc())
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


@dataclass(frozen=True, slots=True)
class StoredRun:
    run: dict[str, Any]
    decisions: list[dict[str, Any]]  # by item id


def load_run(engine: Engine, run_id: str | None = None) -> StoredRun | None:
    """A run (the latest when `run_id` is None) with its decisions, or None."""
    query = select(CalibrationRun.__table__)
    query = (
        query.where(CalibrationRun.id == run_id)
        if run_id
        else query.order_by(CalibrationRun.calibrated_at.desc(), CalibrationRun.id.desc()).limit(1)
    )
    with engine.connect() as conn:
        run = conn.execute(query).mappings().first()
        if run is None:
            return None
        rows = conn.execute(
            select(ItemCalibration.__table__)
            .where(ItemCalibration.run_id == run["id"])
            .order_by(ItemCalibration.item_id, ItemCalibration.item_version)
        ).mappings()
        decisions = [{k: v for k, v in r.items() if k != "run_id"} for r in rows]
    return StoredRun(dict(run), decisions)


__all__ = ["LatestAnswer", "RunToSave", "StoredRun", "latest_answers", "load_run", "run_ids", "save_run"]
