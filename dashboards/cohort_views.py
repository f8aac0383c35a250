# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""Cohort Viewers that pages embed: a learner's cohorts (join with a code, leave) and a cohort manager for
educators and admins (create, rename, educators, members, invite codes and links).

Each is a state object (`param.Parameterized`, driven headless in tests) plus a `Viewer`. Every action
re-checks the page's session first and calls `ai4d_core.services.cohorts`, which enforces the policy. Names
and e-mails are shown only through plain-text Tabulator formatters or `common.markdown`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import panel as pn
import param
from panel.viewable import Viewer
from param.parameters import NoNone

from ai4d_core.bootstrap import Container
from ai4d_core.domain.mastery import NOT_ENOUGH_EVIDENCE, mastery_shown
from ai4d_core.domain.profile_rules import level_backed
from ai4d_core.policy import Forbidden
from ai4d_core.services import cohorts as cohort_service
from ai4d_core.services import reports
from ai4d_core.services.accounts import SessionUser
from dashboards.common import SESSION_ENDED, markdown, session_alive
from dashboards.page_session import PageIdentity

NOT_IN_ANY = "You are not in any cohort yet. Ask your educator for a join code."
NO_COHORTS = "No cohorts yet: create one above."


def plain_table(frame: pd.DataFrame, titles: dict[str, str], **kwargs: Any) -> pn.widgets.Tabulator:
    """A read-only table whose every cell is plain text (no HTML is ever rendered)."""
    return pn.widgets.Tabulator(
        frame, disabled=True, show_index=False, titles=titles, sizing_mode="stretch_width",
        formatters={name: {"type": "plaintext"} for name in frame.columns}, **kwargs,
    )  # fmt: skip


def picking_table(
    frame: pd.DataFrame, titles: dict[str, str], ids: list[Any], state: param.Parameterized, target: str, **kwargs: Any
) -> pn.widgets.Tabulator:
    """A `plain_table` where picking row n sets `state.<target>` to `ids[n]` (None when nothing is picked);
    the row of the current value starts picked."""
    current = getattr(state, target)
    chosen = [ids.index(current)] if current is not None and current in ids else []
    table = plain_table(frame, titles, selectable=1, selection=chosen, **kwargs)
    table.param.watch(lambda event: setattr(state, target, ids[event.new[0]] if event.new else None), "selection")
    return table


class PageState(param.Parameterized):
    """What every state of these pages has: the page's identity, whether its session ended, a message."""

    container = param.ClassSelector(class_=Container, allow_None=NoNone, constant=True)
    identity = param.ClassSelector(class_=PageIdentity, allow_None=NoNone, constant=True, doc="user, token hash")
    ended = param.Boolean(default=False, doc="the session was found ended")
    message = param.String(default="")

    @property
    def user(self) -> SessionUser:
        return self.identity.user

    def _alive(self) -> bool:
        if not self.ended and session_alive(self.container, self.identity):
            return True
        self.param.update(message=SESSION_ENDED, ended=True)
        return False

    def attempt(self, action: Callable[[], str]) -> bool:
        """Run an action if the session is live; its result or its refusal becomes the message."""
        if not self._alive():
            return False
        try:
            self.message = action()
        except (Forbidden, ValueError, LookupError) as exc:
            self.message = str(exc)
            return False
        return True


class LearnerCohortsState(PageState):
    """A learner's cohorts; join with a code (a `?join=` link fills it in) or leave one."""

    memberships = param.List(default=[], item_type=cohort_service.Membership)
    join_code = param.String(default="", label="Join code")
    leave_id = param.Integer(default=None, allow_None=True, doc="the cohort to leave")
    join = param.Event(label="Join")
    leave = param.Event(label="Leave cohort")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.load()

    def load(self) -> None:
        mine = [m for m in cohort_service.my_cohorts(self.container, self.user) if m.role == "learner"]
        self.memberships = mine

    @param.depends("join", watch=True)
    def _join(self) -> None:
        def act() -> str:
            joined = cohort_service.join(self.container, self.user, self.join_code)
            return f"You are in the cohort **{joined.name}**."

        if self.attempt(act):
            self.join_code = ""
            self.load()

    @param.depends("leave", watch=True)
    def _leave(self) -> None:
        if self.leave_id is None:
            self.message = "Choose a cohort to leave."
            return
        cohort_id = self.leave_id
        if self.attempt(
            lambda: "You left the cohort." if cohort_service.leave(self.container, self.user, cohort_id) else ""
        ):
            self.leave_id = None
            self.load()


