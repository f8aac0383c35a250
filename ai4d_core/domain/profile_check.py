"""The strict validator of an LLM's profile text: merged into the rules' profile, or refused with a reason.

The LLM's reply is untrusted input (DESIGN §7). `merge` accepts it only if it is the `ProfileText` schema and
keeps every fact of the rules' profile: the same claims (topic, misconception tag), steps (order, topic) and
weeks; evidence only from the learner's own items on the claim's topic; resources only from the catalogue and
for the step's topic; no number in the text that the facts do not hold (up to rounding); no strength on a
topic the rules call weak or not-enough-evidence, no weakness on a strength; plain text only (no HTML tags or
entities, Markdown, code, URLs, `javascript:`, control or invisible format characters); length caps per field
and in total; nothing of what the learner wrote repeated, and no instruction-like text. Anything else raises
`ProfileRefused(reason)`; the caller keeps the rules' profile with that reason. Pure: no I/O.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pydantic import ValidationError

from ai4d_core.domain.profile import Claim, Profile
from ai4d_core.domain.profile_text import NO_DATA, ClaimText, ProfileText, PromptData
from ai4d_core.domain.resource_catalogue import catalogue

MAX_REPLY_CHARS = 40_000  # a reply this long is refused before parsing (a 1 MB string costs nothing)
MAX_TEXT_CHARS = 8_000  # all text fields together
ECHO_WORDS = 6  # a run of this many of the learner's words in the output is an echo
SUSPECT_ECHO_WORDS = 4  # ... or of this many, from learner text that reads like an instruction

_MARKUP_PATTERNS = {
    "an HTML tag": r"<\s*[a-z/!?]",
    "an HTML entity": r"&(?:#\d+|#x[0-9a-f]+|[a-z]{2,8});",
    "a Markdown link or image": r"!?\[[^\]]*\]\s*[(\[]",
    "Markdown code": r"`|~~~",
    "Markdown emphasis or heading": r"\*\*|__|^\s{0,3}#{1,6}\s|^\s*>\s",
    "a URL": r"\b[a-z][a-z0-9+.-]{1,20}\s*:\s*//|\bwww\.|\b[a-z0-9-]+\.(?:com|org|net|io|dev)\b",
    "a script URL": r"\b(?:javascript|vbscript|data|file)\s*:",
    "an event handler": r"\bon[a-z]{3,}\s*=",
    "template syntax": r"\{\{|\$\{|\{%",
}
_MARKUP_HINT = re.compile(r"[<&\[`~*_#>:={$]|\.\w")  # every markup pattern needs one of these: a cheap first pass
_MARKUP_LABELS = dict(enumerate(_MARKUP_PATTERNS))
_MARKUP = re.compile("|".join(f"(?P<m{i}>{p})" for i, p in enumerate(_MARKUP_PATTERNS.values())), re.I | re.M)
_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget|override)\b.{0,40}\b(instruction|prompt|rule|above|previous|prior|system)"
    r"|\bsystem prompt|\byou are now\b|\bas an ai\b|\bjailbreak|\bdeveloper mode|\bnew instructions?\b"
    r"|\b(assistant|system)\s*:",
    re.I | re.S,
)
_INSTRUCTION_WORDS = ("ignore", "disregard", "forget", "override", "system", "you are now", "as an ai", "jailbreak",
                      "developer mode", "instruction", "assistant")  # fmt: skip  # one is in every _INSTRUCTION match
_SUSPECT_WORDS = ("ignore", "disregard", "forget", "pretend", "act as", "you are", "you must", "say that",
                  "write that", "instruction", "prompt", "system", "assistant", "full marks")  # fmt: skip
_NUMBER = re.compile(r"(?<![\w.])[-+\u2212]?\d+(?:[.,]\d+)?(?:\s*%)?")
_WORD = re.compile(r"\w+")
_STRONG_WORDS = re.compile(r"\b(mastered|proficient|expert|excellent)\b", re.I)
_WEAK_WORDS = re.compile(r"\b(weak|weakness|novice|struggl\w*|poor)\b", re.I)
_DIGIT = re.compile(r"\d")


class ProfileRefused(ValueError):  # noqa: N818 - the name the plan gives it
    """The LLM's profile text cannot be used; the message says why (shown to educators as the reason)."""


