"""`ai4d admin create EMAIL`: make an admin account (the first one comes from here)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ai4d_cli.users import checked
from ai4d_core.policy import CLI

admin_app = typer.Typer(help="Administer AI4D.", no_args_is_help=True)


@admin_app.command("create")
def create(
    email: str,
    name: Annotated[str, typer.Option(help="Display name (default: the e-mail's local part).")] = "",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
) -> None:
    """Create an admin account; refuses an e-mail that is already registered."""
    from ai4d_core.services import admin

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    checked(lambda c: admin.create_admin(c, CLI, email, name, password))
    typer.echo(f"admin {email.strip().lower()} created")
