"""The server-side quiz on real PostgreSQL: start, answer, feedback, resume, duplicates, the ingest, refusals."""

from __future__ import annotations

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, text

from ai4d_core import policy
from ai4d_core.adapters.sql.submissions import SqlSubmissionStore
from ai4d_core.adapters.sql.tables import Submission
from ai4d_core.adapters.sql.tables_quiz import QuizAnswer, QuizSession
from ai4d_core.bootstrap import Container
from ai4d_core.domain.items import (
    Item,
    ItemStatus,
    SingleChoiceItem,
    TrueFalseItem,
    parse_item,
)
from ai4d_core.domain.keys import key_answer
from ai4d_core.item_bank import load_curated_bank
from ai4d_core.services import privacy, quiz_sessions, submissions
from ai4d_core.services.ingest import ingest_pending
from ai4d_core.services.quiz_sessions import Answered, NeedsFix, QuizTurn, Summary
from ai4d_core.services.submissions import receive

pytestmark = pytest.mark.integration
MIXED = "mixed"


@pytest.fixture(autouse=True)
def _no_rate_limits() -> None:
    quiz_sessions.ANSWERS.reset()
    quiz_sessions.PREVIEWS.reset()


def _learner(c: Container, name: str = "ada") -> policy.Viewer:
    uid = c.users.add(f"{name}@example.org", name.title(), "learner", "not-a-real-hash")
    return policy.Viewer(uid, "learner")


def _item(c: Container, turn: QuizTurn) -> Item:
    item = c.items.get(turn.question["id"], turn.question["version"])
    assert item is not None
    return item


def _right(c: Container, turn: QuizTurn) -> object:
    return key_answer(_item(c, turn))


def _wrong(c: Container, turn: QuizTurn) -> object:
    item = _item(c, turn)
    if isinstance(item, TrueFalseItem):
        return not item.key
    assert isinstance(item, SingleChoiceItem)
    return next(o.id for o in item.options if o.id != item.key)


def _difficulty(c: Container, turn: QuizTurn) -> float:
    return _item(c, turn).difficulty


def _count(c: Container, table: type, **where: object) -> int:
    query = select(func.count()).select_from(table)
    for column, value in where.items():
        query = query.where(getattr(table, column) == value)
    with c.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def _play(c: Container, user: policy.Viewer, answer_of: object, n: int) -> list[float]:
    """Answer `n` questions of a diagnostic on `MIXED` (with `answer_of(c, turn)`): the difficulties met."""
    turn = quiz_sessions.start(c, user, "diagnostic", [MIXED])
    met = []
    for _ in range(n):
        met.append(_difficulty(c, turn))
        result = quiz_sessions.answer(c, user, turn.session_id, turn.position, answer_of(c, turn))  # type: ignore[operator]
        assert isinstance(result, Answered)
        if isinstance(result.next, Summary):
            break
        turn = result.next
    return met


def test_a_quiz_starts_answers_with_feedback_and_gets_harder_after_right_answers(bank: Container) -> None:
    ada = _learner(bank)
    turn = quiz_sessions.start(bank, ada, "diagnostic", ["python", "sql"])
    assert turn.position == 1 and turn.mode == "diagnostic"
    assert "key" not in turn.question and "explanation" not in turn.question and "status" not in turn.question
    result = quiz_sessions.answer(bank, ada, turn.session_id, 1, _right(bank, turn))
    assert isinstance(result, Answered) and not result.duplicate
    assert result.feedback.correct and result.feedback.score == 1.0
    assert result.feedback.explanation == _item(bank, turn).explanation
    assert result.feedback.right_answer
    assert isinstance(result.next, QuizTurn) and result.next.position == 2
    assert result.next.progress.answered == 1

    # choice items of every curated topic as one topic: a pool wide enough in difficulty to follow a learner
    chosen = [i for i in load_curated_bank() if isinstance(i, SingleChoiceItem | TrueFalseItem)]
    bank.items.upsert([i.model_copy(update={"id": f"x-{i.id}", "topic": MIXED}) for i in chosen])
    right = _play(bank, _learner(bank, "bob"), _right, 8)
    wrong = _play(bank, _learner(bank, "cy"), _wrong, 8)
    print(f"difficulties met, all right: {right}; all wrong: {wrong}")
    assert sum(right[4:]) / len(right[4:]) > sum(wrong[4:]) / len(wrong[4:])
    assert sum(right[-4:]) / 4 > sum(right[:2]) / 2