class LearnerCohortsView(Viewer):
    """My cohorts, a join box and a leave button."""

    state = param.ClassSelector(class_=LearnerCohortsState, allow_None=NoNone)

    @param.depends("state.memberships")
    def _table(self) -> pn.viewable.Viewable:
        if not self.state.memberships:
            return markdown(NOT_IN_ANY)
        frame = pd.DataFrame([{"name": m.name} for m in self.state.memberships])
        ids = [m.cohort_id for m in self.state.memberships]
        return picking_table(frame, {"name": "Cohort"}, ids, self.state, "leave_id")

    @param.depends("state.message")
    def _message(self) -> pn.pane.Markdown:
        return markdown(self.state.message)

    def __panel__(self) -> pn.Column:
        code = pn.widgets.TextInput.from_param(self.state.param.join_code, placeholder="ABCD-EFGH-JKMN-PQRS")
        join = pn.widgets.Button.from_param(self.state.param.join, color="primary", width=100)
        leave = pn.widgets.Button.from_param(self.state.param.leave, color="light", width=140)
        return pn.Column(
            pn.pane.Markdown("### My cohorts"), self._table, leave, pn.Row(code, join), self._message,
            sizing_mode="stretch_width",
        )  # fmt: skip


MEMBER_TITLES = {"display_name": "Name", "email": "E-mail", "role": "Role"}
COHORT_TITLES = {"name": "Cohort", "learners": "Learners", "educators": "Educators"}
TOPIC_TITLES = {"topic": "Topic", "mastery": "Mastery", "mean_score": "Mean score", "n_responses": "Responses"}
INVITE_TITLES = {"created_at": "Created", "expires_at": "Expires", "revoked_at": "Revoked", "uses": "Uses"}


class CohortManagerState(PageState):
    """The cohorts an educator teaches (every cohort for an admin) and what they may do to them."""

    cohorts = param.List(default=[], doc="CohortRecord rows")
    selected = param.Integer(default=None, allow_None=True, doc="the chosen cohort's id")
    members = param.List(default=[], doc="MemberRecord rows of the chosen cohort")
    invites = param.List(default=[], doc="InviteRecord rows of the chosen cohort")
    learner = param.Integer(default=None, allow_None=True, doc="the chosen member's id (learners only)")
    detail = param.Dict(default=None, allow_None=True, doc="the chosen learner's name and latest profile")
    new_name = param.String(default="", label="New cohort name")
    rename_to = param.String(default="", label="Rename to")
    email = param.String(default="", label="E-mail of a user")
    invite_days = param.Integer(
        default=cohort_service.DEFAULT_INVITE_DAYS, bounds=(1, cohort_service.MAX_INVITE_DAYS), label="Days"
    )
    invite_text = param.String(default="", doc="the code and link just made (shown once)")
    create = param.Event(label="Create cohort")
    rename = param.Event(label="Rename")
    add_member = param.Event(label="Add learner")
    add_educator = param.Event(label="Add educator")
    remove = param.Event(label="Remove")
    invite = param.Event(label="New invite")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.load()

    def load(self) -> None:
        try:
            listed = cohort_service.list_cohorts(self.container, self.user)
        except Forbidden as exc:
            self.param.update(cohorts=[], members=[], invites=[], message=str(exc))
            return
        ids = {r.id for r in listed}
        self.param.update(cohorts=listed, selected=self.selected if self.selected in ids else None)
        self._load_selected()

    @param.depends("selected", watch=True)
    def _load_selected(self) -> None:
        if self.selected is None:
            self.param.update(members=[], invites=[], invite_text="", learner=None)
            return
        c, user, cohort_id = self.container, self.user, self.selected
        self.param.update(
            members=cohort_service.members(c, user, cohort_id), invites=cohort_service.invites(c, user, cohort_id)
        )

    @param.depends("learner", watch=True)
    def _load_detail(self) -> None:
        """The chosen learner's latest profile (the policy allows it for learners of the viewer's cohorts)."""
        if self.learner is None:
            self.detail = None
            return
        learner_id = self.learner

        def act() -> str:
            self.detail = reports.learner_detail(self.container, self.user, learner_id)
            return ""

        if not self.attempt(act):
            self.detail = None

    def _user_id(self, cohort_id: int) -> int:
        return cohort_service.user_for_cohort(self.container, self.user, cohort_id, self.email)

    def _on_selected(self, action: Callable[[int], object], done: str) -> None:
        cohort_id = self.selected
        if cohort_id is None:
            self.message = "Choose a cohort first."
            return

        def act() -> str:
            action(cohort_id)
            return done

        if self.attempt(act):
            self.load()

    @param.depends("create", watch=True)
    def _create(self) -> None:
        name = self.new_name

        def act() -> str:
            self.selected = cohort_service.create_cohort(self.container, self.user, name)
            return "Cohort created."

        if self.attempt(act):
            self.new_name = ""
            self.load()

    @param.depends("rename", watch=True)
    def _rename(self) -> None:
        self._on_selected(
            lambda cid: cohort_service.rename_cohort(self.container, self.user, cid, self.rename_to), "Renamed."
        )

    @param.depends("add_member", watch=True)
    def _add_member(self) -> None:
        def act(cid: int) -> None:
            cohort_service.add_member(self.container, self.user, cid, self._user_id(cid))

        self._on_selected(act, "Learner added.")

    @param.depends("add_educator", watch=True)
    def _add_educator(self) -> None:
        def act(cid: int) -> None:
            cohort_service.add_educator(self.container, self.user, cid, self._user_id(cid))

        self._on_selected(act, "Educator added.")

    @param.depends("remove", watch=True)
    def _remove(self) -> None:
        def act(cid: int) -> None:
            user_id = self._user_id(cid)
            cohort_service.remove_member(self.container, self.user, cid, user_id)
            cohort_service.remove_educator(self.container, self.user, cid, user_id)

        self._on_selected(act, "Removed.")

    @param.depends("invite", watch=True)
    def _invite(self) -> None:
        def act(cid: int) -> None:
            made = cohort_service.create_invite(self.container, self.user, cid, days=self.invite_days)
            until = f"{made.expires_at:%Y-%m-%d %H:%M} UTC"
            self.invite_text = f"Code `{made.code}`, link `{made.link}`, valid until {until}"

        self._on_selected(act, "Invite created: share the code or the link.")


