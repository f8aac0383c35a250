"""Open responses graded by people, on real PostgreSQL: awaiting review until an educator of the learner's
cohort grades them; only the grade counts (quiz, profile evidence, calibration, warehouse); regrades keep the
audit; a double submit stores one grade."""

from __future__ import annotations

import math
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from ai4d_core import policy
from ai4d_core.adapters.sql import analysis as analysis_sql
from ai4d_core.adapters.sql import grading as grading_sql
from ai4d_core.adapters.sql.calibration import latest_answers
from ai4d_core.adapters.sql.tables import Attempt, Response
from ai4d_core.adapters.sql.tables_grading import Grade
from ai4d_core.adapters.sql.tables_quiz import QuizAnswer
from ai4d_core.bootstrap import Container
from ai4d_core.domain.adaptive import QuizState
from ai4d_core.domain.items import OpenResponseItem, SingleChoiceItem
from ai4d_core.domain.keys import key_answer
from ai4d_core.item_bank import load_curated_bank
from ai4d_core.services import audit, cohorts, grading, quiz_sessions
from ai4d_core.services.ingest import ingest_pending
from ai4d_core.services.quiz import build_payload
from ai4d_core.services.quiz_sessions import Answered, Summary
from ai4d_core.services.quiz_types import NO_EFFECTS
from ai4d_core.services.submissions import receive
from ai4d_core.services.warehouse import refresh_warehouse

pytestmark = pytest.mark.integration
BANK = load_curated_bank()
OPEN = next(i for i in BANK if isinstance(i, OpenResponseItem))
CHOICE = next(i for i in BANK if isinstance(i, SingleChoiceItem) and i.topic != OPEN.topic)
ANSWER = "Partition by date, store columnar files, and <script>alert(1)</script> set a budget alert."


@pytest.fixture(autouse=True)
def _no_rate_limits() -> None:
    quiz_sessions.ANSWERS.reset()


class World:
    """Ada (in Ours, taught by Edu) and Bob (in Theirs, taught by Other), an admin; the two items stored."""

    def __init__(self, c: Container) -> None:
        self.c = c
        c.items.upsert([OPEN, CHOICE])
        self.ada, self.bob = self._user("ada", "learner"), self._user("bob", "learner")
        self.edu, self.other = self._user("edu", "educator"), self._user("other", "educator")
        self.admin = self._user("root", "admin")
        self.ours = cohorts.create_cohort(c, policy.CLI, "Ours", educator_id=self.edu.id)
        self.theirs = cohorts.create_cohort(c, policy.CLI, "Theirs", educator_id=self.other.id)
        cohorts.add_member(c, policy.CLI, self.ours, self.ada.id)
        cohorts.add_member(c, policy.CLI, self.theirs, self.bob.id)

    def _user(self, name: str, role: str) -> policy.Viewer:
        return policy.Viewer(self.c.users.add(f"{name}@example.org", name.title(), role, "not-a-real-hash"), role)

    def quiz(self, learner: policy.Viewer) -> Answered:
        """A practice quiz on the open response's topic (its only item): answered, the quiz ends."""
        turn = quiz_sessions.start(self.c, learner, "practice", [OPEN.topic])
        assert turn.question["id"] == OPEN.id
        result = quiz_sessions.answer(self.c, learner, turn.session_id, 1, ANSWER)
        assert isinstance(result, Answered)
        return result

    def waiting(self, learner: policy.Viewer) -> str:
        """Ada's (or Bob's) open response, answered in a quiz and ingested: its queue key."""
        self.quiz(learner)
        ingest_pending(self.c)
        (entry,) = [e for e in grading.queue(self.c, self.admin) if self.learner_of(e.key) == learner.id]
        return entry.key

    def learner_of(self, key: str) -> int | None:
        return grading_sql.learner_of(self.c.engine, grading_sql.ResponseKey.parse(key))

    def scores(self, learner: policy.Viewer) -> tuple[float | None, float | None]:
        """(score, suggested_score) of the learner's open response in `responses`."""
        with self.c.engine.connect() as conn:
            query = select(Response.score, Response.suggested_score).where(
                Response.learner_id == learner.id, Response.item_id == OPEN.id
            )
            score, suggested = conn.execute(query).one()
        return score, suggested

    def count(self, table: type) -> int:
        with self.c.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.fixture
