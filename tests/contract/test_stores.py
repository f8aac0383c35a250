"""One contract per store protocol, run against every adapter of it on the real service.

Each protocol has one real adapter today; a new adapter (another database, a fake for unit tests) joins the
parametrization and must pass the same contract.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ai4d_core.adapters.duckdb_warehouse import DuckDBWarehouse, WarehouseMissingError
from ai4d_core.adapters.mongo_activity import MongoActivityStore
from ai4d_core.adapters.mongo_profiles import MongoProfileStore
from ai4d_core.bootstrap import Container
from ai4d_core.domain.activity import ActivityEvent, Kind
from ai4d_core.domain.items import ItemStatus
from ai4d_core.item_bank import load_demo_items
from ai4d_core.ports import ActivityStore, ItemStore, ProfileStore, UserStore, Warehouse
from ai4d_core.security.throttle import Limits

pytestmark = pytest.mark.contract
HASH = "$argon2id$v=19$m=65536,t=3,p=4$placeholder"

PROFILE_STORES: dict[str, Callable[[Container], ProfileStore]] = {
    "mongo": lambda c: c.profiles,
}
ACTIVITY_STORES: dict[str, Callable[[Container], ActivityStore]] = {"mongo": lambda c: c.activity}
USER_STORES: dict[str, Callable[[Container], UserStore]] = {"postgres": lambda c: c.users}
ITEM_STORES: dict[str, Callable[[Container], ItemStore]] = {"postgres": lambda c: c.items}


@pytest.fixture(params=sorted(PROFILE_STORES))
def profiles(request: pytest.FixtureRequest, clean: Container) -> ProfileStore:
    return PROFILE_STORES[request.param](clean)


@pytest.fixture(params=sorted(USER_STORES))
def users(request: pytest.FixtureRequest, clean: Container) -> UserStore:
    return USER_STORES[request.param](clean)


@pytest.fixture(params=sorted(ITEM_STORES))
def items(request: pytest.FixtureRequest, clean: Container) -> ItemStore:
    return ITEM_STORES[request.param](clean)


def _profile(learner: int, version: int, **extra: Any) -> dict[str, Any]:
    return {"learner_id": learner, "version": version, "narrative": f"v{version}", **extra}


def _versioned(learner: int, version: int, source: str, ability: float) -> dict[str, Any]:
    at = datetime(2026, 3, version, 9, 30, tzinfo=UTC).isoformat()
    return _profile(
        learner, version, provenance={"source": source, "model": None, "generated_at": at},
        topics=[{"topic": "sql", "n_responses": 4, "mean_score": 0.5, "ability": ability, "se": 0.6,
                 "mastery": "developing", "evidence": ["sql-101"]}],
    )  # fmt: skip


def test_profile_put_is_idempotent_and_latest_is_the_highest_version(profiles: ProfileStore) -> None:
    assert profiles.put(_profile(1, 1)) is True
    assert profiles.put(_profile(1, 2)) is True
    assert profiles.put(_profile(1, 2)) is False  # delivered again (a retried relay)
    profiles.put(_profile(2, 1))
    assert profiles.latest(1) == _profile(1, 2)
    assert [p["version"] for p in profiles.history(1)] == [1, 2]
    assert profiles.latest(3) is None


def test_a_stored_profile_version_is_never_overwritten(profiles: ProfileStore) -> None:
    profiles.put(_versioned(1, 1, "rules", 0.1))
    profiles.put(_versioned(1, 2, "llm", 0.4))
    assert profiles.put(_versioned(1, 1, "llm", 9.9) | {"narrative": "rewritten"}) is False
    first, second = profiles.history(1)
    assert first == _versioned(1, 1, "rules", 0.1) and second == _versioned(1, 2, "llm", 0.4)


def test_ability_history_is_the_light_projection_oldest_first(profiles: ProfileStore) -> None:
    for version, source, ability in ((3, "llm", 0.9), (1, "rules", -0.2), (2, "rules", 0.3)):
        profiles.put(_versioned(7, version, source, ability))
    profiles.put(_profile(7, 4))  # a v1 document without topics or provenance still reads
    profiles.put(_versioned(8, 1, "rules", 2.0))
    points = profiles.ability_history(7)
    assert [(p["version"], p["source"]) for p in points] == [(1, "rules"), (2, "rules"), (3, "llm"), (4, None)]
    assert points[0]["generated_at"] == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert points[0]["topics"] == [{"topic": "sql", "ability": -0.2, "se": 0.6}]
    assert points[3] == {"version": 4, "generated_at": None, "source": None, "topics": []}
    assert set(points[2]) == {"version", "generated_at", "source", "topics"}  # no texts
    assert profiles.ability_history(9) == []


def test_profile_erasure_removes_every_version_of_one_learner(profiles: ProfileStore) -> None:
    profiles.put(_profile(1, 1))
    profiles.put(_profile(1, 2))
    profiles.put(_profile(2, 1))
    assert profiles.delete_learner(1) == 2
    assert profiles.history(1) == [] and profiles.latest(2) is not None


def test_mongo_indexes_are_created_by_code(clean: Container) -> None:
    store = MongoProfileStore(clean.mongo_db, collection="contract_profiles")
    store.ensure_indexes()
    store.ensure_indexes()  # idempotent
    indexes = {ix["name"]: ix for ix in clean.mongo_db["contract_profiles"].list_indexes()}
    assert {"learner_version", "provenance_source", "provenance_generated_at"} <= set(indexes)
    assert indexes["learner_version"].get("unique") is True
    events = MongoActivityStore(clean.mongo_db, collection="contract_activity")
    events.ensure_indexes()
    events.ensure_indexes()
    names = {ix["name"]: dict(ix["key"]) for ix in clean.mongo_db["contract_activity"].list_indexes()}
    assert names["learner_at"] == {"learner_id": 1, "at": -1} and names["kind"] == {"kind": 1}


@pytest.fixture(params=sorted(ACTIVITY_STORES))
def activity(request: pytest.FixtureRequest, clean: Container) -> ActivityStore:
    return ACTIVITY_STORES[request.param](clean)


T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def _event(kind: Kind, key: str, learner: int, minutes: int, **data: Any) -> ActivityEvent:
    return ActivityEvent(kind, key, learner, T0 + timedelta(minutes=minutes), data)


def test_activity_upsert_is_idempotent_on_kind_and_key(activity: ActivityStore) -> None:
    first = [_event("quiz_started", "s1", 1, 0, mode="diagnostic"), _event("answered", "s1:1", 1, 1, score=1.0)]
    assert activity.upsert(first) == 2
    assert activity.upsert(first) == 0
    assert activity.upsert([_event("answered", "s1:1", 1, 1, score=0.5), _event("answered", "s1:2", 1, 2)]) == 1
    assert activity.upsert([]) == 0
    events = activity.recent(1, 10)
    assert [e.id for e in events] == ["answered:s1:2", "answered:s1:1", "quiz_started:s1"]
    assert events[1].data == {"score": 1.0} and events[2].at == T0  # the first copy stays; aware times
    assert activity.upsert([_event("graded", "g1", 1, 3), _event("graded", "g1", 1, 3)]) == 1  # twice in one batch


def test_activity_recent_is_newest_first_limited_and_per_learner(activity: ActivityStore) -> None:
    activity.upsert([_event("answered", f"s:{n}", 1, n) for n in range(30)])
    activity.upsert([_event("badge_earned", "first-steps", 2, 100)])
    latest = activity.recent(1, 5)
    assert [e.key for e in latest] == [f"s:{n}" for n in (29, 28, 27, 26, 25)]
    assert {e.learner_id for e in activity.recent(1, 100)} == {1} and len(activity.recent(1, 100)) == 30
    assert [e.kind for e in activity.recent(2)] == ["badge_earned"]


def test_activity_erasure_removes_one_learner_only(activity: ActivityStore) -> None:
    activity.upsert([_event("answered", "a", 1, 0), _event("answered", "b", 1, 1), _event("answered", "c", 2, 0)])
    assert activity.delete_learner(1) == 2
    assert activity.recent(1) == [] and len(activity.recent(2)) == 1


def test_users_sessions_and_revocation(users: UserStore) -> None:
    uid = users.add(" Ada@Example.org ", "Ada", "learner", HASH)
    assert users.by_email("ada@example.org") == users.get(uid)
    now = datetime.now(UTC)
    users.create_session(uid, b"\x01" * 32, now + timedelta(hours=1))
    assert users.session_user(b"\x01" * 32, now, now - timedelta(minutes=30)) is not None
    assert users.session_user(b"\x02" * 32, now, now - timedelta(minutes=30)) is None
    # idle: last seen before the idle cut-off
    assert users.session_user(b"\x01" * 32, now, now + timedelta(minutes=1)) is None
    users.revoke_session(b"\x01" * 32)
    assert users.session_user(b"\x01" * 32, now, now - timedelta(minutes=30)) is None


def test_expired_sessions_and_disabled_users_are_refused(users: UserStore) -> None:
    uid = users.add("bo@example.org", "Bo", "learner", HASH)
    now = datetime.now(UTC)
    users.create_session(uid, b"\x03" * 32, now - timedelta(seconds=1))
    assert users.session_user(b"\x03" * 32, now, now - timedelta(minutes=30)) is None
    users.create_session(uid, b"\x04" * 32, now + timedelta(hours=1))
    users.set_active(uid, False)
    assert users.session_user(b"\x04" * 32, now, now - timedelta(minutes=30)) is None
    assert users.revoke_all_sessions(uid) == 2


def test_checks_are_reserved_within_each_budget_and_throttled_ones_do_not_count(users: UserStore) -> None:
    since = datetime.now(UTC) - timedelta(minutes=1)
    limits = Limits(per_account=2, per_device=1, per_source=3)
    first = users.reserve_check("A@example.org", "10.0.0.1", None, since, since, limits)
    second = users.reserve_check("a@example.org", "10.0.0.2", None, since, since, limits)
    assert first is not None and second is not None
    assert users.reserve_check("a@example.org", "10.0.0.3", None, since, since, limits) is None  # account budget
    assert users.reserve_check("a@example.org", "10.0.0.3", "dev-1", since, since, limits) is not None  # device
    assert users.reserve_check("a@example.org", "10.0.0.3", "dev-1", since, since, limits) is None
    assert users.reserve_check("b@example.org", "10.0.0.1", None, since, since, limits) is not None
    # 10.0.0.3 made one check (the device one); its two throttled attempts do not count
    assert users.reserve_check("c@example.org", "10.0.0.3", None, since, since, limits) is not None
    assert users.reserve_check("d@example.org", "10.0.0.3", None, since, since, limits) is not None
    assert users.reserve_check("e@example.org", "10.0.0.3", None, since, since, limits) is None  # source budget
    users.finish_check(first, True)
    later = datetime.now(UTC) + timedelta(seconds=1)  # a reset moves the account's start: a fresh budget
    assert users.reserve_check("a@example.org", "10.0.0.4", None, later, since, limits) is not None


def test_tokens_are_single_use_and_purpose_bound(users: UserStore) -> None:
    uid = users.add("t@example.org", "T", "learner", HASH, verified=False)
    now = datetime.now(UTC)
    users.add_token(uid, b"\x05" * 32, "verify", now + timedelta(hours=1))
    users.add_token(uid, b"\x06" * 32, "verify", now + timedelta(hours=1))
    users.add_token(uid, b"\x07" * 32, "reset", now - timedelta(seconds=1))
    assert users.tokens_since(uid, "verify", now - timedelta(minutes=1))[0] == 2
    assert users.token_user(b"\x05" * 32, "reset", now) is None
    assert users.token_user(b"\x05" * 32, "verify", now) == uid
    assert users.use_token(b"\x05" * 32, "verify", now) == uid
    assert users.use_token(b"\x05" * 32, "verify", now) is None
    assert users.use_token(b"\x06" * 32, "verify", now) is None  # using one uses its siblings
    assert users.reset_with_token(b"\x07" * 32, HASH, now) is None  # expired
    users.mark_verified(uid)
    user = users.get(uid)
    assert user is not None and user.email_verified


def test_password_change_keeps_one_session_and_roles_change(users: UserStore) -> None:
    uid = users.add("p@example.org", "P", "learner", HASH)
    now = datetime.now(UTC)
    for n in (8, 9, 10):
        users.create_session(uid, bytes([n]) * 32, now + timedelta(hours=1))
    assert users.set_password(uid, HASH + "x", keep_session=b"\x08" * 32) == 2
    assert users.session_user(b"\x08" * 32, now, now - timedelta(minutes=30)) is not None
    assert users.session_user(b"\x09" * 32, now, now - timedelta(minutes=30)) is None
    user = users.get(uid)
    assert user is not None and user.password_hash == HASH + "x" and user.password_changed_at is not None
    assert users.set_role(uid, "analyst") == "learner" and users.set_role(999_999, "analyst") is None
    assert users.register("P@example.org", "P2", HASH, {}) is None  # taken: no error, nothing changes
    assert users.revoke_session(b"\x08" * 32) == uid and users.revoke_session(b"\x08" * 32) is None


def test_cohorts_and_memberships(users: UserStore) -> None:
    teacher = users.add("t@example.org", "T", "educator", HASH)
    first, again = users.add_cohort("c1"), users.add_cohort("c1")
    assert first == again
    users.add_member(first, teacher, "educator")
    users.add_member(first, teacher, "educator")
    assert users.cohorts_of(teacher, "educator") == [first]
    assert users.cohorts_of(teacher, "learner") == []


def test_items_are_versioned_and_only_active_latest_versions_are_served(items: ItemStore) -> None:
    bank = load_demo_items()
    assert items.upsert(bank) == len(bank)
    assert items.upsert(bank) == 0
    first = bank[0]
    edited = first.model_copy(update={"version": 2, "stem": first.stem + " (edited)"})
    retired = bank[1].model_copy(update={"version": 2, "status": ItemStatus.RETIRED})
    items.upsert([edited, retired])
    served = {i.id: i for i in items.active()}
    assert served[first.id].version == 2 and bank[1].id not in served
    assert items.get(first.id, 1) == first and items.get(first.id) == edited
    assert len(items.all_versions()) == len(bank) + 2
    assert {i.topic for i in items.active("sql")} == {"sql"}


WAREHOUSES: dict[str, Callable[[Container], Warehouse]] = {
    "duckdb": lambda c: DuckDBWarehouse(c.settings.var_dir / "contract" / "w.duckdb"),
}


@pytest.fixture(params=sorted(WAREHOUSES))
def warehouse(request: pytest.FixtureRequest, clean: Container) -> Warehouse:
    store = WAREHOUSES[request.param](clean)
    if isinstance(store, DuckDBWarehouse):
        store.path.unlink(missing_ok=True)
    return store


def test_warehouse_rebuild_replaces_everything_and_a_failed_build_keeps_the_old(warehouse: Warehouse) -> None:
    with pytest.raises(WarehouseMissingError):
        warehouse.query("select 1")
    warehouse.rebuild(lambda conn: conn.execute("create table t as select 1 as x"))
    warehouse.rebuild(lambda conn: conn.execute("create table t as select 2 as x"))
    assert warehouse.query("select x from t") == [{"x": 2}]

    def broken(conn: Any) -> None:
        conn.execute("create table t as select 3 as x")
        raise RuntimeError("build failed half way")

    with pytest.raises(RuntimeError):
        warehouse.rebuild(broken)
    assert warehouse.query("select x from t where x > ?", [1]) == [{"x": 2}]


def test_warehouse_readers_cannot_write(warehouse: Warehouse) -> None:
    warehouse.rebuild(lambda conn: conn.execute("create table t as select 1 as x"))
    with pytest.raises(Exception, match="read-only"):
        warehouse.query("insert into t values (5)")
