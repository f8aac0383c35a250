"""XP, levels, streaks across time zones, DST and freezes, and the badge rules, on plain values."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ai4d_core.domain.badges import BADGES, Facts, earned
from ai4d_core.domain.gamification import (
    AnswerFact,
    SessionFact,
    level_for,
    local_day,
    streak,
    xp_for,
    xp_grants,
    xp_to_reach,
)
from ai4d_core.domain.topics import TOPICS

pytestmark = pytest.mark.unit
AUCKLAND, LOS_ANGELES = ZoneInfo("Pacific/Auckland"), ZoneInfo("America/Los_Angeles")
T0 = datetime(2026, 6, 1, 8, tzinfo=UTC)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_xp_grows_with_calibrated_difficulty_and_partial_credit_pro_rata() -> None:
    assert [xp_for(b, 1.0) for b in (-2.0, 0.0, 0.5, 1.0, 3.0, 9.0)] == [10, 10, 15, 20, 40, 40]
    assert xp_for(1.0, 0.5) == 10 and xp_for(0.0, 0.01) == 1
    assert xp_for(2.0, 0.0) == 0 and xp_for(2.0, -0.5) == 0


def test_levels_follow_the_documented_curve() -> None:
    assert [xp_to_reach(n) for n in range(1, 6)] == [0, 100, 300, 600, 1000]
    checked = 0
    for n in range(2, 300):
        assert level_for(xp_to_reach(n)) == n
        assert level_for(xp_to_reach(n) - 1) == n - 1
        checked += 1
    print(f"checked {checked} level boundaries")
    assert level_for(0) == 1 and level_for(-5) == 1 and checked > 0


def _answer(item: str, score: float | None, at: datetime, *, pretest: bool = False, topic: str = "sql",
            b: float = 0.0, session: uuid.UUID | None = None) -> AnswerFact:  # fmt: skip
    return AnswerFact(f"k:{item}:{at.isoformat()}", item, topic, b, score, pretest, at, session)


def test_only_the_first_positive_scored_answer_of_an_item_earns_xp() -> None:
    answers = [
        _answer("a", 0.0, T0),  # wrong: nothing, and the item may still earn later
        _answer("a", 1.0, T0 + timedelta(minutes=1)),
        _answer("a", 1.0, T0 + timedelta(days=40)),  # a repeat, even long after: nothing
        _answer("p", 1.0, T0, pretest=True),
        _answer("o", None, T0),  # awaiting review
        _answer("h", 0.5, T0, b=1.0),
        _answer("h", 1.0, T0 + timedelta(days=1), b=1.0),  # the item earned already (partial credit)
    ]
    grants = xp_grants(sorted(answers, key=lambda a: a.at))
    assert [(g.item_id, g.xp) for g in grants] == [("h", 10), ("a", 10)]
    assert xp_grants(answers, held={"a", "h"}) == []


def test_the_same_utc_instants_are_different_days_in_auckland_and_los_angeles() -> None:
    # 08:00Z and 13:00Z: 20:00 and 01:00 the next day in Auckland (UTC+12), 01:00 and 06:00 in Los Angeles (UTC-7)
    instants = [T0, T0 + timedelta(hours=5)]
    auckland = {local_day(t, AUCKLAND) for t in instants}
    los_angeles = {local_day(t, LOS_ANGELES) for t in instants}
    assert auckland == {date(2026, 6, 1), date(2026, 6, 2)}
    assert los_angeles == {date(2026, 6, 1)}
    assert streak(auckland, date(2026, 6, 2)).current == 2
    assert streak(los_angeles, date(2026, 6, 1)).current == 1


def test_streak_days_across_daylight_saving_changes() -> None:
    # Los Angeles springs forward on 2026-03-08: 23:30 local each evening is 07:30Z, then 06:30Z
    evenings = [_utc("2026-03-08T07:30"), _utc("2026-03-09T06:30"), _utc("2026-03-10T06:30")]
    days = [local_day(t, LOS_ANGELES) for t in evenings]
    assert days == [date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 9)]
    assert streak(days, date(2026, 3, 9)).current == 3
    # Auckland falls back on 2026-04-05: 00:30 local each night is 11:30Z (NZDT), then 12:30Z (NZST)
    nights = [_utc("2026-04-03T11:30"), _utc("2026-04-04T11:30"), _utc("2026-04-05T12:30")]
    days = [local_day(t, AUCKLAND) for t in nights]
    assert days == [date(2026, 4, 4), date(2026, 4, 5), date(2026, 4, 6)]
    assert streak(days, date(2026, 4, 6)).current == 3
    # one fixed offset (+12) would have put the first night on the day before
    assert _utc("2026-04-03T11:30").astimezone(ZoneInfo("Etc/GMT-12")).date() == date(2026, 4, 3)


def _days(*texts: str) -> list[date]:
    return [date.fromisoformat(t) for t in texts]


def test_one_missed_day_a_week_is_bridged_by_the_freeze_and_a_second_breaks_the_streak() -> None:
    # 2026-06-01 is a Monday; Wednesday missed: bridged; Saturday missed in the same week: the chain breaks
    week = _days("2026-06-01", "2026-06-02", "2026-06-04", "2026-06-05")
    s = streak(week, date(2026, 6, 5))
    assert s.current == 4 and not s.freeze_available
    assert s.runs[-1].frozen == (date(2026, 6, 3),)
    s = streak([*week, date(2026, 6, 7)], date(2026, 6, 7))
    assert s.current == 1 and s.longest == 4
    # the next week's missed day is bridged again (its own freeze)
    s = streak([*week, *_days("2026-06-06", "2026-06-07", "2026-06-08", "2026-06-10")], date(2026, 6, 10))
    assert s.current == 8 and not s.freeze_available
    # two missed days in a row break it whatever the freezes
    assert streak(_days("2026-06-08", "2026-06-11"), date(2026, 6, 11)).current == 1


def test_today_not_over_keeps_the_streak_and_yesterday_missed_uses_the_freeze() -> None:
    days = _days("2026-06-08", "2026-06-09")  # Monday, Tuesday
    assert streak(days, date(2026, 6, 10)).current == 2  # Wednesday, nothing yet today
    s = streak(days, date(2026, 6, 11))  # Thursday: Wednesday missed, this week's freeze holds it
    assert s.current == 2 and not s.freeze_available
    assert streak(days, date(2026, 6, 12)).current == 0  # two days missed
    assert streak([], date(2026, 6, 12)).current == 0 and streak([], date(2026, 6, 12)).freeze_available
    assert streak(_days("2026-06-20"), date(2026, 6, 19)).current == 0  # a day after today is ignored


def _facts(answers: list[AnswerFact], sessions: Sequence[SessionFact] = (), total_xp: int = 0) -> Facts:
    days = [a.at.date() for a in answers if a.score is not None]
    end = max((a.at for a in answers), default=T0)
    return Facts(answers, list(sessions), streak(days, end.date()), "UTC", total_xp, TOPICS, end)


def test_there_are_at_least_twelve_documented_badges_with_unique_ids() -> None:
    ids = [b.id for b in BADGES]
    print(f"checked {len(ids)} badges")
    assert len(ids) >= 12 and len(set(ids)) == len(ids)
    assert all(b.name and b.rule.endswith(".") for b in BADGES)


def test_badges_come_with_their_evidence_and_never_from_pretest_or_ungraded_answers() -> None:
    quiz = uuid.uuid4()
    answers = [
        _answer("sql-1", 0.0, T0, session=quiz),
        _answer("sql-1", 1.0, T0 + timedelta(days=1), session=quiz),
        *[_answer(f"sql-{i}", 1.0, T0 + timedelta(days=2, minutes=i), b=1.2 * (i == 6)) for i in range(2, 7)],
    ]
    found = earned(_facts(answers, [SessionFact(quiz, "diagnostic", "finished", T0 + timedelta(days=1))]))
    assert found["first_right"]["item_ids"] == ["sql-1"] and found["first_right"]["session_id"] == str(quiz)
    assert found["comeback"]["item_ids"] == ["sql-1"]
    assert found["topic_5"]["item_ids"] == ["sql-1", "sql-2", "sql-3", "sql-4", "sql-5"]
    assert found["hard_item"] == {"item_ids": ["sql-6"], "b": 1.2, "at": answers[-1].at.isoformat()}
    assert found["streak_3"]["days"] == ["2026-06-01", "2026-06-02", "2026-06-03"]
    assert found["first_quiz"]["session_id"] == str(quiz)
    assert "perfect_diagnostic" not in found  # one wrong answer in it
    assert "topic_10" not in found and "all_topics" not in found and "level_5" not in found
    assert set(earned(_facts(answers), held=set(found))) == set()  # nothing twice

    pretest = [_answer(f"p-{i}", 1.0, T0 + timedelta(minutes=i), pretest=True, b=2.0) for i in range(6)]
    ungraded = [_answer(f"o-{i}", None, T0 + timedelta(minutes=i)) for i in range(6)]
    assert earned(_facts(pretest + ungraded)) == {}


def test_mastery_all_topics_perfect_diagnostic_and_level_badges() -> None:
    quiz = uuid.uuid4()
    answers = [_answer(f"{t}-1", 1.0, T0 + timedelta(minutes=n), topic=t, session=quiz) for n, t in enumerate(TOPICS)]
    sessions = [SessionFact(quiz, "diagnostic", "finished", T0 + timedelta(hours=1),
                            (("sql", 1.4, 0.45), ("python", 1.6, 0.7)))]  # fmt: skip
    found = earned(_facts(answers, sessions, total_xp=xp_to_reach(5)))
    assert found["perfect_diagnostic"]["item_ids"] == [a.item_id for a in answers]
    assert found["all_topics"]["topics"] == list(TOPICS)
    assert found["mastered_topic"]["topic"] == "sql"  # python's SE is too large to claim it
    assert found["level_5"] == {"xp": 1000, "level": 5}
    wide = [SessionFact(quiz, "diagnostic", "finished", T0, (("sql", 1.4, 0.51),))]
    assert "mastered_topic" not in earned(_facts(answers, wide, total_xp=xp_to_reach(5) - 1))
