"""What a stored quiz answer earns beyond the quiz itself (XP, badges, the streak: `services.gamification`).

`quiz_sessions.answer` calls `after_answer` once the answer is stored, and shows what it returns (a notice when
a badge is earned); H-grading's service calls `after_grade` once an educator's grade is stored. Every effect is
computed on the server from stored evidence and keyed so that a retry, a replayed submission or a re-answered
item earns nothing twice. A failure here never loses the answer: it is logged, the answer stands with no
effects, and the next `gamification.award_pending` (the learner page calls it on load) grants what is due.
"""

from __future__ import annotations

import logging

from ai4d_core.adapters.sql.quiz_sessions import AnswerRow
from ai4d_core.bootstrap import Container
from ai4d_core.domain.badges import BY_ID
from ai4d_core.services import gamification
from ai4d_core.services.quiz_types import NO_EFFECTS, AnswerEffects

log = logging.getLogger(__name__)


def after_answer(c: Container, answer: AnswerRow) -> AnswerEffects:
    """The XP and badges one stored quiz answer earned (none for a pretest item or an answer awaiting review)."""
    try:
        return gamification.award_for_answer(c, answer)
    except Exception:  # the answer is stored; what it earns is granted on the next reconciliation
        log.exception("awards after answer %s:%s failed", answer.session_id, answer.position)
        return NO_EFFECTS


def after_grade(c: Container, learner_id: int, item_id: str) -> AnswerEffects:
    """The XP (on `item_id`) and badges a learner's newly graded open response earned."""
    try:
        done = gamification.award_pending(c, learner_id)
    except Exception:
        log.exception("awards after a grade of %s for learner %s failed", item_id, learner_id)
        return NO_EFFECTS
    return AnswerEffects(
        xp=sum(g.xp for g in done.grants if g.item_id == item_id), badges=tuple(BY_ID[b].name for b in done.badges)
    )
