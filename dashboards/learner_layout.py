# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""The learner app's frame: a header that wraps on a phone, a row of section buttons, one section at a time.

Our own responsive layout rather than a Panel template or `panel-material-ui`: Panel's Fast and Vanilla
templates load Google Fonts (refused by our CSP and by the no-foreign-request rule), the Bootstrap template
keeps its sidebar open over the content on a 390 px screen, and `panel-material-ui` 0.16 fetches its compiled
modules from `blob:` URLs, which our `connect-src 'self'` refuses. Bokeh's own tabs are `div`s that only a
mouse can switch (no key handler), so the navigation is made of real buttons: Tab reaches them, Enter or
Space opens the section.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import panel as pn
import param
from panel.io.resources import BASE_TEMPLATE
from panel.viewable import Viewer
from param.parameters import NoNone

from ai4d_core.services.accounts import SessionUser
from dashboards.common import markdown

# Contrast (WCAG 2.2 AA asks 4.5:1 for text): body #1f2933 on white 14.7:1; the active button's white on #0b5394
# 7.8:1; inline code #1f4e8c on white 8.3:1 (Panel's default, #82aaff, is 2.3:1); code blocks are dark text
# on #f3f5f8 (Panel's dark theme gives comments 2.5:1); a light button's border #52606d 6.5:1 (non-text: 3:1)
# and the focus ring #b35c00 4.7:1. Panel's copy button on code blocks has no name (axe: critical button-name)
# and is hidden. `LEARNER_CSS` goes into every component's shadow root
# (`pn.config.raw_css`), as Panel applies it.
LEARNER_CSS = """
:not(pre) > code { color: #1f4e8c !important; }
.codehilite, .codehilite pre { background: #f3f5f8 !important; }
.codehilite pre, .codehilite pre span { color: #1f2933 !important; font-style: normal; }
.bk-btn.bk-btn-light { background-color: #ffffff; border: 1px solid #52606d !important; color: #1f2933; }
.bk-btn:focus-visible { outline: 3px solid #b35c00; outline-offset: 2px; }
.copybtn { display: none; }
"""
PAGE_CSS = """
:host { color: #1f2933; }
"""
NO_PRINT_CSS = "@media print { :host { display: none !important; } }"  # the header and navigation
NAV_CSS = """
.bk-btn { font-size: 1rem; min-height: 44px; padding: 0.4rem 0.9rem; }
.bk-btn-primary { background-color: #0b5394; border-color: #0b5394; color: #ffffff; }
"""


# Panel's page template has no viewport tag: a phone would lay the page out 980 px wide and zoom it out.
PHONE_TEMPLATE = BASE_TEMPLATE.environment.from_string(
    '{% extends "base.html" %}{% block preamble %}{{ super() }}'
    '<meta name="viewport" content="width=device-width, initial-scale=1">{% endblock %}'
)


def use_phone_template() -> None:
    """Serve the current document with the viewport tag (inside a served document only)."""
    if pn.state.curdoc is not None:
        pn.state.curdoc.template = PHONE_TEMPLATE


def page_header(title: str, user: SessionUser, status: Any = None) -> pn.FlexBox:
    """The app title, who is signed in, `status` (the learner's XP, level and streak) if given, and the Change
    password / Log out links; wraps on a narrow screen."""
    who = markdown(f"Signed in as **{user.display_name}** ({user.role})", margin=(0, 10))
    links = pn.pane.Markdown(
        "[Change password](/account/password) · [Log out](/logout)",
        disable_anchors=True, css_classes=["ai4d-logout"], margin=(0, 10),
    )  # fmt: skip
    return pn.FlexBox(
        pn.pane.Markdown(f"# {title}", margin=(0, 10), styles={"font-size": "0.8rem"}), who,
        *([status] if status is not None else []), links,
        flex_wrap="wrap", justify_content="space-between", align_items="center", sizing_mode="stretch_width",
        css_classes=["ai4d-header"], stylesheets=[NO_PRINT_CSS],
    )  # fmt: skip


class LearnerLayout(Viewer):
    """Header, navigation buttons and the sections; `active` names the section shown.

    A section is laid out the first time it is shown, not with the page: Bokeh walks every model of a page on
    each change (Panel's link hooks and the document's model index), so a learner answering questions with the
    other sections never opened pays for the Quiz section alone.
    """

    title = param.String(default="AI4D learner")
    user = param.ClassSelector(class_=SessionUser, allow_None=NoNone)
    sections = param.List(default=[], item_type=tuple, doc="(name, viewable) in navigation order")
    active = param.String(default="", doc="the section shown (the first one when empty)")
    status = param.Parameter(default=None, doc="a viewable shown in the header (XP, level and streak)")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        names = [name for name, _ in self.sections]
        self._buttons = {name: pn.widgets.Button(label=name, stylesheets=[NAV_CSS], width=112) for name in names}
        for name, button in self._buttons.items():
            button.on_click(partial(self._open, name))
        self._views: dict[str, Any] = dict(self.sections)
        self._panes = {
            name: pn.Column(
                pn.pane.Markdown(f"## {name}", css_classes=["ai4d-section-title"]),
                sizing_mode="stretch_width", css_classes=[f"ai4d-section-{name.lower().replace(' ', '-')}"],
            )
            for name in names
        }  # fmt: skip
        if self.active not in names:  # set once the buttons and panes exist (it runs `_show`)
            self.active = names[0] if names else ""
        self._show()

    def _open(self, name: str, event: object) -> None:
        self.active = name

    @param.depends("active", watch=True)
    def _show(self) -> None:
        opening = self._panes.get(self.active)
        if opening is not None and len(opening) == 1:  # only its title so far
            opening.append(self._views[self.active])
        for name, button in self._buttons.items():
            button.color = "primary" if name == self.active else "light"
            self._panes[name].visible = name == self.active

    def __panel__(self) -> pn.Column:
        nav = pn.FlexBox(
            *self._buttons.values(), flex_wrap="wrap", gap="6px", sizing_mode="stretch_width",
            css_classes=["ai4d-nav"], stylesheets=[NO_PRINT_CSS],
        )  # fmt: skip
        return pn.Column(
            page_header(self.title, self.user, self.status), nav, *self._panes.values(),
            sizing_mode="stretch_width", max_width=1000, styles={"margin": "0 auto"}, stylesheets=[PAGE_CSS],
        )  # fmt: skip


__all__ = ["LEARNER_CSS", "PHONE_TEMPLATE", "LearnerLayout", "page_header", "use_phone_template"]
