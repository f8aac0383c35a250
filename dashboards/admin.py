# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""The admin dashboard (`/admin`): users (search, role, disable/enable, resend verification), cohorts, and the
security audit log.

The app path is for admins only (`common.APP_ROLES`), and the page refuses anyone else itself; every action goes
through `ai4d_core.services.admin` or `cohorts`, which ask the policy again. Every value is shown as plain text.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import panel as pn
import param
from panel.viewable import Viewer
from param.parameters import NoNone

from ai4d_core.policy import ADMIN, ROLES, Forbidden
from ai4d_core.services import admin
from dashboards.cohort_views import CohortManagerState, CohortManagerView, PageState, picking_table, plain_table
from dashboards.common import container, current_identity, ended, guarded, header, lazy_tabs, markdown

NOT_ALLOWED = "This dashboard is for admins."
NO_USERS = "No user matches."
USER_TITLES = {
    "email": "E-mail", "display_name": "Name", "role": "Role", "status": "Status", "verified": "Verified",
    "created_at": "Created",
}  # fmt: skip
AUDIT_TITLES = {
    "at": "At", "event": "Event", "actor_id": "Actor", "target_id": "Target", "source": "Source", "detail": "Detail",
}  # fmt: skip
ACTIVITY = ("search", "apply_role", "disable", "enable", "resend", "refresh_log")


class AdminState(PageState):
    """Users found, the chosen one, and the audit log; actions call the admin service."""

    text = param.String(default="", label="Search e-mail or name")
    role_filter: param.Selector[str] = param.Selector(default="", objects=["", *ROLES], label="Role")
    users = param.List(default=[], doc="UserRow rows found")
    chosen = param.Integer(default=None, allow_None=True, doc="the chosen user's id")
    new_role: param.Selector[str] = param.Selector(default="learner", objects=list(ROLES), label="New role")
    event = param.String(default="", label="Event")
    log = param.List(default=[], doc="AuditRecord rows")
    search = param.Event(label="Search")
    apply_role = param.Event(label="Change role")
    disable = param.Event(label="Disable")
    enable = param.Event(label="Enable")
    resend = param.Event(label="Resend verification")
    refresh_log = param.Event(label="Refresh")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        if self.user.role != ADMIN:
            self.message = NOT_ALLOWED
            return
        self._search()
        self._refresh_log()

    @property
    def allowed(self) -> bool:
        return self.user.role == ADMIN

    @param.depends("search", watch=True)
    def _search(self) -> None:
        def act() -> str:
            found = admin.search_users(self.container, self.user, self.text, self.role_filter or None)
            ids = {u.id for u in found}
            self.param.update(users=found, chosen=self.chosen if self.chosen in ids else None)
            return "" if found else NO_USERS

        self.attempt(act)

    def _on_chosen(self, action: Any, done: str) -> None:
        user_id = self.chosen
        if user_id is None:
            self.message = "Choose a user first."
            return

        def act() -> str:
            action(self.container, self.user, user_id)
            return done

        if self.attempt(act):
            self._search()
            self.message = done
            self._refresh_log()

    @param.depends("apply_role", watch=True)
    def _apply_role(self) -> None:
        role = self.new_role
        self._on_chosen(lambda c, v, uid: admin.change_role(c, v, uid, role), f"Role set to {role}.")

    @param.depends("disable", watch=True)
    def _disable(self) -> None:
        self._on_chosen(admin.disable, "Account disabled; its sessions are ended.")

    @param.depends("enable", watch=True)
    def _enable(self) -> None:
        self._on_chosen(admin.enable, "Account enabled.")

    @param.depends("resend", watch=True)
    def _resend(self) -> None:
        self._on_chosen(admin.resend_verification, "Verification mail queued (if one is due).")

    @param.depends("refresh_log", watch=True)
    def _refresh_log(self) -> None:
        def act() -> str:
            self.log = admin.audit_log(self.container, self.user, limit=200, event=self.event.strip() or None)
            return self.message

        self.attempt(act)

    @property
    def user_frame(self) -> pd.DataFrame:
        rows = [
            {
                "email": u.email, "display_name": u.display_name, "role": u.role,
                "status": "active" if u.is_active else "disabled", "verified": "yes" if u.email_verified_at else "no",
                "created_at": f"{u.created_at:%Y-%m-%d %H:%M}",
            }
            for u in self.users
        ]  # fmt: skip
        return pd.DataFrame(rows, columns=list(USER_TITLES))

    @property
    def log_frame(self) -> pd.DataFrame:
        rows = [
            {
                "at": f"{e.at:%Y-%m-%d %H:%M:%S}", "event": e.event, "actor_id": str(e.actor_id or ""),
                "target_id": str(e.target_id or ""), "source": e.source or "",
                "detail": json.dumps(e.detail, sort_keys=True, ensure_ascii=False),
            }
            for e in self.log
        ]  # fmt: skip
        return pd.DataFrame(rows, columns=list(AUDIT_TITLES))


