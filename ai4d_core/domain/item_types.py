"""The ten canonical item types, each validating its own invariants (DESIGN §5).

Answer shapes (what a learner submits), by type:
single_choice: option id | multiple_choice: list of option ids | true_false: bool | short_answer: str |
numeric: number | ordering: list of entry ids | matching: {prompt id: target id} |
cloze: {gap id: str or number} | open_response: str | sql_query: str (one SELECT).
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from ai4d_core.domain.item_base import (
    Choice,
    ChoiceId,
    Frozen,
    ItemBase,
    MisconceptionTag,
    Text,
    UniqueChoices,
    Weight,
    distractors_only,
    unique_choices,
)

GAP = re.compile(r"\{\{([a-z0-9]{1,8})\}\}")  # a cloze gap in the stem: {{g1}}


class WeightedChoice(Choice):
    """An option with its fraction of the mark (Moodle: 1 = full marks, negative = penalty)."""

    weight: Weight = 0.0
    feedback: str = ""


class SingleChoiceItem(ItemBase, UniqueChoices):
    type: Literal["single_choice"] = "single_choice"
    options: tuple[Choice, ...] = Field(min_length=2, max_length=8)
    key: ChoiceId
    negative_marking: bool = False  # a wrong answer scores -1/(n-1), as in Moodle

    @model_validator(mode="after")
    def _key_is_an_option(self) -> SingleChoiceItem:
        if self.key not in {o.id for o in self.options}:
            raise ValueError(f"key {self.key!r} is not one of the option ids")
        distractors_only({o.id for o in self.options if o.id == self.key}, self.options)
        return self


class MultipleChoiceItem(ItemBase, UniqueChoices):
    """Several right options; the positive weights add up to 1 (partial credit per option)."""

    type: Literal["multiple_choice"] = "multiple_choice"
    options: tuple[WeightedChoice, ...] = Field(min_length=2, max_length=10)
    negative_marking: bool = False  # without it, a total below 0 counts as 0

    @model_validator(mode="after")
    def _weights_make_full_marks(self) -> MultipleChoiceItem:
        positive = [o.weight for o in self.options if o.weight > 0]
        if len(positive) < 1 or not math.isclose(sum(positive), 1.0, abs_tol=1e-6):
            raise ValueError("the positive option weights must add up to 1")
        distractors_only({o.id for o in self.options if o.weight > 0}, self.options)
        return self


class TrueFalseItem(ItemBase):
    type: Literal["true_false"] = "true_false"
    key: bool
    misconception: MisconceptionTag | None = None  # what answering `not key` reveals


class AcceptedAnswer(Frozen):
    """An accepted short answer; `*` matches any run of characters."""

    text: Text
    weight: float = Field(default=1.0, gt=0, le=1)
    feedback: str = ""


class ShortAnswerItem(ItemBase):
    type: Literal["short_answer"] = "short_answer"
    answers: tuple[AcceptedAnswer, ...] = Field(min_length=1, max_length=20)
    case_sensitive: bool = False

    @model_validator(mode="after")
    def _one_full_answer(self) -> ShortAnswerItem:
        if not any(a.weight == 1 for a in self.answers):
            raise ValueError("at least one accepted answer must be worth full marks")
        return self


class NumericAnswer(Frozen):
    """A value with an absolute or relative tolerance, or a range [low, high]."""

    value: float | None = Field(default=None, allow_inf_nan=False)
    tolerance: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    relative: bool = False  # tolerance is a fraction of |value|
    low: float | None = Field(default=None, allow_inf_nan=False)
    high: float | None = Field(default=None, allow_inf_nan=False)
    weight: float = Field(default=1.0, gt=0, le=1)
    feedback: str = ""

    @model_validator(mode="after")
    def _value_or_range(self) -> NumericAnswer:
        is_range = self.low is not None and self.high is not None
        if (self.value is None) == (not is_range) or (self.value is None and (self.low is None) != (self.high is None)):
            raise ValueError("give either a value (with a tolerance) or both low and high")
        if is_range and self.low > self.high:  # type: ignore[operator]
            raise ValueError("low must not exceed high")
        return self


class NumericItem(ItemBase):
    type: Literal["numeric"] = "numeric"
    answers: tuple[NumericAnswer, ...] = Field(min_length=1, max_length=10)

    @model_validator(mode="after")
    def _one_full_answer(self) -> NumericItem:
        if not any(a.weight == 1 for a in self.answers):
            raise ValueError("at least one numeric answer must be worth full marks")
        return self


class OrderingItem(ItemBase, UniqueChoices):
    type: Literal["ordering"] = "ordering"
    entries: tuple[Choice, ...] = Field(min_length=2, max_length=12)
    key: tuple[ChoiceId, ...]  # the entry ids in the right order
    grading: Literal["all_or_nothing", "absolute_position", "relative_next"] = "all_or_nothing"

    @model_validator(mode="after")
    def _key_is_a_permutation(self) -> OrderingItem:
        if sorted(self.key) != sorted(e.id for e in self.entries):
            raise ValueError("key must list every entry id exactly once")
        return self


class MatchingItem(ItemBase, UniqueChoices):
    """Match each prompt to a target; extra targets are distractors. One point per right pair."""

    type: Literal["matching"] = "matching"
    prompts: tuple[Choice, ...] = Field(min_length=2, max_length=12)
    targets: tuple[Choice, ...] = Field(min_length=2, max_length=16)
    key: dict[ChoiceId, ChoiceId]  # prompt id -> target id

    @model_validator(mode="after")
    def _every_prompt_keyed(self) -> MatchingItem:
        if set(self.key) != {p.id for p in self.prompts}:
            raise ValueError("key must map every prompt id, and only those")
        if not set(self.key.values()) <= {t.id for t in self.targets}:
            raise ValueError("key maps to a target id that does not exist")
        return self


class Gap(Frozen):
    """One gap of a cloze item: answered like a short answer, a number or a choice."""

    id: ChoiceId
    kind: Literal["short_answer", "numeric", "single_choice"]
    weight: float = Field(default=1.0, gt=0, le=100)
    answers: tuple[AcceptedAnswer, ...] = ()  # short_answer
    numeric: tuple[NumericAnswer, ...] = ()  # numeric
    options: tuple[Choice, ...] = ()  # single_choice
    key: ChoiceId | None = None  # single_choice
    case_sensitive: bool = False

    @model_validator(mode="after")
    def _keyed(self) -> Gap:
        keyed = {
            "short_answer": any(a.weight == 1 for a in self.answers),
            "numeric": any(a.weight == 1 for a in self.numeric),
            "single_choice": self.key is not None and self.key in {o.id for o in self.options},
        }[self.kind]
        if not keyed:
            raise ValueError(f"gap {self.id} has no full-marks answer for its kind {self.kind}")
        if self.kind == "single_choice":
            if len(self.options) < 2:
                raise ValueError(f"gap {self.id} needs at least two options")
            unique_choices(self.options)
            distractors_only({self.key} if self.key else set(), self.options)
        return self


class ClozeItem(ItemBase):
    """A text with gaps `{{id}}` in the stem; scored per gap, weighted."""

    type: Literal["cloze"] = "cloze"
    gaps: tuple[Gap, ...] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _gaps_match_the_stem(self) -> ClozeItem:
        in_stem = GAP.findall(self.stem)
        defined = [g.id for g in self.gaps]
        if len(set(defined)) != len(defined) or sorted(in_stem) != sorted(defined):
            raise ValueError("every {{gap}} of the stem needs exactly one definition, and each definition a gap")
        return self


def _findable(phrases: tuple[str, ...]) -> bool:
    return any(re.search(r"\w", phrase) for phrase in phrases)


class Criterion(Frozen):
    """A rubric criterion: its weight and the concepts whose presence shows it.

    Each concept is a group of synonymous phrasings; any one of them, stated (not negated) in the answer, covers
    it. Words are compared by stem; `...` inside a phrasing lets words come between its parts within a sentence
    (`fine-tuning ... tone`), and `!word` after a part says that word must not follow it (`per order !line`).
    See `rubric_coverage` for how an answer is read.
    """

    name: Text
    weight: float = Field(gt=0, le=1)
    concepts: tuple[tuple[str, ...], ...] = Field(
        min_length=1,
        description="each concept: its synonymous phrasings, none of them words the stem already holds; "
        "`a ... b` lets words come between a and b within a sentence, `!word` says that word must not follow",
    )

    @field_validator("concepts")
    @classmethod
    def _concepts_can_be_found(cls, concepts: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
        if not all(_findable(concept) for concept in concepts):
            raise ValueError("every concept needs at least one phrasing with a word in it")
        return concepts


class MisconceptionPhrase(Frozen):
    """Phrasings that reveal a misconception: stated (`phrasings`), or a right idea denied (`when_negated`:
    found under a negation such as "no rollback"). Either lowers the suggested score by `penalty`, once."""

    tag: MisconceptionTag
    label: Annotated[str, Field(min_length=1, max_length=200)]  # what the learner seems to believe
    penalty: float = Field(gt=0, le=1)
    phrasings: tuple[str, ...] = ()
    when_negated: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _can_be_found(self) -> MisconceptionPhrase:
        if not _findable(self.phrasings + self.when_negated):
            raise ValueError(f"misconception {self.tag} needs at least one phrasing with a word in it")
        return self


class OpenResponseItem(ItemBase):
    type: Literal["open_response"] = "open_response"
    rubric: tuple[Criterion, ...] = Field(min_length=1, max_length=10)
    misconceptions: tuple[MisconceptionPhrase, ...] = Field(
        default=(), max_length=12, description="phrasings that reveal a misconception, each with a tag and a penalty"
    )  # none for imported items
    model_answer: Annotated[str, Field(min_length=1, max_length=4000)]
    max_words: int = Field(default=300, ge=10, le=2000)

    @field_validator("rubric")
    @classmethod
    def _weights_add_up(cls, rubric: tuple[Criterion, ...]) -> tuple[Criterion, ...]:
        if not math.isclose(sum(c.weight for c in rubric), 1.0, abs_tol=1e-6):
            raise ValueError("rubric weights must add up to 1")
        return rubric

    @field_validator("misconceptions")
    @classmethod
    def _tags_are_unique(cls, found: tuple[MisconceptionPhrase, ...]) -> tuple[MisconceptionPhrase, ...]:
        tags = [m.tag for m in found]
        if len(set(tags)) != len(tags):
            raise ValueError("misconception tags must be unique within an item")
        return found


class SqlFixture(Frozen):
    """A small dataset the learner's query runs on: DDL and INSERTs, run in an in-memory DuckDB."""

    setup_sql: Annotated[str, Field(min_length=1, max_length=20_000)]


class SqlQueryItem(ItemBase):
    type: Literal["sql_query"] = "sql_query"
    fixture: SqlFixture
    reference_query: Annotated[str, Field(min_length=1, max_length=5000)]
    order_matters: bool | None = None  # None: it matters when the reference query has ORDER BY
    float_tolerance: float = Field(default=1e-6, ge=0, le=1)
