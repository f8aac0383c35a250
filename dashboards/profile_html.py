"""The profile in words for people, as safe HTML: topic names, levels and mastery in plain language with the
numbers in `title` attributes (shown on hover), times in the learner's zone, resources as links.

Every text of a profile is untrusted (an LLM may have written it): it goes through `html.escape` and nothing
else, so no markup, Markdown or link in it takes effect. The only links are catalogue resources with an
https URL (`domain.resource_catalogue`), never a URL from the profile's text.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from ai4d_core.domain.mastery import NOT_ENOUGH_EVIDENCE, mastery_shown
from ai4d_core.domain.misconceptions import misconceptions
from ai4d_core.domain.profile import LEVEL_LABELS, Profile, Provenance, TopicMastery
from ai4d_core.domain.resource_catalogue import catalogue
from ai4d_core.domain.topics import topic_name
from dashboards.common import format_number
from dashboards.profile_review import reason_words

log = logging.getLogger(__name__)
MASTERY_WORDS = {
    "novice": "Just starting",
    "developing": "Getting there",
    "proficient": "Confident",
    "mastered": "Mastered",
    NOT_ENOUGH_EVIDENCE: "Not enough evidence yet",
}
UNREADABLE = "This profile version cannot be shown; it will be replaced by the next analysis."


def esc(text: object) -> str:
    """Text as HTML text (quotes too: safe in an attribute)."""
    return html.escape(str(text), quote=True)


def read_profile(doc: Mapping[str, Any]) -> Profile | None:
    """A stored profile (v2, or v1: `Profile` reads it) as the model; provenance fields an early v1 document
    lacked get neutral defaults. None (logged) when it cannot be read at all."""
    data = {k: v for k, v in doc.items() if k != "_id"}
    data["provenance"] = {"evidence_from": None, "evidence_to": None, "n_responses": 0, **(doc.get("provenance") or {})}
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        log.warning("profile %s v%s unreadable: %s", doc.get("learner_id"), doc.get("version"), exc)
        return None


def topic_label(topic: str) -> str:
    """The topic's name for people ("NLP and LLMs"); an unknown id reads as words."""
    try:
        return topic_name(topic)
    except (KeyError, ValueError):
        return topic.replace("_", " ").capitalize()


def mastery_words(t: TopicMastery) -> str:
    return MASTERY_WORDS[mastery_shown(t.mastery, t.se)]


def topic_numbers(t: TopicMastery) -> str:
    """What backs a topic's label, in one line (the hover text and the table's columns say the same)."""
    return (
        f"ability {t.ability:+.2f} (on a scale from -4 to +4), standard error {t.se:.2f}; "
        f"{t.n_correct} of {t.n_responses} answers fully right; mean score {format_number(t.mean_score)}"
    )


def hover(text: str, numbers: str) -> str:
    """`text` whose `numbers` show on hover (and are read by screen readers that announce titles)."""
    return f'<span class="ai4d-hover" title="{esc(numbers)}">{esc(text)}</span>'


def level_html(level: int, label: str, *, backed: bool = True) -> str:
    """The overall level; without a topic precise enough to name its level (`level_backed`), marked so."""
    scale = f"level {level} on a scale from 1 ({LEVEL_LABELS[1]}) to 5 ({LEVEL_LABELS[5]}), from your mean ability"
    if backed:
        return f"<h3>{hover(f'Overall level {level}: {label}', scale)}</h3>"
    why = f"{scale}; every topic needs more answers before its level can be told"
    return f"<h3>{hover(f'Overall level {level}: {label} ({NOT_ENOUGH_EVIDENCE})', why)}</h3>"


def local_time(at: datetime | None, zone: str) -> str:
    """`at` (naive: UTC) in the learner's zone, e.g. "1 January 2026, 10:00 CET"."""
    if at is None:
        return "an unknown time"
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    aware = at if at.tzinfo else at.replace(tzinfo=ZoneInfo("UTC"))
    local = aware.astimezone(tz)
    return f"{local.day} {local:%B %Y, %H:%M} {local.tzname()}"


