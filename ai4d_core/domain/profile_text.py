"""What an LLM may write of a profile (`ProfileText`: the text fields only, keyed by the rules' topics, orders and
weeks) and what its prompt carries besides the rules' profile (`PromptData`: the learner's answers and context).

Shared by the prompt (`llm.profile_prompt`) and the validator (`domain.profile_check`). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from ai4d_core.domain.profile import NO_CONTEXT, LearnerContext

Text = Annotated[str, Field(min_length=1)]
Id = Annotated[str, Field(min_length=1, max_length=64)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class ClaimText(_Strict):
    topic: Id
    claim: Annotated[Text, Field(max_length=300)]
    evidence: list[Id] = Field(min_length=1, max_length=30)
    misconception: Id | None = None


class StepText(_Strict):
    order: int
    topic: Id
    objective: Annotated[Text, Field(max_length=200)]
    resources: list[Id] = Field(max_length=5)


class WeekText(_Strict):
    week: int
    focus: Annotated[Text, Field(max_length=200)]


class NextStepText(_Strict):
    topic: Id | None
    text: Annotated[Text, Field(max_length=200)]


class ProfileText(_Strict):
    """What the model may write: the text of the profile, keyed by the rules' topics, orders and weeks."""

    strengths: list[ClaimText] = Field(max_length=20)
    weaknesses: list[ClaimText] = Field(max_length=20)
    misconceptions: list[ClaimText] = Field(max_length=20)
    learning_path: list[StepText] = Field(max_length=20)
    timeline: list[WeekText] = Field(max_length=60)
    next_steps: list[NextStepText] = Field(max_length=10)
    narrative: Annotated[Text, Field(max_length=1200)]


@dataclass(frozen=True, slots=True)
class AnsweredItem:
    """One answer shown to the model: the item, the learner's answer (JSON data) and its score."""

    item_id: str
    topic: str
    stem: str
    answer: Any
    score: float


@dataclass(frozen=True, slots=True)
class PromptData:
    """What the prompt says besides the rules' profile: the evidence and the learner's context."""

    answers: tuple[AnsweredItem, ...] = ()
    context: LearnerContext = NO_CONTEXT

    def learner_texts(self) -> list[str]:
        """Every text the learner wrote that the prompt carries (answers, goal): data, never to be echoed."""
        texts = [s for a in self.answers for s in _strings(a.answer)]
        return texts + ([self.context.goal] if self.context.goal else [])


NO_DATA = PromptData()


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list | tuple):  # JSON arrays (not the abc: its isinstance costs a lot per answer)
        for v in value:
            yield from _strings(v)
