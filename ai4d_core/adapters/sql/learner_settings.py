"""Learner settings in PostgreSQL: read (making the row, with a fresh pseudonym, on first use) and change."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError

from ai4d_core.adapters.sql.tables_learner import LearnerSettingsRow
from ai4d_core.domain.learner_settings import LearnerSettings

NO_SUCH_LEARNER = "no such learner"
PSEUDONYM_DRAWS = 20  # a clash with 3.7 million names is rare; 20 clashes in a row means something else is wrong
_ROW = (
    LearnerSettingsRow.learner_id, LearnerSettingsRow.time_zone, LearnerSettingsRow.leaderboard_opt_in,
    LearnerSettingsRow.notify_profile_ready, LearnerSettingsRow.pseudonym,
)  # fmt: skip


def _settings(row: Any) -> LearnerSettings:
    return LearnerSettings(
        time_zone=row.time_zone, leaderboard_opt_in=row.leaderboard_opt_in,
        notify_profile_ready=row.notify_profile_ready, pseudonym=row.pseudonym,
    )  # fmt: skip


class SqlLearnerSettings:
    def __init__(self, engine: Engine, draw: Callable[[], str]) -> None:
        self._engine = engine
        self._draw = draw  # the pseudonym generator (`domain.learner_settings.new_pseudonym`)

    def many(self, learner_ids: Iterable[int]) -> dict[int, LearnerSettings]:
        """Each learner's settings; learners without a row get one (defaults and a fresh pseudonym)."""
        wanted = sorted(set(learner_ids))
        if not wanted:
            return {}
        with self._engine.begin() as conn:
            found = self._read(conn, wanted)
        missing = [i for i in wanted if i not in found]
        for learner_id in missing:
            self._retrying(partial(self._insert_default, learner_id=learner_id))
        if missing:
            with self._engine.begin() as conn:
                found |= self._read(conn, missing)
        return found

    def change(self, learner_id: int, changes: Mapping[str, object], new_pseudonym: bool) -> LearnerSettings:
        """Apply checked `changes` (column: value) and, if asked, a fresh pseudonym; returns the result."""
        self.many([learner_id])

        def apply(conn: Connection) -> None:
            values: dict[str, object] = {**changes, "updated_at": func.now()}
            if new_pseudonym:
                values["pseudonym"] = self._draw()
            conn.execute(update(LearnerSettingsRow).where(LearnerSettingsRow.learner_id == learner_id).values(values))

        self._retrying(apply)
        return self.many([learner_id])[learner_id]

    def opted_in(self, column: str, learner_ids: Iterable[int] | None = None) -> dict[int, LearnerSettings]:
        """Learners who turned `column` on (`leaderboard_opt_in` or `notify_profile_ready`), of `learner_ids`
        if given; learners who never saved a setting have it off."""
        flag = {"leaderboard_opt_in": LearnerSettingsRow.leaderboard_opt_in,
                "notify_profile_ready": LearnerSettingsRow.notify_profile_ready}[column]  # fmt: skip
        query = select(*_ROW).where(flag.is_(True))
        if learner_ids is not None:
            query = query.where(LearnerSettingsRow.learner_id.in_(sorted(set(learner_ids))))
        with self._engine.connect() as conn:
            return {int(row.learner_id): _settings(row) for row in conn.execute(query)}

    @staticmethod
    def _read(conn: Connection, learner_ids: list[int]) -> dict[int, LearnerSettings]:
        rows = conn.execute(select(*_ROW).where(LearnerSettingsRow.learner_id.in_(learner_ids)))
        return {int(row.learner_id): _settings(row) for row in rows}

    def _insert_default(self, conn: Connection, *, learner_id: int) -> None:
        # Two first reads at once: the second does nothing (on the learner); a pseudonym clash raises.
        stmt = pg_insert(LearnerSettingsRow).values(learner_id=learner_id, pseudonym=self._draw())
        conn.execute(stmt.on_conflict_do_nothing(index_elements=[LearnerSettingsRow.learner_id]))

    def _retrying(self, write: Callable[[Connection], None]) -> None:
        """Run `write` in its own transaction, again with a new draw while the pseudonym clashes."""
        for _ in range(PSEUDONYM_DRAWS - 1):
            try:
                with self._engine.begin() as conn:
                    write(conn)
                return
            except IntegrityError as exc:
                if "fk_learner_settings_learner_id_users" in str(exc.orig):
                    raise LookupError(NO_SUCH_LEARNER) from None
                if "pseudonym" not in str(exc.orig):
                    raise
        with self._engine.begin() as conn:
            write(conn)


__all__ = ["SqlLearnerSettings"]
