# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""The learner's Profile section: level, per-topic table, strengths and weaknesses, path, next steps, narrative.

A topic's mastery label is shown only when its standard error is small enough to back it
(`domain.mastery.MASTERY_MAX_SE`, the quiz summary's rule too); otherwise the table says "not enough
evidence yet" (DESIGN §6).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import panel as pn
import param
from panel.viewable import Viewer
from param.parameters import NoNone

from ai4d_core.domain.mastery import MASTERY_MAX_SE, NOT_ENOUGH_EVIDENCE
from ai4d_core.services import profiles
from dashboards.cohort_views import PageState
from dashboards.common import format_number, markdown
from dashboards.quiz_text import escaped

NO_PROFILE = "Your profile will appear after the next analysis run."
TOPIC_TITLES = {
    "topic": "Topic",
    "mastery": "Mastery",
    "mean_score": "Mean score",
    "ability": "Ability",
    "se": "Std. error",
    "n_responses": "Responses",
}


def mastery_shown(mastery: str, se: float | None, max_se: float = MASTERY_MAX_SE) -> str:
    """The label a learner sees: the mastery level only when its SE is at most `max_se`."""
    return mastery if se is not None and se <= max_se else NOT_ENOUGH_EVIDENCE


class ProfileState(PageState):
    """The learner's latest profile (None before the first analysis)."""

    profile = param.Dict(default=None, allow_None=True)
    refresh = param.Event(label="Refresh profile")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.load()

    @param.depends("refresh", watch=True)
    def load(self) -> None:
        if self._alive():
            self.profile = profiles.latest_profile(self.container, self.user)


def _bullets(lines: list[str]) -> str:
    return "\n".join(f"- {line}" for line in lines) if lines else "_none yet_"


def _claims(claims: list[dict[str, Any]]) -> str:
    return _bullets([f"**{c['topic']}**: {c['claim']}" for c in claims])


def topics_frame(topics: list[dict[str, Any]]) -> pd.DataFrame:
    """The per-topic rows as shown: rounded numbers, mastery only where the SE backs it."""
    frame = pd.DataFrame(topics, columns=[*TOPIC_TITLES, "evidence"])[list(TOPIC_TITLES)]
    frame["mastery"] = [mastery_shown(m, se) for m, se in zip(frame["mastery"], frame["se"], strict=True)]
    return frame.round(2).astype(str)


def topics_table(frame: pd.DataFrame) -> str:
    """The rows as a Markdown table, every cell escaped (a plain HTML table: screen readers read it as one)."""
    head = "| " + " | ".join(TOPIC_TITLES[c] for c in frame.columns) + " |\n|" + "---|" * len(frame.columns)
    return head + "".join("\n| " + " | ".join(escaped(v) for v in row) + " |" for row in frame.itertuples(index=False))


class ProfileView(Viewer):
    """The latest profile, with a Refresh button."""

    state = param.ClassSelector(class_=ProfileState, allow_None=NoNone)

    @param.depends("state.profile")
    def _profile(self) -> pn.viewable.Viewable:
        p = self.state.profile
        if not p:
            return markdown(NO_PROFILE, css_classes=["ai4d-no-profile"])
        level = p["overall_level"]
        path = [
            f"{s['order']}. **{s['topic']}**: {s['objective']} "
            f"(about {format_number(s['estimated_hours'], 1)} h; {'; '.join(s['resources'])})"
            for s in p["learning_path"]
        ]
        prov = p.get("provenance", {})
        sections = [
            f"### Strengths\n{_claims(p['strengths'])}",
            f"### Weaknesses\n{_claims(p['weaknesses'])}",
            f"### Misconceptions\n{_claims(p['misconceptions'])}",
            "### Learning path\n" + ("\n".join(path) or "_none yet_"),
            "### Timeline\n" + _bullets([f"Week {t['week']}: {t['focus']}" for t in p["timeline"]]),
            "### Next steps\n" + _bullets(list(p["next_steps"])),
            f"_Profile version {int(p['version'])}, written by {prov.get('source', '?')} "
            f"at {prov.get('generated_at', '?')}._",
        ]
        return pn.Column(
            markdown(f"### Overall level {int(level['level'])}: {level['label']}", css_classes=["ai4d-profile"]),
            markdown(p.get("narrative", "")),
            markdown("### Topics\n\n" + topics_table(topics_frame(p["topics"])), css_classes=["ai4d-profile-topics"]),
            markdown("\n\n".join(sections)),
            sizing_mode="stretch_width",
        )  # fmt: skip

    @param.depends("state.message")
    def _message(self) -> pn.pane.Markdown:
        return markdown(self.state.message)

    def __panel__(self) -> pn.Column:
        refresh = pn.widgets.Button.from_param(self.state.param.refresh, color="light", width=150)
        return pn.Column(refresh, self._message, self._profile, sizing_mode="stretch_width")


__all__ = ["NO_PROFILE", "ProfileState", "ProfileView", "mastery_shown", "topics_frame", "topics_table"]
