"""The curated catalogues a profile cites: topics and their prerequisites, study resources, misconception tags."""

from __future__ import annotations

import json
from collections import Counter
from importlib.resources import files

import pytest
from pydantic import ValidationError

from ai4d_core.domain.item_types import MultipleChoiceItem, SingleChoiceItem, TrueFalseItem
from ai4d_core.domain.items import parse_item, public_view
from ai4d_core.domain.misconceptions import distractor_tags, misconceptions, revealed_misconceptions
from ai4d_core.domain.profile import TopicMastery
from ai4d_core.domain.profile_rules import is_weakness
from ai4d_core.domain.resource_catalogue import catalogue, parse_catalogue, resources_for
from ai4d_core.domain.topics import PREREQUISITES, TOPICS, learning_order, requires, topic_name
from ai4d_core.item_bank import load_curated_bank

pytestmark = pytest.mark.unit
BANK = load_curated_bank()


def test_the_twelve_topics_are_the_banks_with_names_for_people() -> None:
    assert set(TOPICS) == {e.name.removesuffix(".json") for e in files("ai4d_core.data").joinpath("bank").iterdir()}
    assert set(PREREQUISITES) == set(TOPICS) and all(set(p) <= set(TOPICS) for p in PREREQUISITES.values())
    assert topic_name("nlp_llms") == "NLP and LLMs" and topic_name("new_topic") == "New topic"
    assert all(topic not in requires(topic) for topic in TOPICS)  # acyclic
    assert requires("mlops") >= {"ml_fundamentals", "etl_orchestration", "python", "sql", "statistics"}


def test_learning_order_puts_prerequisites_just_before_the_topic_that_needs_them() -> None:
    assert learning_order(["nlp_llms", "sql", "python", "ml_fundamentals"]) == [
        "python", "ml_fundamentals", "nlp_llms", "sql"
    ]  # fmt: skip
    assert learning_order(["sql", "statistics"]) == ["sql", "statistics"]  # unrelated: the given order
    assert learning_order(["data_quality", "sql", "sql"]) == ["sql", "data_quality"]


def test_every_resource_is_https_unique_and_every_topic_has_three_at_each_level_range() -> None:
    resources = catalogue()
    urls = [r.url for r in resources.values()]
    print(f"{len(resources)} resources checked")
    assert len(resources) >= 3 * len(TOPICS)
    assert all(url.startswith("https://") for url in urls) and len(set(urls)) == len(urls)
    per_topic = Counter(r.topic for r in resources.values())
    assert set(per_topic) == set(TOPICS) and min(per_topic.values()) >= 3, per_topic
    assert {(r.topic, r.level) for r in resources.values()} == {(t, level) for t in TOPICS for level in (1, 2, 3)}
    assert not [r for r in resources.values() if "AI4D" in r.title]  # no placeholder "resource"


@pytest.mark.parametrize(
    "change",
    [{"url": "http://example.org/"}, {"url": "javascript:alert(1)"}, {"level": 4}, {"hours": 0}, {"kind": "video"}],
)
def test_a_bad_catalogue_entry_is_refused(change: dict[str, object]) -> None:
    entry = {"id": "x-1", "title": "A title", "url": "https://example.org/", "topic": "sql", "level": 1}
    with pytest.raises(ValidationError):
        parse_catalogue(json.dumps([{**entry, "hours": 1, "kind": "book", **change}]))


def test_duplicate_urls_are_refused() -> None:
    entry = {"title": "A title", "url": "https://example.org/", "topic": "sql", "level": 1, "hours": 1, "kind": "book"}
    with pytest.raises(ValueError, match="unique"):
        parse_catalogue(json.dumps([{**entry, "id": "a-1"}, {**entry, "id": "b-1"}]))


def test_resources_for_a_level_fall_back_to_the_nearest_level() -> None:
    assert {r.level for r in resources_for("sql", 3)} == {3}
    assert all(r.topic == "python" for r in resources_for("python", 1))
    assert resources_for("unknown_topic", 1) == []


