# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""One question of a quiz per item type: its state (the learner's answer, never the key) and a plain widget.

Each `Question` exposes `value()`: the answer in the item type's wire shape, or None while unanswered.
Item text is untrusted (imports, educators, LLMs): stems and explanations go through `common.markdown`
(raw HTML escaped), and every option, entry, target and gap shows as a plain-text label of a Select,
RadioBoxGroup, CheckBoxGroup or input title (Bokeh sets those as text, never as HTML). No MultiChoice:
its choices.js renders labels as HTML.
"""

from __future__ import annotations

from typing import Any

import panel as pn
import param

from ai4d_core.domain.items import (
    ClozeItem,
    Item,
    MatchingItem,
    MultipleChoiceItem,
    OpenResponseItem,
    OrderingItem,
    SingleChoiceItem,
    SqlQueryItem,
    TrueFalseItem,
)
from dashboards.common import markdown


class AnswerChoices(pn.widgets.RadioBoxGroup):
    """Radio buttons that start with nothing selected (Panel's default preselects the first option)."""

    _allows_none = True


def _labels(choices: Any) -> dict[str, str]:
    """Label -> id; labels are plain text, so Markdown code marks are dropped when that stays unique."""
    plain = {c.text.replace("`", ""): c.id for c in choices}
    return plain if len(plain) == len(choices) else {c.text: c.id for c in choices}


class Question(param.Parameterized):
    """A question answered by picking one option (single choice, true/false)."""

    answer: param.Selector[object] = param.Selector(default=None, objects=[], allow_None=True, label="")

    def __init__(self, item: Item, **params: Any) -> None:
        super().__init__(**params)
        self.item_id, self.stem, self.topic, self.type = item.id, item.stem, item.topic, item.type
        if isinstance(item, SingleChoiceItem):
            self.param.answer.objects = _labels(item.options)
        elif isinstance(item, TrueFalseItem):
            self.param.answer.objects = {"True": True, "False": False}

    def value(self) -> Any:
        return self.answer

    def widget(self) -> pn.viewable.Viewable:
        return AnswerChoices.from_param(self.param.answer, name="", inline=False)


class ManyQuestion(Question):
    """Several options picked (multiple choice)."""

    picked = param.ListSelector(default=[], objects=[], label="")

    def __init__(self, item: MultipleChoiceItem, **params: Any) -> None:
        super().__init__(item, **params)
        self.param.picked.objects = _labels(item.options)

    def value(self) -> Any:
        return list(self.picked) or None

    def widget(self) -> pn.viewable.Viewable:
        return pn.widgets.CheckBoxGroup.from_param(self.param.picked, name="", inline=False)


class OrderingQuestion(Question):
    """Entries put in order: one Select per position, each listing every entry as plain text."""

    def __init__(self, item: OrderingItem, **params: Any) -> None:
        super().__init__(item, **params)
        entries = _labels(item.entries)
        self.positions = [Field(str(n), f"Position {n}", entries) for n in range(1, len(item.entries) + 1)]

    def value(self) -> Any:
        """The entries in order once each is placed exactly once (a repeat leaves it unanswered)."""
        order = [p.value() for p in self.positions]
        complete = all(entry is not None for entry in order) and len(set(order)) == len(order)
        return order if complete else None

    def widget(self) -> pn.viewable.Viewable:
        hint = markdown("_Put every entry in its position, each once._")
        return pn.Column(hint, *(p.widget() for p in self.positions))


class TextQuestion(Question):
    """A typed answer: short answer, number, open response or SQL."""

    text = param.String(default="", label="")

    def __init__(self, item: Item, **params: Any) -> None:
        super().__init__(item, **params)
        self._setup = item.fixture.setup_sql if isinstance(item, SqlQueryItem) else ""

    def value(self) -> Any:
        return self.text.strip() or None

    def widget(self) -> pn.viewable.Viewable:
        if self.type in ("open_response", "sql_query"):
            area = pn.widgets.TextAreaInput.from_param(self.param.text, name="", height=140)
            if self._setup:
                return pn.Column(markdown(f"The data:\n\n```sql\n{self._setup}\n```"), area)
            return area
        return pn.widgets.TextInput.from_param(self.param.text, name="", placeholder="your answer")


class Field(param.Parameterized):
    """One part of a composite answer: a matching prompt or a cloze gap."""

    choice: param.Selector[object] = param.Selector(default=None, objects=[], allow_None=True)
    text = param.String(default="")

    def __init__(self, key: str, label: str, options: dict[str, str] | None, **params: Any) -> None:
        super().__init__(**params)
        self.key, self.label, self.has_options = key, label, options is not None
        if options is not None:
            self.param.choice.objects = {"(choose)": None, **options}

    def value(self) -> Any:
        return self.choice if self.has_options else (self.text.strip() or None)

    def widget(self) -> pn.viewable.Viewable:
        if self.has_options:
            return pn.widgets.Select.from_param(self.param.choice, name=self.label)
        return pn.widgets.TextInput.from_param(self.param.text, name=self.label)


class FieldsQuestion(Question):
    """An answer made of parts: matching (a target per prompt) and cloze (a value per gap)."""

    def __init__(self, item: MatchingItem | ClozeItem, **params: Any) -> None:
        super().__init__(item, **params)
        if isinstance(item, MatchingItem):
            targets = _labels(item.targets)
            self.fields = [Field(p.id, p.text, targets) for p in item.prompts]
        else:
            self.fields = [Field(g.id, f"{{{{{g.id}}}}}", _labels(g.options) if g.options else None)
                           for g in item.gaps]  # fmt: skip

    def value(self) -> Any:
        parts = {f.key: f.value() for f in self.fields if f.value() is not None}
        return parts or None

    def widget(self) -> pn.viewable.Viewable:
        return pn.Column(*(f.widget() for f in self.fields))


def question_for(item: Item) -> Question:
    """The question object for an item, by type."""
    if isinstance(item, MultipleChoiceItem):
        return ManyQuestion(item)
    if isinstance(item, OrderingItem):
        return OrderingQuestion(item)
    if isinstance(item, MatchingItem | ClozeItem):
        return FieldsQuestion(item)
    if isinstance(item, SingleChoiceItem | TrueFalseItem):
        return Question(item)
    assert isinstance(item, OpenResponseItem | SqlQueryItem) or item.type in ("short_answer", "numeric")
    return TextQuestion(item)