def merge(
    rules: Profile, content: str | None, *, model: str, prompt_version: str, data: PromptData = NO_DATA
) -> Profile:
    """The rules' profile with the LLM's text, checked; `ProfileRefused(reason)` on anything off.

    `data` is what the prompt carried besides the rules (answers, goal): its numbers count as facts, and none
    of the learner's words may come back."""
    text = parse(content)
    _check_structure(rules, text)
    _check_texts(rules, text, data)
    claims = {name: _claims(getattr(rules, name), getattr(text, name)) for name in _CLAIM_LISTS}
    steps = {s.order: s for s in text.learning_path}
    weeks = {w.week: w for w in text.timeline}
    merged = rules.model_dump()
    merged |= claims
    for step in merged["learning_path"]:
        step["objective"] = steps[step["order"]].objective.strip()
        step["resources"] = list(dict.fromkeys(steps[step["order"]].resources))
    for week in merged["timeline"]:
        week["focus"] = weeks[week["week"]].focus.strip()
    for step, written in zip(merged["next_steps"], text.next_steps, strict=True):
        step["text"] = written.text.strip()
    merged["narrative"] = text.narrative.strip()
    merged["provenance"] |= {
        "source": "llm",
        "model": model,
        "prompt_version": prompt_version,
        "fallback_reason": None,
        "checked": True,
    }
    return Profile.model_validate(merged)


def parse(content: str | None) -> ProfileText:
    """The reply as `ProfileText`, or a refusal: empty, too long, not JSON (or truncated), wrong schema."""
    if not content or not content.strip():
        raise ProfileRefused("empty reply")
    if len(content) > MAX_REPLY_CHARS:
        raise ProfileRefused(f"reply too long ({len(content):,} characters, at most {MAX_REPLY_CHARS:,})")
    try:
        return ProfileText.model_validate_json(content)
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["type"] == "json_invalid":
            raise ProfileRefused("not JSON (or truncated)") from None
        where = ".".join(str(p) for p in first["loc"]) or "top level"
        raise ProfileRefused(f"wrong schema: {first['msg']} at {_safe(where)}") from None


_CLAIM_LISTS = ("strengths", "weaknesses", "misconceptions")


def _check_structure(rules: Profile, text: ProfileText) -> None:
    labels = {t.topic: t.mastery for t in rules.topics}
    owned = {t.topic: set(t.evidence) for t in rules.topics}
    everything = set().union(*owned.values()) if owned else set()
    strong = {c.topic for c in rules.strengths}
    weak = {c.topic for c in rules.weaknesses}
    for name in _CLAIM_LISTS:
        expected = [(c.topic, c.misconception) for c in getattr(rules, name)]
        written: list[ClaimText] = getattr(text, name)
        for i, claim in enumerate(written):
            where = f"{name}[{i}]"
            if name == "strengths" and claim.topic in weak | _unclaimed(labels, claim.topic):
                raise ProfileRefused(f"{where}: a strength on {_safe(claim.topic)}, which the rules call "
                                     f"{labels.get(claim.topic, 'unknown')}")  # fmt: skip
            if name == "weaknesses" and claim.topic in strong | _unclaimed(labels, claim.topic):
                raise ProfileRefused(f"{where}: a weakness on {_safe(claim.topic)}, which the rules call "
                                     f"{labels.get(claim.topic, 'unknown')}")  # fmt: skip
            for item in claim.evidence:
                if item not in everything:
                    raise ProfileRefused(f"{where}: evidence {_safe(item)!r} is not an item the learner answered")
                if item not in owned.get(claim.topic, set()):
                    raise ProfileRefused(f"{where}: evidence {_safe(item)!r} is not on topic {_safe(claim.topic)}")
        keys = [(c.topic, c.misconception) for c in written]
        if sorted(keys, key=str) != sorted(expected, key=str):
            raise ProfileRefused(f"{name}: not the rules' claims (topics and tags {_keys(expected)}, "
                                 f"got {_keys(keys)})")  # fmt: skip
    _same("learning_path", [(s.order, s.topic) for s in rules.learning_path],
          [(s.order, s.topic) for s in text.learning_path])  # fmt: skip
    _same("timeline", [w.week for w in rules.timeline], [w.week for w in text.timeline])
    _same("next_steps", [n.topic for n in rules.next_steps], [n.topic for n in text.next_steps], ordered=True)
    known = catalogue()
    rules_steps = {s.order: s for s in rules.learning_path}
    for step in text.learning_path:
        for rid in step.resources:
            resource = known.get(rid)
            if resource is None:
                raise ProfileRefused(f"resource {_safe(rid)!r} is not in the catalogue")
            if resource.topic != step.topic:
                raise ProfileRefused(f"resource {_safe(rid)!r} is not for step {step.order}'s topic")
        if rules_steps[step.order].resources and not step.resources:
            raise ProfileRefused(f"learning_path step {step.order}: no resource")


def _unclaimed(labels: Mapping[str, str], topic: str) -> set[str]:
    """{topic} when the rules hold no level for it (not enough evidence, or not a topic of the learner)."""
    return {topic} if labels.get(topic, "not enough evidence yet") == "not enough evidence yet" else set()


