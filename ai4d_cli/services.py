"""What each service of `ai4d up` runs: folder layout, argv and environment builders.

The builders read the embedded services' credentials (`ai4d_cli.credentials`); only `prefect_server_env`
makes one (the Prefect auth string, at first start).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from ai4d_cli.credentials import POSTGRES_PREFECT, PREFECT_API, CredentialStore
from ai4d_cli.embedded import postgres_url
from ai4d_core.settings import Settings

PROJECT_DIR = Path(__file__).resolve().parents[1]
DASHBOARDS_DIR = PROJECT_DIR / "dashboards"
WORK_POOL = "ai4d-local"
PANEL_APPS = ("learner", "educator", "admin")  # served at /learner, /educator, /admin
PANEL_PLUGINS = ("account_routes",)  # Panel `--plugins` modules (ROUTES): the account pages
PANEL_THREADS = 8  # Panel runs every page callback on this many threads, never on the event loop
# In this order for `ai4d flow run all` and the demo: calibration before the profiles and the warehouse use it.
FLOW_NAMES = (
    "ingest-submissions", "calibrate-items", "analyze-profiles", "relay-activity", "refresh-warehouse",
    "send-mail", "prune-security-tables",
)  # fmt: skip


@dataclass(frozen=True)
class VarLayout:
    """Where `ai4d up` keeps data, logs and its status file, under `settings.var_dir`."""

    root: Path

    @classmethod
    def of(cls, settings: Settings) -> VarLayout:
        return cls(settings.var_dir.resolve())

    @property
    def postgres(self) -> Path:
        return self.root / "postgres"

    @property
    def mongo(self) -> Path:
        return self.root / "mongo"

    @property
    def mail(self) -> Path:
        return self.root / "mail"

    @property
    def prefect_home(self) -> Path:
        return self.root / "prefect"

    @property
    def log_dir(self) -> Path:
        return self.root / "log"

    @property
    def status_file(self) -> Path:
        return self.root / "run" / "status.json"

    def log(self, service: str) -> Path:
        return self.log_dir / f"{service}.log"


def venv_script(name: str) -> str:
    """The console script `name` installed next to the running interpreter."""
    return str(Path(sys.executable).with_name(name))


def child_env(settings: Settings) -> dict[str, str]:
    """The environment every child gets: the effective service URLs, so flows and dashboards find them."""
    layout = VarLayout.of(settings)
    env = dict(os.environ)
    env.update(
        AI4D_ENV=settings.env.value,
        AI4D_VAR_DIR=str(layout.root),
        AI4D_MONGO_DB=settings.mongo_db,
        AI4D_PROJECT_DIR=str(PROJECT_DIR),
        AI4D_DATABASE_URL=settings.sqlalchemy_url,
        AI4D_MONGO_URL=settings.effective_mongo_url,
        AI4D_PREFECT_API_URL=settings.effective_prefect_api_url,
        AI4D_SMTP_URL=settings.effective_smtp_url,
        PREFECT_API_URL=settings.effective_prefect_api_url,
        PREFECT_HOME=str(layout.prefect_home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_CLI_PROMPT="false",
    )
    env.update(prefect_client_env(settings))
    return env


def prefect_client_env(settings: Settings) -> dict[str, str]:
    """What a Prefect client needs: CSRF support, and the embedded API's auth string once it exists.

    A Prefect API given by URL keeps whatever PREFECT_API_AUTH_STRING / PREFECT_API_KEY the environment has.
    """
    env = {"PREFECT_CLIENT_CSRF_SUPPORT_ENABLED": "true"}
    if settings.prefect_api_url is None:
        auth = CredentialStore.of(VarLayout.of(settings).root).load(PREFECT_API[0])
        if auth is not None:
            env["PREFECT_API_AUTH_STRING"] = auth.basic
    return env


def smtp_command(settings: Settings) -> list[str]:
    """An SMTP sink that keeps every message in the Maildir `var/mail`."""
    return [
        sys.executable, "-m", "aiosmtpd", "-n",
        "-l", f"127.0.0.1:{settings.smtp_port}",
        "-c", "aiosmtpd.handlers.Mailbox", str(VarLayout.of(settings).mail),
    ]  # fmt: skip


def prefect_server_command(settings: Settings) -> list[str]:
    return [venv_script("prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(settings.prefect_port)]


def prefect_server_env(settings: Settings, embedded_postgres: bool) -> dict[str, str]:
    """The server asks every request for the auth string (made here at first start) and a CSRF token.

    It keeps its own database in the embedded PostgreSQL, as its own role `prefect` (else SQLite under
    PREFECT_HOME).
    """
    store = CredentialStore.of(VarLayout.of(settings).root)
    auth = store.get(PREFECT_API)
    env = child_env(settings)
    env.pop("PREFECT_API_URL")  # the server is the API; a client URL here would point at itself
    env.update(
        PREFECT_SERVER_API_AUTH_STRING=auth.basic,
        PREFECT_API_AUTH_STRING=auth.basic,
        PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED="true",
    )
    if embedded_postgres:
        role = store.get(POSTGRES_PREFECT)
        env["PREFECT_API_DATABASE_CONNECTION_URL"] = postgres_url(
            settings.postgres_port, role, "prefect", "postgresql+asyncpg"
        )
    return env


def worker_command() -> list[str]:
    return [venv_script("prefect"), "worker", "start", "--pool", WORK_POOL, "--type", "process"]


def worker_env(settings: Settings) -> dict[str, str]:
    env = child_env(settings)
    env["PREFECT_WORKER_QUERY_SECONDS"] = "2"  # pick up runs quickly on a developer machine
    return env


def panel_command(settings: Settings) -> list[str]:
    """The dashboards server argv: `panel serve` through `dashboards.serve` (the one place the launcher and the
    browser tests build it). Secrets go by environment (`panel_env`), never in argv; cookies and headers kept
    out of the Bokeh token are forced by `dashboards.serve` as well as asked for here."""
    port = str(settings.panel_port)
    return [
        sys.executable, "-m", "dashboards.serve", *(str(DASHBOARDS_DIR / f"{name}.py") for name in PANEL_APPS),
        "--plugins", *(f"dashboards.{name}" for name in PANEL_PLUGINS),
        "--address", "127.0.0.1", "--port", port,
        "--allow-websocket-origin", f"127.0.0.1:{port}",
        "--allow-websocket-origin", f"localhost:{port}",
        "--auth-module", str(DASHBOARDS_DIR / "auth.py"),
        "--index", "learner",
        "--session-ids", "signed",
        "--include-headers", "Host", "User-Agent", "Accept-Language",
        "--num-threads", str(PANEL_THREADS),
    ]  # fmt: skip


def bokeh_secret_key(cookie_secret: str) -> str:
    """The key that signs Bokeh session ids and tokens, derived from the cookie secret.

    Derived (HMAC-SHA-256 with a fixed label), not separate: one secret to generate, keep and rotate, and the
    two uses never share a key: knowing the Bokeh key reveals nothing about the cookie secret. Rotating
    `AI4D_COOKIE_SECRET` rotates both (open pages then need a reload, sessions a new login).
    """
    digest = hmac.new(cookie_secret.encode("utf-8"), b"ai4d/bokeh-session-signing/v1", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def panel_env(settings: Settings) -> dict[str, str]:
    """Panel reads PANEL_COOKIE_SECRET and Bokeh BOKEH_SECRET_KEY: the secrets stay out of `ps` output."""
    env = child_env(settings)
    cookie_secret = settings.cookie_secret.get_secret_value()
    env.update(
        PANEL_COOKIE_SECRET=cookie_secret,
        BOKEH_SECRET_KEY=bokeh_secret_key(cookie_secret),
        BOKEH_SIGN_SESSIONS="true",
        BOKEH_RESOURCES="server",
    )
    return env


__all__ = [
    "DASHBOARDS_DIR",
    "FLOW_NAMES",
    "PANEL_APPS",
    "PANEL_PLUGINS",
    "PANEL_THREADS",
    "PROJECT_DIR",
    "WORK_POOL",
    "VarLayout",
    "bokeh_secret_key",
    "child_env",
    "panel_command",
    "panel_env",
    "prefect_client_env",
    "prefect_server_command",
    "prefect_server_env",
    "smtp_command",
    "venv_script",
    "worker_command",
    "worker_env",
]
