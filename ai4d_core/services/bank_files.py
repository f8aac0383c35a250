"""Bank files in and out: Moodle GIFT, Moodle XML and the original AI4D's seed JSON.

An import is all or nothing: the parser refuses a file with any problem (naming the line or element), and the
items it returns are stored in one transaction. Imported items are `provisional` unless activated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from ai4d_core.bootstrap import Container
from ai4d_core.domain.items import Item, ItemStatus
from ai4d_core.interop import (
    parse_gift,
    parse_moodle_xml,
    parse_seed_questions,
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

    def __str__(self) -> str:
        return f"{self.parsed} item(s) read, {self.stored} new item version(s) stored"


def parse_file(text: str, fmt: Format, topic: str, level: int, status: ItemStatus) -> list[Item]:
    """Items of a bank file (raises `InteropError` naming every problem; nothing is returned half)."""
    if fmt == "gift":
        return parse_gift(text, default_topic=topic, default_level=level, status=status)
    if fmt == "moodle-xml":
        return parse_moodle_xml(text, default_topic=topic, default_level=level, status=status)
    return parse_seed_questions(json.loads(text), default_topic=topic, default_level=level, status=status)


def import_file(
    c: Container, text: str, fmt: Format, topic: str = "imported", level: int = 1, activate: bool = False
) -> ImportReport:
    items = parse_file(text, fmt, topic, level, ItemStatus.ACTIVE if activate else ItemStatus.PROVISIONAL)
    return ImportReport(len(items), c.items.upsert(items), [item.id for item in items])


def export_file(c: Container, fmt: Format, topic: str | None = None, status: str | None = "active") -> str:
    """The latest version of the matching items in `fmt`; types a format lacks are left out."""
    items = list_items(c, topic=topic, status=status)
    if fmt == "gift":
        return to_gift(items, skip_unsupported=True)
    if fmt == "moodle-xml":
        return to_moodle_xml(items, skip_unsupported=True)
    questionnaire = to_seed_questionnaire(items, include_answers=True, skip_unsupported=True)
    return json.dumps(questionnaire, ensure_ascii=False, indent=2)
