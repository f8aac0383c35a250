"""Gamification that cannot be gamed, on real PostgreSQL: resubmitted, replayed and re-answered answers, pretest
items and ungraded open responses earn no XP; no badge twice, even under concurrent calls; streaks in the
learner's time zone; the opt-in weekly leaderboard under pseudonyms."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from ai4d_core import policy
from ai4d_core.adapters.sql.tables import Submission
from ai4d_core.adapters.sql.tables_gamification import BadgeAward, XpAward
from ai4d_core.adapters.sql.tables_quiz import QuizAnswer
from ai4d_core.bootstrap import Container
from ai4d_core.domain.gamification import xp_for
from ai4d_core.domain.items import Item, ItemStatus, SingleChoiceItem, TrueFalseItem
from ai4d_core.domain.keys import key_answer
from ai4d_core.item_bank import load_curated_bank, load_demo_items
from ai4d_core.services import cohorts, gamification, learner_settings, quiz_sessions
from ai4d_core.services.ingest import ingest_pending
from ai4d_core.services.quiz import build_payload
from ai4d_core.services.quiz_types import NO_EFFECTS, Answered, QuizTurn
from ai4d_core.services.submissions import receive

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _no_rate_limits() -> None:
    quiz_sessions.ANSWERS.reset()
    quiz_sessions.PREVIEWS.reset()


def _learner(c: Container, name: str) -> policy.Viewer:
    return policy.Viewer(c.users.add(f"{name}@example.org", name.title(), "learner", "not-a-real-hash"), "learner")


def _item(c: Container, turn: QuizTurn) -> Item:
    item = c.items.get(turn.question["id"], turn.question["version"])
    assert item is not None
    return item


def _wrong(item: Item) -> object:
    if isinstance(item, TrueFalseItem):
        return not item.key
    assert isinstance(item, SingleChoiceItem)
    return next(o.id for o in item.options if o.id != item.key)


def _answer(c: Container, who: policy.Viewer, turn: QuizTurn, value: object) -> Answered:
    result = quiz_sessions.answer(c, who, turn.session_id, turn.position, value)
    assert isinstance(result, Answered)
    return result


def _ledger(c: Container, learner_id: int) -> dict[str, int]:
    with c.engine.connect() as conn:
        rows = conn.execute(select(XpAward.item_id, XpAward.xp).where(XpAward.learner_id == learner_id))
        return {r.item_id: r.xp for r in rows}


def _badges(c: Container, learner_id: int) -> list[str]:
    with c.engine.connect() as conn:
        return sorted(conn.execute(select(BadgeAward.badge).where(BadgeAward.learner_id == learner_id)).scalars())


def _solo_topic(c: Container, topic: str, item: Item) -> Item:
    """A topic whose only item is a copy of `item` (every quiz on it asks that item again)."""
    solo = item.model_copy(update={"id": f"{topic}-{item.id}", "topic": topic})
    c.items.upsert([solo])
    return solo


def test_resubmitting_and_replaying_an_answer_earn_xp_once(bank: Container) -> None:
    ada = _learner(bank, "ada")
    turn = quiz_sessions.start(bank, ada, "diagnostic", ["sql"])
    item = _item(bank, turn)
    first = _answer(bank, ada, turn, key_answer(item))
    assert first.effects.xp == xp_for(item.difficulty, 1.0) > 0
    assert "First right answer" in first.effects.badges
    # the header's progress comes with the answer: what a fresh reading says, the new badge's time aside
    carried, read = first.effects.progress, gamification.progress(bank, ada.id)
    assert carried is not None and carried.xp == first.effects.xp > 0 and carried.week_xp == first.effects.xp
    assert [(b.id, b.evidence) for b in carried.badges] == [(b.id, b.evidence) for b in read.badges] != []
    assert replace(carried, badges=()) == replace(read, badges=())
    again = _answer(bank, ada, turn, key_answer(item))  # the same question answered again: a retry
    assert again.duplicate and again.effects == NO_EFFECTS

    # the quiz's own raw submission replayed through the submissions door, then ingested
    with bank.engine.connect() as conn:
        raw = conn.execute(select(Submission.payload).where(Submission.learner_id == ada.id)).scalar_one()
    replay = receive(bank, ada.id, raw.encode(), "api")
    assert replay.submission.duplicate
    # and a new submission of the same right answer (another submission id)
    fresh = receive(bank, ada.id, build_payload({item.id: key_answer(item)}), "api")
    assert fresh.accepted and not fresh.submission.duplicate
    assert ingest_pending(bank).responses == 2
    done = gamification.award_pending(bank, ada.id)
    assert done.grants == ()
    assert _ledger(bank, ada.id) == {item.id: first.effects.xp}
    assert gamification.progress(bank, ada.id).xp == first.effects.xp


def test_an_item_answered_again_in_a_later_quiz_earns_nothing_and_a_comeback_once(bank: Container) -> None:
    solo = _solo_topic(bank, "solo", load_demo_items()[0])
    bob = _learner(bank, "bob")
    earned = []
    for value in (_wrong(solo), key_answer(solo), key_answer(solo), key_answer(solo)):
        turn = quiz_sessions.start(bank, bob, "practice", ["solo"], replace=True)
        assert turn.question["id"] == solo.id  # the one item of the topic comes back
        earned.append(_answer(bank, bob, turn, value).effects)
    assert [e.xp for e in earned] == [0, xp_for(solo.difficulty, 1.0), 0, 0]
    assert "Comeback" in earned[1].badges and not any("Comeback" in e.badges for e in earned[2:])
    assert list(_ledger(bank, bob.id)) == [solo.id]


def test_pretest_items_earn_no_xp(bank: Container) -> None:
    chosen = [i for i in load_curated_bank() if isinstance(i, SingleChoiceItem | TrueFalseItem)]
    bank.items.upsert([i.model_copy(update={"id": f"x-{i.id}", "topic": "mixed"}) for i in chosen[:40]])
    provisional = [
        i.model_copy(update={"id": f"new-{i.id}", "topic": "mixed", "status": ItemStatus.PROVISIONAL})
        for i in chosen[40:]
    ]
    bank.items.upsert(provisional)
    pretest: set[str] = set()
    scored: set[str] = set()
    for k in range(30):
        cy = _learner(bank, f"cy{k}")
        turn = quiz_sessions.start(bank, cy, "diagnostic", ["mixed"])
        for _ in range(8):
            result = _answer(bank, cy, turn, key_answer(_item(bank, turn)))
            (pretest if turn.question["id"].startswith("new-") else scored).add(turn.question["id"])
            if turn.question["id"].startswith("new-"):
                assert result.effects.xp == 0
            if not isinstance(result.next, QuizTurn):
                break
            turn = result.next
        if len(pretest) >= 3:
            break
    with bank.engine.connect() as conn:
        awarded = set(conn.execute(select(XpAward.item_id)).scalars())
        n_pretest = conn.execute(select(func.count()).select_from(QuizAnswer).where(QuizAnswer.pretest)).scalar_one()
    print(f"{n_pretest} pretest answers (items {sorted(pretest)}), {len(scored)} scored items, in {k + 1} quizzes")
    assert len(pretest) >= 3 and n_pretest >= 3
    assert awarded == scored and not awarded & pretest


def _open_item() -> Item:
    return next(i for i in load_curated_bank() if i.type == "open_response")


def test_an_open_response_earns_xp_only_once_an_educator_grades_it(bank: Container) -> None:
    from ai4d_core.services import grading

    essay = _solo_topic(bank, "essay", _open_item())
    dee = _learner(bank, "dee")
    teacher = policy.Viewer(bank.users.add("t@example.org", "T", "educator", "not-a-real-hash"), "educator")
    cohort = cohorts.create_cohort(bank, teacher, "Essays")
    cohorts.add_member(bank, teacher, cohort, dee.id)
    turn = quiz_sessions.start(bank, dee, "practice", ["essay"])
    result = _answer(bank, dee, turn, "A careful answer that covers " + " ".join(essay.stem.split()[:30]))
    assert result.effects.xp == 0 and _ledger(bank, dee.id) == {}
    assert gamification.award_pending(bank, dee.id).grants == ()  # still awaiting review
    ingest_pending(bank)
    with bank.engine.connect() as conn:
        attempt = conn.execute(select(QuizAnswer.submission_id).where(QuizAnswer.learner_id == dee.id)).scalar_one()
    graded = grading.grade(bank, teacher, f"{attempt}:{essay.id}", 0.5)
    assert graded.effects.xp == xp_for(essay.difficulty, 0.5) > 0
    assert _ledger(bank, dee.id) == {essay.id: graded.effects.xp}


def _ingested_history(c: Container, learner: policy.Viewer, n: int) -> list[Item]:
    """`n` demo items answered right through the submissions door and ingested (nothing awarded yet)."""
    items = load_demo_items()[:n]
    receipt = receive(c, learner.id, build_payload({i.id: key_answer(i) for i in items}), "api")
    assert receipt.accepted
    ingest_pending(c)
    return items


def test_no_badge_and_no_xp_is_awarded_twice_under_concurrent_calls(bank: Container) -> None:
    eve = _learner(bank, "eve")
    items = _ingested_history(bank, eve, 12)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: gamification.award_pending(bank, eve.id), range(16)))
    granted = [g.item_id for r in results for g in r.grants]
    badges = [b for r in results for b in r.badges]
    print(f"{len(granted)} grants and {len(badges)} badges over {len(results)} concurrent calls")
    assert sorted(granted) == sorted(i.id for i in items)
    assert len(badges) == len(set(badges)) >= 2 and sorted(badges) == _badges(bank, eve.id)
    assert gamification.award_pending(bank, eve.id) == gamification.Awarded()


def _answered_at(c: Container, learner: policy.Viewer, instants: list[datetime]) -> None:
    """One demo item answered right per instant, through the submissions door, at that server time."""
    for item, at in zip(load_demo_items(), instants, strict=False):
        receipt = receive(c, learner.id, build_payload({item.id: key_answer(item)}, uuid.uuid4()), "api")
        with c.engine.begin() as conn:
            conn.execute(update(Submission).where(Submission.id == receipt.submission.id).values(received_at=at))
    ingest_pending(c)


def test_streaks_are_counted_in_each_learners_time_zone(bank: Container) -> None:
    # the same UTC instants: in Auckland (UTC+12) 20:00 on the 1st, 01:00 on the 2nd, 01:00 on the 3rd (3 days);
    # in Los Angeles (UTC-7) 01:00 and 06:00 on the 1st, 06:00 on the 2nd (2 days)
    instants = [datetime(2026, 6, 1, 8, tzinfo=UTC), datetime(2026, 6, 1, 13, tzinfo=UTC),
                datetime(2026, 6, 2, 13, tzinfo=UTC)]  # fmt: skip
    now = instants[-1] + timedelta(minutes=30)
    kiri, lou = _learner(bank, "kiri"), _learner(bank, "lou")
    learner_settings.update(bank, kiri, time_zone="Pacific/Auckland")
    learner_settings.update(bank, lou, time_zone="America/Los_Angeles")
    for who in (kiri, lou):
        _answered_at(bank, who, instants)
        gamification.award_pending(bank, who.id, now=now)
    at_kiri, at_lou = gamification.progress(bank, kiri.id, now=now), gamification.progress(bank, lou.id, now=now)
    assert (at_kiri.streak_days, at_lou.streak_days) == (3, 2)
    assert at_kiri.time_zone == "Pacific/Auckland"
    streak_3 = next(b for b in at_kiri.badges if b.id == "streak_3")
    assert streak_3.evidence["days"] == ["2026-06-01", "2026-06-02", "2026-06-03"]
    assert streak_3.evidence["time_zone"] == "Pacific/Auckland"
    assert "streak_3" not in _badges(bank, lou.id)
    # two days later in LA (the 4th missed, the 5th not over): the freeze holds the streak, once
    assert gamification.progress(bank, lou.id, now=datetime(2026, 6, 4, 18, tzinfo=UTC)).streak_days == 2
    later = gamification.progress(bank, lou.id, now=datetime(2026, 6, 5, 18, tzinfo=UTC))
    assert later.streak_days == 0


def test_the_weekly_leaderboard_shows_opted_in_cohort_members_under_pseudonyms(bank: Container) -> None:
    teacher = policy.Viewer(bank.users.add("t@example.org", "Teacher", "educator", "not-a-real-hash"), "educator")
    cohort = cohorts.create_cohort(bank, teacher, "Week")
    people = {name: _learner(bank, name) for name in ("ann", "ben", "cat", "out")}
    for name in ("ann", "ben", "cat"):
        cohorts.add_member(bank, teacher, cohort, people[name].id)
    for name in ("ann", "ben"):
        learner_settings.update(bank, people[name], leaderboard_opt_in=True)
    for n, name in enumerate(("ann", "ben", "cat")):
        _ingested_history(bank, people[name], 2 + 2 * n)
        gamification.award_pending(bank, people[name].id)
    with bank.engine.begin() as conn:  # one of ben's awards was for an answer of last week
        last_week = datetime.now(UTC) - timedelta(days=8)
        first = conn.execute(select(XpAward.item_id).where(XpAward.learner_id == people["ben"].id)).scalars().first()
        assert first is not None
        conn.execute(update(XpAward).where(XpAward.learner_id == people["ben"].id, XpAward.item_id == first)
                     .values(answered_at=last_week))  # fmt: skip
    board = gamification.leaderboard(bank, people["ann"], cohort)
    names = {who: learner_settings.get(bank, people[who].id).pseudonym for who in people}
    assert board.opted_in and [s.pseudonym for s in board.standings] == [names["ben"], names["ann"]]
    ben_xp = sum(_ledger(bank, people["ben"].id).values()) - _ledger(bank, people["ben"].id)[first]
    assert [s.xp for s in board.standings] == [ben_xp, sum(_ledger(bank, people["ann"].id).values())]
    assert [s.you for s in board.standings] == [False, True]
    shown = json.dumps([s.pseudonym for s in board.standings])
    assert not any(n in shown for n in ("Ann", "Ben", "Cat", "@example.org"))
    assert (
        board.week_start.weekday() == 0
        and board.week_start.hour == 0
        and board.week_end - board.week_start == timedelta(days=7)
    )
    assert gamification.leaderboard(bank, people["cat"], cohort).standings == ()  # not opted in: not shown
    assert len(gamification.leaderboard(bank, teacher, cohort).standings) == 2
    with pytest.raises(policy.Forbidden):
        gamification.leaderboard(bank, people["out"], cohort)


def test_what_a_client_claims_awards_nothing(bank: Container) -> None:
    """A claimed score or correctness is ignored (the server scores the answer), and a claimed answer time
    cannot fill streak days (the server's receipt time counts)."""
    fay = _learner(bank, "fay")
    items = load_demo_items()[:3]
    wrong = {
        "format": "ai4d/v1", "submission_id": str(uuid.uuid4()),
        "answers": [{"item_id": items[0].id, "answer": _wrong(items[0]), "score": 1.0, "is_correct": True}],
    }  # fmt: skip
    receive(bank, fay.id, json.dumps(wrong).encode(), "api")
    now = datetime.now(UTC)
    for days_ago, item in ((2, items[1]), (1, items[2])):  # answers claimed on the two days before
        receive(bank, fay.id, build_payload({item.id: key_answer(item)}, submitted_at=now - timedelta(days=days_ago)),
                "api")  # fmt: skip
    ingest_pending(bank)
    gamification.award_pending(bank, fay.id)
    assert set(_ledger(bank, fay.id)) == {items[1].id, items[2].id}
    p = gamification.progress(bank, fay.id)
    assert p.streak_days == 1 and "streak_3" not in _badges(bank, fay.id)
