"""Bank files in and out: Moodle GIFT, Moodle XML and the original AI4D's seed JSON.

An import is all or nothing: the parser refuses a file with any problem (naming the line or element), and the
items it returns are stored in one transaction. Imported items are `provisional` unless activated. Questions AI4D
cannot carry (descriptions, files, question types it lacks) refuse the file too, unless the caller asks to leave
them out (`skip_unsupported`); they are then listed with their reason, like the notes on what an imported item
does not carry of its source (see docs/interop.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal

from ai4d_core.bootstrap import Container
from ai4d_core.domain.items import ItemStatus
from ai4d_core.interop import (
    BankImport,
    MatchGrades,
    parse_seed_questions,
    read_gift,
    read_moodle_xml,
    to_gift,
    to_moodle_xml,
    to_seed_questionnaire,
)
from ai4d_core.services.bank import list_items

Format = Literal["gift", "moodle-xml", "seed"]
FORMATS: tuple[Format, ...] = ("gift", "moodle-xml", "seed")


@dataclass(frozen=True, slots=True)
class ImportReport:
    parsed: int
    stored: int
    ids: list[str]
    skipped: tuple[str, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        lines = [f"{self.parsed} item(s) read, {self.stored} new item version(s) stored"]
        if self.skipped:
            lines += [f"{len(self.skipped)} question(s) left out:", *(f"  - {s}" for s in self.skipped)]
        if self.notes:
            lines += [f"{len(self.notes)} note(s) on what the items do not carry:", *(f"  - {n}" for n in self.notes)]
        return "\n".join(lines)


def read_file(
    text: str,
    fmt: Format,
    topic: str,
    level: int,
    status: ItemStatus,
    *,
    skip_unsupported: bool = False,
    match_grades: MatchGrades = "error",
) -> BankImport:
    """Items of a bank file, with what was left out and noted (raises `InteropError` naming every problem)."""
    if fmt == "seed":
        return BankImport(
            parse_seed_questions(json.loads(text), default_topic=topic, default_level=level, status=status)
        )
    read = read_gift if fmt == "gift" else read_moodle_xml
    return read(
        text, default_topic=topic, default_level=level, status=status,
        skip_unsupported=skip_unsupported, match_grades=match_grades,
    )  # fmt: skip


def import_file(
    c: Container,
    text: str,
    fmt: Format,
    topic: str = "imported",
    level: int = 1,
    activate: bool = False,
    *,
    skip_unsupported: bool = False,
    match_grades: MatchGrades = "error",
) -> ImportReport:
    status = ItemStatus.ACTIVE if activate else ItemStatus.PROVISIONAL
    read = read_file(text, fmt, topic, level, status, skip_unsupported=skip_unsupported, match_grades=match_grades)
    stored = c.items.upsert(read.items)
    return ImportReport(len(read.items), stored, [item.id for item in read.items], read.skipped, read.notes)


def export_file(c: Container, fmt: Format, topic: str | None = None, status: str | None = "active") -> str:
    """The latest version of the matching items in `fmt`; types a format lacks are left out."""
    items = list_items(c, topic=topic, status=status)
    if fmt == "gift":
        return to_gift(items, skip_unsupported=True)
    if fmt == "moodle-xml":
        return to_moodle_xml(items, skip_unsupported=True)
    questionnaire = to_seed_questionnaire(items, include_answers=True, skip_unsupported=True)
    return json.dumps(questionnaire, ensure_ascii=False, indent=2)
