"""`ai4d users ...`: list, change role, disable, enable and resend verification (audited as the CLI)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, TypeVar

import typer

from ai4d_core.bootstrap import Container, bootstrap
from ai4d_core.policy import CLI, Forbidden
from ai4d_core.settings import load_settings

users_app = typer.Typer(help="Manage user accounts.", no_args_is_help=True)
T = TypeVar("T")


@contextmanager
def cli_container() -> Iterator[Container]:
    with bootstrap(load_settings()) as c:
        yield c


def checked(action: Callable[[Container], T]) -> T:
    """Run `action` on a fresh container; a refusal or bad value is printed as `error: ...` with exit code 1."""
    with cli_container() as c:
        try:
            return action(c)
        except (Forbidden, ValueError, LookupError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from exc


@users_app.command("list")
def list_(
    role: Annotated[str | None, typer.Option(help="Only this role.")] = None,
    search: Annotated[str, typer.Option(help="Text in the e-mail or the name.")] = "",
) -> None:
    """One line per account: e-mail, role, status, verified, name."""
    from ai4d_core.services import admin

    found = checked(lambda c: admin.search_users(c, CLI, search, role, limit=admin.MAX_RESULTS))
    for u in found:
        status = "active" if u.is_active else "disabled"
        verified = "verified" if u.email_verified_at else "unverified"
        typer.echo(f"{u.email:<40} {u.role:<9} {status:<9} {verified:<11} {u.display_name}")
    typer.echo(f"{len(found)} user(s)")


@users_app.command("role")
def role(
    email: str, new_role: Annotated[str, typer.Argument(metavar="ROLE", help="learner, educator, analyst or admin.")]
) -> None:
    """Change an account's role."""
    from ai4d_core.services import admin

    done = checked(lambda c: admin.change_role(c, CLI, admin.user_by_email(c, CLI, email).id, new_role))
    typer.echo(f"{done.email} is now {done.role}")


@users_app.command("disable")
def disable(email: str) -> None:
    """Disable an account and end its sessions."""
    from ai4d_core.services import admin

    done = checked(lambda c: admin.disable(c, CLI, admin.user_by_email(c, CLI, email).id))
    typer.echo(f"{done.email} is disabled")


@users_app.command("enable")
def enable(email: str) -> None:
    """Enable a disabled account."""
    from ai4d_core.services import admin

    done = checked(lambda c: admin.enable(c, CLI, admin.user_by_email(c, CLI, email).id))
    typer.echo(f"{done.email} is enabled")


@users_app.command("resend-verification")
def resend_verification(email: str) -> None:
    """Queue a new verification mail for an account (rate-limited)."""
    from ai4d_core.services import admin

    checked(lambda c: admin.resend_verification(c, CLI, admin.user_by_email(c, CLI, email).id))
    typer.echo(f"verification mail for {email.strip()} queued (unless one was sent moments ago or it is verified)")
