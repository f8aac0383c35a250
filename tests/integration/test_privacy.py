"""Privacy on the real stores: the registry covers the live schema, MongoDB and the warehouse; an export holds
every registered store; after erasure a scan of every store finds nothing of the person."""

from __future__ import annotations

import json
import mailbox
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlalchemy import insert, select, text

from ai4d_core import policy
from ai4d_core.adapters.sql import privacy as privacy_sql
from ai4d_core.adapters.sql.tables import AuditEntry, AuthToken, Cohort, CohortInvite, CohortMember, ScoreSuggestion
from ai4d_core.adapters.sql.tables_grading import Grade
from ai4d_core.adapters.sql.tables_review import ProfileRerun, ProfileReviewRequest
from ai4d_core.bootstrap import Container
from ai4d_core.domain.keys import key_answer
from ai4d_core.item_bank import load_demo_items
from ai4d_core.privacy.registry import (
    NOT_PERSONAL,
    REGISTRY,
    USER_REFERENCE,
    WAREHOUSE_NOT_PERSONAL,
    StoreKind,
    of_kind,
    registered_columns,
)
from ai4d_core.security.passwords import hash_password
from ai4d_core.security.tokens import new_token
from ai4d_core.services import accounts, audit, learner_settings, privacy, quiz_sessions
from ai4d_core.services.activity import relay_activity
from ai4d_core.services.analysis import analyze_profiles
from ai4d_core.services.ingest import ingest_pending
from ai4d_core.services.mail import enqueue_mail
from ai4d_core.services.quiz import build_payload
from ai4d_core.services.submissions import receive
from ai4d_core.services.warehouse import refresh_warehouse

pytestmark = pytest.mark.integration
PASSWORD = "a long enough passphrase for tests"
LOG_NAME = "privacy-test.log"


@dataclass(frozen=True)
class Person:
    id: int
    email: str
    token: str  # a random link token sent to them by mail (must never appear in an export)


@pytest.fixture(scope="module")
def password_hash() -> str:
    return hash_password(PASSWORD)


@pytest.fixture
def files(bank: Container) -> Iterator[Container]:
    """The bank container; the test's log file and the mail sink are removed afterwards."""
    var = bank.settings.var_dir
    yield bank
    (var / "log" / LOG_NAME).unlink(missing_ok=True)
    shutil.rmtree(var / "mail", ignore_errors=True)


def _populate(c: Container, email: str, password_hash: str) -> Person:
    """A learner with data in every registered store."""
    uid = c.users.add(email, email.split("@")[0].title(), "learner", password_hash)
    with c.engine.begin() as conn:
        conn.execute(
            text("update users set goal = 'become a data engineer', hours_per_week = 5 where id = :i"), {"i": uid}
        )
        cohort_id = conn.execute(
            insert(Cohort).values(name=f"cohort {uid}", created_by=uid).returning(Cohort.id)
        ).scalar_one()
        conn.execute(insert(CohortMember).values(cohort_id=cohort_id, user_id=uid, role="learner"))
        tomorrow = datetime.now(UTC) + timedelta(days=1)
        conn.execute(
            insert(CohortInvite).values(
                code_hash=uuid.uuid4().bytes * 2, cohort_id=cohort_id, created_by=uid, expires_at=tomorrow
            )
        )
        conn.execute(
            insert(AuthToken).values(
                token_hash=uuid.uuid4().bytes * 2, user_id=uid, purpose="verify", expires_at=tomorrow
            )
        )
    accounts.login(c, email, PASSWORD, source="10.0.0.7")
    with pytest.raises(accounts.LoginError):
        accounts.login(c, email, PASSWORD + " wrong", source="10.0.0.7")
    items = load_demo_items()[:4]
    receipt = receive(c, uid, build_payload({i.id: key_answer(i) for i in items}), "test")
    assert receipt.accepted
    learner = policy.Viewer(uid, policy.LEARNER)
    turn = quiz_sessions.start(c, learner, "diagnostic", None)
    shown = c.items.get(turn.question["id"], turn.question["version"])
    assert shown is not None
    quiz_sessions.answer(c, learner, turn.session_id, turn.position, key_answer(shown))
    ingest_pending(c)
    with c.engine.begin() as conn:
        conn.execute(insert(ScoreSuggestion).values(
            attempt_id=receipt.submission.id, item_id=items[0].id, rule_score=1.0, suggested_score=0.5,
            status="suggested", comment="fine", model="test-model", prompt_version="v1",
        ))  # fmt: skip
        conn.execute(insert(Grade).values(  # as if an educator had graded it (an admin here: no grader id)
            attempt_id=receipt.submission.id, item_id=items[0].id, learner_id=uid, score=1.0, current=True,
        ))  # fmt: skip
    analyze_profiles(c)
    with c.engine.begin() as conn:  # a review request of theirs, and a re-run as if they had started one
        conn.execute(insert(ProfileReviewRequest).values(learner_id=uid, note="please look at my path"))
        conn.execute(insert(ProfileRerun).values(flow_run_id=uuid.uuid4(), started_by=uid, n_learners=1))
    learner_settings.update(c, learner, time_zone="Europe/Paris", notify_profile_ready=True)
    relay_activity(c)  # their events, and the profile-ready e-mail they asked for
    c.mongo_db["activity"].insert_one({"learner_id": uid, "at": datetime.now(UTC), "event": "quiz_submitted"})
    token = new_token()
    enqueue_mail(c, "verify", email, uid, link=f"{c.settings.public_url.rstrip('/')}/verify?token={token}")
    audit.record(c, "login_failed", actor_id=None, target_id=uid, source="10.0.0.9", account=email.upper())
    audit.record(c, "password_changed", actor_id=uid, target_id=uid, source="10.0.0.8")
    log = c.settings.var_dir / "log" / LOG_NAME
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as out:
        out.write(f"ERROR: duplicate key value\nDETAIL:  Key (email)=({email}) already exists.\n")
    message = EmailMessage()
    message["To"], message["From"], message["Subject"] = email, "no-reply@ai4d.invalid", "Verify your e-mail"
    message.set_content(f"Open {c.settings.public_url}/verify?token={token}")
    mailbox.Maildir(c.settings.var_dir / "mail", create=True).add(message)
    return Person(uid, email, token)


