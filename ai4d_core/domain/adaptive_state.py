"""What an adaptive quiz is made of: pool entries, the plan, the answers so far, and their JSON form.

A `QuizState` is plain data (JSON-safe through `to_dict`/`from_dict`), so a server-side session can keep it in
a JSONB column and resume after a reload; every choice the engine makes is a function of the state, the pool,
the learner's recent item ids, and an rng derived from `seed` and the number of answers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal, get_args

Mode = Literal["diagnostic", "practice"]
StopReason = Literal["target_se", "max_items", "pool_exhausted"]
STATE_VERSION = 1


@dataclass(frozen=True, slots=True)
class PoolItem:
    """An item the engine may choose: its 2PL parameters, and `pretest` for provisional (unscored) items."""

    id: str
    topic: str
    type: str
    a: float
    b: float
    pretest: bool = False

    def __post_init__(self) -> None:
        if not (math.isfinite(self.a) and self.a > 0 and math.isfinite(self.b)):
            raise ValueError(f"item {self.id}: needs a finite a > 0 and a finite b (got a={self.a}, b={self.b})")


@dataclass(frozen=True, slots=True)
class QuizPlan:
    """How a quiz adapts and when it stops (defaults: `QuizPlan.diagnostic` and `QuizPlan.practice`).

    - `target_se`: stop once every topic's SE is at most this (None: never stop on precision).
    - `max_items`: the length cap, counting every item shown (pretest items too).
    - `pretest_rate`: chance that a step shows an unscored provisional item (never first, never two in a row).
    - `randomesque_k`: exposure control, pick uniformly among the k best items (Kingsbury & Zara 1989).
    - `max_exposure`: skip items already shown in this share of quizzes (the caller passes the rates).
    - `repeat_window`: how many of the learner's latest items (`recent_ids`, newest first) may not come back.
    - `target_p`: practice mode picks items whose P(correct | ability) is nearest this.
    - `topic_sd`: SD of a topic's ability given the learner's ability elsewhere (0.6: topics correlate 0.8).
    - `max_type_share`: no item type makes up more than this share of the quiz while others are available.
    - `priors`: optional starting belief per topic, `{topic: (mean, sd)}` (e.g. from the learner's profile).
    """

    mode: Mode
    topics: tuple[str, ...]
    target_se: float | None = 0.5
    max_items: int = 25
    pretest_rate: float = 0.1
    randomesque_k: int = 5
    max_exposure: float = 0.2
    repeat_window: int = 200
    target_p: float = 0.7
    topic_sd: float = 0.6
    max_type_share: float = 0.5
    priors: Mapping[str, tuple[float, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "topics", tuple(self.topics))
        object.__setattr__(self, "priors", {t: (float(m), float(s)) for t, (m, s) in dict(self.priors).items()})
        problems = [
            self.mode not in get_args(Mode) and f"mode must be one of {get_args(Mode)}",
            not self.topics and "at least one topic is needed",
            len(set(self.topics)) != len(self.topics) and "topics repeat",
            self.mode == "practice" and len(self.topics) != 1 and "practice takes exactly one topic",
            self.target_se is not None and not self.target_se > 0 and "target_se must be positive",
            self.max_items < 1 and "max_items must be at least 1",
            not 0 <= self.pretest_rate < 1 and "pretest_rate must lie in [0, 1)",
            self.randomesque_k < 1 and "randomesque_k must be at least 1",
            not 0 < self.max_exposure <= 1 and "max_exposure must lie in (0, 1]",
            self.repeat_window < 0 and "repeat_window must not be negative",
            not 0 < self.target_p < 1 and "target_p must lie in (0, 1)",
            not 0 < self.topic_sd <= 1 and "topic_sd must lie in (0, 1]",
            not 0 < self.max_type_share <= 1 and "max_type_share must lie in (0, 1]",
            any(not s > 0 for _, s in self.priors.values()) and "prior sds must be positive",
        ]
        if errors := [p for p in problems if p]:
            raise ValueError("invalid quiz plan: " + "; ".join(errors))

    @classmethod
    def diagnostic(cls, topics: Sequence[str], **options: Any) -> QuizPlan:
        """Per-topic estimates: stop at SE 0.5 in every topic or after 25 items."""
        return cls("diagnostic", tuple(topics), **options)

    @classmethod
    def practice(cls, topic: str, **options: Any) -> QuizPlan:
        """One topic at about 70% success; 10 items, no precision stop."""
        return cls("practice", (topic,), **{"target_se": None, "max_items": 10, **options})

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["topics"] = list(self.topics)
        out["priors"] = {t: [m, s] for t, (m, s) in self.priors.items()}
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QuizPlan:
        _known_keys(cls, data)
        return cls(**{**data, "topics": tuple(data.get("topics", ())), "priors": dict(data.get("priors", {}))})


@dataclass(frozen=True, slots=True)
class Answer:
    """One item shown in the quiz and its score (None for a pretest item: it is never scored here)."""

    item_id: str
    topic: str
    type: str
    a: float
    b: float
    score: float | None
    pretest: bool


@dataclass(frozen=True, slots=True)
class QuizState:
    """The plan, the answers so far in order, and the seed every random choice derives from."""

    plan: QuizPlan
    seed: int
    answers: tuple[Answer, ...] = ()
    # The engine's per-state cache of the answers' log-likelihood (never serialised nor compared).
    evidence: object = field(default=None, compare=False, repr=False, kw_only=True)

    def __post_init__(self) -> None:
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError("seed must be a non-negative integer")

    def add(self, answer: Answer, evidence: object = None) -> QuizState:
        """This state with one more answer (`evidence`: the engine's cache for the new state, if it has it)."""
        return QuizState(self.plan, self.seed, (*self.answers, answer), evidence=evidence)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "plan": self.plan.to_dict(),
            "seed": self.seed,
            "answers": [asdict(a) for a in self.answers],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QuizState:
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"unknown quiz state version {data.get('version')!r} (expected {STATE_VERSION})")
        for answer in data.get("answers", []):
            _known_keys(Answer, answer)
        return cls(
            plan=QuizPlan.from_dict(data["plan"]),
            seed=data["seed"],
            answers=tuple(Answer(**answer) for answer in data.get("answers", [])),
        )


def _known_keys(kind: type, data: Mapping[str, Any]) -> None:
    if unknown := set(data) - {f.name for f in fields(kind)}:
        raise ValueError(f"unknown {kind.__name__} field(s): {', '.join(sorted(unknown))}")