def test_provisional_items_come_as_pretest_items_that_look_alike_and_never_move_the_estimate(bank: Container) -> None:
    chosen = [i for i in load_curated_bank() if isinstance(i, SingleChoiceItem | TrueFalseItem)]
    bank.items.upsert([i.model_copy(update={"id": f"x-{i.id}", "topic": MIXED}) for i in chosen[:40]])
    bank.items.upsert(
        [
            i.model_copy(update={"id": f"new-{i.id}", "topic": MIXED, "status": ItemStatus.PROVISIONAL})
            for i in chosen[40:]
        ]
    )
    pretest = 0
    for k in range(20):
        learner = _learner(bank, f"p{k}")
        turn = quiz_sessions.start(bank, learner, "diagnostic", [MIXED])
        for _ in range(10):
            assert not {"status", "provenance", "calibration", "difficulty"} & set(turn.question)
            result = quiz_sessions.answer(bank, learner, turn.session_id, turn.position, _right(bank, turn))
            assert isinstance(result, Answered) and result.feedback.correct  # feedback as for any item
            if not isinstance(result.next, QuizTurn):
                break
            if turn.question["id"].startswith("new-"):
                pretest += 1
                assert result.next.progress.topics == turn.progress.topics  # a right answer that counts for nothing
                assert result.next.progress.answered == turn.progress.answered + 1
            turn = result.next
        if pretest >= 2:
            break
    print(f"{pretest} pretest items met in {k + 1} quizzes")
    assert pretest >= 2
    ingest_pending(bank)
    with bank.engine.connect() as conn:
        kept = conn.execute(text("select count(*) from responses where item_id like 'new-%'")).scalar_one()
    assert kept >= pretest  # their answers reach responses, for calibration


def test_a_reload_resumes_at_the_same_question_presented_the_same_way(bank: Container) -> None:
    ada = _learner(bank)
    turn = quiz_sessions.start(bank, ada, "diagnostic", None)
    result = quiz_sessions.answer(bank, ada, turn.session_id, 1, _right(bank, turn))
    assert isinstance(result, Answered) and isinstance(result.next, QuizTurn)
    resumed = quiz_sessions.resume(bank, ada)
    assert resumed == result.next
    assert resumed.question == result.next.question  # options in the same shown order
    assert quiz_sessions.resume(bank, _learner(bank, "bob")) is None


def test_a_duplicate_answer_gives_the_same_result_and_is_stored_once(bank: Container) -> None:
    ada = _learner(bank)
    turn = quiz_sessions.start(bank, ada, "diagnostic", None)
    first = quiz_sessions.answer(bank, ada, turn.session_id, 1, _wrong(bank, turn))
    again = quiz_sessions.answer(bank, ada, turn.session_id, 1, _wrong(bank, turn))
    assert isinstance(first, Answered) and isinstance(again, Answered)
    assert again.duplicate and again.feedback == first.feedback and again.next == first.next
    assert _count(bank, QuizAnswer) == 1
    assert _count(bank, Submission) == 1
    with pytest.raises(quiz_sessions.StalePosition, match="question 2"):
        quiz_sessions.answer(bank, ada, turn.session_id, 5, "a")


def test_a_double_click_answering_twice_at_once_stores_one_answer(bank: Container) -> None:
    ada = _learner(bank)
    turn = quiz_sessions.start(bank, ada, "diagnostic", None)
    answer = _right(bank, turn)
    both = threading.Barrier(2)

    def click() -> object:
        both.wait()
        return quiz_sessions.answer(bank, ada, turn.session_id, 1, answer)

    with ThreadPoolExecutor(2) as pool:
        results = [f.result() for f in [pool.submit(click), pool.submit(click)]]
    assert all(isinstance(r, Answered) for r in results)
    assert sorted(r.duplicate for r in results) == [False, True]  # type: ignore[attr-defined]
    assert results[0].next == results[1].next  # type: ignore[attr-defined]
    assert _count(bank, QuizAnswer) == 1 and _count(bank, Submission) == 1