def _same(name: str, expected: list[Any], written: list[Any], ordered: bool = False) -> None:
    if (written if ordered else sorted(written, key=str)) != (expected if ordered else sorted(expected, key=str)):
        raise ProfileRefused(f"{name}: not the rules' entries ({_listed(expected)}; got {_listed(written)})")


def _listed(keys: list[Any]) -> str:
    shown = ", ".join(" ".join(map(str, k)) if isinstance(k, tuple) else str(k) for k in keys)
    return _safe(shown or "none")[:120]


def _keys(keys: list[tuple[str, str | None]]) -> str:
    return _safe(", ".join(t if m is None else f"{t}/{m}" for t, m in keys) or "none")[:160]


def _check_texts(rules: Profile, text: ProfileText, data: PromptData) -> None:
    fields = list(_fields(text))
    total = sum(len(v) for _, v, _ in fields)
    if total > MAX_TEXT_CHARS:
        raise ProfileRefused(f"text too long ({total:,} characters in all, at most {MAX_TEXT_CHARS:,})")
    for where, value, _ in fields:
        _check_characters(where, value)
    combined = _fold("\n".join(v for _, v, _ in fields))
    numbers = (_numbers_of(rules, data), _ids(rules)) if _DIGIT.search(combined) else ([], [])  # none: no work
    echoes = _Echoes(data)
    # One pass over all the text at once (the usual, clean case); on a hit, field by field for the reason.
    if _problem(combined, *numbers, echoes):
        for where, value, _ in fields:
            if reason := _problem(_fold(value), *numbers, echoes):
                raise ProfileRefused(f"{where}: {reason}")
    for where, value, topic in fields:
        if topic is not None:
            _check_tone(where, value, topic)


def _problem(folded: str, facts: list[float], ids: list[str], echoes: _Echoes) -> str | None:
    """What is wrong with one text (NFKC, casefolded), or None."""
    if _MARKUP_HINT.search(folded) and (found := _MARKUP.search(folded)):
        label = next(_MARKUP_LABELS[int(k[1:])] for k, v in found.groupdict().items() if v is not None)
        return f"{label} (plain text only)"
    if any(k in folded for k in _INSTRUCTION_WORDS) and _INSTRUCTION.search(folded):
        return "reads like an instruction, not a profile"
    if echoes and _run_in(_WORD.findall(folded), echoes.vocabulary) >= SUSPECT_ECHO_WORDS:
        words = _WORD.findall(folded)
        if not echoes.runs.isdisjoint(_shingles([words], SUSPECT_ECHO_WORDS) | _shingles([words], ECHO_WORDS)):
            return "repeats the learner's own words"
    for number in _NUMBER.findall(_without(ids, folded)) if _DIGIT.search(folded) else ():
        if not _is_fact(number, facts):
            return f"the number {_safe(number)} is not among the profile's facts"
    return None


class _Echoes:
    """What of the learner's words must not come back: any run of `ECHO_WORDS`, or of `SUSPECT_ECHO_WORDS` from a
    text that reads like an instruction. The vocabulary is a cheap first test; the runs are built only if needed."""

    __slots__ = ("_runs", "_texts", "vocabulary")

    def __init__(self, data: PromptData) -> None:
        self._texts = [t for t in data.learner_texts() if t.count(" ") >= SUSPECT_ECHO_WORDS - 1]
        self.vocabulary = frozenset(_words("\n".join(self._texts)))
        self._runs: set[str] | None = None

    def __bool__(self) -> bool:
        return bool(self._texts)

    @property
    def runs(self) -> set[str]:
        if self._runs is None:
            learner = [_words(t) for t in self._texts]
            suspect = [w for t, w in zip(self._texts, learner, strict=True)
                       if any(k in t.casefold() for k in _SUSPECT_WORDS)]  # fmt: skip
            self._runs = _shingles(learner, ECHO_WORDS) | _shingles(suspect, SUSPECT_ECHO_WORDS)
        return self._runs


def _run_in(words: list[str], vocabulary: frozenset[str]) -> int:
    """The longest run of consecutive words that are all in `vocabulary`."""
    longest = run = 0
    for w in words:
        run = run + 1 if w in vocabulary else 0
        longest = max(longest, run)
    return longest


def _fields(text: ProfileText) -> Iterator[tuple[str, str, tuple[str, str] | None]]:
    """(where, text, (claim list, topic) for claims) of every text field."""
    for name in _CLAIM_LISTS:
        for i, c in enumerate(getattr(text, name)):
            yield f"{name}[{i}].claim", c.claim, (name, c.topic)
    for i, s in enumerate(text.learning_path):
        yield f"learning_path[{i}].objective", s.objective, None
    for i, w in enumerate(text.timeline):
        yield f"timeline[{i}].focus", w.focus, None
    for i, n in enumerate(text.next_steps):
        yield f"next_steps[{i}].text", n.text, None
    yield "narrative", text.narrative, None


