"""Panel `--plugins` module: the account pages, served by `panel serve` beside the apps and the login page."""

from __future__ import annotations

from typing import Any

from dashboards.account_pages import (
    ChangePasswordHandler,
    ForgotHandler,
    RegisterHandler,
    ResendVerificationHandler,
    ResetHandler,
    VerifyHandler,
)
from dashboards.export_page import PATH, ExportHandler

ROUTES: list[tuple[str, Any]] = [
    (r"/register", RegisterHandler),
    (r"/verify", VerifyHandler),
    (r"/resend-verification", ResendVerificationHandler),
    (r"/forgot", ForgotHandler),
    (r"/reset", ResetHandler),
    (r"/account/password", ChangePasswordHandler),
    (PATH, ExportHandler),
]