def test_every_misconception_tag_of_the_bank_is_described_and_sits_on_a_distractor() -> None:
    catalogue_tags = misconceptions()
    used: Counter[str] = Counter()
    for item in BANK:
        for where, tag in distractor_tags(item).items():
            used[tag] += 1
            assert tag in catalogue_tags and catalogue_tags[tag].topic == item.topic, (item.id, tag)
            if isinstance(item, SingleChoiceItem):
                assert where != item.key, item.id
            elif isinstance(item, MultipleChoiceItem):
                assert next(o.weight for o in item.options if o.id == where) <= 0, (item.id, where)
            elif isinstance(item, TrueFalseItem):
                assert where == str(not item.key).lower(), item.id
    print(f"{sum(used.values())} tagged distractors, {len(used)} tags")
    assert sum(used.values()) >= 300 and set(used) == set(catalogue_tags)  # no description nobody can earn


_BASE = {"id": "x-1", "topic": "python", "level": 1, "stem": "s", "explanation": "e"}


def test_the_tags_of_the_chosen_distractors_are_revealed() -> None:
    single = parse_item({**_BASE, "type": "single_choice", "key": "a", "options": [
        {"id": "a", "text": "right"}, {"id": "b", "text": "wrong", "misconception": "tag_b"}]})  # fmt: skip
    multiple = parse_item({**_BASE, "type": "multiple_choice", "options": [
        {"id": "a", "text": "right", "weight": 1}, {"id": "b", "text": "no", "weight": -0.5, "misconception": "tag_b"},
        {"id": "c", "text": "nope", "weight": -0.5, "misconception": "tag_c"}]})  # fmt: skip
    true_false = parse_item({**_BASE, "type": "true_false", "key": False, "misconception": "tag_tf"})
    assert revealed_misconceptions(single, "b") == ("tag_b",) and revealed_misconceptions(single, "a") == ()
    assert revealed_misconceptions(multiple, ["a", "c", "b"]) == ("tag_b", "tag_c")
    assert revealed_misconceptions(true_false, True) == ("tag_tf",) and revealed_misconceptions(true_false, False) == ()
    for odd in (None, 3, {"b": 1}, "b c", ["b"]):  # another answer shape reveals nothing, and never raises
        assert revealed_misconceptions(true_false, odd) == ()
    assert revealed_misconceptions(multiple, "b") == ()


@pytest.mark.parametrize(
    "item",
    [
        {"type": "single_choice", "key": "a", "options": [{"id": "a", "text": "A", "misconception": "t_a"},
                                                          {"id": "b", "text": "B"}]},
        {"type": "multiple_choice", "options": [{"id": "a", "text": "A", "weight": 1, "misconception": "t_a"},
                                                {"id": "b", "text": "B"}]},
        {"type": "ordering", "key": ["a", "b"], "entries": [{"id": "a", "text": "A", "misconception": "t_a"},
                                                            {"id": "b", "text": "B"}]},
    ],
)  # fmt: skip
def test_only_a_distractor_may_carry_a_misconception(item: dict[str, object]) -> None:
    with pytest.raises(ValidationError, match="only distractors"):
        parse_item({**_BASE, **item})


def test_a_topic_answered_all_right_is_never_a_weakness_whatever_its_label() -> None:
    topic = {"topic": "sql", "n_responses": 9, "mean_score": 1.0, "ability": 0.1, "se": 0.45, "evidence": ["s"]}
    assert not is_weakness(TopicMastery(**topic, n_correct=9, mastery="developing"))  # type: ignore[arg-type]
    assert is_weakness(TopicMastery(**topic, n_correct=8, mastery="developing"))  # type: ignore[arg-type]


def test_a_learner_never_sees_a_misconception_tag_before_answering() -> None:
    """A tag marks a wrong option: the view a learner gets must not carry it."""
    tagged = [item for item in BANK if distractor_tags(item)]
    print(f"{len(tagged)} tagged items checked")
    assert tagged
    for item in tagged:
        assert "misconception" not in json.dumps(public_view(item)), item.id
