"""Verification of generated items: every class of LLM garbage is refused with a named reason (pure checks)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ai4d_core.domain.batch_checks import Deduper, key_positions, rebalance
from ai4d_core.domain.items import Item, NumericItem, OrderingItem, SingleChoiceItem, public_view
from ai4d_core.domain.scoring import score_answer
from ai4d_core.domain.templates import TEMPLATES, template_items
from ai4d_core.domain.verification import Reason, Rejection, build_item, check_key, parse_batch
from ai4d_core.llm.cache import cache_key
from ai4d_core.llm.prompts import batch_schema, generation_messages, solve_messages

pytestmark = pytest.mark.unit
POSITIONAL_OPTIONS = [{"id": "a", "text": "Mode"}, {"id": "b", "text": "All of the above"}]
CELL: dict[str, Any] = {"topic": "statistics", "level": 2, "item_type": "single_choice", "provenance": "llm:test-model"}


def draft(**changes: Any) -> dict[str, Any]:
    base = {
        "stem": "Which measure of central tendency is least affected by a few extreme outliers?",
        "options": [{"id": k, "text": t} for k, t in zip("abcd", ["Mean", "Median", "Range", "Variance"], strict=True)],
        "key": "b",
        "explanation": "The median depends only on the middle of the sorted values.",
    }
    return base | changes


def built(d: dict[str, Any], **cell: Any) -> Item | Rejection:
    return build_item(d, **(CELL | cell))


def reason_of(result: object) -> Reason:
    assert isinstance(result, Rejection), f"expected a rejection, got {result!r}"
    return result.reason


def test_a_valid_draft_becomes_a_provisional_item_with_llm_provenance() -> None:
    item = built(draft())
    assert isinstance(item, SingleChoiceItem)
    assert (item.status, item.provenance, item.topic, item.level) == ("provisional", "llm:test-model", "statistics", 2)
    assert item.id == built(draft()).id  # type: ignore[union-attr]  # same draft, same id: re-runs are idempotent


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"items": [ {"stem": "unterminated', Reason.INVALID_JSON),
        ("Sure! Here are your items:", Reason.INVALID_JSON),
        ('{"questions": []}', Reason.SCHEMA),
        ('{"items": "three items"}', Reason.SCHEMA),
        ('[{"stem": "x"}]', Reason.SCHEMA),
        ('{"items": []}' + " " * 1_000_000, Reason.TOO_LARGE),
        (json.dumps({"items": [draft(stem="x" * 1_000_000)]}), Reason.TOO_LARGE),
        (None, Reason.LLM_ERROR),
    ],
)
def test_a_whole_answer_is_refused_with_its_reason(content: str | None, reason: Reason) -> None:
    drafts, refused = parse_batch(content)
    assert drafts == []
    assert reason_of(refused) is reason
    assert refused is not None and len(refused.detail) <= 500


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"key": "e"}, Reason.SCHEMA),  # the key is not an option
        ({"options": [{"id": "a", "text": "Only one"}]}, Reason.SCHEMA),
        ({"answers": [{"text": "extra field"}]}, Reason.SCHEMA),
        ({"stem": ""}, Reason.SCHEMA),
        ({"stem": "Which one? <script>alert(1)</script>"}, Reason.MARKUP),
        ({"stem": "Which is <b>least</b> affected by outliers?"}, Reason.MARKUP),
        ({"stem": "Pick one <img src=x onerror=alert(1)>"}, Reason.MARKUP),
        ({"explanation": "See <a href='javascript:alert(1)'>here</a>"}, Reason.MARKUP),
        ({"stem": "Which &lt;script&gt; runs?"}, Reason.MARKUP),
        ({"stem": "Which one\x00 is robust?"}, Reason.CONTROL_CHARACTERS),
        ({"stem": "Which one is \u202erobust?"}, Reason.CONTROL_CHARACTERS),
        ({"stem": "Which one is robust? " * 80}, Reason.TOO_LONG),
        ({"options": [{"id": k, "text": k * 400} for k in "abcd"]}, Reason.TOO_LONG),
        ({"options": POSITIONAL_OPTIONS}, Reason.POSITION_DEPENDENT),
    ],
)
def test_a_bad_candidate_is_refused_with_its_reason(changes: dict[str, Any], reason: Reason) -> None:
    assert reason_of(built(draft(**changes))) is reason


def test_a_comparison_in_an_sql_reference_is_not_markup_but_is_in_a_stem() -> None:
    sql = {
        "stem": "Count the rows of t whose x is above 3.",
        "fixture": {"setup_sql": "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (5);"},
        "reference_query": "SELECT count(*) AS n FROM t WHERE x > 3 AND x <> 9 AND x <b",
        "explanation": "Filter, then count.",
    }
    assert not isinstance(built(sql, item_type="sql_query"), Rejection)


def test_a_wrong_key_is_refused_when_the_blind_solver_disagrees() -> None:
    item = built(draft(key="a"))  # "Mean" keyed as the robust measure: wrong
    assert isinstance(item, SingleChoiceItem)
    assert reason_of(check_key(item, "b")) is Reason.KEY_DISAGREES
    assert reason_of(check_key(item, None)) is Reason.UNVERIFIED
    assert reason_of(check_key(item, "zz")) is Reason.KEY_DISAGREES  # not even an option
    assert check_key(item, "a") is None


def test_numeric_keys_are_recomputed_within_tolerance_and_loose_tolerances_refused() -> None:
    numeric = {"stem": "What is the mean of 2, 4 and 9?", "answers": [{"value": 5.0, "tolerance": 0.01}]}
    numeric |= {"explanation": "(2 + 4 + 9) / 3 = 5."}
    item = built(numeric, item_type="numeric")
    assert isinstance(item, NumericItem)
    assert check_key(item, 5.004) is None
    assert reason_of(check_key(item, 5.2)) is Reason.KEY_DISAGREES
    loose = numeric | {"answers": [{"value": 5.0, "tolerance": 2}]}
    assert reason_of(built(loose, item_type="numeric")) is Reason.LOOSE_TOLERANCE


def test_a_duplicate_of_a_bank_stem_is_found_and_fresh_values_are_not() -> None:
    bank = Deduper([("stat-1", "Which measure of central tendency is least affected by a few extreme outliers?")])
    assert bank.duplicate_of("WHICH measure of central tendency is least affected by a few extreme outliers")
    reworded = "Which measure of central tendency is the least affected by a few extreme outliers?"
    assert bank.duplicate_of(reworded) is not None
    assert bank.duplicate_of("What is the mean of 3, 8, 12 and 40?") is None
    bank.add("t-1", "What is the mean of 3, 8, 12 and 40?")
    assert bank.duplicate_of("What is the mean of 5, 9, 14 and 22?") is None
    assert bank.duplicate_of("What is the mean of 3, 8, 12 and 40?", ignore="t-1") is None


def test_rebalancing_spreads_clustered_keys_and_keeps_every_key_right() -> None:
    stems = [f"Question {i} about robust statistics and outliers {i * 7}?" for i in range(8)]
    items = [built(draft(stem=s)) for s in stems]
    assert all(isinstance(i, SingleChoiceItem) for i in items)
    balanced = rebalance(items)  # type: ignore[arg-type]
    assert key_positions(items) == [1] * 8  # type: ignore[arg-type]
    assert key_positions(balanced) == [0, 1, 2, 3, 0, 1, 2, 3]
    for item in balanced:
        assert isinstance(item, SingleChoiceItem)
        assert {o.id: o.text for o in item.options}[item.key] == "Median"
        assert [o.id for o in item.options] == list("abcd")


def test_rebalanced_ordering_items_never_list_entries_in_key_order() -> None:
    ordering = {
        "stem": "Order the steps of a batch ETL job.",
        "entries": [{"id": f"e{i}", "text": t} for i, t in enumerate(["Extract", "Transform", "Load"], 1)],
        "key": ["e1", "e2", "e3"],
        "explanation": "Extract, then transform, then load.",
    }
    item = built(ordering, item_type="ordering")
    assert isinstance(item, OrderingItem)
    for moved in rebalance([item, item, item]):
        assert isinstance(moved, OrderingItem)
        assert [e.id for e in moved.entries] != list(moved.key)
        by_id = {e.id: e.text for e in moved.entries}
        assert [by_id[k] for k in moved.key] == ["Extract", "Transform", "Load"]


@pytest.mark.parametrize("template", [t for t in TEMPLATES if t.item_type == "numeric"], ids=lambda t: t.name)
def test_numeric_templates_make_fresh_items_whose_key_is_right(template: Any) -> None:
    topic = "statistics" if template.fits("statistics", "numeric") else template.topics[0]
    items = [i for i in template_items(topic, 2, "numeric", 12, seed=1) if i.provenance == f"template:{template.name}"]
    assert items and len({i.stem for i in items}) == len(items)
    for item in items:
        assert isinstance(item, NumericItem) and item.status == "provisional"
        assert score_answer(item, item.answers[0].value) == 1.0
    assert template_items(topic, 2, "numeric", 3, seed=1) != template_items(topic, 2, "numeric", 3, seed=2)


def test_prompts_carry_no_key_and_no_learner_data() -> None:
    messages = generation_messages("statistics", 2, "single_choice", 5, variation=3)
    assert {"stem", "options", "key"} <= set(batch_schema("single_choice")["properties"]["items"]["items"]["required"])
    assert "Batch number 3" in messages[-1]["content"] and "statistics" in messages[-1]["content"]
    for field in ("provenance", "status", "calibration", "id"):
        assert field not in batch_schema("single_choice")["properties"]["items"]["items"]["properties"]
    item = built(draft())
    assert isinstance(item, SingleChoiceItem)
    solving = solve_messages("single_choice", [public_view(item)])[-1]["content"]
    assert '"key"' not in solving and "explanation" not in solving and "Median" in solving
    assert cache_key("m", "v1", messages) == cache_key("m", "v1", [dict(m) for m in messages])
    assert cache_key("m", "v1", messages) != cache_key("m", "v2", messages) != cache_key("n", "v1", messages)
