"""Learner settings on the real PostgreSQL: defaults, a stable random pseudonym, checked changes, policy."""

from __future__ import annotations

from typing import Any

import pytest

from ai4d_core import policy
from ai4d_core.bootstrap import Container
from ai4d_core.domain import learner_settings as domain
from ai4d_core.services import learner_settings
from ai4d_core.services.learner_settings import SettingsError

pytestmark = pytest.mark.integration
HASH = "$argon2id$v=19$m=65536,t=3,p=4$placeholder"


def _learner(c: Container, email: str, name: str = "Ada Lovelace") -> policy.Viewer:
    return policy.Viewer(c.users.add(email, name, "learner", HASH), policy.LEARNER)


def test_defaults_until_changed_and_the_pseudonym_is_stable_and_not_the_name(clean: Container) -> None:
    ada = _learner(clean, "ada.lovelace@example.org")
    first = learner_settings.get(clean, ada.id)
    assert (first.time_zone, first.leaderboard_opt_in, first.notify_profile_ready) == ("UTC", False, False)
    assert learner_settings.get(clean, ada.id) == first  # the same pseudonym on every read
    adjective, animal, number = first.pseudonym.split(" ")
    assert adjective in domain.ADJECTIVES and animal in domain.ANIMALS and 100 <= int(number) <= 999
    assert not {"ada", "lovelace", "example"} & set(first.pseudonym.lower().split())
    with pytest.raises(LookupError):
        learner_settings.get(clean, 999_999)


def test_a_learner_changes_their_own_settings_and_can_get_a_new_pseudonym(clean: Container) -> None:
    ada = _learner(clean, "ada@example.org")
    before = learner_settings.get(clean, ada.id)
    after = learner_settings.update(
        clean, ada, time_zone="Europe/Paris", leaderboard_opt_in=True, notify_profile_ready=True
    )
    assert (after.time_zone, after.leaderboard_opt_in, after.notify_profile_ready) == ("Europe/Paris", True, True)
    assert after.pseudonym == before.pseudonym and str(after.zone) == "Europe/Paris"
    renamed = learner_settings.update(clean, ada, new_pseudonym=True)
    assert renamed.pseudonym != before.pseudonym and renamed.time_zone == "Europe/Paris"
    assert learner_settings.get(clean, ada.id) == renamed


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "'Mars/Olympus_Mons' is not a known time zone"),
        ({"time_zone": "europe/paris"}, "not a known time zone; choose one such as Europe/Paris"),
        ({"time_zone": ""}, "Choose a time zone"),
        ({"time_zone": "x" * 500}, "is not a known time zone"),
        ({"time_zone": "Factory"}, "is not a known time zone"),
        ({"leaderboard_opt_in": "false"}, "leaderboard opt in must be on or off"),
        ({"notify_profile_ready": 1}, "notify profile ready must be on or off"),
        ({"pseudonym": "Ada Lovelace"}, "unknown setting pseudonym"),
        ({"time_zone": "Asia/Tokyo", "is_admin": True}, "unknown setting is_admin"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message_and_nothing_is_saved(
    clean: Container, changes: dict[str, Any], says: str
) -> None:
    ada = _learner(clean, "ada@example.org")
    before = learner_settings.get(clean, ada.id)
    with pytest.raises(SettingsError, match=says[:40].replace("(", r"\(")):
        learner_settings.update(clean, ada, **changes)
    assert learner_settings.get(clean, ada.id) == before


def test_a_learner_cannot_change_someone_else_but_an_admin_can(clean: Container) -> None:
    ada, bob = _learner(clean, "ada@example.org"), _learner(clean, "bob@example.org")
    with pytest.raises(policy.Forbidden):
        learner_settings.update(clean, ada, learner_id=bob.id, leaderboard_opt_in=True)
    with pytest.raises(policy.Forbidden):
        learner_settings.update(clean, None, leaderboard_opt_in=True)
    assert learner_settings.get(clean, bob.id).leaderboard_opt_in is False
    admin = policy.Viewer(clean.users.add("root@example.org", "Root", "admin", HASH), policy.ADMIN)
    assert learner_settings.update(clean, admin, learner_id=bob.id, time_zone="Asia/Tokyo").time_zone == "Asia/Tokyo"


def test_only_opted_in_learners_have_leaderboard_names_and_pseudonyms_are_unique(clean: Container) -> None:
    learners = [_learner(clean, f"l{n}@example.org") for n in range(40)]
    for viewer in learners[:3]:
        learner_settings.update(clean, viewer, leaderboard_opt_in=True)
    learner_settings.update(clean, learners[5], notify_profile_ready=True)
    every = learner_settings.get_many(clean, [v.id for v in learners])
    assert len({s.pseudonym for s in every.values()}) == 40
    names = learner_settings.leaderboard_names(clean)
    assert names == {v.id: every[v.id].pseudonym for v in learners[:3]}
    assert learner_settings.leaderboard_names(clean, [learners[0].id, learners[4].id]) == {
        learners[0].id: every[learners[0].id].pseudonym
    }
    assert learner_settings.notified(clean, [v.id for v in learners]) == {learners[5].id}
    print(f"checked {len(every)} learners' settings")


def test_a_pseudonym_clash_is_drawn_again(clean: Container) -> None:
    from ai4d_core.adapters.sql.learner_settings import SqlLearnerSettings

    ada, bob = _learner(clean, "ada@example.org"), _learner(clean, "bob@example.org")
    draws = iter(["Calm Otter 101", "Calm Otter 101", "Calm Otter 101", "Swift Wren 202"])
    store = SqlLearnerSettings(clean.engine, lambda: next(draws))
    assert store.many([ada.id])[ada.id].pseudonym == "Calm Otter 101"
    assert store.many([bob.id])[bob.id].pseudonym == "Swift Wren 202"
