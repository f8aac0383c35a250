# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""The learner's Settings section: their time zone (a searchable list, the browser's zone offered), the
leaderboard and "profile ready" e-mail opt-ins, and their leaderboard pseudonym (which they may renew).

`SettingsState` calls `ai4d_core.services.learner_settings` (which checks every value and the policy);
`SettingsView` only lays it out. The browser's zone comes from Panel's `pn.state.browser_info.timezone`
(the browser's `Intl` time zone), which arrives shortly after the page loads; it is only offered, never saved
without a click.
"""

from __future__ import annotations

from typing import Any

import panel as pn
import param
from panel.viewable import Viewer
from param.parameters import NoNone

from ai4d_core.services import learner_settings
from ai4d_core.services.learner_settings import LearnerSettings, time_zones
from dashboards.cohort_views import PageState
from dashboards.common import markdown

SAVED = "Your settings were saved."
RENAMED = "Your new pseudonym is {name}."
ZONE_SET = "Your time zone is now {zone}."
ZONE_HELP = "Dates and your daily streak follow this time zone. Type a city or region to search."
LEADERBOARD_HELP = (
    "The weekly leaderboard shows only learners who turn this on, under their pseudonym: never your name or "
    "e-mail address."
)
NOTIFY_HELP = "The e-mail has a link to your page and nothing of the profile itself. You can turn it off here."


class SettingsState(PageState):
    """The signed-in user's own settings, as saved and as being edited."""

    time_zone = param.String(default="UTC", label="Time zone")
    leaderboard_opt_in = param.Boolean(default=False, label="Show me on the weekly leaderboard")
    notify_profile_ready = param.Boolean(default=False, label="E-mail me when a new profile is ready")
    pseudonym = param.String(default="", doc="the leaderboard name, as saved")
    browser_zone = param.String(default="", doc="the time zone the browser reports ('' until it has)")
    saved = param.ClassSelector(class_=LearnerSettings, default=None, allow_None=True, doc="as last read or saved")
    save = param.Event(label="Save settings")
    new_pseudonym = param.Event(label="Give me a new pseudonym")
    use_browser_zone = param.Event(label="Use my browser's time zone")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.load()

    def load(self) -> None:
        if self._alive():
            self._show(learner_settings.get(self.container, self.user.id))

    def _show(self, s: LearnerSettings) -> None:
        self.param.update(
            saved=s, time_zone=s.time_zone, leaderboard_opt_in=s.leaderboard_opt_in,
            notify_profile_ready=s.notify_profile_ready, pseudonym=s.pseudonym,
        )  # fmt: skip

    def _update(self, **changes: Any) -> LearnerSettings:
        s = learner_settings.update(self.container, self.user, **changes)
        self._show(s)
        return s

    @param.depends("save", watch=True)
    def save_settings(self) -> None:
        """Save the edited values; a bad one is refused with its reason and nothing is saved."""
        self.attempt(self._save)

    def _save(self) -> str:
        self._update(
            time_zone=self.time_zone, leaderboard_opt_in=self.leaderboard_opt_in,
            notify_profile_ready=self.notify_profile_ready,
        )  # fmt: skip
        return SAVED

    @param.depends("new_pseudonym", watch=True)
    def renew_pseudonym(self) -> None:
        self.attempt(lambda: RENAMED.format(name=self._update(new_pseudonym=True).pseudonym))

    @param.depends("use_browser_zone", watch=True)
    def save_browser_zone(self) -> None:
        if self.browser_zone:
            self.attempt(lambda: ZONE_SET.format(zone=self._update(time_zone=self.browser_zone).time_zone))

    def offer_browser_zone(self, zone: str | None) -> None:
        """What the browser reports: kept only if it is a zone we know (it is never trusted further)."""
        self.browser_zone = zone if zone in time_zones() else ""


class SettingsView(Viewer):
    """The Settings section."""

    state = param.ClassSelector(class_=SettingsState, allow_None=NoNone)

    @param.depends("state.pseudonym", "state.saved")
    def _pseudonym(self) -> pn.viewable.Viewable:
        saved = self.state.saved
        shown = "you appear on it" if saved is not None and saved.leaderboard_opt_in else "you do not appear on it"
        return markdown(
            f"Your pseudonym on the leaderboard is **{self.state.pseudonym}** ({shown}). It was drawn at random "
            "and says nothing about who you are.",
            css_classes=["ai4d-pseudonym"],
        )

    def _zone_button(self) -> pn.widgets.Button:
        """ "Use my browser's time zone (…)": one button, shown while the browser's zone is known and not the one
        set. It is updated in place: a pane re-rendered when the browser's report arrives during another event
        (a click on Settings right after the page loads) never reached the page."""
        button = pn.widgets.Button.from_param(self.state.param.use_browser_zone, color="light", visible=False)

        def show(*_: object) -> None:
            zone = self.state.browser_zone
            button.param.update(
                name=f"Use my browser's time zone ({zone})", visible=bool(zone) and zone != self.state.time_zone
            )

        self.state.param.watch(show, ["browser_zone", "time_zone"])
        show()
        return button

    @param.depends("state.message")
    def _message(self) -> pn.viewable.Viewable:
        if not self.state.message:
            return pn.Spacer(height=0)
        return markdown(self.state.message, css_classes=["ai4d-settings-message"])

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        # This page's: made with the page (in app(), where the current document is the page's); the section
        # itself is laid out later, when first opened, possibly on a worker thread.
        self._browser = pn.state.browser_info

    def _watch_browser(self) -> None:
        info = self._browser
        if info is None:
            return
        self.state.offer_browser_zone(info.timezone)
        info.param.watch(lambda event: self.state.offer_browser_zone(event.new), "timezone")

    def __panel__(self) -> pn.Column:
        self._watch_browser()
        zone = pn.widgets.AutocompleteInput.from_param(
            self.state.param.time_zone, options=list(time_zones()), restrict=True, case_sensitive=False,
            search_strategy="includes", min_characters=1, placeholder="e.g. Europe/Paris",
        )  # fmt: skip
        board = pn.widgets.Toggle.from_param(self.state.param.leaderboard_opt_in)
        notify = pn.widgets.Toggle.from_param(self.state.param.notify_profile_ready)
        return pn.Column(
            pn.pane.Markdown("### Time zone"), zone, markdown(ZONE_HELP), self._zone_button(),
            pn.pane.Markdown("### Leaderboard"), board, markdown(LEADERBOARD_HELP), self._pseudonym,
            pn.widgets.Button.from_param(self.state.param.new_pseudonym, color="light"),
            pn.pane.Markdown("### E-mail"), notify, markdown(NOTIFY_HELP),
            pn.widgets.Button.from_param(self.state.param.save, color="primary"),
            self._message,
            sizing_mode="stretch_width", css_classes=["ai4d-settings"],
        )  # fmt: skip


GUARDED_ACTIONS = ["save", "new_pseudonym", "use_browser_zone"]  # for `common.guarded(parts=...)`

__all__ = ["GUARDED_ACTIONS", "SAVED", "SettingsState", "SettingsView"]
