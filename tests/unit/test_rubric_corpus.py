"""The rubric suggestion ranks every right answer above every wrong one of its item, for every open response.

Each open-response item shipped in `ai4d_core/data` has a corpus in `tests/data/rubric_corpus/<item id>.json`:
answers written as learners write them, right ones (short and long) and wrong ones of four kinds: plainly
wrong, the right terms under negation, the stem pasted back, and a stated misconception.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pytest

from ai4d_core.domain.items import OpenResponseItem, parse_item
from ai4d_core.domain.rubric_coverage import phrasings_in_stem
from ai4d_core.domain.scoring import open_response_coverage

pytestmark = pytest.mark.unit
CORPUS = Path(__file__).resolve().parents[1] / "data" / "rubric_corpus"
MINIMUM = {"right": 6, "wrong": 6, "negated": 4, "stem_pasted": 2, "misconception": 2}
BAD_KINDS = ("wrong", "negated", "stem_pasted", "misconception")


def _shipped_open_responses() -> dict[str, OpenResponseItem]:
    """Every open-response item of every item file the package ships (bank, demo, demo pretest)."""
    data = files("ai4d_core.data")
    entries = [e for e in data.iterdir() if e.name.endswith(".json")] + [
        e for e in data.joinpath("bank").iterdir() if e.name.endswith(".json")
    ]
    found: dict[str, OpenResponseItem] = {}
    for entry in entries:
        raw = json.loads(entry.read_text(encoding="utf-8"))
        if not isinstance(raw, list) or not all(isinstance(d, dict) and "type" in d for d in raw):
            continue  # not an item file (resources, misconceptions...)
        for d in raw:
            if d["type"] == "open_response":
                item = parse_item(d)
                assert isinstance(item, OpenResponseItem)
                found[item.id] = item
    return found


ITEMS = _shipped_open_responses()


def _corpus(item_id: str) -> dict[str, list[str]]:
    path = CORPUS / f"{item_id}.json"
    assert path.exists(), f"{item_id} has no corpus at {path}"
    data: dict[str, list[str]] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_every_open_response_item_has_a_full_corpus_and_every_corpus_an_item() -> None:
    corpora = sorted(p.stem for p in CORPUS.glob("*.json"))
    print(f"{len(ITEMS)} open-response items, {len(corpora)} corpora")
    assert len(ITEMS) >= 12  # one per topic at least
    assert corpora == sorted(ITEMS)
    for item_id in ITEMS:
        data = _corpus(item_id)
        short = {k: len(data.get(k, [])) for k, n in MINIMUM.items() if len(data.get(k, [])) < n}
        assert not short, f"{item_id}: too few answers {short} (need {MINIMUM})"
        assert len({a for k in MINIMUM for a in data[k]}) == sum(len(data[k]) for k in MINIMUM), "repeated answer"


@pytest.mark.parametrize("item_id", sorted(ITEMS))
def test_the_suggestion_ranks_every_right_answer_above_every_wrong_one(item_id: str) -> None:
    item, data = ITEMS[item_id], _corpus(item_id)
    right = [open_response_coverage(item, a).score for a in data["right"]]
    bad = {k: [open_response_coverage(item, a).score for a in data[k]] for k in BAD_KINDS}
    worst_right, best_bad = min(right), max(s for scores in bad.values() for s in scores)
    print(f"{item_id}: worst right {worst_right:.2f}, best wrong {best_bad:.2f}, margin {worst_right - best_bad:+.2f}")
    assert worst_right > best_bad, {"right": right, **bad}
    assert max(bad["stem_pasted"]) <= 0.2


@pytest.mark.parametrize("item_id", sorted(ITEMS))
def test_stated_misconceptions_are_named_and_the_model_answer_gets_full_marks(item_id: str) -> None:
    item, data = ITEMS[item_id], _corpus(item_id)
    for answer in data["misconception"]:
        assert open_response_coverage(item, answer).misconceptions, f"no misconception named in {answer!r}"
    for answer in data["right"]:
        assert not open_response_coverage(item, answer).misconceptions, f"a right answer was penalised: {answer!r}"
    model = open_response_coverage(item, item.model_answer)
    assert model.score == 1.0 and not model.misconceptions, model.missing


@pytest.mark.parametrize("item_id", sorted(ITEMS))
def test_no_rubric_phrasing_is_one_the_stem_already_holds(item_id: str) -> None:
    """Such a phrasing could never count (the stem's words are no evidence): it would be dead rubric text."""
    item = ITEMS[item_id]
    assert phrasings_in_stem(item) == ()