class UsersView(Viewer):
    state = param.ClassSelector(class_=AdminState, allow_None=NoNone)

    @param.depends("state.users")
    def _table(self) -> pn.viewable.Viewable:
        ids = [u.id for u in self.state.users]
        return picking_table(self.state.user_frame, USER_TITLES, ids, self.state, "chosen", pagination="local")

    @param.depends("state.message")
    def _message(self) -> pn.pane.Markdown:
        return markdown(self.state.message)

    def __panel__(self) -> pn.Column:
        p = self.state.param

        def button(event: Any, kind: str = "light") -> pn.widgets.Button:
            return pn.widgets.Button.from_param(event, color=kind, width=150)

        return pn.Column(
            pn.Row(pn.widgets.TextInput.from_param(p.text), pn.widgets.Select.from_param(p.role_filter, width=120),
                   button(p.search, "primary")),
            self._table,
            pn.Row(pn.widgets.Select.from_param(p.new_role, width=120), button(p.apply_role), button(p.disable),
                   button(p.enable), button(p.resend)),
            self._message, sizing_mode="stretch_width",
        )  # fmt: skip


class AuditView(Viewer):
    state = param.ClassSelector(class_=AdminState, allow_None=NoNone)

    @param.depends("state.log")
    def _table(self) -> pn.widgets.Tabulator:
        return plain_table(self.state.log_frame, AUDIT_TITLES, pagination="local", page_size=25)

    def __panel__(self) -> pn.Column:
        refresh = pn.widgets.Button.from_param(self.state.param.refresh_log, color="light", width=100)
        event = pn.widgets.TextInput.from_param(self.state.param.event, placeholder="e.g. login_failed")
        return pn.Column(pn.Row(event, refresh), self._table, sizing_mode="stretch_width")


class AdminView(Viewer):
    """The three tabs, or the refusal for a non-admin."""

    state = param.ClassSelector(class_=AdminState, allow_None=NoNone)
    cohorts = param.ClassSelector(class_=CohortManagerState, allow_None=True)

    def __panel__(self) -> pn.Column:
        top = header("AI4D admin", self.state.user)
        if not self.state.allowed:
            return pn.Column(top, markdown(NOT_ALLOWED, css_classes=["ai4d-empty"]))
        tabs: list[tuple[str, Any]] = [("Users", UsersView(state=self.state))]
        if self.cohorts is not None:
            tabs.append(("Cohorts", CohortManagerView(state=self.cohorts)))
        tabs.append(("Audit log", AuditView(state=self.state)))
        return pn.Column(
            top, lazy_tabs(*tabs), sizing_mode="stretch_width", max_width=1200,
            styles={"margin": "0 auto"},
        )  # fmt: skip


def states(identity: Any) -> tuple[AdminState, CohortManagerState | None]:
    """The page's states for `identity` (no cohort state for a non-admin: the page only refuses)."""
    state = AdminState(container=container(), identity=identity)
    if not state.allowed:
        return state, None
    cohorts = CohortManagerState(container=container(), identity=identity)
    cohorts.param.watch(lambda e: state.param.update(ended=True) if e.new else None, "ended")
    return state, cohorts


def app() -> pn.viewable.Viewable:
    """The page for the session resolved on the server for this request (served by `panel serve`)."""
    identity = current_identity()
    if identity is None:
        return ended()
    if identity.user.role != ADMIN:
        return markdown(NOT_ALLOWED, css_classes=["ai4d-empty"])
    try:
        state, cohorts = states(identity)
    except Forbidden:
        return markdown(NOT_ALLOWED, css_classes=["ai4d-empty"])
    return guarded(identity, AdminView(state=state, cohorts=cohorts), state, list(ACTIVITY))


if pn.state.served:
    pn.extension("tabulator", sizing_mode="stretch_width")
    app().servable(title="AI4D admin")