def world(clean: Container) -> World:
    return World(clean)


def test_an_open_response_in_a_quiz_awaits_review_in_feedback_summary_and_history(world: World) -> None:
    c = world.c
    result = world.quiz(world.ada)
    fb = result.feedback
    assert fb.awaiting_review and fb.score is None and not fb.correct and result.effects.xp == 0
    assert fb.right_answer == OPEN.model_answer
    assert [p.split(" (")[0] for p in fb.rubric] == [k.name for k in OPEN.rubric]
    assert isinstance(result.next, Summary)
    assert (result.next.answered, result.next.awaiting_review, result.next.score) == (1, 1, 0.0)
    ((past,),) = [a.answers for a in quiz_sessions.history(c, world.ada)]
    assert past.score is None and past.feedback.awaiting_review and past.answer == ANSWER
    with c.engine.connect() as conn:
        score, suggested = conn.execute(select(QuizAnswer.score, QuizAnswer.suggested_score)).one()
    assert score is None and suggested is not None and 0 <= suggested <= 1
    session = c.quiz_sessions.get(result.next.session_id)
    assert session is not None
    (kept,) = QuizState.from_dict(session.state).answers  # the quiz's estimate leaves it out, like a pretest item
    assert kept.score is None and kept.pretest


def test_the_ingest_keeps_it_ungraded_and_no_consumer_counts_it(world: World) -> None:
    c = world.c
    world.quiz(world.ada)
    payload = build_payload({OPEN.id: ANSWER, CHOICE.id: key_answer(CHOICE)})
    receive(c, world.bob.id, payload, "test")  # the submission API's path: the same ingest
    assert ingest_pending(c).responses == 3 and ingest_pending(c).responses == 0
    for learner in (world.ada, world.bob):
        score, suggested = world.scores(learner)
        assert score is None and suggested is not None
    with c.engine.connect() as conn:
        totals = dict(conn.execute(select(Attempt.learner_id, Attempt.score)).all())
    assert totals == {world.ada.id: 0.0, world.bob.id: 1.0}  # the choice item only
    assert {a.item_id for a in latest_answers(c.engine, [(OPEN.id, OPEN.version), (CHOICE.id, CHOICE.version)])} == {
        CHOICE.id
    }
    refresh_warehouse(c)
    facts = c.warehouse.query("select item_id from fact_responses")
    assert [f["item_id"] for f in facts] == [CHOICE.id]


def test_an_educator_sees_only_their_cohorts_answers_and_a_learner_cannot_grade(world: World) -> None:
    c = world.c
    ada_key, bob_key = world.waiting(world.ada), world.waiting(world.bob)
    (entry,) = grading.queue(c, world.edu)
    assert entry.key == ada_key and entry.answer == ANSWER  # as plain text (rendered escaped by the page)
    assert (entry.stem, entry.model_answer, entry.item_id) == (OPEN.stem, OPEN.model_answer, OPEN.id)
    assert [p.name for p in entry.rubric] == [k.name for k in OPEN.rubric]
    assert math.isclose(sum(p.weight for p in entry.rubric), 1.0)
    assert entry.rule_suggestion == world.scores(world.ada)[1] and entry.llm_suggestion is None
    assert [e.key for e in grading.queue(c, world.other)] == [bob_key]
    assert {e.key for e in grading.queue(c, world.admin)} == {ada_key, bob_key}
    assert grading.queue(c, world.edu, cohort_id=world.ours) == [entry]
    assert grading.waiting_count(c, world.edu) == 1 and grading.waiting_count(c, world.admin) == 2
    with pytest.raises(policy.Forbidden):
        grading.queue(c, world.edu, cohort_id=world.theirs)
    with pytest.raises(policy.Forbidden):
        grading.grade(c, world.other, ada_key, 1.0)  # not their learner
    with pytest.raises(policy.Forbidden):
        grading.grade(c, world.ada, ada_key, 1.0)  # a learner never grades, not even their own answer
    with pytest.raises(policy.Forbidden):
        grading.queue(c, world.ada)
    with pytest.raises(policy.Forbidden):
        grading.grade(c, world.edu, "not a key", 1.0)
    assert world.count(Grade) == 0 and world.scores(world.ada)[0] is None


