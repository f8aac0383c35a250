"""Moodle's embedded answers (cloze, `multianswer`): `{1:SHORTANSWER:=Paris}` in a text <-> a ClozeItem's gaps.

Each embedded answer is `{weight:TYPE:answers}`, the answers separated by `~`, each `=text` (full marks),
`%50%text` (partial) or `text` (no marks), with `#feedback`; `\\}`, `\\~`, `\\#` and `\\\\` escape. Types read:
SHORTANSWER (SA, MW), SHORTANSWER_C (SAC, MWC: case sensitive), NUMERICAL (NM: `=3.14:0.01`) and every
MULTICHOICE variant (MC, MCV, MCH, MCS, MCVS, MCHS...: one right option). Not read: MULTIRESPONSE (several right
options per gap), answers worth no marks in short and numeric gaps (Moodle's catch-all feedback) and partial credit
on a choice gap's wrong options. A numeric gap's range is written as its midpoint and half-width.
"""

from __future__ import annotations

import re
from typing import Any

from ai4d_core.domain.item_types import GAP
from ai4d_core.domain.items import ClozeItem, Gap
from ai4d_core.interop._common import number, numeric_bounds, numeric_spec, percent, weight_from_percent

_EMBED = re.compile(r"\{(?P<weight>\d*(?:\.\d+)?):(?P<kind>[A-Za-z_]+):(?P<answers>(?:\\.|[^\\}])*)\}")
_OPENED = re.compile(r"\{\d*(?:\.\d+)?:[A-Za-z_]+:")
_PERCENT = re.compile(r"%(-?\d+(?:\.\d+)?)%")
_CHOICE_KINDS = (
    "MULTICHOICE MC MULTICHOICE_V MCV MULTICHOICE_H MCH MULTICHOICE_S MCS MULTICHOICE_VS MCVS MULTICHOICE_HS MCHS"
)
_KINDS = {
    **dict.fromkeys(("SHORTANSWER", "SA", "MW"), ("short_answer", False)),
    **dict.fromkeys(("SHORTANSWER_C", "SAC", "MWC"), ("short_answer", True)),
    **dict.fromkeys(("NUMERICAL", "NM"), ("numeric", False)),
    **dict.fromkeys(_CHOICE_KINDS.split(), ("single_choice", False)),
}


class ClozeSyntaxError(ValueError):
    """An embedded answer that cannot be read; the message names it by its position (1-based)."""


def _split(text: str, sep: str, limit: int = -1) -> list[str]:
    """Split at every `sep` that is not escaped by a backslash."""
    parts, current, escaped = [], [], False
    for char in text:
        if escaped:
            current.append("\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == sep and limit != 0:
            parts.append("".join(current))
            current, limit = [], limit - 1
        else:
            current.append(char)
    return [*parts, "".join(current) + ("\\" if escaped else "")]


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text).strip()


def _escape(text: str) -> str:
    return re.sub(r"([\\}~#])", r"\\\1", text)


def _numeric(text: str, where: str) -> dict[str, float]:
    try:
        return numeric_spec(text)
    except ValueError:
        raise ClozeSyntaxError(f"{where}: {text!r} is not a number or number:tolerance") from None


def _gap(number_: int, weight: str, kind_name: str, answers: str) -> dict[str, Any]:
    where = f"embedded answer {number_} ({kind_name})"
    if kind_name.upper() not in _KINDS:
        raise ClozeSyntaxError(f"{where}: this type is not supported")
    kind, case_sensitive = _KINDS[kind_name.upper()]
    entries = []
    for chunk in _split(answers, "~"):
        score = 0.0
        if chunk.startswith("="):
            score, chunk = 1.0, chunk[1:]
        elif match := _PERCENT.match(chunk):
            score, chunk = weight_from_percent(match.group(1)), chunk[match.end() :]
        text, *feedback = _split(chunk, "#", 1)
        entries.append((score, _unescape(text), _unescape(feedback[0]) if feedback else ""))
    gap: dict[str, Any] = {"id": f"g{number_}", "kind": kind, "weight": float(weight) if weight else 1.0}
    if kind == "single_choice":
        keys = [i for i, (score, _, _) in enumerate(entries) if score == 1]
        if len(keys) != 1:
            raise ClozeSyntaxError(f"{where}: needs exactly one option with full marks, found {len(keys)}")
        gap["options"] = [{"id": chr(ord("a") + i), "text": text} for i, (_, text, _) in enumerate(entries)]
        gap["key"] = chr(ord("a") + keys[0])
    elif kind == "numeric":
        gap["numeric"] = [
            {**_numeric(text, where), "weight": score, "feedback": feedback}
            for score, text, feedback in entries
            if score > 0
        ]
    else:
        gap["answers"] = [{"text": t, "weight": s, "feedback": f} for s, t, f in entries if s > 0]
        gap["case_sensitive"] = case_sensitive
    return gap


def parse_cloze(text: str) -> tuple[str, list[dict[str, Any]]]:
    """(stem with `{{g1}}`... gaps, the gaps' fields); raises ClozeSyntaxError."""
    gaps: list[dict[str, Any]] = []

    def replace(match: re.Match[str]) -> str:
        gaps.append(_gap(len(gaps) + 1, match["weight"], match["kind"], match["answers"]))
        return f"{{{{{gaps[-1]['id']}}}}}"

    stem = _EMBED.sub(replace, text)
    if _OPENED.search(stem):
        raise ClozeSyntaxError(f"embedded answer {len(gaps) + 1}: never closed with '}}'")
    if not gaps:
        raise ClozeSyntaxError("no embedded answer such as {1:SHORTANSWER:=Paris} in the question text")
    return stem, gaps


def _entry(score: float, text: str, feedback: str = "") -> str:
    mark = "=" if score == 1 else (f"%{percent(score)}%" if score else "")
    return mark + _escape(text) + (f"#{_escape(feedback)}" if feedback else "")


def format_gap(gap: Gap) -> str:
    """One gap as Moodle embedded-answer syntax."""
    if gap.kind == "single_choice":
        kind, entries = "MULTICHOICE", [_entry(1.0 if o.id == gap.key else 0.0, o.text) for o in gap.options]
    elif gap.kind == "numeric":
        kind, entries = "NUMERICAL", []
        for answer in gap.numeric:
            value, tolerance = numeric_bounds(answer)
            entries.append(_entry(answer.weight, f"{number(value)}:{number(tolerance)}", answer.feedback))
    else:
        kind = "SHORTANSWER_C" if gap.case_sensitive else "SHORTANSWER"
        entries = [_entry(a.weight, a.text, a.feedback) for a in gap.answers]
    return "{" + f"{number(gap.weight)}:{kind}:" + "~".join(entries) + "}"


def format_cloze(item: ClozeItem) -> str:
    """The item's stem with each `{{gap}}` written as an embedded answer."""
    gaps = {g.id: format_gap(g) for g in item.gaps}
    return GAP.sub(lambda match: gaps[match.group(1)], item.stem)
