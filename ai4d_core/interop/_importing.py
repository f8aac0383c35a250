"""What the Moodle importers share: grades, numbers, refusals, and gathering a file's items all or nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from ai4d_core.domain.items import Item
from ai4d_core.interop._common import ID_PATTERN, InteropError, derive_id, unique_ids, validate

MatchGrades = Literal["error", "nearest"]
# Moodle's question_bank::fraction_options_full(): the only grades an answer may have.
_POSITIVE = (1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3, 0.25, 0.2, 0.1666667,
             0.1428571, 0.125, 0.1111111, 0.1, 0.05)  # fmt: skip
FRACTIONS = (*_POSITIVE, 0.0, *(-f for f in _POSITIVE))
GRADE_LIST = "100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20, 16.66667, 14.28571, " \
    "12.5, 11.11111, 10, 5, 0 and the same negated"  # fmt: skip
_PHP_NUMBER = re.compile(r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*")
IDNUMBER_TAG = "moodle-idnumber:"
_NAME_MARKUP = re.compile(r"<[A-Za-z/!][^>]*>")
NO_QUESTIONS = "the file holds no question (Moodle refuses it too: there are no questions in the import file)"


class QuestionError(Exception):
    """Why one question is not imported. `unsupported`: Moodle imports it but AI4D cannot carry it (such
    questions are left out instead when the caller asks); otherwise Moodle refuses it too."""

    def __init__(self, message: str, *, unsupported: bool = False, line: int | None = None) -> None:
        super().__init__(message)
        self.unsupported = unsupported
        self.line = line  # where in the file, when the reader knows better than the question's first line


def unsupported(message: str) -> QuestionError:
    return QuestionError(f"AI4D cannot carry this: {message}", unsupported=True)


def question_name(raw: str) -> str:
    """A question name as Moodle keeps it (clean_question_name): tags dropped (`a < b` stays), trimmed."""
    return _NAME_MARKUP.sub("", raw).strip()


def php_number(text: str) -> float | None:
    """A number as PHP's is_numeric reads it (what Moodle accepts), else None: no inf, nan, `1_000` or `3,14`."""
    return float(text) if _PHP_NUMBER.fullmatch(text) else None


def percent_text(fraction: float) -> str:
    return f"{round(fraction * 100, 5):g}"


def match_grade(fraction: float, mode: MatchGrades) -> float:
    """The Moodle grade of a fraction (1 = 100%): the listed grade within 0.00001 (`error`, Moodle's default) or
    the nearest one (`nearest`), as Moodle's match_grade_options(); a QuestionError otherwise."""
    best = min(FRACTIONS, key=lambda listed: abs(listed - fraction))
    if mode == "nearest" or abs(best - fraction) < 0.00001:
        return best
    raise QuestionError(
        f"grade {percent_text(fraction)}% is not one of Moodle's grades ({GRADE_LIST}); Moodle refuses the "
        "file unless its import matches grades to the nearest (match_grades='nearest')"
    )


@dataclass(frozen=True, slots=True)
class BankImport:
    """A file's items, the questions left out (only with `skip_unsupported=True`) and what the items do not
    carry of the source (each note names its question)."""

    items: list[Item]
    skipped: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(slots=True)
class Draft:
    order: int
    where: str
    title: str | None
    idnumber: str
    fields: dict[str, Any]


@dataclass(slots=True)
class Gatherer:
    """Collects a file's questions in order; `result()` validates them all or raises listing every problem."""

    error: type[InteropError]
    source: str
    skip_unsupported: bool
    drafts: list[Draft] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def refused(self, order: int, where: str, refusal: QuestionError) -> None:
        message = f"{where}: {refusal}"
        if refusal.unsupported and self.skip_unsupported:
            self.skipped.append(message)
        else:
            self.problems.append((order, message))

    def note(self, where: str, notes: list[str]) -> None:
        self.notes.extend(f"{where}: {text}" for text in notes)

    def result(self) -> BankImport:
        ids = unique_ids(derive_id(self.source, _id_title(d), d.fields["stem"]) for d in self.drafts)
        items: list[Item] = []
        for draft, item_id in zip(self.drafts, ids, strict=True):
            fields = draft.fields
            if draft.idnumber and draft.idnumber != item_id:  # the exact Moodle idnumber is kept as a tag
                fields = fields | {"tags": (*fields.get("tags", ()), IDNUMBER_TAG + draft.idnumber)}
            result = validate(fields | {"id": item_id})
            if isinstance(result, str):  # Moodle imports it, but it goes beyond what an AI4D item holds
                self.refused(draft.order, draft.where, unsupported(f"beyond an AI4D {fields['type']} item: {result}"))
            else:
                items.append(result)
        if self.problems:
            raise self.error(message for _, message in sorted(self.problems, key=lambda p: p[0]))
        return BankImport(items, tuple(self.skipped), tuple(self.notes))


def _id_title(draft: Draft) -> str | None:
    """The idnumber when it is a valid id (lower-cased if need be), else the title."""
    lowered = draft.idnumber.lower()
    return lowered if ID_PATTERN.fullmatch(lowered) else draft.title


def grade_problems(item: Item) -> list[str]:
    """Why an item's weights cannot be written for Moodle: each weight must be one of Moodle's grades."""
    weights = [float(getattr(option, "weight", 0.0)) for option in getattr(item, "options", ())]
    weights += [a.weight for a in getattr(item, "answers", ())]
    bad = [w for w in weights if min(abs(w - f) for f in FRACTIONS) >= 0.00001]
    if not bad:
        return []
    return [f"item {item.id!r}: weight {percent_text(bad[0])}% is not one of Moodle's grades ({GRADE_LIST})"]