def test_a_grade_counts_everywhere_and_the_learner_sees_it(world: World) -> None:
    c = world.c
    key = world.waiting(world.ada)
    result = grading.grade(c, world.edu, key, 0.8, "  Good layout; say how the budget is enforced.  ")
    assert (result.score, result.comment, result.duplicate, result.regrade) == (
        0.8, "Good layout; say how the budget is enforced.", False, False)  # fmt: skip
    assert world.scores(world.ada)[0] == 0.8
    assert result.effects.xp > 0  # only now does it earn XP (`answer_effects.after_grade`)
    assert grading.grade(c, world.edu, key, 0.8, result.comment).effects == NO_EFFECTS  # a repeat earns nothing
    assert grading.queue(c, world.edu) == []
    ((past,),) = [a.answers for a in quiz_sessions.history(c, world.ada)]
    assert past.score == 0.8 and not past.feedback.awaiting_review
    assert past.feedback.review_comment == "Good layout; say how the budget is enforced."
    (summary,) = [a.summary for a in quiz_sessions.history(c, world.ada)]
    assert (summary.score, summary.awaiting_review) == (0.8, 0)
    with c.engine.connect() as conn:
        assert conn.execute(select(Attempt.score)).scalar_one() == 0.8
    assert [a.score for a in latest_answers(c.engine, [(OPEN.id, OPEN.version)])] == [0.8]
    (entry,) = audit.recent(c, event="answer_graded")
    assert (entry.actor_id, entry.target_id, entry.detail["score"]) == (world.edu.id, world.ada.id, 0.8)


def test_profiles_count_only_graded_answers_and_a_grade_makes_the_profile_due(world: World) -> None:
    c = world.c
    key = world.waiting(world.ada)
    with c.engine.begin() as conn:  # the learner's profile is up to date before the grade
        assert analysis_sql.evidence_of(conn, world.ada.id) == []  # awaiting review: not evidence
        (due,) = analysis_sql.due_learners(c.engine)
        assert analysis_sql.save_profile(conn, due, {"version": 1, "learner_id": world.ada.id})
    assert analysis_sql.due_learners(c.engine) == []
    grading.grade(c, world.edu, key, 0.8)
    with c.engine.connect() as conn:
        assert [(e.item_id, e.score) for e in analysis_sql.evidence_of(conn, world.ada.id)] == [(OPEN.id, 0.8)]
    assert [d.learner_id for d in analysis_sql.due_learners(c.engine)] == [world.ada.id]  # a grade is new evidence
    with c.engine.begin() as conn:
        (due,) = analysis_sql.due_learners(c.engine)
        assert analysis_sql.save_profile(conn, due, {"version": 2, "learner_id": world.ada.id})
    grading.grade(c, world.edu, key, 0.8)  # the same grade again: nothing new
    assert analysis_sql.due_learners(c.engine) == []
    grading.grade(c, world.edu, key, 0.6)  # a regrade is new evidence too
    assert [d.learner_id for d in analysis_sql.due_learners(c.engine)] == [world.ada.id]


