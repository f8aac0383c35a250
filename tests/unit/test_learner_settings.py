"""Learner settings and activity events as values: time zones, opt-in flags, pseudonyms, event ids."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from ai4d_core.domain import learner_settings as ls
from ai4d_core.domain.activity import KINDS, ActivityEvent

pytestmark = pytest.mark.unit


def test_every_offered_time_zone_loads_and_is_accepted() -> None:
    zones = ls.time_zones()
    print(f"checked {len(zones)} time zones")
    assert len(zones) > 300 and "UTC" in zones and "Europe/Paris" in zones and "Factory" not in zones
    for name in zones:
        assert ls.check_time_zone(name) == name and ZoneInfo(name) is not None


@pytest.mark.parametrize("bad", [None, 3, "", "   ", "Europe/Nowhere", "../../etc/passwd", "UTC\n", "x" * 65])
def test_a_bad_time_zone_says_what_a_good_one_looks_like(bad: object) -> None:
    if bad == "UTC\n":  # surrounding blanks are trimmed, not refused
        assert ls.check_time_zone(bad) == "UTC"
        return
    with pytest.raises(ls.SettingsError, match="Europe/Paris"):
        ls.check_time_zone(bad)


@pytest.mark.parametrize("bad", ["true", 1, 0, None, "on"])
def test_an_opt_in_is_a_real_boolean(bad: object) -> None:
    assert ls.check_flag("leaderboard_opt_in", True) is True
    with pytest.raises(ls.SettingsError, match="leaderboard opt in must be on or off"):
        ls.check_flag("leaderboard_opt_in", bad)


def test_pseudonyms_are_drawn_from_the_word_lists_and_vary() -> None:
    drawn = {ls.new_pseudonym() for _ in range(500)}
    assert len(drawn) > 450
    for name in drawn:
        adjective, animal, number = name.split(" ")
        assert adjective in ls.ADJECTIVES and animal in ls.ANIMALS and 100 <= int(number) <= 999
        assert len(name) <= ls.MAX_PSEUDONYM
    assert len(set(ls.ADJECTIVES)) == len(ls.ADJECTIVES) == 64 and len(set(ls.ANIMALS)) == len(ls.ANIMALS) == 64


def test_settings_defaults_and_zone() -> None:
    s = ls.LearnerSettings(pseudonym="Calm Otter 101")
    assert (s.time_zone, s.leaderboard_opt_in, s.notify_profile_ready) == ("UTC", False, False)
    assert s.zone == ZoneInfo("UTC")


def test_an_event_round_trips_through_its_document_and_unknown_kinds_are_refused() -> None:
    at = datetime(2026, 5, 1, tzinfo=UTC)
    event = ActivityEvent("answered", "0f7c:3", 42, at, {"score": 1.0})
    assert event.id == "answered:0f7c:3" and set(KINDS) >= {"quiz_started", "badge_earned", "graded"}
    assert ActivityEvent.from_document({"_id": event.id, **event.document()}) == event
    with pytest.raises(ValueError, match="unknown activity kind"):
        ActivityEvent.from_document({"_id": "hacked:1", "learner_id": 1, "at": at})