# ---------------------------------------------------------------------------------------------- the registry


def test_the_live_schema_after_migration_has_no_unregistered_person_column(clean: Container) -> None:
    columns = privacy_sql.live_user_columns(clean.engine)
    flagged = {(t, col) for t, col, refs_users in columns if refs_users or USER_REFERENCE.search(col)}
    tables = {t for t, _col, _refs in columns}
    personal = {s.name for s in of_kind(StoreKind.POSTGRESQL)}
    print(f"checked {len(flagged)} person-referencing columns of {len(tables)} live tables")
    assert len(flagged) >= 10
    assert flagged - registered_columns(StoreKind.POSTGRESQL) == set()
    assert tables - personal - set(NOT_PERSONAL) == set()


def test_every_mongodb_collection_the_app_writes_is_registered(files: Container, password_hash: str) -> None:
    _populate(files, "ada@example.org", password_hash)
    registered = registered_columns(StoreKind.MONGODB)
    checked = 0
    for name in files.mongo_db.list_collection_names():
        fields = {key for doc in files.mongo_db[name].find({}, limit=200) for key in doc}
        person_fields = {f for f in fields if USER_REFERENCE.search(f)}
        checked += 1
        assert {(name, f) for f in person_fields} <= registered, name
    print(f"checked {checked} MongoDB collections")
    assert checked >= 2


def test_every_warehouse_table_is_classified(files: Container, password_hash: str) -> None:
    _populate(files, "ada@example.org", password_hash)
    refresh_warehouse(files)
    registered = registered_columns(StoreKind.WAREHOUSE)
    tables = files.warehouse.tables()
    for table in tables:
        cols = files.warehouse.query(f"select column_name from information_schema.columns where table_name = '{table}'")
        person = {(table, r["column_name"]) for r in cols if USER_REFERENCE.search(r["column_name"])}
        assert person <= registered, table
        assert table in WAREHOUSE_NOT_PERSONAL or (table, "learner") in registered, table
    print(f"checked {len(tables)} warehouse tables")
    assert len(tables) >= 4


# ------------------------------------------------------------------------------------------------ the export