def test_answers_reach_responses_exactly_once_with_their_presentation(bank: Container) -> None:
    ada = _learner(bank)
    turn = quiz_sessions.start(bank, ada, "diagnostic", None)
    shown = [o["id"] for o in turn.question["options"]] if "options" in turn.question else None
    result = quiz_sessions.answer(bank, ada, turn.session_id, 1, _right(bank, turn))
    assert isinstance(result, Answered) and isinstance(result.next, QuizTurn)
    second = result.next
    quiz_sessions.answer(bank, ada, second.session_id, 2, _wrong(bank, second))
    # The "crash": the serving process is gone before any ingest ran; another process ingests what it left.
    with Container(bank.settings) as other_process:
        report = ingest_pending(other_process)
        again = ingest_pending(other_process)
    assert (report.accepted, report.responses, again.responses) == (2, 2, 0)
    with bank.engine.connect() as conn:
        rows = conn.execute(text("select item_id, score, presentation from responses order by score desc")).all()
    assert [r.item_id for r in rows] == [turn.question["id"], second.question["id"]]
    assert rows[0].score == 1.0
    if shown is not None:
        assert rows[0].presentation == {"options": shown}


NUMERIC = parse_item({
    "id": "x-rows", "type": "numeric", "topic": "counting", "level": 1, "explanation": "Counted.",
    "stem": "How many rows does the table hold?", "answers": [{"value": 4722432}],
})  # fmt: skip
SQL = parse_item({
    "id": "x-sql", "type": "sql_query", "topic": "querying", "level": 1, "explanation": "Filter, then sort.",
    "stem": "The names of the products dearer than 10, by name.",
    "fixture": {"setup_sql": "CREATE TABLE product (name VARCHAR, price INTEGER);"
                             " INSERT INTO product VALUES ('tea', 4), ('jug', 15), ('beans', 12);"},
    "reference_query": "SELECT name FROM product WHERE price > 10 ORDER BY name",
})  # fmt: skip


def test_unreadable_answers_come_back_with_the_question_number(bank: Container) -> None:
    bank.items.upsert([NUMERIC, SQL])
    ada = _learner(bank)
    turn = quiz_sessions.start(bank, ada, "practice", ["counting"])
    for typed in ("1,5", "abc", "4,722", "", None, {"not": "a number"}):
        result = quiz_sessions.answer(bank, ada, turn.session_id, 1, typed)
        assert isinstance(result, NeedsFix), typed
        assert result.message.startswith("Question 1: ") and NUMERIC.id not in result.message
    assert _count(bank, QuizAnswer) == 0 and _count(bank, Submission) == 0
    result = quiz_sessions.answer(bank, ada, turn.session_id, 1, "4,722,432")
    assert isinstance(result, Answered) and result.feedback.correct
    with bank.engine.connect() as conn:
        stored = conn.execute(select(QuizAnswer.answer, QuizAnswer.typed)).one()
    assert tuple(stored) == (4722432, "4,722,432")

    turn = quiz_sessions.start(bank, ada, "practice", ["querying"], replace=True)
    assert turn.sql is not None and [t.name for t in turn.sql.tables] == ["product"]
    assert turn.sql.tables[0].columns == (("name", "VARCHAR"), ("price", "INTEGER"))
    broken = quiz_sessions.answer(bank, ada, turn.session_id, 1, "SELEC name FORM product")
    assert isinstance(broken, NeedsFix) and broken.message.startswith("Question 1: ")
    assert 'syntax error at or near "SELEC"' in broken.message
    refused = quiz_sessions.answer(bank, ada, turn.session_id, 1, "DELETE FROM product")
    assert isinstance(refused, NeedsFix) and "Only a SELECT query" in refused.message
    preview = quiz_sessions.preview_sql(bank, ada, turn.session_id, "SELECT name FROM product ORDER BY price")
    assert preview.rows == (("tea",), ("beans",), ("jug",)) and preview.error is None
    assert quiz_sessions.preview_sql(bank, ada, turn.session_id, "SELECT nope FROM product").error
    wrong = quiz_sessions.answer(bank, ada, turn.session_id, 1, "SELECT name FROM product ORDER BY name")
    assert isinstance(wrong, Answered) and wrong.feedback.score == 0 and wrong.feedback.sql is not None
    assert wrong.feedback.sql.rows == (("beans",), ("jug",), ("tea",))
    assert wrong.feedback.sql.expected_rows == (("beans",), ("jug",))
    assert wrong.feedback.sql.reason == "expected 2 rows, got 3"