class CohortManagerView(Viewer):
    """Cohorts table; the chosen cohort's members and invites; the actions."""

    state = param.ClassSelector(class_=CohortManagerState, allow_None=NoNone)

    @param.depends("state.cohorts")
    def _cohorts(self) -> pn.viewable.Viewable:
        if not self.state.cohorts:
            return markdown(NO_COHORTS)
        rows = [{"name": r.name, "learners": r.learners, "educators": r.educators} for r in self.state.cohorts]
        ids = [r.id for r in self.state.cohorts]
        return picking_table(pd.DataFrame(rows), COHORT_TITLES, ids, self.state, "selected")

    @param.depends("state.members", "state.invites", "state.invite_text")
    def _detail(self) -> pn.viewable.Viewable:
        if self.state.selected is None:
            return markdown("Choose a cohort to see its members and invites.")
        members = pd.DataFrame(
            [{"display_name": m.display_name, "email": m.email, "role": m.role} for m in self.state.members],
            columns=list(MEMBER_TITLES),
        )
        invites = pd.DataFrame(
            [{k: str(getattr(i, k) or "") for k in INVITE_TITLES} for i in self.state.invites],
            columns=list(INVITE_TITLES),
        )
        ids = [m.user_id if m.role == "learner" else None for m in self.state.members]
        table = picking_table(members, MEMBER_TITLES, ids, self.state, "learner")
        return pn.Column(
            pn.pane.Markdown("#### Members"), table, self._learner,
            pn.pane.Markdown("#### Invites"), plain_table(invites, INVITE_TITLES), markdown(self.state.invite_text),
            sizing_mode="stretch_width",
        )  # fmt: skip

    @param.depends("state.detail")
    def _learner(self) -> pn.viewable.Viewable:
        detail = self.state.detail
        if not detail:
            return markdown("Choose a learner to see their latest profile.")
        profile = detail["profile"]
        if not profile:
            return markdown(f"**{detail['display_name']}** has no profile yet.")
        level = profile["overall_level"]
        backed = level_backed(mastery_shown(str(t.get("mastery")), t.get("se")) for t in profile.get("topics") or [])
        thin = "" if backed else f", {NOT_ENOUGH_EVIDENCE}"
        title = f"**{detail['display_name']}**: overall level {int(level['level'])} ({level['label']}{thin})"
        topics = pd.DataFrame(profile["topics"], columns=list(TOPIC_TITLES)).round(2).astype(str)
        return pn.Column(markdown(title), plain_table(topics, TOPIC_TITLES), sizing_mode="stretch_width")

    @param.depends("state.message")
    def _message(self) -> pn.pane.Markdown:
        return markdown(self.state.message)

    def __panel__(self) -> pn.Column:
        p = self.state.param

        def button(event: param.Parameter[Any], kind: str = "light") -> pn.widgets.Button:
            return pn.widgets.Button.from_param(event, color=kind, width=130)

        return pn.Column(
            pn.pane.Markdown("### Cohorts"),
            pn.Row(pn.widgets.TextInput.from_param(p.new_name), button(p.create, "primary")),
            self._cohorts,
            pn.Row(pn.widgets.TextInput.from_param(p.rename_to), button(p.rename)),
            pn.Row(
                pn.widgets.TextInput.from_param(p.email), button(p.add_member), button(p.add_educator), button(p.remove)
            ),
            pn.Row(pn.widgets.IntInput.from_param(p.invite_days, width=100), button(p.invite)),
            self._message, self._detail, sizing_mode="stretch_width",
        )  # fmt: skip


def join_code_from_request() -> str:
    """The `?join=CODE` of the page's URL (what an invite link carries), or ""."""
    values = pn.state.session_args.get("join") or [b""]
    raw = values[0]
    return (raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw))[:64]


__all__ = [
    "CohortManagerState",
    "CohortManagerView",
    "LearnerCohortsState",
    "LearnerCohortsView",
    "PageState",
    "join_code_from_request",
    "picking_table",
    "plain_table",
]
