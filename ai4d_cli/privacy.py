"""`ai4d privacy ...`: the registry of personal data, and export, scan and erasure of one user."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from ai4d_core.bootstrap import Container, bootstrap
from ai4d_core.settings import load_settings

privacy_app = typer.Typer(help="Personal data: what is stored where, export and erasure.", no_args_is_help=True)
UserArg = Annotated[str, typer.Argument(metavar="USER", help="The user's e-mail address or id.")]


@contextmanager
def _container() -> Iterator[Container]:
    from ai4d_core.privacy.subject import PrivacyError

    with bootstrap(load_settings()) as c:
        try:
            yield c
        except PrivacyError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None


@privacy_app.command("stores")
def stores() -> None:
    """Every registered store of personal data: what it holds, and how export and erasure treat it."""
    from ai4d_core.privacy.registry import REGISTRY

    for store in REGISTRY:
        typer.echo(f"{store.ref}  [{', '.join(store.user_columns)}]")
        typer.echo(f"    holds:  {store.holds}")
        typer.echo(f"    export: {store.export}")
        typer.echo(f"    erase:  {store.erasure.value}: {store.erase}")
    typer.echo(f"{len(REGISTRY)} store(s)")


@privacy_app.command("export")
def export(
    user: UserArg,
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file (mode 0600), not stdout.")] = None,
) -> None:
    """Write everything AI4D holds about USER as JSON."""
    from ai4d_core.services.privacy import export_json

    with _container() as c:
        document = export_json(c, user)
    if out is None:
        typer.echo(document)
        return
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(document + "\n")
    os.chmod(out, 0o600)
    typer.echo(f"wrote {out}", err=True)


@privacy_app.command("scan")
def scan(user: UserArg) -> None:
    """Count what each registered store holds of USER."""
    from ai4d_core.services.privacy import scan_user

    with _container() as c:
        found = scan_user(c, user)
    for ref, n in found.items():
        typer.echo(f"{ref:<34} {n}")
    typer.echo(f"{sum(found.values())} row(s)/document(s)/line(s) in {sum(1 for n in found.values() if n)} store(s)")


@privacy_app.command("erase")
def erase(
    user: UserArg,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Remove USER from every store (the warehouse is rebuilt without them); leaves an audit entry that names
    nobody, with a reference to give the person. Exit 1 if a scan afterwards still finds anything."""
    from ai4d_core.services.privacy import erase_user, resolve

    with _container() as c:
        subject = resolve(c, user)
        if not yes:
            typer.confirm(
                f"Erase user {subject.id} ({subject.email}) from every store? This cannot be undone", abort=True
            )
        report = erase_user(c, subject.id)
    typer.echo(str(report))
    raise typer.Exit(0 if report.complete else 1)
