"""LLM generation on real PostgreSQL and DuckDB against the local OpenAI-compatible test server (never the network)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from ai4d_core.adapters.sql.generation import SqlGenerationStore
from ai4d_core.bootstrap import Container
from ai4d_core.domain.batch_checks import key_positions
from ai4d_core.domain.items import SingleChoiceItem
from ai4d_core.services.generation import generate_items
from tests.llm_server import FakeLlm

pytestmark = pytest.mark.integration
MODEL = "fake-model-1"


@pytest.fixture
def fake_llm() -> Iterator[FakeLlm]:
    with FakeLlm() as fake:
        yield fake


@pytest.fixture
def llm_container(bank: Container, fake_llm: FakeLlm) -> Iterator[Container]:
    """The demo bank loaded, and a container whose LLM is the test server (1 s timeout, 2 retries)."""
    update = {"llm_base_url": fake_llm.url, "llm_model": MODEL, "llm_timeout_seconds": 1.0, "llm_max_retries": 2}
    with Container(bank.settings.model_copy(update=update)) as c:
        yield c


def test_generated_items_are_verified_and_stored_provisional_with_llm_provenance(
    llm_container: Container, fake_llm: FakeLlm
) -> None:
    report = generate_items(llm_container, "statistics", 2, "single_choice", 8)
    assert report.fallback_reason is None and report.rejected == []
    assert len(report.accepted) == 8 and report.from_bank == [] and report.from_templates == []
    assert fake_llm.generations == 2 and fake_llm.solvings == 2  # 5 items per call, then each batch solved blind
    for item in report.accepted:
        stored = llm_container.items.get(item.id)
        assert stored == item
        assert (stored.status, stored.provenance) == ("provisional", f"llm:{MODEL}")
    assert {i.id for i in llm_container.items.active("statistics")}.isdisjoint(report.item_ids)
    # The server keyed every item "b"; the stored batch is spread over the four positions.
    assert sorted(key_positions(report.accepted)) == [0, 0, 1, 1, 2, 2, 3, 3]


def test_a_rerun_is_answered_from_the_cache_without_calling_the_server(
    llm_container: Container, fake_llm: FakeLlm
) -> None:
    first = generate_items(llm_container, "statistics", 1, "numeric", 5, seed=7)
    calls = fake_llm.requests
    again = generate_items(llm_container, "statistics", 1, "numeric", 5, seed=7)
    assert fake_llm.requests == calls
    assert again.llm_requests == 0 and again.cache_hits == 1  # known drafts are not solved again
    assert sorted(again.already_stored) == sorted(i.id for i in first.accepted) and again.accepted == []
    fresh = generate_items(llm_container, "statistics", 1, "numeric", 5)  # no seed: the next batch numbers
    assert fake_llm.requests > calls and len(fresh.accepted) == 5
    assert set(fresh.item_ids).isdisjoint(first.item_ids)


def test_rate_limits_with_retry_after_are_waited_out_and_nothing_is_lost(
    llm_container: Container, fake_llm: FakeLlm
) -> None:
    fake_llm.fail(3, 429, retry_after=0.2)
    report = generate_items(llm_container, "sql", 2, "single_choice", 10)
    assert len(report.accepted) == 10 and report.rejected == [] and report.fallback_reason is None
    assert fake_llm.requests == 4 + 3  # 2 generations + 2 solvings, and the 3 refused attempts


def test_server_errors_fall_back_to_the_bank_and_say_why(llm_container: Container, fake_llm: FakeLlm) -> None:
    fake_llm.fail_always(500)
    report = generate_items(llm_container, "statistics", 2, "single_choice", 3)
    assert report.accepted == [] and report.fallback_reason is not None
    assert "http_500" in report.fallback_reason
    assert len(report.from_bank) == 3  # the demo bank's three active statistics/2 single-choice items
    assert {r.reason for r in report.rejected} == {"llm_error"}


def test_timeouts_fall_back_to_templates_and_say_why(llm_container: Container, fake_llm: FakeLlm) -> None:
    fake_llm.latency_s = 3.0  # > the 1 s timeout, on every attempt
    report = generate_items(llm_container, "statistics", 2, "numeric", 4)
    assert report.accepted == [] and report.fallback_reason is not None and "timeout" in report.fallback_reason
    assert len(report.from_templates) == 4 and report.from_bank == []
    for item in report.from_templates:
        assert llm_container.items.get(item.id) == item
        assert item.status == "provisional" and item.provenance.startswith("template:")


def test_without_an_llm_the_bank_then_templates_are_used_with_the_reason(bank: Container) -> None:
    assert bank.llm is None
    report = generate_items(bank, "statistics", 1, "single_choice", 5)
    assert report.fallback_reason is not None and "no LLM configured" in report.fallback_reason
    assert len(report.from_bank) == 3 and report.shortfall == 2  # no template writes single-choice items
    numeric = generate_items(bank, "ml_fundamentals", 3, "numeric", 2)
    assert [i.provenance for i in numeric.from_templates] == ["template:percent_change", "template:f1"]


def test_llm_garbage_never_reaches_the_bank_and_each_rejection_says_why(
    llm_container: Container, fake_llm: FakeLlm
) -> None:
    bank_stem = next(i.stem for i in llm_container.items.active("statistics") if i.level == 2)

    def one(**fields: object) -> str:
        options = [{"id": k, "text": f"option {k}"} for k in "abcd"]
        return json.dumps({"items": [{"options": options, "key": "a", "explanation": "why"} | fields]})

    fake_llm.reply_generation(
        "Here you go: {not json",
        json.dumps({"questions": ["what?"]}),
        one(stem="x" * 100) + " " * 1_000_000,
        one(stem="Which is right? <script>alert('x')</script>"),
        one(stem=bank_stem.upper()),
    )
    fake_llm.wrong_solutions = True  # what survives the pure checks is then solved differently: a wrong key
    report = generate_items(llm_container, "statistics", 2, "single_choice", 25)
    reasons = {str(r.reason) for r in report.rejected}
    assert {"invalid_json", "schema", "too_large", "markup", "key_disagrees"} <= reasons
    assert report.accepted == [] and report.fallback_reason is not None
    kept = SqlGenerationStore(llm_container.engine).rejections("statistics")
    assert {r for r, _, _ in kept} == reasons
    assert all(len(content) <= 20_000 for _, _, content in kept)
    # The duplicate of a bank stem failed a check before dedupe; dedupe alone catches it when the key is right.
    fake_llm.wrong_solutions = False
    fake_llm.reply_generation(one(stem=bank_stem.upper()), one(stem=bank_stem.upper()))
    fake_llm.reply_solving('{"answers": [{"index": 0, "answer": "a"}]}', '{"answers": [{"index": 0, "answer": "a"}]}')
    report = generate_items(llm_container, "statistics", 2, "single_choice", 1)
    assert [str(r.reason) for r in report.rejected][:1] == ["duplicate"]
    assert all(i.provenance == "curated" for i in llm_container.items.active())


def test_sql_items_run_their_reference_in_the_sandbox_and_the_solver_must_match_its_result(
    llm_container: Container, fake_llm: FakeLlm
) -> None:
    report = generate_items(llm_container, "sql", 3, "sql_query", 3)
    assert len(report.accepted) == 3 and report.rejected == []
    fake_llm.wrong_solutions = True
    report = generate_items(llm_container, "sql", 3, "sql_query", 2)
    assert report.accepted == [] and {str(r.reason) for r in report.rejected} == {"key_disagrees"}
    assert [i.provenance for i in report.from_templates] == ["template:sql_count", "template:sql_count"]


def test_single_choice_items_of_the_report_all_have_a_valid_key(llm_container: Container) -> None:
    report = generate_items(llm_container, "python", 1, "single_choice", 4)
    for item in report.accepted:
        assert isinstance(item, SingleChoiceItem) and item.key in {o.id for o in item.options}
