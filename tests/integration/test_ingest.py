"""Answer ingestion on real PostgreSQL: bad input is kept with its reason; nothing valid is lost or doubled."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import func, select

from ai4d_core.adapters.sql.ingest_batches import IngestBatch
from ai4d_core.adapters.sql.tables import Attempt, IngestLedger, Response, Submission
from ai4d_core.bootstrap import Container
from ai4d_core.domain.keys import key_answer
from ai4d_core.item_bank import load_demo_items
from ai4d_core.services.accounts import create_user
from ai4d_core.services.ingest import ingest_pending
from ai4d_core.services.quiz import build_payload
from ai4d_core.services.submissions import receive

pytestmark = pytest.mark.integration
PASSWORD = "a long enough test passphrase"


@pytest.fixture
def learner(bank: Container) -> int:
    return create_user(bank, "ada@example.org", "Ada", "learner", PASSWORD)


def _count(c: Container, table: type) -> int:
    with c.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _answers(n: int = 4) -> dict[str, object]:
    items = load_demo_items()[:n]
    return {i.id: key_answer(i) for i in items}


def test_valid_submission_is_scored_stored_and_loaded_once(bank: Container, learner: int) -> None:
    receipt = receive(bank, learner, build_payload(_answers()), "test")
    assert receipt.accepted and not receipt.submission.duplicate
    assert receipt.total == pytest.approx(4.0)

    first = ingest_pending(bank)
    again = ingest_pending(bank)

    assert (first.accepted, first.responses) == (1, 4)
    assert (again.accepted, again.responses) == (0, 0)
    assert _count(bank, Response) == 4
    assert _count(bank, Attempt) == 1
    assert _count(bank, IngestLedger) == 1


def test_duplicate_submission_is_stored_once(bank: Container, learner: int) -> None:
    raw = build_payload(_answers(), uuid.uuid4())
    first = receive(bank, learner, raw, "test")
    second = receive(bank, learner, raw, "test")
    ingest_pending(bank)
    assert second.submission.duplicate and second.submission.id == first.submission.id
    assert _count(bank, Submission) == 1
    assert _count(bank, Response) == 4


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"format": "ai4d/v1", "answers": [', "malformed JSON"),
        (b"\xff\xfe not utf-8", "not UTF-8"),
        (
            json.dumps({"submission_id": str(uuid.uuid4()), "answers": [{"item_id": "nope-404", "answer": "a"}]}),
            "unknown item id 'nope-404'",
        ),
        (
            json.dumps({"submission_id": str(uuid.uuid4()), "answers": [{"item_id": "py-001", "answer": 42}]}),
            "answer must be",
        ),
        (json.dumps({"submission_id": "not-a-uuid", "answers": []}), "invalid submission"),
    ],
    ids=["malformed-json", "not-utf8", "unknown-item", "wrong-type", "wrong-schema"],
)
def test_bad_input_gets_a_clear_error_and_is_kept(bank: Container, learner: int, raw: bytes | str, reason: str) -> None:
    payload = raw.encode() if isinstance(raw, str) else raw
    receipt = receive(bank, learner, payload, "test")
    assert not receipt.accepted
    assert reason in (receipt.submission.reason or "")
    with bank.engine.connect() as conn:
        row = conn.execute(select(Submission.__table__).where(Submission.id == receipt.submission.id)).one()
    assert row.status == "rejected" and row.size_bytes == len(payload)
    assert ingest_pending(bank).responses == 0


def test_oversized_payload_is_refused_with_its_size_and_a_prefix_kept(bank: Container, learner: int) -> None:
    limit = bank.settings.max_submission_bytes
    payload = b'{"answers": "' + b"x" * (limit + 10) + b'"}'
    receipt = receive(bank, learner, payload, "test")
    assert "exceeds the limit" in (receipt.submission.reason or "")
    with bank.engine.connect() as conn:
        row = conn.execute(select(Submission.__table__).where(Submission.id == receipt.submission.id)).one()
    assert row.size_bytes == len(payload) and row.payload.startswith('{"answers": "xxx')


def test_client_scores_are_never_trusted(bank: Container, learner: int) -> None:
    item = next(i for i in load_demo_items() if i.type == "single_choice")
    wrong = next(o.id for o in item.options if o.id != item.key)
    body = {
        "submission_id": str(uuid.uuid4()),
        "score": 100,
        "answers": [{"item_id": item.id, "answer": wrong, "is_correct": True, "score": 1}],
    }
    receipt = receive(bank, learner, json.dumps(body).encode(), "test")
    assert receipt.accepted and receipt.total == 0.0


def test_seed_questionnaire_format_is_accepted(bank: Container, learner: int) -> None:
    items = load_demo_items()
    choice = next(i for i in items if i.type == "single_choice")
    truth = next(i for i in items if i.type == "true_false")
    key_letter = "ABCDEFGH"[[o.id for o in choice.options].index(choice.key)]
    seed = {
        "score": "0/2",
        "questions_data": [
            {
                "numero": 1,
                "question": choice.stem,
                "type": "ChoixMultiple",
                "options": [o.text for o in choice.options],
                "user_answer": key_letter,
                "correct_answer": "Z",
                "is_correct": False,
            },
            {
                "numero": 2,
                "question": truth.stem,
                "type": "VraiOuFaux",
                "options": ["Vrai", "Faux"],
                "user_answer": "Vrai" if truth.key else "Faux",
            },
        ],
    }
    receipt = receive(bank, learner, json.dumps(seed, ensure_ascii=False).encode(), "seed")
    assert receipt.accepted and receipt.total == 2.0
    assert ingest_pending(bank).responses == 2


def test_a_batch_that_dies_before_commit_leaves_nothing_and_the_rerun_loads_it_once(
    bank: Container, learner: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(3):
        receive(bank, learner, build_payload(_answers()), "test")
    original = IngestBatch.commit

    def commit_then_die(self: IngestBatch, *args: object, **kwargs: object) -> object:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        raise KeyboardInterrupt("killed after writing, before the commit")

    monkeypatch.setattr(IngestBatch, "commit", commit_then_die)
    with pytest.raises(KeyboardInterrupt):
        ingest_pending(bank, batch_size=2)
    assert _count(bank, Response) == 0 and _count(bank, IngestLedger) == 0

    monkeypatch.setattr(IngestBatch, "commit", original)
    report = ingest_pending(bank, batch_size=2)
    assert (len(report.batches), report.accepted) == (2, 3)
    assert _count(bank, Response) == 12
    ingest_pending(bank)
    assert _count(bank, Response) == 12


def test_pending_rows_from_another_door_are_validated_at_ingest(bank: Container, learner: int) -> None:
    from ai4d_core.adapters.sql.submissions import SqlSubmissionStore

    store = SqlSubmissionStore(bank.engine)
    store.record(
        idempotency_key="bulk:1",
        learner_id=learner,
        source="bulk",
        raw=b'{"answers": 3}',
        status="pending",
        reason=None,
    )
    report = ingest_pending(bank)
    assert report.rejected == 1
    with bank.engine.connect() as conn:
        reason = conn.execute(select(Submission.reason)).scalar_one()
    assert reason is not None and "invalid submission" in reason


# ------------------------------------------------------------------ decode failures, disabled accounts (issue 6)

DEEP = b"[" * 100_000
ITEM = load_demo_items()[0]


def _v1(answer: str) -> bytes:
    """An ai4d/v1 payload whose one answer is `answer`, spliced in as raw JSON text."""
    head = json.dumps({"submission_id": str(uuid.uuid4()), "answers": [{"item_id": ITEM.id, "answer": 0}]})
    return head.replace('"answer": 0', f'"answer": {answer}').encode()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (DEEP, "nests deeper than 32 levels"),
        (b"[" * 40 + b"]" * 40, "nests deeper than 32 levels"),
        (_v1("[" * 40 + "1" + "]" * 40), "nests deeper than 32 levels"),
        (_v1("1e999"), "number 1e999 is out of range"),
        (_v1("-Infinity"), "-Infinity is not a number JSON allows"),
        (_v1("NaN"), "NaN is not a number JSON allows"),
        (_v1("9" * 5000), "payload holds a value that cannot be read: ValueError"),
        (_v1("9" * 4000), f"item {ITEM.id}"),
        (_v1('"' + "\\ud800" + '"'), "unpaired surrogate (\\ud800)"),
        (b'{"answers": [], "\\udfff": 1}', "unpaired surrogate (\\udfff)"),
    ],
    ids=[
        "deep-unclosed",
        "deep-closed",
        "deep-answer",
        "1e999",
        "-inf",
        "nan",
        "huge-int",
        "big-int",
        "lone-surrogate",
        "surrogate-key",
    ],
)
def test_every_decode_failure_is_a_clear_rejection_at_the_door(
    bank: Container, learner: int, raw: bytes, reason: str
) -> None:
    receipt = receive(bank, learner, raw, "test")
    assert not receipt.accepted
    assert reason in (receipt.submission.reason or "")
    print(f"{raw[:30]!r}: {receipt.submission.reason}")


def _pending(c: Container, learner_id: int, raw: bytes, key: str) -> None:
    from ai4d_core.adapters.sql.submissions import SqlSubmissionStore

    SqlSubmissionStore(c.engine).record(
        idempotency_key=key, learner_id=learner_id, source="bulk", raw=raw, status="pending", reason=None
    )


def _reasons(c: Container) -> dict[str, str | None]:
    with c.engine.connect() as conn:
        rows = conn.execute(select(Submission.idempotency_key, Submission.status, Submission.reason)).all()
    return {key: (reason if status == "rejected" else status) for key, status, reason in rows}


def test_a_pending_row_that_cannot_be_decoded_is_rejected_and_the_batch_goes_on(bank: Container, learner: int) -> None:
    _pending(bank, learner, b"[" * 50_000, "bulk:deep")  # under the 64 kB kept, so not "truncated"
    _pending(bank, learner, _v1("1e999"), "bulk:inf")
    _pending(bank, learner, build_payload(_answers()), "bulk:good")

    report = ingest_pending(bank)

    reasons = _reasons(bank)
    assert (report.accepted, report.rejected, report.responses) == (1, 2, 4)
    assert reasons["bulk:good"] == "accepted"
    assert "nests deeper" in (reasons["bulk:deep"] or "") and "out of range" in (reasons["bulk:inf"] or "")
    assert ingest_pending(bank).batches == []  # nothing left pending: no row is retried for ever


def test_an_unexpected_error_rejects_only_that_submission_and_is_logged(
    bank: Container, learner: int, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from ai4d_core.domain import submissions as wire

    poisoned = build_payload(_answers(2))
    _pending(bank, learner, poisoned, "bulk:poisoned")
    _pending(bank, learner, build_payload(_answers()), "bulk:good")
    real_score = wire.score

    def score(parsed: wire.SubmissionIn, *args: object, **kwargs: object) -> list[wire.ScoredAnswer]:
        if len(parsed.answers) == 2:
            raise KeyError("a bug nobody foresaw")
        return real_score(parsed, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(wire, "score", score)
    with caplog.at_level("ERROR", logger="ai4d_core.services.ingest"):
        report = ingest_pending(bank)

    assert (report.accepted, report.rejected) == (1, 1)
    assert _reasons(bank)["bulk:poisoned"] == "internal error while validating: KeyError"
    assert any("unexpected KeyError" in r.getMessage() for r in caplog.records)


def test_a_disabled_learners_pending_submissions_are_refused_with_that_reason(bank: Container, learner: int) -> None:
    receive(bank, learner, build_payload(_answers()), "test")
    other = create_user(bank, "grace@example.org", "Grace", "learner", PASSWORD)
    receive(bank, other, build_payload(_answers()), "test")
    bank.users.set_active(learner, False)

    report = ingest_pending(bank)

    assert (report.accepted, report.rejected) == (1, 1)
    with bank.engine.connect() as conn:
        rows = dict(conn.execute(select(Submission.learner_id, Submission.reason)).all())
    assert rows == {learner: "the submitting account is disabled", other: None}


def test_an_over_long_email_in_a_payload_never_picks_or_breaks_anything(bank: Container, learner: int) -> None:
    """The learner comes from the session: an e-mail in a payload (of any length) is ignored, never looked up."""
    body = json.loads(build_payload(_answers()))
    body |= {"email": "x" * 400 + "@example.org", "learner_email": "y" * 1000}
    receipt = receive(bank, learner, json.dumps(body).encode(), "test")
    assert receipt.accepted
    assert ingest_pending(bank).accepted == 1
    with bank.engine.connect() as conn:
        assert conn.execute(select(Attempt.learner_id)).scalar_one() == learner
