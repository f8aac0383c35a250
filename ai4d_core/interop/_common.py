"""What the interop formats share: import options, ids, topics, placeholders, rubrics, numbers."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ai4d_core.domain.item_base import ItemStatus
from ai4d_core.domain.items import Item, parse_item

PLACEHOLDER_EXPLANATION = "No explanation was provided by the source."
PLACEHOLDER_MODEL_ANSWER = "No model answer was provided by the source."
RUBRIC_CRITERION = "Covers the model answer"
MAX_CONCEPTS = 6
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")
TOPIC_PATTERN = re.compile(r"^[a-z0-9_]{1,64}$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
# Moodle's path prefixes of a category: `$course$/top/SQL/Joins` names the category `Joins`.
_CONTEXT = re.compile(r"^\$[a-z0-9]+\$$")
_STOPWORD_TEXT = """
about above after also among and any are because been before being between both but can cannot could does each
either every from have having here into its more most much must not only other over same should some such than that
the their them then there these they this those through under until very was were what when where which while who
whom whose why will with within without would your yours
describe explain give list name define compare discuss state outline
avec dans des est être les leur mais pour par plus que qui quoi sans ses son sont sur une aux cette ces comme elle
elles entre nous vous ils votre vos notre nos
expliquez décrivez citez donnez définissez comparez listez quel quels quelle quelles connaissez
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


class InteropError(ValueError):
    """A file that cannot be imported (or items that cannot be exported); nothing of it is kept.

    `problems` lists each problem with where it is (a line, an element, a question); the message shows the first few.
    """

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems) or ("invalid input",)
        more = f" (+{len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__("; ".join(self.problems[:5]) + more)


class GiftError(InteropError):
    """A GIFT file that cannot be imported (each problem names its line), or items GIFT cannot carry."""


class MoodleXmlError(InteropError):
    """A Moodle XML file that cannot be imported (each problem names its element), or items it cannot carry."""


class SeedError(InteropError):
    """Seed JSON of the original AI4D that cannot be imported (each problem names its question)."""


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """What the caller decides for every imported item: what the source cannot say."""

    source: str  # the format, as in provenance `import:<source>`
    default_topic: str = "imported"
    default_level: int = 1
    status: ItemStatus = ItemStatus.PROVISIONAL
    language: str = "en"

    def __post_init__(self) -> None:
        if not TOPIC_PATTERN.fullmatch(self.default_topic):
            raise ValueError(f"default_topic {self.default_topic!r} must match {TOPIC_PATTERN.pattern}")
        if self.default_level not in (1, 2, 3):
            raise ValueError(f"default_level must be 1, 2 or 3, not {self.default_level!r}")
        if not _LANGUAGE.fullmatch(self.language):
            raise ValueError(f"language {self.language!r} must be a two-letter code")

    def common(self, item_id: str, topic: str, stem: str, explanation: str | None) -> dict[str, Any]:
        """The fields every imported item has; the explanation falls back to a placeholder."""
        return {
            "id": item_id,
            "topic": topic,
            "level": self.default_level,
            "stem": stem,
            "explanation": (explanation or "").strip() or PLACEHOLDER_EXPLANATION,
            "language": self.language,
            "provenance": f"import:{self.source}",
            "status": self.status,
        }


def slug(text: str, sep: str = "-") -> str:
    """ASCII, lower case, runs of anything else made one `sep`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", sep, ascii_text.lower()).strip(sep)


def _digest(text: str) -> str:
    return hashlib.sha256(re.sub(r"\s+", " ", text).strip().casefold().encode("utf-8")).hexdigest()


def derive_id(source: str, title: str | None, stem: str) -> str:
    """The title when it is a valid item id already; else its slug; else `<source>-<hash of the stem>`."""
    title = (title or "").strip()
    if ID_PATTERN.fullmatch(title):
        return title
    name = slug(title)
    if len(name) > 64:
        name = f"{name[:51].rstrip('-')}-{_digest(title)[:12]}"
    if ID_PATTERN.fullmatch(name):
        return name
    return f"{slug(source)}-{_digest(stem)[:12]}"


def unique_ids(ids: Iterable[str]) -> list[str]:
    """Make ids unique within one file, deterministically: the second `x` becomes `x-2`."""
    seen: set[str] = set()
    result: list[str] = []
    for item_id in ids:
        candidate, n = item_id, 1
        while candidate in seen:
            n += 1
            candidate = f"{item_id[: 63 - len(str(n))]}-{n}"
        seen.add(candidate)
        result.append(candidate)
    return result


def topic_from_category(category: str, default: str) -> str:
    """The last segment of a Moodle category path, slugified: `$course$/top/Data Bases` -> `data_bases`."""
    segments = [s.strip() for s in category.split("/") if s.strip()]
    while segments and (_CONTEXT.fullmatch(segments[0]) or segments[0] == "top"):
        segments.pop(0)
    topic = slug(segments[-1], "_")[:64].strip("_") if segments else ""
    return topic or default


def category_path(topic: str) -> str:
    return f"$course$/top/{topic}"


def key_terms(text: str) -> tuple[tuple[str, ...], ...]:
    """The first distinct content words of a text (4+ letters, no stop words), each a one-phrasing concept."""
    words: list[str] = []
    for word in re.findall(r"[^\W\d_][\w'-]*", text.casefold()):
        word = re.sub(r"^(?:[cdjlmnst]|qu)'", "", word).strip("'-")  # French elision: l'apprentissage
        if len(word) >= 4 and word not in _STOPWORDS and word not in words:
            words.append(word)
    if not words:
        return ((text.strip().casefold()[:200] or "answer",),)
    return tuple((w,) for w in words[:MAX_CONCEPTS])


MOODLE_NO_WORD_LIMIT = 2000  # a Moodle essay has no word limit unless it sets one: AI4D's largest


def open_response_fields(model_answer: str | None, stem: str) -> dict[str, Any]:
    """An open response's rubric when the source has none: one criterion, `Covers the model answer`, whose
    concepts are the key terms of the model answer (of the stem when there is no model answer)."""
    answer = (model_answer or "").strip()
    return {
        "model_answer": answer or PLACEHOLDER_MODEL_ANSWER,
        "rubric": [{"name": RUBRIC_CRITERION, "weight": 1.0, "concepts": key_terms(answer or stem)}],
    }


def percent(weight: float) -> str:
    """0.5 -> `50`; 0.3333333 -> `33.33333`; -1 -> `-100`."""
    return f"{round(weight * 100, 5):.5f}".rstrip("0").rstrip(".")


def number(value: float) -> str:
    """A float as short text that reads back to the same float: 3.0 -> `3`, 0.1 -> `0.1`."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def numeric_bounds(answer: Any) -> tuple[float, float]:
    """A numeric answer as (value, absolute tolerance): a range is its midpoint and half-width (as Moodle does)."""
    if answer.value is None:
        low, high = float(answer.low), float(answer.high)
        return (low + high) / 2, (high - low) / 2
    tolerance = answer.tolerance * abs(answer.value) if answer.relative else answer.tolerance
    return float(answer.value), float(tolerance)


def validate(data: dict[str, Any], where: str = "") -> Item | str:
    """The validated item, or a one-line reason (naming `where` when given)."""
    try:
        return parse_item(data)
    except ValidationError as exc:
        parts = []
        for err in exc.errors()[:3]:
            loc = ".".join(str(p) for p in err["loc"][1:]) or "item"
            parts.append(f"{loc}: {err['msg']}")
        reason = "; ".join(parts)
        return f"{where}: {reason}" if where else reason
