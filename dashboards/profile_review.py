# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""The educator's "Profile review" tab: fallback profiles and learners' requests, the rules' text beside the
LLM's, re-runs with the LLM (one learner or all fallbacks) as a Prefect flow run with its progress, and resolve.

Every text shown (profile texts, reasons, learners' notes) is escaped: nothing in it renders as markup. The
run's progress is read every `POLL_SECONDS` by a periodic callback, off the event loop; if the Prefect API is
not there, the tab says so. `ReviewState` is driven headless in tests (with any `FlowRuns`).
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import panel as pn
import param
from panel.viewable import Viewer
from param.parameters import NoNone

from ai4d_core.adapters.sql.tables_review import OUTCOMES
from ai4d_core.policy import Forbidden
from ai4d_core.services import profile_review as review
from ai4d_core.services.profile_review import FlowRunsUnavailableError, QueueEntry, RunProgress, TextSection
from dashboards.cohort_views import PageState
from dashboards.common import markdown
from dashboards.flow_runs import PrefectFlowRuns
from dashboards.page_session import poll_off_loop
from dashboards.quiz_text import escaped

log = logging.getLogger(__name__)
POLL_SECONDS = 2.0
RESUME_WITHIN = timedelta(hours=6)  # a reloaded page follows a re-run started this recently
EMPTY = "No profile needs a review: none of your learners has a fallback profile or an open request."
QUEUE_TITLES = {"learner": "Learner", "why": "Why", "note": "Learner's note", "when": "When"}
CHOOSE = "Choose a learner"
PROSE = ("Narrative", "Refused reply")
OUTCOME_LABELS = {"kept": "Profile kept", "rerun": "Re-run done", "dismissed": "Dismissed"}


def reason_words(reason: str) -> str:
    """A fallback reason (`services.analysis`: "llm: not configured", "llm: timeout", "llm: refused: ...") for
    people; any other text as it is."""
    if not reason.startswith("llm: "):
        return reason
    kind = reason.removeprefix("llm: ")
    if kind == "not configured":
        return "no LLM was configured"
    if kind.startswith("refused"):
        why = kind.removeprefix("refused").lstrip(": ")
        return f"the LLM's reply was refused{f' ({why})' if why else ''}"
    return f"the LLM call failed ({kind.replace('_', ' ')})"


class ReviewState(PageState):
    """The queue, the chosen learner, and the re-run being followed."""

    runs = param.Parameter(default=None, doc="the FlowRuns that starts and reads re-runs (Prefect when None)")
    entries = param.List(default=[], item_type=QueueEntry)
    selected = param.Integer(default=None, allow_None=True, doc="the chosen learner's id")
    run_id = param.ClassSelector(class_=uuid.UUID, default=None, allow_None=True)
    progress = param.ClassSelector(class_=RunProgress, default=None, allow_None=True)
    run_message = param.String(default="")
    outcome: param.Selector[str] = param.Selector(objects=list(OUTCOMES), default="kept", label="Outcome")
    refresh = param.Event(label="Refresh")
    rerun_one = param.Event(label="Re-run with the LLM")
    rerun_all = param.Event(label="Re-run all fallbacks")
    resolve = param.Event(label="Resolve")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        if self.runs is None:
            self.runs = PrefectFlowRuns()
        self.load()
        recent = review.latest_rerun(self.container, self.user) if not self.ended else None
        if recent is not None and datetime.now(UTC) - recent.started_at < RESUME_WITHIN:
            self.run_id = recent.flow_run_id

    @param.depends("refresh", watch=True)
    def load(self) -> None:
        def act() -> str:
            entries = review.review_queue(self.container, self.user)
            ids = [e.learner_id for e in entries]
            self.param.update(entries=entries, selected=self.selected if self.selected in ids else None)
            return "" if entries else EMPTY

        self.attempt(act)

    @property
    def entry(self) -> QueueEntry | None:
        return next((e for e in self.entries if e.learner_id == self.selected), None)

    def _start(self, learner_ids: list[int] | None) -> None:
        if not self._alive():
            return
        try:
            run_id = review.start_rerun(self.container, self.user, learner_ids, self.runs)
        except FlowRunsUnavailableError as exc:
            self.run_message = str(exc)
            return
        except (Forbidden, ValueError) as exc:
            self.run_message = str(exc)
            return
        self.param.update(run_id=run_id, progress=None, run_message="Re-run started; it runs on the Prefect worker.")

    @param.depends("rerun_one", watch=True)
    def _rerun_one(self) -> None:
        if self.selected is None:
            self.run_message = "Choose a learner first."
            return
        self._start([self.selected])

    @param.depends("rerun_all", watch=True)
    def _rerun_all(self) -> None:
        self._start(None)

    @param.depends("resolve", watch=True)
    def _resolve(self) -> None:
        entry = self.entry
        if entry is None or entry.request is None:
            self.message = "Choose a learner who asked for a review."
            return
        request_id, outcome = entry.request.id, self.outcome

        def act() -> str:
            done = review.resolve(self.container, self.user, request_id, outcome)
            return f"Request resolved: {OUTCOME_LABELS[outcome].lower()}." if done else "Already resolved."

        if self.attempt(act):
            said = self.message
            self.load()
            self.message = said

    def poll(self) -> None:
        """Read the followed re-run's progress (blocking HTTP: call off the event loop); reload when it ends."""
        if self.run_id is None or self.ended or (self.progress is not None and self.progress.final):
            return
        try:
            progress = review.rerun_progress(self.container, self.user, self.run_id, self.runs)
        except FlowRunsUnavailableError as exc:
            self.run_message = str(exc)
            return
        except Forbidden:
            self.param.update(run_id=None, progress=None)
            return
        self.param.update(progress=progress, run_message="")
        if progress.final:
            self.load()


def progress_text(progress: RunProgress | None, message: str) -> str:
    """One line on the followed re-run, for people."""
    if progress is None:
        return message
    percent = "" if progress.percent is None else f", {progress.percent:.0f}%"
    detail = f": {progress.message}" if progress.message else ""
    outcome = " The queue below is up to date." if progress.final and progress.ok else ""
    return f"Re-run {progress.state.lower()}{percent}{detail}.{outcome}"


def _lines(section: TextSection) -> str:
    """A prose section (narrative, a refused reply) as paragraphs, a list section as bullets; all escaped."""
    if section.title in PROSE:
        return "\n\n".join(escaped(line) for line in section.lines)
    return "\n".join(f"- {escaped(line)}" for line in section.lines)


def text_column(title: str, sections: tuple[TextSection, ...]) -> pn.Column:
    """One writer's text, every line escaped (an LLM's or a learner's text never renders as markup)."""
    if not sections:
        body = "_No text from this writer._"
    else:
        body = "\n\n".join(f"**{section.title}**\n\n" + _lines(section) for section in sections)
    return pn.Column(
        pn.pane.Markdown(f"#### {escaped(title)}"), markdown(body, css_classes=["ai4d-review-text"]),
        styles={"flex": "1 1 320px", "min-width": "0"}, sizing_mode="stretch_width",
    )  # fmt: skip


class ReviewView(Viewer):
    """The queue table, the chosen learner's two texts side by side, the actions and the re-run's progress."""

    state = param.ClassSelector(class_=ReviewState, allow_None=NoNone)

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        # One picker for the page's life: a picker rebuilt with each queue refresh would drop a choice made on
        # the old one while the refresh was on its way (Bokeh ignores a change to a model no longer shown).
        self._picker = pn.widgets.Select(label="Learner to review", width=360)
        self._sync_picker()
        self._picker.param.watch(lambda event: setattr(self.state, "selected", event.new), "value")

    @param.depends("state.entries", "state.selected", watch=True)
    def _sync_picker(self) -> None:
        entries = self.state.entries
        options: dict[str, int | None] = {CHOOSE: None}
        options |= {f"{e.display_name} (learner {e.learner_id})": e.learner_id for e in entries}
        self._picker.param.update(options=options, value=self.state.selected, visible=bool(entries))

    @param.depends("state.entries")
    def _queue(self) -> pn.viewable.Viewable:
        """The queue as a Markdown table (every cell escaped): a Tabulator grid fails axe's
        aria-required-children; the learner picker beside it is a native select."""
        entries = self.state.entries
        if not entries:
            return markdown(EMPTY, css_classes=["ai4d-empty"])
        rows = [
            [e.display_name, "asked for a review" if e.request else reason_words(e.reason or ""),
             e.request.note if e.request else "", review.when(e.request.requested_at if e.request else e.generated_at)]
            for e in entries
        ]  # fmt: skip
        head = "| " + " | ".join(QUEUE_TITLES.values()) + " |\n|" + "---|" * len(QUEUE_TITLES)
        table = "\n".join([head, *("| " + " | ".join(escaped(cell) for cell in row) + " |" for row in rows)])
        return markdown(table, css_classes=["ai4d-review-queue"])

    @param.depends("state.selected", "state.entries")
    def _detail(self) -> pn.viewable.Viewable:
        entry = self.state.entry
        if entry is None:
            return markdown("Choose a learner to see their profile's text.")
        lines = [f"### {escaped(entry.display_name)}"]
        if entry.reason:
            lines.append(f"Written by the rules because {escaped(reason_words(entry.reason))}.")
        if entry.request:
            note = escaped(entry.request.note) or "_no note_"
            lines.append(f"Asked for a review on {review.when(entry.request.requested_at)}: {note}")
        llm_title = f"By the LLM ({entry.llm_label})" if entry.llm_label else "By the LLM"
        sides = pn.FlexBox(
            text_column(f"By the rules (version {entry.version})", entry.rules_text),
            text_column(llm_title, entry.llm_text), flex_wrap="wrap", gap="16px", sizing_mode="stretch_width",
        )  # fmt: skip
        p = self.state.param
        actions: list[pn.widgets.Widget] = [pn.widgets.Button.from_param(p.rerun_one, color="primary", width=190)]
        if entry.request:
            actions += [
                pn.widgets.Select.from_param(p.outcome, width=150),
                pn.widgets.Button.from_param(p.resolve, width=100),
            ]
        return pn.Column(markdown("\n\n".join(lines)), sides, pn.Row(*actions), sizing_mode="stretch_width")

    @param.depends("state.progress", "state.run_message", "state.run_id")
    def _progress(self) -> pn.viewable.Viewable:
        progress = self.state.progress
        text = markdown(escaped(progress_text(progress, self.state.run_message)), css_classes=["ai4d-rerun"])
        if self.state.run_id is None or (progress is not None and progress.final):
            return text
        value = -1 if progress is None or progress.percent is None else round(progress.percent)
        return pn.Column(pn.indicators.Progress(value=value, max=100, width=300, name="Re-run progress"), text)

    @param.depends("state.message")
    def _message(self) -> pn.pane.Markdown:
        return markdown(escaped(self.state.message))

    def __panel__(self) -> pn.Column:
        p = self.state.param
        no_llm = "" if self.state.container.settings.llm_base_url else escaped(review.NO_LLM)
        return pn.Column(
            pn.pane.Markdown("### Profile review"), markdown(no_llm, css_classes=["ai4d-no-llm"]),
            pn.Row(pn.widgets.Button.from_param(p.refresh, color="light", width=100),
                   pn.widgets.Button.from_param(p.rerun_all, color="primary", width=190)),
            self._progress, self._message, self._queue, self._picker, self._detail, sizing_mode="stretch_width",
        )  # fmt: skip


def follow_runs(state: ReviewState, seconds: float = POLL_SECONDS) -> None:
    """Poll the followed re-run every `seconds`, off the event loop (served documents only)."""
    poll_off_loop(state.poll, lambda: state.ended, seconds, "re-run progress check")


REVIEW_EVENTS = ["refresh", "rerun_one", "rerun_all", "resolve", "selected"]

__all__ = [
    "EMPTY", "REVIEW_EVENTS", "ReviewState", "ReviewView",
    "follow_runs", "progress_text", "reason_words", "text_column",
]  # fmt: skip