def test_a_regrade_keeps_the_audit_and_the_same_grade_twice_is_stored_once(world: World) -> None:
    c = world.c
    key = world.waiting(world.ada)
    first = grading.grade(c, world.edu, key, 0.5, "Half there.")
    again = grading.grade(c, world.edu, key, 0.5, "Half there.")
    assert again.duplicate and again.graded_at == first.graded_at and world.count(Grade) == 1
    later = grading.grade(c, world.admin, key, 1.0)
    assert later.regrade and not later.duplicate
    history = grading.grades(c, world.edu, key)
    assert [(g.grader_id, g.score, g.comment, g.current) for g in history] == [
        (world.edu.id, 0.5, "Half there.", False), (world.admin.id, 1.0, None, True)]  # fmt: skip
    assert world.scores(world.ada)[0] == 1.0
    assert [e.detail["regrade"] for e in reversed(audit.recent(c, event="answer_graded"))] == [False, True]
    with pytest.raises(policy.Forbidden):
        grading.grades(c, world.other, key)


def test_a_double_submit_at_once_stores_one_grade(world: World) -> None:
    c = world.c
    key = world.waiting(world.ada)
    both = threading.Barrier(2)

    def submit() -> grading.GradeResult:
        both.wait()
        return grading.grade(c, world.edu, key, 0.7, "ok")

    with ThreadPoolExecutor(2) as pool:
        results = [f.result() for f in [pool.submit(submit), pool.submit(submit)]]
    assert sorted(r.duplicate for r in results) == [False, True]
    assert world.count(Grade) == 1 and len(audit.recent(c, event="answer_graded")) == 1


@pytest.mark.parametrize("score", [-0.1, 1.5, float("nan"), float("inf"), True, "1"])
def test_a_score_outside_0_to_1_is_refused_clearly(world: World, score: object) -> None:
    key = world.waiting(world.ada)
    with pytest.raises(grading.GradingError, match="between 0 and 1"):
        grading.grade(world.c, world.edu, key, score)  # type: ignore[arg-type]
    assert world.count(Grade) == 0


def test_a_too_long_comment_and_an_answer_scored_at_once_are_refused(world: World) -> None:
    c = world.c
    key = world.waiting(world.ada)
    with pytest.raises(grading.GradingError, match="too long"):
        grading.grade(c, world.edu, key, 1.0, "x" * 2001)
    receive(c, world.ada.id, build_payload({CHOICE.id: key_answer(CHOICE)}), "test")
    ingest_pending(c)
    with c.engine.connect() as conn:
        attempt = conn.execute(select(Response.attempt_id).where(Response.item_id == CHOICE.id)).scalar_one()
    with pytest.raises(grading.GradingError, match="scored at once"):
        grading.grade(c, world.edu, f"{attempt}:{CHOICE.id}", 1.0)


def test_the_rubric_points_give_a_score(world: World) -> None:
    key = world.waiting(world.ada)
    (entry,) = grading.queue(world.c, world.edu)
    assert entry.key == key
    first = entry.rubric[0]
    assert grading.rubric_score(entry.rubric, {first.name: 1.0}) == round(first.weight, 4)
    assert grading.rubric_score(entry.rubric, {p.name: 1.0 for p in entry.rubric}) == 1.0
    with pytest.raises(grading.GradingError, match="not a criterion"):
        grading.rubric_score(entry.rubric, {"made up": 1.0})


def test_erasure_removes_the_learners_grades_and_clears_the_graders_id(world: World) -> None:
    from ai4d_core.adapters.sql import privacy as privacy_sql
    from ai4d_core.privacy.subject import Subject

    c = world.c
    ada_key, bob_key = world.waiting(world.ada), world.waiting(world.bob)
    grading.grade(c, world.admin, ada_key, 1.0)
    grading.grade(c, world.admin, bob_key, 0.5)
    admin = Subject(world.admin.id, "root@example.org", "", frozenset())
    with c.engine.begin() as conn:
        privacy_sql.erase_rows(conn, admin)
    with c.engine.connect() as conn:
        kept = conn.execute(select(Grade.grader_id, Grade.score).order_by(Grade.score)).all()
    assert kept == [(None, 0.5), (None, 1.0)]
    bob = Subject(world.bob.id, "bob@example.org", "", privacy_sql.attempt_ids(c.engine, world.bob.id))
    with c.engine.begin() as conn:
        privacy_sql.erase_rows(conn, bob)
    assert world.count(Grade) == 1
