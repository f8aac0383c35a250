"""`ai4d cohorts ...`: list, create, rename, educators, members and invites (audited as the CLI)."""

from __future__ import annotations

from typing import Annotated

import typer

from ai4d_cli.users import checked
from ai4d_core.bootstrap import Container
from ai4d_core.policy import CLI

cohorts_app = typer.Typer(help="Manage cohorts.", no_args_is_help=True)


def _ids(c: Container, cohort: str, email: str) -> tuple[int, int]:
    from ai4d_core.services import cohorts

    found = cohorts.cohort_by_name(c, CLI, cohort)
    return found.id, cohorts.user_for_cohort(c, CLI, found.id, email)


@cohorts_app.command("list")
def list_() -> None:
    """One line per cohort: learners, educators, name."""
    from ai4d_core.services import cohorts

    found = checked(lambda c: cohorts.list_cohorts(c, CLI))
    for r in found:
        typer.echo(f"{r.learners:>5} learner(s) {r.educators:>3} educator(s)  {r.name}")
    typer.echo(f"{len(found)} cohort(s)")


@cohorts_app.command("create")
def create(
    name: str, educator: Annotated[str | None, typer.Option(help="E-mail of an educator who will teach it.")] = None
) -> None:
    """Create a cohort, optionally with its educator."""
    from ai4d_core.services import admin, cohorts

    def act(c: Container) -> int:
        educator_id = admin.user_by_email(c, CLI, educator).id if educator else None
        return cohorts.create_cohort(c, CLI, name, educator_id=educator_id)

    checked(act)
    typer.echo(f"cohort {' '.join(name.split())!r} created")


@cohorts_app.command("rename")
def rename(old: str, new: str) -> None:
    """Rename a cohort."""
    from ai4d_core.services import cohorts

    checked(lambda c: cohorts.rename_cohort(c, CLI, cohorts.cohort_by_name(c, CLI, old).id, new))
    typer.echo(f"cohort {old!r} is now {' '.join(new.split())!r}")


@cohorts_app.command("add-educator")
def add_educator(cohort: str, email: str) -> None:
    """Make an educator (or admin) account an educator of the cohort."""
    from ai4d_core.services import cohorts

    checked(lambda c: cohorts.add_educator(c, CLI, *_ids(c, cohort, email)))
    typer.echo(f"{email.strip()} teaches {cohort!r}")


@cohorts_app.command("add-member")
def add_member(cohort: str, email: str) -> None:
    """Add a learner to the cohort."""
    from ai4d_core.services import cohorts

    checked(lambda c: cohorts.add_member(c, CLI, *_ids(c, cohort, email)))
    typer.echo(f"{email.strip()} is in {cohort!r}")


@cohorts_app.command("remove-member")
def remove_member(cohort: str, email: str) -> None:
    """Remove a learner from the cohort."""
    from ai4d_core.services import cohorts

    checked(lambda c: cohorts.remove_member(c, CLI, *_ids(c, cohort, email)))
    typer.echo(f"{email.strip()} is not in {cohort!r}")


@cohorts_app.command("invite")
def invite(
    cohort: str,
    days: Annotated[int, typer.Option(min=1, max=365, help="Days until the code expires.")] = 14,
) -> None:
    """Make a join code and link for the cohort (shown once; only its hash is kept)."""
    from ai4d_core.services import cohorts

    made = checked(lambda c: cohorts.create_invite(c, CLI, cohorts.cohort_by_name(c, CLI, cohort).id, days=days))
    typer.echo(f"code: {made.code}")
    typer.echo(f"link: {made.link}")
    typer.echo(f"expires: {made.expires_at:%Y-%m-%d %H:%M} UTC")
