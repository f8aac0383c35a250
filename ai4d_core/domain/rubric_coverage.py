"""The rule-based rubric suggestion for an open response (pure): which concepts an answer states, denies or
only copies from the stem, which misconceptions it reveals, and the suggested score.

Read with `answer_text` (stems, sentences, negation scopes). A concept is covered when one of its phrasings
occurs in the answer, stated: not under a negation of its clause (a cue that is part of the phrasing itself,
as in `no dropout`, does not count), not within a run of `COPIED_RUN` or more words copied from the stem, and
not a phrasing the stem itself contains (such words show nothing the question did not say). A concept found
only under negation is `negated`; with a misconception listing it in `when_negated`, that misconception is
revealed too. The suggested score is the rubric-weighted share of concepts covered, less the penalty of each
misconception revealed, within [0, 1]. It is a suggestion for the educator who grades the answer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice, product
from typing import Literal

from ai4d_core.domain.answer_text import Part, Sentence, phrase_parts, read
from ai4d_core.domain.item_types import OpenResponseItem

COPIED_RUN = 5  # this many consecutive words that are also consecutive in the stem count as copied
MAX_TRIES = 4096
Status = Literal["covered", "negated", "missing", "in_stem"]


@dataclass(frozen=True)
class ConceptResult:
    criterion: str
    concept: str  # the concept's first phrasing, which names it
    status: Status  # in_stem: every phrasing of the concept is in the stem, so the answer cannot show it
    phrase: str = ""  # the phrasing found (covered or negated)


@dataclass(frozen=True)
class CriterionResult:
    name: str
    weight: float
    coverage: float  # share of its concepts covered, 0-1


@dataclass(frozen=True)
class MisconceptionResult:
    tag: str
    label: str
    penalty: float
    phrase: str  # the phrasing that revealed it
    negated: bool  # revealed by denying a right idea (`when_negated`)


@dataclass(frozen=True)
class RubricCoverage:
    score: float
    criteria: tuple[CriterionResult, ...]
    concepts: tuple[ConceptResult, ...]
    misconceptions: tuple[MisconceptionResult, ...]
    copied_share: float  # share of the answer's words within runs copied from the stem

    @property
    def informative(self) -> bool:
        """False when every concept is one the stem already holds (e.g. an imported essay whose rubric was
        made from the stem's words): then the score says nothing about the answer."""
        return any(c.status != "in_stem" for c in self.concepts)

    @property
    def missing(self) -> tuple[str, ...]:
        """The concepts the answer does not state (missing, negated or only in the stem), by name."""
        return tuple(c.concept for c in self.concepts if c.status != "covered")


Found = Literal["stated", "negated", "none"]


def _starts(stems: tuple[str, ...], part: Part) -> list[int]:
    n = len(part.stems)
    return [
        i for i in range(len(stems) - n + 1)
        if stems[i : i + n] == part.stems and (i + n == len(stems) or stems[i + n] not in part.not_before)
    ]  # fmt: skip


def _occurrences(sentence: Sentence, parts: tuple[Part, ...]) -> Iterator[set[int]]:
    """Each occurrence of the phrasing in the sentence (parts in order, not overlapping), as word positions; at
    most `MAX_TRIES` combinations of the parts' places are tried (a long run-on sentence stays cheap)."""
    for starts in islice(product(*(_starts(sentence.stems, p) for p in parts)), MAX_TRIES):
        ends = [s + len(p.stems) for s, p in zip(starts, parts, strict=True)]
        if all(ends[j] <= starts[j + 1] for j in range(len(parts) - 1)):
            yield {k for s, e in zip(starts, ends, strict=True) for k in range(s, e)}


def _found(sentences: Sequence[Sentence], copied: Sequence[frozenset[int]], phrase: str) -> Found:
    """Whether the phrasing is stated, only denied, or absent (copied occurrences do not count)."""
    parts = phrase_parts(phrase)
    if not parts:
        return "none"
    denied = False
    for sentence, masked in zip(sentences, copied, strict=True):
        for positions in _occurrences(sentence, parts):
            if positions & masked:
                continue
            if any(cue not in positions for k in positions for cue in sentence.denied_by[k]):
                denied = True
            else:
                return "stated"
    return "negated" if denied else "none"


@lru_cache(maxsize=1024)
def _stem_reading(stem: str) -> tuple[tuple[Sentence, ...], frozenset[tuple[str, ...]]]:
    sentences = read(stem)
    runs = frozenset(s.stems[i : i + COPIED_RUN] for s in sentences for i in range(len(s.stems) - COPIED_RUN + 1))
    return sentences, runs


def _copied(sentences: Sequence[Sentence], runs: frozenset[tuple[str, ...]]) -> list[frozenset[int]]:
    """For each sentence of the answer, the positions of its words within runs copied from the stem."""
    masks = []
    for s in sentences:
        hits = (i for i in range(len(s.stems) - COPIED_RUN + 1) if s.stems[i : i + COPIED_RUN] in runs)
        masks.append(frozenset(k for i in hits for k in range(i, i + COPIED_RUN)))
    return masks


@dataclass(frozen=True)
class _Answer:
    """An answer read against its item's stem."""

    stem: tuple[Sentence, ...]
    sentences: tuple[Sentence, ...]
    copied: tuple[frozenset[int], ...]

    def in_stem(self, phrase: str) -> bool:
        return _found(self.stem, [frozenset()] * len(self.stem), phrase) != "none"

    def found(self, phrase: str) -> Found:
        return "none" if self.in_stem(phrase) else _found(self.sentences, self.copied, phrase)

    def concept(self, criterion: str, concept: tuple[str, ...]) -> ConceptResult:
        negated = ""
        for phrase in concept:
            where = self.found(phrase)
            if where == "stated":
                return ConceptResult(criterion, concept[0], "covered", phrase)
            negated = negated or (phrase if where == "negated" else "")
        if negated:
            return ConceptResult(criterion, concept[0], "negated", negated)
        return ConceptResult(criterion, concept[0], "in_stem" if all(map(self.in_stem, concept)) else "missing")


def coverage(item: OpenResponseItem, answer: str) -> RubricCoverage:
    """The rubric suggestion for `answer` (any text; the caller checks its length)."""
    stem, runs = _stem_reading(item.stem)
    sentences = read(answer)
    copied = tuple(_copied(sentences, runs))
    text = _Answer(stem, sentences, copied)
    concepts: list[ConceptResult] = []
    criteria: list[CriterionResult] = []
    for criterion in item.rubric:
        results = [text.concept(criterion.name, concept) for concept in criterion.concepts]
        criteria.append(CriterionResult(criterion.name, criterion.weight,
                                        sum(r.status == "covered" for r in results) / len(results)))  # fmt: skip
        concepts += results
    revealed = []
    for m in item.misconceptions:
        stated = next((p for p in m.phrasings if text.found(p) == "stated"), None)
        denied = None if stated else next((p for p in m.when_negated if text.found(p) == "negated"), None)
        if stated or denied:
            revealed.append(MisconceptionResult(m.tag, m.label, m.penalty, stated or denied or "", denied is not None))
    raw = sum(c.weight * c.coverage for c in criteria) - sum(m.penalty for m in revealed)
    words = sum(len(s.stems) for s in sentences)
    share = sum(len(m) for m in copied) / words if words else 0.0
    return RubricCoverage(min(1.0, max(0.0, raw)), tuple(criteria), tuple(concepts), tuple(revealed), share)


def phrasings_in_stem(item: OpenResponseItem) -> tuple[str, ...]:
    """The rubric's phrasings (concepts and misconceptions) that the stem itself holds: they can never count."""
    stem, _ = _stem_reading(item.stem)
    text = _Answer(stem, (), ())
    phrasings = [p for c in item.rubric for concept in c.concepts for p in concept]
    phrasings += [p for m in item.misconceptions for p in m.phrasings + m.when_negated]
    return tuple(p for p in phrasings if text.in_stem(p))


__all__ = [
    "COPIED_RUN",
    "MAX_TRIES",
    "ConceptResult",
    "CriterionResult",
    "MisconceptionResult",
    "RubricCoverage",
    "coverage",
    "phrasings_in_stem",
]
