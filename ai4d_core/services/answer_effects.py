"""What a stored quiz answer earns beyond the quiz itself (XP, badges, the streak: `services.gamification`).

`quiz_sessions.answer` calls `after_answer` once the answer is stored, and shows what it returns (a notice when
a badge is earned). Every effect is computed on the server from stored evidence and keyed so that a retry, a
replayed submission or a re-answered item earns nothing twice.
"""

from __future__ import annotations

from ai4d_core.adapters.sql.quiz_sessions import AnswerRow
from ai4d_core.bootstrap import Container
from ai4d_core.services.quiz_types import NO_EFFECTS, AnswerEffects


def after_answer(c: Container, answer: AnswerRow) -> AnswerEffects:
    """The effects of one stored answer (none yet: gamification lands with issue 8)."""
    return NO_EFFECTS


def after_grade(c: Container, learner_id: int, item_id: str) -> AnswerEffects:
    """The effects of an educator's grade of a learner's open response (none yet: issue 8)."""
    return NO_EFFECTS