def test_the_sql_preview_is_rate_limited(bank: Container) -> None:
    bank.items.upsert([SQL])
    ada = _learner(bank)
    turn = quiz_sessions.start(bank, ada, "practice", ["querying"])
    runs = 0
    with pytest.raises(quiz_sessions.TryLater):
        for runs in range(1, 50):  # noqa: B007 - counted for the message
            quiz_sessions.preview_sql(bank, ada, turn.session_id, "SELECT 1")
    print(f"refused after {runs - 1} runs")
    assert runs - 1 == quiz_sessions.PREVIEWS.capacity


def test_an_unknown_item_version_is_refused_at_ingest_with_its_reason(bank: Container) -> None:
    ada = _learner(bank)
    item = bank.items.active()[0]
    bank.items.upsert([parse_item({**item.model_dump(mode="json"), "version": 2, "explanation": "Edited."})])

    def payload(version: int) -> bytes:
        answer = {"item_id": item.id, "item_version": version, "answer": key_answer(item)}
        return json.dumps({"format": "ai4d/v1", "submission_id": str(uuid.uuid4()), "answers": [answer]}).encode()

    refused = receive(bank, ada.id, payload(7), "test")
    assert not refused.accepted and "has no version 7 in the bank" in (refused.submission.reason or "")
    # Pending submissions (stored by an older server, or a quiz session): checked against every version.
    store = SqlSubmissionStore(bank.engine)
    for version in (9, 1):
        store.record(idempotency_key=f"{ada.id}:{version}", learner_id=ada.id, source="test", raw=payload(version),
                     status="pending", reason=None)  # fmt: skip
    report = ingest_pending(bank)
    assert (report.accepted, report.rejected) == (1, 1)
    with bank.engine.connect() as conn:
        reasons = conn.execute(text("select reason from submissions where status = 'rejected'")).scalars().all()
        versions = conn.execute(text("select item_version from responses")).scalars().all()
    assert f"item '{item.id}' has no version 9 in the bank" in reasons
    assert versions == [1]  # an older version is kept as answered, never relabelled


def test_a_new_quiz_keeps_the_old_answers(bank: Container) -> None:
    ada = _learner(bank)
    turn = quiz_sessions.start(bank, ada, "diagnostic", None)
    quiz_sessions.answer(bank, ada, turn.session_id, 1, _right(bank, turn))
    with pytest.raises(quiz_sessions.ActiveQuiz) as refused:
        quiz_sessions.start(bank, ada, "practice", ["sql"])
    assert refused.value.session_id == turn.session_id
    new = quiz_sessions.start(bank, ada, "practice", ["sql"], replace=True)
    assert new.session_id != turn.session_id
    old = quiz_sessions.summary(bank, ada, turn.session_id)
    assert old.status == "abandoned" and old.answered == 1
    history = quiz_sessions.history(bank, ada, 10)
    assert [h.summary.session_id for h in history] == [new.session_id, turn.session_id]
    assert history[1].answers[0].feedback.correct
    with pytest.raises(quiz_sessions.QuizEnded):
        quiz_sessions.answer(bank, ada, turn.session_id, 2, "a")


def test_a_learner_cannot_answer_someone_elses_quiz(bank: Container) -> None:
    ada, bob = _learner(bank), _learner(bank, "bob")
    turn = quiz_sessions.start(bank, ada, "diagnostic", None)
    with pytest.raises(policy.Forbidden):
        quiz_sessions.answer(bank, bob, turn.session_id, 1, _right(bank, turn))
    with pytest.raises(policy.Forbidden):
        quiz_sessions.summary(bank, bob, turn.session_id)
    with pytest.raises(policy.Forbidden):
        quiz_sessions.answer(bank, bob, uuid.uuid4(), 1, "a")
    with pytest.raises(policy.Forbidden):
        quiz_sessions.start(bank, policy.Viewer(bob.id, "educator"), "diagnostic", None)
    assert _count(bank, QuizAnswer) == 0


