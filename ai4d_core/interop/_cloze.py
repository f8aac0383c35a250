"""Moodle's embedded answers (cloze, `multianswer`): `{1:SHORTANSWER:=Paris}` in a text <-> a ClozeItem's gaps.

Read as Moodle's qtype_multianswer reads them, on the question text before its format is applied: an embedded
answer is `{weight:TYPE:answers}` (weight a whole number, 1 when empty), the answers separated by `~`, each
`=text` (100%), `%50%text` (a percentage, `.` or `,` decimals) or `text` (0%), with `#feedback`; `\\}`, `\\~`,
`\\#` escape, and `&#...;` entities do not end an answer. Types: SHORTANSWER (SA, MW), SHORTANSWER_C (SAC, MWC:
case sensitive), NUMERICAL (NM: `value` or `value:margin`, or `*`) and every MULTICHOICE variant (MC, MCV, MCH,
MCS, MCVS, MCHS). Text in braces of any other shape is text, as in Moodle.

Moodle refuses, and so does AI4D: a text without any embedded answer, a choice with fewer than two options, a
part without a 100% answer, a numerical answer that is no number. AI4D cannot carry (`QuestionError` unsupported):
MULTIRESPONSE parts (several right options), a choice part with several 100% options, `*` worth marks in a
numerical part. Imported but not carried (notes): answers worth 0% or less of short and numerical parts (the
`*` catch-all), partial credit on a choice part's other options, per-option feedback of choice parts.
"""

from __future__ import annotations

import re
from typing import Any

from ai4d_core.domain.item_types import GAP
from ai4d_core.domain.items import ClozeItem, Gap
from ai4d_core.interop._common import number, numeric_bounds, percent
from ai4d_core.interop._importing import QuestionError, php_number, unsupported
from ai4d_core.interop._text import MediaError, to_text

_TYPES = (
    "NUMERICAL|NM|MULTICHOICE|MC|MULTICHOICE_V|MCV|MULTICHOICE_H|MCH|SHORTANSWER|SA|MW|SHORTANSWER_C|SAC|MWC|"
    "MULTICHOICE_S|MCS|MULTICHOICE_VS|MCVS|MULTICHOICE_HS|MCHS|MULTIRESPONSE|MR|MULTIRESPONSE_H|MRH|"
    "MULTIRESPONSE_S|MRS|MULTIRESPONSE_HS|MRHS"
)
_FRACTION = r"=|%-?[0-9]+(?:[.,][0-9]*)?%"
_ANSWER = r".+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$)"
_FEEDBACK = r".*?(?<!\\)(?=[~}]|$)"
_ALTERNATIVE = re.compile(rf"({_FRACTION})?({_ANSWER})(?:#({_FEEDBACK}))?", re.DOTALL)
_ALT = rf"(?:{_FRACTION})?{_ANSWER}(?:#{_FEEDBACK})?"
_EMBED = re.compile(rf"\{{([0-9]*):({_TYPES}):({_ALT}(?:~{_ALT})*)\}}", re.DOTALL)
_KINDS = {
    **dict.fromkeys(("SHORTANSWER", "SA", "MW"), ("short_answer", False)),
    **dict.fromkeys(("SHORTANSWER_C", "SAC", "MWC"), ("short_answer", True)),
    **dict.fromkeys(("NUMERICAL", "NM"), ("numeric", False)),
    **dict.fromkeys(
        [
            "MULTICHOICE",
            "MC",
            "MULTICHOICE_V",
            "MCV",
            "MULTICHOICE_H",
            "MCH",
            "MULTICHOICE_S",
            "MCS",
            "MULTICHOICE_VS",
            "MCVS",
            "MULTICHOICE_HS",
            "MCHS",
        ],
        ("single_choice", False),
    ),
}


class ClozeSyntaxError(QuestionError):
    """An embedded answer that Moodle refuses; the message names it by its position (1-based)."""


def _alternatives(answers: str, fmt: str, where: str) -> list[tuple[float, str, str]]:
    """(fraction, text, feedback) of each `~`-separated answer, texts made AI4D text."""
    found, position = [], 0
    while position <= len(answers):
        match = _ALTERNATIVE.match(answers, position)
        if match is None:
            break
        mark, text, feedback = match.groups()
        fraction = 1.0 if mark == "=" else (float(mark.strip("%").replace(",", ".")) / 100 if mark else 0.0)
        try:
            found.append((fraction, _text(text, fmt), _text(feedback or "", fmt)))
        except MediaError as exc:
            raise unsupported(f"{where}: {exc}") from None
        position = match.end() + 1  # past the `~`
    return found


def _text(raw: str, fmt: str) -> str:
    return to_text(re.sub(r"\\([}~#/\\{])", r"\1", raw).strip(), fmt)


