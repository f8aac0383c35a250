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
