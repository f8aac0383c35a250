# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""The learner's Profile section, written for people (`profile_state.ProfileState` holds and does everything).

Sections: the level and who wrote the profile (and when, in the learner's time zone), the narrative, mastery
and ability ± 1.96 SE per topic as a chart with its table, strengths, weaknesses and misconceptions each with
buttons that open their evidence (the question, the learner's answer, the score or "awaiting review", the
explanation), the learning path with resource links and hours, the timeline, next steps as buttons that open a
quiz, ability over time, and "Ask for a review". Printing (the browser's print or the Print button) leaves the
buttons out (`@media print`).

Every text of the profile is escaped (`profile_html`); bank text (stems, explanations) goes through
`common.markdown` as on the quiz and history pages.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import panel as pn
import param
from panel.viewable import Viewer
from param.parameters import NoNone

from ai4d_core.domain.profile import Claim, NextStep, PathStep, Profile, TimelineEntry
from ai4d_core.domain.profile_rules import level_backed
from ai4d_core.services.profile_view import EvidenceItem
from dashboards.common import format_number, markdown
from dashboards.history_page import _blanks as blanks
from dashboards.profile_charts import ability_chart, history_chart, history_html
from dashboards.profile_html import (
    UNREADABLE,
    author_badge,
    claim_html,
    esc,
    level_html,
    local_time,
    mastery_shown,
    paragraphs,
    resource_html,
    table,
    topic_label,
    topics_html,
)
from dashboards.profile_state import NO_PROFILE, ProfileState, connect
from dashboards.quiz_text import answer_words, escaped, verdict

MAX_EVIDENCE = 12  # evidence buttons per claim
HISTORY_VERSIONS = 20  # the versions "Ability over time" shows (the latest)
AWAITING_REVIEW = "Awaiting review: an educator will grade this answer."
NO_HISTORY_YET = "Your ability over time appears once a second version of your profile is written."
PROFILE_CSS = """
:host { color: #1f2933; }
table { border-collapse: collapse; width: 100%; margin: 0.4rem 0 0.8rem; }
caption { text-align: left; font-weight: 600; padding: 0.2rem 0; }
th, td { border: 1px solid #9aa5b1; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
.ai4d-hover { border-bottom: 1px dotted #52606d; cursor: help; }
a { color: #0b5394; }
.ai4d-author-badge { display: inline-block; background: #eef2f7; border: 1px solid #52606d; border-radius: 4px;
  padding: 0.2rem 0.6rem; }
.ai4d-print-only { display: none; }
@media print {
  a::after { content: " (" attr(href) ")"; font-size: 0.85em; }
  .ai4d-print-only { display: inline; font-weight: 600; }
}
"""
# Buttons and the review form are not printed (the host is hidden from inside its shadow root).
NO_PRINT_CSS = "@media print { :host { display: none !important; } }"
STEP_CSS = ".bk-btn { white-space: normal; text-align: left; min-height: 44px; }"
EVIDENCE_CSS = ":host { border-left: 3px solid #9aa5b1; padding-left: 8px; }"


def html(text: str, **kwargs: Any) -> pn.pane.HTML:
    """Our HTML around escaped text (`profile_html` escapes every value it puts in)."""
    return pn.pane.HTML(text, stylesheets=[PROFILE_CSS], sizing_mode="stretch_width", **kwargs)


def button(name: str, action: Any, **kwargs: Any) -> pn.widgets.Button:
    widget = pn.widgets.Button(label=name, stylesheets=[NO_PRINT_CSS, *kwargs.pop("stylesheets", [])], **kwargs)
    widget.on_click(lambda event: action())
    return widget


def evidence_detail(item: EvidenceItem) -> pn.Column:
    """The question as the learner saw it, their answer, its score (or that it awaits review), the explanation."""
    score = AWAITING_REVIEW if item.score is None else verdict(item.score)
    return pn.Column(
        markdown(f"#### Question {escaped(item.item_id)} ({escaped(topic_label(item.topic))})\n\n{blanks(item.stem)}"),
        html(f"<p><strong>Your answer:</strong> {esc(answer_words(item.question, item.answer))}</p>"
             f"<p><strong>Score:</strong> {esc(score)}</p>", css_classes=["ai4d-evidence-score"]),
        markdown(f"**Explanation:** {item.explanation}"),
        sizing_mode="stretch_width", stylesheets=[EVIDENCE_CSS], css_classes=["ai4d-evidence"],
    )  # fmt: skip


def path_html(steps: list[PathStep]) -> str:
    if not steps:
        return "<h3>Learning path</h3><p>No steps yet.</p>"
    items = []
    for s in sorted(steps, key=lambda s: s.order):
        links = "".join(f"<li>{resource_html(r)}</li>" for r in s.resources)
        items.append(
            f"<li><strong>{esc(topic_label(s.topic))}</strong>: {esc(s.objective)} "
            f"(about {esc(format_number(s.estimated_hours, 1))} h)" + (f"<ul>{links}</ul>" if links else "") + "</li>"
        )
    total = format_number(sum(s.estimated_hours for s in steps), 1)
    return f"<h3>Learning path</h3><p>About {esc(total)} hours in all.</p><ol>{''.join(items)}</ol>"


def timeline_html(entries: list[TimelineEntry]) -> str:
    rows = [
        [esc(f"Week {t.week}"), esc(t.focus), esc(", ".join(topic_label(x) for x in t.topics) or "—"),
         esc(f"{format_number(t.hours, 1)} h" if t.hours else "—")]
        for t in sorted(entries, key=lambda t: t.week)
    ]  # fmt: skip
    body = table("Week by week", ["Week", "Focus", "Topics", "Hours"], rows) if rows else "<p>No timeline yet.</p>"
    return "<h3>Timeline</h3>" + body


def step_target(step: NextStep) -> str:
    if step.mode == "practice" and step.topic:
        return f"Opens a practice quiz on {topic_label(step.topic)}."
    return "Opens a diagnostic quiz over every topic."


class ProfileView(Viewer):
    """The latest profile, with Refresh and Print buttons and the review request."""

    state = param.ClassSelector(class_=ProfileState, allow_None=NoNone)

    def _claims(self, title: str, key: str, claims: list[Claim]) -> pn.Column:
        parts: list[Any] = [html(f"<h3>{esc(title)}</h3>" + ("" if claims else "<p>None yet.</p>"))]
        for n, claim in enumerate(claims):
            text = claim_html(claim.topic, claim.claim, claim.misconception)
            claim_key = f"{key}{n}"
            buttons = [
                button(f"See question {k}", partial(self.state.open_evidence, f"{claim_key}/{item_id}"),
                       color="light", width=150)
                for k, item_id in enumerate(dict.fromkeys(claim.evidence[:MAX_EVIDENCE]), start=1)
            ]  # fmt: skip
            detail = pn.bind(self._detail, claim_key, self.state.param.opened, self.state.param.evidence)
            parts.append(pn.Column(html(text), pn.FlexBox(*buttons, gap="6px"), pn.panel(detail),
                                   sizing_mode="stretch_width", css_classes=["ai4d-claim"]))  # fmt: skip
        return pn.Column(*parts, sizing_mode="stretch_width", css_classes=[f"ai4d-profile-{key}"])

    def _detail(self, claim_key: str, opened: str, evidence: EvidenceItem | None) -> Any:
        if not opened.startswith(f"{claim_key}/"):
            return pn.Spacer(height=0)
        if evidence is None:
            return markdown(escaped(self.state.evidence_error), css_classes=["ai4d-evidence"])
        return evidence_detail(evidence)

    def _next_steps(self, steps: list[NextStep]) -> pn.Column:
        rows: list[Any] = [html("<h3>Next steps</h3>" + ("" if steps else "<p>None yet.</p>"))]
        for step in steps:
            go = button(step.text, partial(self.state.choose, step), color="primary",
                        stylesheets=[STEP_CSS], sizing_mode="stretch_width")  # fmt: skip
            hint = f'<p><span class="ai4d-print-only">{esc(step.text)}: </span>{esc(step_target(step))}</p>'
            rows.append(pn.Column(go, html(hint), sizing_mode="stretch_width"))
        return pn.Column(*rows, sizing_mode="stretch_width", css_classes=["ai4d-next-steps"])

    def _history(self) -> list[Any]:
        versions = sorted({p.version for p in self.state.points})[-HISTORY_VERSIONS:]
        points, zone = [p for p in self.state.points if p.version >= versions[0]] if versions else [], self.state.zone
        if len(versions) < 2:
            return [html(f"<h3>Ability over time</h3><p>{esc(NO_HISTORY_YET)}</p>")]
        return [
            html(f"<h3>Ability over time</h3><p>Your last {len(versions)} profile versions.</p>"),
            pn.pane.Bokeh(history_chart(points, zone), sizing_mode="stretch_width"),
            html(history_html(points, zone)),
        ]

    def _sections(self, p: Profile) -> pn.Column:
        zone = self.state.zone
        prov = p.provenance
        window = (
            f"Profile version {p.version}; evidence from {local_time(prov.evidence_from, zone)} "
            f"to {local_time(prov.evidence_to, zone)}." if prov.evidence_from else f"Profile version {p.version}."
        )  # fmt: skip
        topics: list[Any] = [html("<h3>Topics</h3>" + ("" if p.topics else "<p>No topic answered yet.</p>"))]
        if p.topics:
            topics += [pn.pane.Bokeh(ability_chart(p.topics), sizing_mode="stretch_width"), html(topics_html(p.topics))]
        backed = level_backed(mastery_shown(t.mastery, t.se) for t in p.topics)
        return pn.Column(
            html(level_html(p.overall_level.level, p.overall_level.label, backed=backed) + author_badge(prov, zone),
                 css_classes=["ai4d-profile"]),
            html("<h3>In short</h3>" + (paragraphs(p.narrative) or "<p>—</p>"), css_classes=["ai4d-narrative"]),
            *topics,
            self._claims("Strengths", "strengths", p.strengths),
            self._claims("Weaknesses", "weaknesses", p.weaknesses),
            self._claims("Misconceptions", "misconceptions", p.misconceptions),
            html(path_html(p.learning_path), css_classes=["ai4d-path"]),
            html(timeline_html(p.timeline), css_classes=["ai4d-timeline"]),
            self._next_steps(p.next_steps),
            *self._history(),
            html(f"<p>{esc(window)}</p>"),
            sizing_mode="stretch_width",
        )  # fmt: skip

    @param.depends("state.profile", "state.points", "state.zone")
    def _profile(self) -> pn.viewable.Viewable:
        if not self.state.profile:
            return markdown(NO_PROFILE, css_classes=["ai4d-no-profile"])
        p = self.state.model
        return self._sections(p) if p is not None else markdown(UNREADABLE, css_classes=["ai4d-no-profile"])

    @param.depends("state.message")
    def _message(self) -> pn.pane.Markdown:
        return markdown(escaped(self.state.message) if self.state.message else "")

    @param.depends("state.review", "state.profile")
    def _review(self) -> pn.viewable.Viewable:
        if not self.state.profile or self.state.user.role != "learner":
            return pn.Spacer(height=0)
        if self.state.review:
            return html(f"<h3>Review</h3><p>{esc(self.state.review)}</p>")
        note = pn.widgets.TextAreaInput.from_param(self.state.param.note, max_length=500, height=80,
                                                   stylesheets=[NO_PRINT_CSS], sizing_mode="stretch_width")  # fmt: skip
        ask = pn.widgets.Button.from_param(self.state.param.ask_review, color="light", width=180,
                                           stylesheets=[NO_PRINT_CSS])  # fmt: skip
        intro = html("<h3>Review</h3><p>Does something here look wrong? Ask an educator to review your profile.</p>")
        return pn.Column(intro, note, ask, sizing_mode="stretch_width", css_classes=["ai4d-review"])

    def __panel__(self) -> pn.Column:
        refresh = pn.widgets.Button.from_param(self.state.param.refresh, color="light", width=150,
                                               stylesheets=[NO_PRINT_CSS])  # fmt: skip
        printing = pn.widgets.Button(label="Print", color="light", width=100, stylesheets=[NO_PRINT_CSS])
        printing.js_on_click(code="window.print()")
        return pn.Column(
            pn.Row(refresh, printing), self._message, self._profile, self._review, sizing_mode="stretch_width",
        )  # fmt: skip


__all__ = ["AWAITING_REVIEW", "NO_PROFILE", "ProfileState", "ProfileView", "connect", "evidence_detail"]