def _numeric(text: str, where: str) -> dict[str, float] | None:
    if text == "*":
        return None
    value_text, _, margin_text = text.partition(":")
    value, margin = php_number(value_text), php_number(margin_text or "0")
    if value is None or margin is None:
        raise ClozeSyntaxError(f"{where}: the answer {text!r} must be a number, for example -1.234 or 3e8, or '*'")
    return {"value": value, "tolerance": abs(margin)}


def _gap(number_: int, weight: str, kind_name: str, answers: str, fmt: str, notes: list[str]) -> dict[str, Any]:
    where = f"embedded answer {number_} ({kind_name})"
    if kind_name.startswith(("MULTIRESPONSE", "MR")):
        raise unsupported(f"{where}: several right options in one part")
    kind, case_sensitive = _KINDS[kind_name]
    entries = _alternatives(answers, fmt, where)
    if not any(score == 1 for score, _, _ in entries):
        raise ClozeSyntaxError(f"{where}: one of the answers should have a score of 100% so it is possible to get "
                               "full marks")  # fmt: skip
    gap: dict[str, Any] = {"id": f"g{number_}", "kind": kind, "weight": float(weight) if weight else 1.0}
    if kind == "single_choice":
        if len(entries) < 2:
            raise ClozeSyntaxError(f"{where}: this type of part requires at least 2 choices")
        keys = [i for i, (score, _, _) in enumerate(entries) if score == 1]
        if len(keys) > 1:
            raise unsupported(f"{where}: {len(keys)} options worth 100% (an AI4D choice gap has one key)")
        if any(0 < score < 1 for score, _, _ in entries):
            notes.append(f"{where}: partial credit on other options is not carried: they score 0")
        if any(feedback for _, _, feedback in entries):
            notes.append(f"{where}: per-option feedback is not carried")
        gap["options"] = [{"id": chr(ord("a") + i), "text": text} for i, (_, text, _) in enumerate(entries)]
        gap["key"] = chr(ord("a") + keys[0])
        return gap
    kept = []
    for score, text, feedback in entries:
        spec = _numeric(text, where) if kind == "numeric" else {}
        if score > 0 and spec is None:
            raise unsupported(f"{where}: an answer '*' worth {score * 100:g}% (any number scores)")
        if score > 0:
            kept.append((spec, score, text, feedback))
        elif feedback or text != "*":
            notes.append(f"{where}: answer {text!r} worth {score * 100:g}% is kept out (it scores 0)")
    if kind == "numeric":
        gap["numeric"] = [spec | {"weight": s, "feedback": f} for spec, s, _, f in kept if spec is not None]
    else:
        gap["answers"] = [{"text": t, "weight": s, "feedback": f} for _, s, t, f in kept]
        gap["case_sensitive"] = case_sensitive
    return gap


def parse_cloze(text: str, fmt: str = "html") -> tuple[str, list[dict[str, Any]], list[str]]:
    """(stem with `{{g1}}`... gaps as AI4D text, the gaps' fields, notes) of a question text in format `fmt`;
    raises a QuestionError (ClozeSyntaxError when Moodle refuses it too)."""
    gaps: list[dict[str, Any]] = []
    notes: list[str] = []

    def replace(match: re.Match[str]) -> str:
        gaps.append(_gap(len(gaps) + 1, match[1], match[2], match[3], fmt, notes))
        return f"{{{{{gaps[-1]['id']}}}}}"

    stem = _EMBED.sub(replace, text)
    if not gaps:
        raise ClozeSyntaxError("the question text must include at least one embedded answer such as "
                               "{1:SHORTANSWER:=Paris}")  # fmt: skip
    try:
        return to_text(stem, fmt), gaps, notes
    except MediaError as exc:
        raise unsupported(f"{exc} in the question text") from None


def _escape(text: str) -> str:
    return re.sub(r"([\\}~#])", r"\\\1", text)


def _entry(score: float, text: str, feedback: str = "") -> str:
    mark = "=" if score == 1 else (f"%{percent(score)}%" if score else "")
    return mark + _escape(text) + (f"#{_escape(feedback)}" if feedback else "")


def format_gap(gap: Gap) -> str:
    """One gap as Moodle embedded-answer syntax (Moodle's part weights are whole numbers)."""
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


def weight_problems(item: ClozeItem) -> list[str]:
    """Why a cloze item cannot be written for Moodle: each part's weight must be a whole number."""
    return [f"item {item.id!r}: gap {g.id} weight {number(g.weight)} is not a whole number, which Moodle's "
            "embedded answers need" for g in item.gaps if not g.weight.is_integer()][:1]  # fmt: skip


def format_cloze(item: ClozeItem) -> str:
    """The item's stem with each `{{gap}}` written as an embedded answer."""
    gaps = {g.id: format_gap(g) for g in item.gaps}
    return GAP.sub(lambda match: gaps[match.group(1)], item.stem)
