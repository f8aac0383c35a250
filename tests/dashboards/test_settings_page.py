"""The Settings section, driven headless against the real services: load, save, refusals, pseudonym, browser zone."""

from __future__ import annotations

import html

import panel as pn
import param
import pytest

from ai4d_core.bootstrap import Container
from ai4d_core.security.tokens import token_hash
from ai4d_core.services import accounts, learner_settings
from dashboards import common
from dashboards.page_session import PageIdentity
from dashboards.settings_page import GUARDED_ACTIONS, SAVED, SettingsState, SettingsView

pytestmark = pytest.mark.dashboards
PASSWORD = "violet kettle drums at dawn"


def _signed_in(c: Container, email: str = "ada@example.org") -> tuple[SettingsState, str]:
    accounts.create_user(c, email, "Ada Lovelace", "learner", PASSWORD)
    token = accounts.login(c, email, PASSWORD, source="127.0.0.1")
    user = accounts.session_user(c, token)
    assert user is not None
    return SettingsState(container=c, identity=PageIdentity(user, token_hash(token))), token


def _text(view: SettingsView) -> str:
    panes = pn.Column(view.__panel__()).select(pn.pane.Markdown)
    return "\n".join(html.unescape(p._transform_object(p.object)["object"]) for p in panes)


def test_the_section_shows_the_defaults_and_saves_the_learners_choices(clean: Container) -> None:
    state, _ = _signed_in(clean)
    assert (state.time_zone, state.leaderboard_opt_in, state.notify_profile_ready) == ("UTC", False, False)
    assert state.pseudonym and state.pseudonym not in ("Ada", "Ada Lovelace")
    shown = _text(SettingsView(state=state))
    assert state.pseudonym in shown and "you do not appear on it" in shown

    state.param.update(time_zone="America/Sao_Paulo", leaderboard_opt_in=True, notify_profile_ready=True)
    state.param.trigger("save")

    assert state.message == SAVED
    saved = learner_settings.get(clean, state.user.id)
    assert (saved.time_zone, saved.leaderboard_opt_in, saved.notify_profile_ready) == ("America/Sao_Paulo", True, True)
    assert "you appear on it" in _text(SettingsView(state=state))
    assert all(isinstance(state.param[action], param.Event) for action in GUARDED_ACTIONS)


def test_a_bad_time_zone_is_refused_with_its_reason_and_nothing_is_saved(clean: Container) -> None:
    state, _ = _signed_in(clean)
    state.param.update(time_zone="Atlantis/Capital", leaderboard_opt_in=True)
    state.param.trigger("save")
    assert "'Atlantis/Capital' is not a known time zone" in state.message
    assert learner_settings.get(clean, state.user.id).leaderboard_opt_in is False
    assert "Atlantis/Capital" in _text(SettingsView(state=state))  # the reason is shown (as text)


def test_a_new_pseudonym_is_drawn_and_kept(clean: Container) -> None:
    state, _ = _signed_in(clean)
    before = state.pseudonym
    state.param.trigger("new_pseudonym")
    assert state.pseudonym != before and state.pseudonym in state.message
    assert learner_settings.get(clean, state.user.id).pseudonym == state.pseudonym


def test_the_browsers_zone_is_offered_only_if_known_and_saved_on_request(clean: Container) -> None:
    state, _ = _signed_in(clean)
    offer = SettingsView(state=state)._zone_button()
    assert not offer.visible  # the browser has not reported its zone yet
    state.offer_browser_zone("<script>alert(1)</script>")
    assert state.browser_zone == "" and not offer.visible
    state.offer_browser_zone("Asia/Kolkata")
    assert offer.visible and offer.name == "Use my browser's time zone (Asia/Kolkata)"
    state.param.trigger("use_browser_zone")
    assert not offer.visible  # nothing left to offer
    assert learner_settings.get(clean, state.user.id).time_zone == "Asia/Kolkata" == state.time_zone


def test_after_logout_nothing_is_saved(clean: Container) -> None:
    state, token = _signed_in(clean)
    accounts.logout(clean, token)
    state.param.update(leaderboard_opt_in=True)
    state.param.trigger("save")
    assert state.ended and state.message == common.SESSION_ENDED
    assert learner_settings.get(clean, state.user.id).leaderboard_opt_in is False
