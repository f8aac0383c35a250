"""What `ai4d up` prints once everything runs: where each service is, log files and the demo accounts.

Never a password: URLs go through `redact`; the embedded credentials are named by where they are kept.
"""

from __future__ import annotations

import importlib
from urllib.parse import urlsplit, urlunsplit

from rich.console import Console
from rich.table import Table

from ai4d_cli.status import LauncherStatus
from ai4d_core.settings import SECRETS_DIRNAME

EMBEDDED_WITH_CREDENTIALS = frozenset({"postgresql", "mongodb", "prefect-server"})


def redact(url: str) -> str:
    """`url` with any password replaced by `***` (safe to print and to write to status.json)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def host_port(url: str) -> tuple[str, int | None]:
    """Host and port of a service URL (loopback and no port when it cannot be read)."""
    try:
        parts = urlsplit(url)
        return parts.hostname or "127.0.0.1", parts.port
    except ValueError:
        return "127.0.0.1", None


def demo_accounts() -> list[tuple[str, str, str]]:
    """`ai4d_core.services.demo.DEMO_ACCOUNTS` (email, password, role), or nothing if it does not exist."""
    try:
        module = importlib.import_module("ai4d_core.services.demo")
    except ImportError:
        return []
    accounts: list[tuple[str, str, str]] = list(getattr(module, "DEMO_ACCOUNTS", []))
    return accounts


def print_summary(status: LauncherStatus, console: Console, demo: bool, seconds: float) -> None:
    table = Table(title=f"AI4D is running (ready in {seconds:.0f} s)", title_justify="left")
    table.add_column("service")
    table.add_column("where")
    table.add_column("pid")
    table.add_column("log")
    for entry in status.services:
        pid = str(entry.pid or "external")
        if entry.name == "panel":
            table.add_row("learner dashboard", f"{entry.url}/learner", pid, entry.log or "")
            table.add_row("educator dashboard", f"{entry.url}/educator", pid, "")
        elif entry.name == "prefect-server":
            table.add_row("Prefect UI and API", entry.url, pid, entry.log or "")
        else:
            table.add_row(entry.name, entry.url, pid, entry.log or "")
        if entry.name == "smtp" and entry.pid:
            table.add_row("mail received", f"{status.var_dir}/mail (Maildir)", "", "")
    table.add_row("data", status.var_dir, "", "")
    if any(e.pid and e.name in EMBEDDED_WITH_CREDENTIALS for e in status.services):
        where = f"{status.var_dir}/{SECRETS_DIRNAME} (0600; Prefect UI login: user:password of prefect-api.json)"
        table.add_row("credentials", where, "", "")
    console.print(table)
    if demo and (accounts := demo_accounts()):
        people = Table(title="Demo accounts", title_justify="left")
        for column in ("email", "password", "role"):
            people.add_column(column)
        for email, password, role in accounts:
            people.add_row(email, password, role)
        console.print(people)
    console.print("Press Ctrl-C to stop everything.")


__all__ = ["demo_accounts", "host_port", "print_summary", "redact"]