def author_badge(p: Provenance, zone: str) -> str:
    """Who wrote the profile and when: the rules, or a model whose text was checked against the rules."""
    if p.source == "llm":
        who = f"Written by {p.model or 'a language model'}" + (", checked against the rules" if p.checked else "")
    else:
        who = "Written by the rules"
    why = f" The language model was not used: {reason_words(p.fallback_reason)}." if p.fallback_reason else ""
    when = local_time(p.generated_at, zone)
    numbers = f"rules {p.rules_version}" + (f", prompt {p.prompt_version}" if p.prompt_version else "")
    return (
        f'<p class="ai4d-author-badge"><strong>{hover(who, numbers)}</strong> on {esc(when)}, '
        f"from {p.n_responses} answers.{esc(why)}</p>"
    )


def resource_html(resource_id: str) -> str:
    """A catalogue resource as a link (https only) with its hours; anything else (a v1 text) as plain text."""
    found = catalogue().get(resource_id)
    if found is None or not str(found.url).startswith("https://"):
        return esc(resource_id)
    return (
        f'<a href="{esc(found.url)}" rel="noopener noreferrer" target="_blank">{esc(found.title)}</a> '
        f"(about {esc(format_number(found.hours, 1))} h)"
    )


def claim_html(topic: str, claim: str, misconception: str | None = None) -> str:
    """A claim: its topic (unless the text starts with it, as the rules' do), its text, and the misconception's
    description for the learner unless the text says it already (the tag on hover)."""
    name = topic_label(topic)
    lead = "" if claim.startswith(f"{name}:") else f"<strong>{esc(name)}</strong>: "
    belief = ""
    if misconception:
        found = misconceptions().get(misconception)
        if found is None or found.description.rstrip(".") not in claim:
            text = f"(the belief: {found.description})" if found else f"({misconception})"
            belief = " " + hover(text, f"misconception {misconception}")
    return f"<p>{lead}{esc(claim)}{belief}</p>"


def table(caption: str, head: Sequence[str], rows: Iterable[Sequence[str]], css: str = "") -> str:
    """A plain HTML table; cells are HTML already (callers escape), header cells are ours."""
    th = "".join(f'<th scope="col">{esc(h)}</th>' for h in head)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    head_row = f"<thead><tr>{th}</tr></thead>"
    return f'<table class="{css}"><caption>{esc(caption)}</caption>{head_row}<tbody>{body}</tbody></table>'


def topics_html(topics: Sequence[TopicMastery]) -> str:
    """The per-topic table (also the chart's text alternative)."""
    rows = [
        [esc(topic_label(t.topic)), hover(mastery_words(t), topic_numbers(t)), esc(f"{t.ability:+.2f}"),
         esc(f"{t.se:.2f}"), esc(f"{t.n_correct} of {t.n_responses}")]
        for t in topics
    ]  # fmt: skip
    head = ["Topic", "Mastery", "Ability", "Standard error", "Fully right"]
    return table("Mastery per topic (hover a level for its numbers)", head, rows, "ai4d-profile-topics")


def paragraphs(text: str) -> str:
    """Untrusted text as escaped paragraphs (blank lines separate them)."""
    parts = [p.strip() for p in text.split("\n\n") if p.strip()]
    return "".join(f"<p>{esc(p)}</p>" for p in parts)


__all__ = [
    "MASTERY_WORDS",
    "UNREADABLE",
    "author_badge",
    "claim_html",
    "esc",
    "hover",
    "level_html",
    "local_time",
    "mastery_shown",
    "mastery_words",
    "paragraphs",
    "read_profile",
    "resource_html",
    "table",
    "topic_label",
    "topic_numbers",
    "topics_html",
]
