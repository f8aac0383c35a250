# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""The learner page's privacy panel: "Download my data" (a JSON file of everything AI4D holds about them) and
"Delete my account" (confirmed by typing their e-mail address or password).

The download is a plain form posting to `/account/export` (`dashboards.export_page`), which answers with the
file. `PrivacyState` calls `ai4d_core.services.privacy` for the deletion; `PrivacyView` only lays it out.
Both actions re-check the server-side session first. Panel runs the callbacks on its worker threads, so the
password check and the erasure (which rebuilds the warehouse) never run on the event loop.
"""

from __future__ import annotations

import panel as pn
import param
from panel.viewable import Viewer
from param.parameters import NoNone

from ai4d_core.bootstrap import Container
from ai4d_core.privacy.subject import PrivacyError
from ai4d_core.services import privacy
from ai4d_core.services.accounts import SessionUser
from dashboards.common import SESSION_ENDED, markdown, session_alive
from dashboards.export_page import export_form
from dashboards.page_session import PageIdentity

# The form's button looks like the page's primary buttons (it is plain HTML in the pane's shadow root).
EXPORT_STYLE = """
form.ai4d-export button{background:#0072b5;color:#fff;border:0;border-radius:4px;padding:6px 14px;
font:inherit;cursor:pointer}
form.ai4d-export button:hover{background:#005a8f}
form.ai4d-export button:focus-visible{outline:2px solid #003e63;outline-offset:2px}
"""
CONFIRM_LABEL = "To delete your account, type your e-mail address or your password"
DELETE_WARNING = (
    "Deleting your account removes your answers, scores, profile and everything else AI4D holds about you, "
    "at once and for good. Download your data first if you want to keep it."
)
GOODBYE = "Your account and all your data have been deleted. Goodbye, and thank you for learning with AI4D."
FAILED = "Your account could not be deleted completely; please contact an administrator (reference {ref})."


class PrivacyState(param.Parameterized):
    """What the privacy panel shows and does for the signed-in learner."""

    container = param.ClassSelector(class_=Container, allow_None=NoNone, constant=True)
    identity = param.ClassSelector(class_=PageIdentity, allow_None=NoNone, constant=True, doc="user, token hash")
    ended = param.Boolean(default=False, doc="the session was found ended")
    confirmation = param.String(default="", doc="the e-mail or password typed to confirm deletion")
    delete = param.Event(label="Delete my account")
    message = param.String(default="")
    erased = param.Boolean(default=False, doc="the account is gone: the page should say goodbye and close")
    reference = param.String(default="", doc="the erasure's reference in the audit log")

    @property
    def user(self) -> SessionUser:
        user: SessionUser = self.identity.user
        return user

    def _alive(self) -> bool:
        if not self.ended and not self.erased and session_alive(self.container, self.identity):
            return True
        self.param.update(message=SESSION_ENDED, ended=True)
        return False

    @param.depends("delete", watch=True)
    def delete_account(self) -> None:
        """Erase the account if the confirmation matches; the typed text is never kept."""
        typed, self.confirmation = self.confirmation, ""
        if not self._alive():
            return
        try:
            report = privacy.erase_own_account(self.container, self.user, typed)
        except PrivacyError as exc:
            self.message = str(exc)
            return
        message = GOODBYE if report.complete else FAILED.format(ref=report.reference)
        self.param.update(reference=report.reference, message=message, erased=True)


def goodbye() -> pn.pane.Markdown:
    """What the page shows once the account is deleted, with a way out."""
    return pn.pane.Markdown(f"### {GOODBYE}\n\n[Back to the start page](/)", css_classes=["ai4d-goodbye"])


class PrivacyView(Viewer):
    """The "Your data" section: download, and delete with confirmation; the goodbye once deleted."""

    state = param.ClassSelector(class_=PrivacyState, allow_None=NoNone)

    @classmethod
    def for_page(cls, container: Container, identity: PageIdentity) -> PrivacyView:
        return cls(state=PrivacyState(container=container, identity=identity))

    @param.depends("state.message", "state.erased")
    def _status(self) -> pn.viewable.Viewable:
        if self.state.erased and not self.state.message.startswith("Your account could not"):
            return goodbye()
        return markdown(self.state.message) if self.state.message else pn.Spacer(height=0)

    def __panel__(self) -> pn.Column:
        download = pn.pane.HTML(
            export_form(self.state.container, self.state.identity.token_hash),
            stylesheets=[EXPORT_STYLE], margin=(5, 10), visible=self.state.param.erased.rx.not_(),
        )  # fmt: skip
        typed = pn.widgets.PasswordInput(
            label=CONFIRM_LABEL, placeholder="e-mail address or password", disabled=self.state.param.erased
        )
        # Every keystroke reaches the state (`value_input`), so a click on Delete right after typing sees it;
        # the state clearing the field clears the widget.
        typed.param.watch(lambda event: setattr(self.state, "confirmation", event.new or ""), "value_input")
        self.state.param.watch(lambda event: typed.param.update(value=event.new, value_input=event.new), "confirmation")
        # Enabled once the server holds a confirmation: a click can never outrun the typed text.
        blocked = pn.bind(
            lambda erased, typed: erased or not typed, self.state.param.erased, self.state.param.confirmation
        )
        delete = pn.widgets.Button.from_param(self.state.param.delete, color="danger", disabled=blocked)
        return pn.Column(
            download,
            pn.pane.Markdown(DELETE_WARNING),
            typed,
            delete,
            self._status,
            sizing_mode="stretch_width",
            css_classes=["ai4d-privacy"],
        )


__all__ = ["GOODBYE", "PrivacyState", "PrivacyView", "goodbye"]