def test_an_export_holds_every_registered_store_and_nothing_of_anyone_else(
    files: Container, password_hash: str
) -> None:
    ada = _populate(files, "ada@example.org", password_hash)
    bob = _populate(files, "bob@example.org", password_hash)
    refresh_warehouse(files)

    document = privacy.export_user(files, "ADA@example.org")
    dumped = privacy.export_json(files, str(ada.id))

    empty = [s.ref for s in REGISTRY if not document["stores"].get(s.ref)]
    print(f"export covers {len(REGISTRY) - len(empty)} of {len(REGISTRY)} registered stores")
    assert empty == []
    assert document["stores"]["postgresql.users"][0]["email"] == ada.email
    rows = json.dumps(json.loads(dumped)["stores"])
    assert '"password_hash"' not in rows and '"token_hash"' not in rows and '"code_hash"' not in rows
    assert ada.token not in dumped  # link tokens in mails are redacted
    assert bob.email not in dumped
    assert {p["learner_id"] for p in document["stores"]["mongodb.profiles"]} == {ada.id}
    audit_rows = document["stores"]["postgresql.audit_log"]
    assert {r["target_id"] for r in audit_rows} <= {"you", None}
    assert json.loads(dumped)["user_id"] == ada.id
    assert [e.event for e in audit.recent(files, event="data_exported")] == ["data_exported"] * 2


# ----------------------------------------------------------------------------------------------- the erasure


def _postgres_hits(c: Container, person: Person, pseudonym: str, attempts: set[str]) -> dict[str, int]:
    """Brute force over the live schema: every text column for the e-mail and pseudonym, every uuid column
    for their attempt ids, every registered id column for their id."""
    hits: dict[str, int] = {}
    id_columns = {(t, col) for t, col in registered_columns(StoreKind.POSTGRESQL) if col not in ("email", "account")}
    with c.engine.connect() as conn:
        columns = conn.execute(text(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = current_schema()"
        )).all()  # fmt: skip
        for table, column, data_type in columns:
            where = None
            params: dict[str, Any] = {}
            if data_type in ("text", "character varying", "jsonb"):
                where = f'lower("{column}"::text) like :e or "{column}"::text like :p'
                params = {"e": f"%{person.email}%", "p": f"%{pseudonym}%"}
            elif data_type == "uuid" and attempts:
                where, params = f'"{column}"::text = any(:a)', {"a": sorted(attempts)}
            elif (table, column) in id_columns and data_type in ("integer", "bigint"):
                where, params = f'"{column}" = :i', {"i": person.id}
            if where is not None:
                n = conn.execute(text(f'select count(*) from "{table}" where {where}'), params).scalar_one()
                if n:
                    hits[f"{table}.{column}"] = int(n)
        outbox = conn.execute(
            text("select count(*) from outbox where payload->>'learner_id' = :i"), {"i": str(person.id)}
        )
        if n := outbox.scalar_one():
            hits["outbox.payload"] = int(n)
    return hits


def _mongo_hits(c: Container, person: Person) -> int:
    found = 0
    for name in c.mongo_db.list_collection_names():
        for doc in c.mongo_db[name].find({}):
            if doc.get("learner_id") == person.id or person.email in json.dumps(doc, default=str).lower():
                found += 1
    return found


def _warehouse_hits(path: Path, pseudonym: str) -> int:
    found = 0
    with duckdb.connect(str(path), read_only=True) as conn:
        tables = [r[0] for r in conn.execute("select table_name from information_schema.tables").fetchall()]
        for table in tables:
            cols = [
                r[0]
                for r in conn.execute(
                    f"select column_name from information_schema.columns where table_name = '{table}'"
                ).fetchall()
            ]
            where = " or ".join(f'"{col}"::varchar = ?' for col in cols)
            found += conn.execute(f'select count(*) from "{table}" where {where}', [pseudonym] * len(cols)).fetchone()[
                0
            ]  # type: ignore[index]
    return found


def _file_hits(var: Path, email: str) -> int:
    logs = sum(p.read_text(errors="replace").lower().count(email) for p in (var / "log").glob("*.log"))
    sink = var / "mail"
    mails = sum(email in str(m["To"]).lower() for m in mailbox.Maildir(sink, create=False)) if sink.is_dir() else 0
    return logs + mails


