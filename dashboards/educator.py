# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""The educator dashboard (`/educator`): per-topic aggregates of the educator's cohorts, the cohorts, grading of
open responses (`grading_queue`) and the profile review queue (`profile_review`).

The mean ability is the learners' mean EAP ability per topic under the items' calibrated 2PL parameters
(`calibrate-items`; a = 1 and the author's difficulty for items not calibrated yet); pretest answers to
provisional items count in neither the scores nor the abilities.

Rows come from the warehouse through `reports.cohort_topic_summary`, which enforces the authorization
(own cohorts only, groups of at least k learners). `EducatorState` is driven headless in tests.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import panel as pn
import param
from bokeh.models import ColumnDataSource, FactorRange, HoverTool, Range1d
from bokeh.plotting import figure
from panel.viewable import Viewer
from param.parameters import NoNone

from ai4d_core.bootstrap import Container
from ai4d_core.services import reports
from ai4d_core.services.accounts import SessionUser
from dashboards.cohort_views import CohortManagerState, CohortManagerView
from dashboards.common import (
    SESSION_ENDED,
    container,
    current_identity,
    ended,
    guarded,
    header,
    lazy_tabs,
    markdown,
    session_alive,
)
from dashboards.grading_queue import GradingState, GradingView
from dashboards.page_session import PageIdentity
from dashboards.profile_review import REVIEW_EVENTS, ReviewState, ReviewView, follow_runs

NO_AGGREGATES = "No aggregates yet: they appear once enough learners of your cohorts have answered."
NOT_ALLOWED = "This dashboard is for educators."
TITLES = {
    "cohort": "Cohort",
    "topic": "Topic",
    "n_learners": "Learners",
    "n_responses": "Responses",
    "mean_score": "Mean score",
    "median_score": "Median score",
    "share_mastered": "Share mastered",
    "mean_ability": "Mean ability (θ)",
}
TEXT_COLUMNS = ("cohort", "topic")


class EducatorState(param.Parameterized):
    """The educator's cohort-by-topic aggregates (every load re-checks the session first; fails closed)."""

    container = param.ClassSelector(class_=Container, allow_None=NoNone, constant=True)
    identity = param.ClassSelector(class_=PageIdentity, allow_None=NoNone, constant=True, doc="user, token hash")
    ended = param.Boolean(default=False, doc="the session was found ended")
    rows = param.List(default=[], item_type=dict)
    message = param.String(default="")
    refresh = param.Event(label="Refresh")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.load()

    @param.depends("refresh", watch=True)
    def load(self) -> None:
        """Read the aggregates the viewer may see (the service decides which)."""
        if self.ended or not session_alive(self.container, self.identity):
            self.param.update(rows=[], message=SESSION_ENDED, ended=True)
            return
        try:
            rows = reports.cohort_topic_summary(self.container, self.user)
        except PermissionError:
            self.param.update(rows=[], message=NOT_ALLOWED)
            return
        self.param.update(rows=rows, message="" if rows else NO_AGGREGATES)

    @property
    def user(self) -> SessionUser:
        user: SessionUser = self.identity.user
        return user

    @property
    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=list(TITLES))


def mean_score_chart(frame: pd.DataFrame) -> Any:
    """Bars of the mean score per topic (grouped by cohort when there are several)."""
    several = frame["cohort"].nunique() > 1
    factors = list(zip(frame["topic"], frame["cohort"], strict=True)) if several else list(frame["topic"])
    names = ("mean_score", "cohort", "n_learners", "mean_ability")
    columns = {"x": factors, **{name: list(frame[name]) for name in names}}
    chart = figure(
        x_range=FactorRange(factors=factors), y_range=Range1d(start=min(0.0, float(frame["mean_score"].min())), end=1),
        height=320, title="Mean score per topic", toolbar_location=None, sizing_mode="stretch_width",
    )  # fmt: skip
    chart.vbar(x="x", top="mean_score", width=0.8, source=ColumnDataSource(columns), color="#0072b5")
    tooltips = [("cohort", "@cohort"), ("mean score", "@mean_score{0.00}"), ("mean ability", "@mean_ability{0.00}"),
                ("learners", "@n_learners")]  # fmt: skip
    chart.add_tools(HoverTool(tooltips=tooltips))
    chart.xaxis.major_label_orientation = 0.6 if several else 0
    chart.yaxis.axis_label = "mean score"
    return chart


class EducatorView(Viewer):
    """The aggregates as a table and a bar chart, or why there are none."""

    state = param.ClassSelector(class_=EducatorState, allow_None=NoNone)

    @param.depends("state.rows", "state.message")
    def _content(self) -> pn.Column:
        if not self.state.rows:
            return pn.Column(markdown(self.state.message, css_classes=["ai4d-empty"]))
        frame = self.state.frame
        table = pn.widgets.Tabulator(
            frame, disabled=True, show_index=False, titles=TITLES, sizing_mode="stretch_width", pagination="local",
            page_size=20, formatters={name: {"type": "plaintext"} for name in TEXT_COLUMNS},
        )  # fmt: skip
        chart = pn.pane.Bokeh(mean_score_chart(frame), sizing_mode="stretch_width")
        return pn.Column(table, chart, sizing_mode="stretch_width")

    def __panel__(self) -> pn.Column:
        refresh = pn.widgets.Button.from_param(self.state.param.refresh, button_type="light", width=100)
        return pn.Column(
            pn.pane.Markdown("### Cohort mastery by topic"), refresh, self._content, sizing_mode="stretch_width",
        )  # fmt: skip


def app() -> pn.viewable.Viewable:
    """The page for the session resolved on the server for this request (served by `dashboards.serve`)."""
    identity = current_identity()
    if identity is None:
        return ended()
    c = container()
    state = EducatorState(container=c, identity=identity)
    manager = CohortManagerState(container=c, identity=identity)
    grading = GradingState(container=c, identity=identity)
    review = ReviewState(container=c, identity=identity)
    tabs = lazy_tabs(
        ("Mastery", EducatorView(state=state)), ("Cohorts", CohortManagerView(state=manager)),
        ("Grading", GradingView(state=grading)), ("Profile review", ReviewView(state=review)),
    )  # fmt: skip
    page = pn.Column(
        header("AI4D educator", state.user), tabs,
        sizing_mode="stretch_width", max_width=1100, styles={"margin": "0 auto"},
    )  # fmt: skip
    parts = [(part, _events(part)) for part in (manager, grading)] + [(review, REVIEW_EVENTS)]
    follow_runs(review)
    return guarded(identity, page, state, ["refresh"], parts=parts)


def _events(state: param.Parameterized) -> list[str]:
    """A state's events: using any of them counts as activity on the page."""
    return [name for name, p in state.param.objects().items() if isinstance(p, param.Event)]


if pn.state.served:
    pn.extension("tabulator", sizing_mode="stretch_width")
    app().servable(title="AI4D educator")