def test_export_holds_and_erasure_removes_the_learners_quizzes(bank: Container) -> None:
    ada, bob = _learner(bank), _learner(bank, "bob")
    for who in (ada, bob):
        turn = quiz_sessions.start(bank, who, "diagnostic", None)
        quiz_sessions.answer(bank, who, turn.session_id, 1, _right(bank, turn))
    document = privacy.export_user(bank, ada.id, ada)
    assert [r["learner_id"] for r in document["stores"]["postgresql.quiz_sessions"]] == [ada.id]
    assert len(document["stores"]["postgresql.quiz_answers"]) == 1
    report = privacy.erase_user(bank, ada.id, ada)
    assert report.complete, str(report)
    assert report.counts["postgresql.quiz_sessions"] == 1 and report.counts["postgresql.quiz_answers"] == 1
    assert _count(bank, QuizSession, learner_id=ada.id) == 0 and _count(bank, QuizAnswer, learner_id=ada.id) == 0
    assert _count(bank, QuizSession, learner_id=bob.id) == 1 and _count(bank, QuizAnswer, learner_id=bob.id) == 1


def test_exposure_rates_count_the_share_of_recent_quizzes_that_asked_an_item(bank: Container) -> None:
    store = bank.quiz_sessions
    asked: list[str] = []
    for n in range(3):
        learner = _learner(bank, f"exposed{n}")
        turn = quiz_sessions.start(bank, learner, "practice", ["sql"])
        asked.append(turn.question["id"])
        quiz_sessions.answer(bank, learner, turn.session_id, 1, _right(bank, turn))
    assert store.exposure_rates() == {}  # fewer quizzes than MIN_SESSIONS: no rates yet
    rates = store.exposure_rates(min_sessions=1)
    for item_id in set(asked):
        assert rates[item_id] == pytest.approx(asked.count(item_id) / 3)
    assert set(rates) == set(asked) and all(0 < r <= 1 for r in rates.values())
    assert store.exposure_rates(last=1, min_sessions=1) == {asked[-1]: 1.0}


def test_quizzes_start_on_topics_with_active_items_only(bank: Container) -> None:
    demo_topics = sorted({i.topic for i in bank.items.active()})
    assert quiz_sessions.topics(bank) == demo_topics and demo_topics
    pretest = next(i for i in load_curated_bank() if i.topic == "mlops")
    bank.items.upsert([pretest.model_copy(update={"status": ItemStatus.PROVISIONAL})])
    assert "mlops" not in quiz_sessions.topics(bank)  # a pretest item alone cannot make a quiz


def test_a_submission_sent_first_with_a_guessed_id_does_not_become_the_quiz_answer(bank: Container) -> None:
    # Before, the quiz's raw submission id was uuid5(namespace, "session:position"): a page that knows its
    # session id could send a submission with that id first, and the quiz answer's own was dropped as a duplicate.
    ada = _learner(bank)
    turn = quiz_sessions.start(bank, ada, "diagnostic", None)
    old_scheme = uuid.uuid5(uuid.UUID("0b7f6c1e-52a4-4d6e-9a57-3c2f1f7d9a10"), f"{turn.session_id}:1")
    guessed = {
        "format": "ai4d/v1",
        "submission_id": str(old_scheme),
        "answers": [
            {"item_id": turn.question["id"], "item_version": turn.question["version"], "answer": _wrong(bank, turn)}
        ],
    }
    submissions.receive(bank, ada.id, json.dumps(guessed).encode(), "api")
    result = quiz_sessions.answer(bank, ada, turn.session_id, 1, _right(bank, turn))
    assert isinstance(result, Answered) and result.feedback.score == 1.0
    report = ingest_pending(bank)
    assert report.accepted == 2  # the learner's own submission and the quiz's answer: both kept, apart
    with bank.engine.connect() as conn:
        scores = sorted(conn.execute(text("select score from responses")).scalars())
    assert scores == [0.0, 1.0]