def test_after_erasure_no_store_holds_anything_of_the_person(files: Container, password_hash: str) -> None:
    ada = _populate(files, "ada@example.org", password_hash)
    bob = _populate(files, "bob@example.org", password_hash)
    refresh_warehouse(files)
    subject = privacy.resolve(files, ada.id)
    attempts = {str(a) for a in subject.attempt_ids}
    assert _postgres_hits(files, ada, subject.pseudonym, attempts) and _mongo_hits(files, ada)
    assert _warehouse_hits(files.settings.warehouse_path, subject.pseudonym) > 0

    report = privacy.erase_user(files, ada.email)

    assert report.complete, str(report)
    assert _postgres_hits(files, ada, subject.pseudonym, attempts) == {}
    assert _mongo_hits(files, ada) == 0
    assert _warehouse_hits(files.settings.warehouse_path, subject.pseudonym) == 0
    assert _file_hits(files.settings.var_dir, ada.email) == 0
    print(f"erased {sum(report.counts.values())} rows/documents/lines; 0 found in {len(REGISTRY)} stores after")
    # The audit entry names nobody; bob keeps everything.
    (entry,) = audit.recent(files, event="user_erased")
    assert (entry.actor_id, entry.target_id) == (None, None)
    assert set(entry.detail) == {"reference", "rows", "stores"} and entry.detail["reference"] == report.reference
    assert ada.email not in json.dumps(entry.detail)
    left_of_bob = privacy.scan_user(files, bob.id)
    assert all(n > 0 for ref, n in left_of_bob.items() if ref != "postgresql.audit_log"), left_of_bob
    with files.engine.connect() as conn:
        assert conn.execute(select(AuditEntry.id).where(AuditEntry.event == "login_failed")).all()  # kept, scrubbed


def test_an_unknown_or_over_long_user_is_refused_cleanly(clean: Container) -> None:
    for identifier in ("nobody@example.org", "999999", "x" * 300 + "@example.org", "no-at-sign"):
        with pytest.raises(privacy.PrivacyError):
            privacy.erase_user(clean, identifier)


# --------------------------------------------------------------------------------------------- self-service


def test_a_learner_erases_their_own_account_only_with_their_email_or_password(
    files: Container, password_hash: str
) -> None:
    ada = _populate(files, "ada@example.org", password_hash)
    bob = _populate(files, "bob@example.org", password_hash)
    me = policy.Viewer(ada.id, "learner")
    for wrong in ("", "bob@example.org", "not my password at all, no"):
        with pytest.raises(privacy.PrivacyError, match="nothing was deleted"):
            privacy.erase_own_account(files, me, wrong)
    with pytest.raises(policy.Forbidden):
        privacy.export_user(files, bob.id, me)
    assert files.users.get(ada.id) is not None

    report = privacy.erase_own_account(files, me, PASSWORD)
    assert report.complete and files.users.get(ada.id) is None
    (entry,) = audit.recent(files, event="user_erased")
    assert (entry.actor_id, entry.target_id, entry.source) == (None, None, None)

    bob_me = policy.Viewer(bob.id, "learner")
    assert privacy.erase_own_account(files, bob_me, "  BOB@example.org ").complete


@pytest.mark.dashboards
def test_the_learner_page_downloads_the_data_and_deletes_only_when_confirmed(
    files: Container, password_hash: str
) -> None:
    import panel as pn

    from ai4d_core.security.tokens import token_hash
    from dashboards.export_page import PATH, export_token
    from dashboards.page_session import PageIdentity
    from dashboards.privacy_views import GOODBYE, PrivacyView

    ada = _populate(files, "ada@example.org", password_hash)
    refresh_warehouse(files)
    token = accounts.login(files, ada.email, PASSWORD, source="127.0.0.1")
    user = accounts.session_user(files, token)
    assert user is not None
    view = PrivacyView.for_page(files, PageIdentity(user, token_hash(token)))
    state = view.state
    layout = view.__panel__()
    assert layout.select(pn.widgets.PasswordInput)
    (download,) = [pane for pane in layout.select(pn.pane.HTML) if PATH in str(pane.object)]
    assert f'value="{export_token(files, token_hash(token))}"' in download.object, (
        "the form carries this session's token"
    )
    assert download.visible

    state.confirmation = "somebody-else@example.org"
    state.param.trigger("delete")
    assert "nothing was deleted" in state.message and not state.erased and state.confirmation == ""
    assert files.users.get(ada.id) is not None

    state.confirmation = ada.email
    state.param.trigger("delete")
    assert state.erased and state.message == GOODBYE and files.users.get(ada.id) is None
    assert GOODBYE in view._status().object
    assert not download.visible, "nothing more to download once the account is gone"