def _check_characters(where: str, value: str) -> None:
    if not value.strip():
        raise ProfileRefused(f"{where}: empty")
    if not value.isprintable():  # a fast pass for the usual text; then find the culprit
        for ch in value:
            category = unicodedata.category(ch)
            if (category[0] == "C" or category in ("Zl", "Zp")) and not (ch == "\n" and where == "narrative"):
                raise ProfileRefused(f"{where}: a control or invisible character (U+{ord(ch):04X})")


def _check_tone(where: str, value: str, topic: tuple[str, str]) -> None:
    """A claim's words agree with the list it is in: no 'mastered' in a weakness, no 'weak' in a strength."""
    name, _ = topic
    if name != "strengths" and _STRONG_WORDS.search(value):
        raise ProfileRefused(f"{where}: calls the topic strong, which the rules do not")
    if name == "strengths" and _WEAK_WORDS.search(value):
        raise ProfileRefused(f"{where}: calls a strength weak")


def _claims(rules: list[Claim], written: list[ClaimText]) -> list[dict[str, Any]]:
    """The rules' claims in the rules' order, with the LLM's sentence and evidence."""
    by_key = {(c.topic, c.misconception): c for c in written}
    out = []
    for claim in rules:
        mine = by_key[(claim.topic, claim.misconception)]
        out.append(claim.model_dump() | {"claim": mine.claim.strip(), "evidence": list(dict.fromkeys(mine.evidence))})
    return out


def _numbers_of(rules: Profile, data: PromptData) -> list[float]:
    """Every number the model was given about the learner, with the counts and sums it may fairly state."""
    values: list[float] = [rules.overall_level.level, 5, rules.provenance.n_responses, data.context.weekly_hours]
    for t in rules.topics:
        values += [t.n_responses, t.n_correct, t.n_responses - t.n_correct, t.mean_score, t.ability, t.se,
                   round(t.ability, 2), round(t.se, 2), len(t.evidence)]  # fmt: skip
    values += [s.order for s in rules.learning_path] + [s.estimated_hours for s in rules.learning_path]
    values += [w.week for w in rules.timeline] + [w.hours for w in rules.timeline]
    values += [len(rules.topics), len(rules.learning_path), len(rules.timeline), len(rules.next_steps)]
    values += [len(rules.strengths), len(rules.weaknesses), len(rules.misconceptions)]
    values += [sum(s.estimated_hours for s in rules.learning_path), sum(w.hours for w in rules.timeline)]
    values += [sum(t.n_correct for t in rules.topics), len({a.item_id for a in data.answers})]
    values += [a.score for a in data.answers]
    return [abs(float(v)) for v in values if v is not None and math.isfinite(float(v))]


def _is_fact(written: str, facts: list[float]) -> bool:
    """The number, as written, is a fact rounded to the digits shown (a percentage also as a share)."""
    raw = written.replace("\u2212", "-").replace(",", ".").replace(" ", "")
    percent = raw.endswith("%")
    raw = raw.rstrip("%")
    value = abs(float(raw))
    decimals = len(raw.partition(".")[2])
    tolerance = 0.5 * 10**-decimals + 1e-9
    candidates = [value] + ([value / 100] if percent else [])
    scale = [tolerance] + ([tolerance / 100] if percent else [])
    return any(abs(c - f) <= tol for c, tol in zip(candidates, scale, strict=True) for f in facts)


def _ids(rules: Profile) -> list[str]:
    """Ids the text may name (items, resources, topics): removed before numbers are read, longest first."""
    ids = {i for t in rules.topics for i in t.evidence} | {t.topic for t in rules.topics}
    ids |= {r for s in rules.learning_path for r in s.resources}
    return sorted({i.casefold() for i in ids} | _catalogue_ids(), key=len, reverse=True)


@functools.cache
def _catalogue_ids() -> frozenset[str]:
    return frozenset(i.casefold() for i in catalogue())


def _without(ids: list[str], folded: str) -> str:
    for i in ids:
        if i in folded:
            folded = folded.replace(i, " ")
    return folded


def _fold(value: str) -> str:
    """NFKC and casefold: a full-width or styled `<script>` reads as `<script>`."""
    return unicodedata.normalize("NFKC", value).casefold()


def _words(value: str) -> list[str]:
    return _WORD.findall(_fold(value))


def _shingles(texts: Iterable[list[str]], n: int) -> set[str]:
    """Every run of `n` consecutive words of each text, joined by spaces."""
    return {" ".join(run) for words in texts for run in zip(*(words[i:] for i in range(n)), strict=False)}


def _safe(value: str) -> str:
    """A reply's fragment fit to quote in a reason: id-like characters only (no markup, no URL), at most 60."""
    return re.sub(r"[^\w.,+% ()\[\]-]", "?", value)[:60]
