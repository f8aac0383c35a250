"""The `ai4d` command: run the platform (`up`), inspect it (`status`) and operate it (migrate, demo, flows)."""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Annotated

import typer

from ai4d_cli.admin import admin_app
from ai4d_cli.cohorts import cohorts_app
from ai4d_cli.irt import irt_app
from ai4d_cli.items import items_app
from ai4d_cli.mail import mail_app
from ai4d_cli.privacy import privacy_app
from ai4d_cli.services import FLOW_NAMES, VarLayout
from ai4d_cli.users import users_app
from ai4d_core.settings import load_settings

app = typer.Typer(
    help="AI4D: the adaptive learning platform. `ai4d up --demo` starts everything on this machine.",
    no_args_is_help=True,
    add_completion=False,
)
flow_app = typer.Typer(help="Run the batch flows.", no_args_is_help=True)
app.add_typer(flow_app, name="flow")
app.add_typer(items_app, name="items")
app.add_typer(privacy_app, name="privacy")
app.add_typer(users_app, name="users")
app.add_typer(cohorts_app, name="cohorts")
app.add_typer(admin_app, name="admin")
app.add_typer(mail_app, name="mail")
app.add_typer(irt_app, name="irt")

FlowName = StrEnum("FlowName", [(name, name) for name in (*FLOW_NAMES, "all")])  # type: ignore[misc]


@app.callback()
def _configure(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        datefmt="%H:%M:%S",
    )
    logging.getLogger("ai4d").setLevel(logging.DEBUG if verbose else logging.INFO)


@app.command()
def up(demo: Annotated[bool, typer.Option("--demo", help="Seed demo data and run each flow once.")] = False) -> None:
    """Start PostgreSQL, MongoDB, SMTP, Prefect (server, deployments, worker) and the dashboards."""
    from ai4d_cli.launcher import up as run_up

    raise typer.Exit(run_up(load_settings(), demo))


@app.command()
def status() -> None:
    """Say, per service, whether its process lives and its port answers (exit 1 unless all are up)."""
    from ai4d_cli.status import LauncherStatus, launcher_alive, service_up

    path = VarLayout.of(load_settings()).status_file
    current = LauncherStatus.read(path)
    if current is None:
        typer.echo("not running")
        raise typer.Exit(1)
    if not launcher_alive(current):
        typer.echo(f"not running (stale {path} of launcher pid {current.launcher_pid})")
        raise typer.Exit(1)
    typer.echo(f"launcher pid {current.launcher_pid}, {current.state} since {current.started_at}")
    all_up = current.state == "running"
    for entry in current.services:
        up_now, detail = service_up(entry)
        all_up = all_up and up_now
        typer.echo(f"  {'up  ' if up_now else 'DOWN'}  {entry.name:<15} {entry.url}  ({detail})")
    raise typer.Exit(0 if all_up else 1)


@app.command()
def migrate() -> None:
    """Bring the PostgreSQL schema to the latest migration."""
    from ai4d_cli.summary import redact
    from ai4d_core.adapters.sql.migrate import upgrade

    settings = load_settings()
    upgrade(settings.sqlalchemy_url)
    typer.echo(f"migrated {redact(settings.sqlalchemy_url)}")


@app.command()
def demo() -> None:
    """Seed the demo cohort, items and accounts (idempotent; the services must be running; never in production)."""
    from ai4d_core.bootstrap import bootstrap
    from ai4d_core.services.demo import seed_demo
    from ai4d_core.settings import ProductionRefusedError, refuse_in_production

    settings = load_settings()
    try:
        refuse_in_production(settings, "seed demo data (`ai4d demo`)")
    except ProductionRefusedError as refused:
        typer.echo(str(refused), err=True)
        raise typer.Exit(1) from None
    container = bootstrap(settings)
    try:
        typer.echo(str(seed_demo(container)))
    finally:
        container.close()


@flow_app.command("run")
def flow_run(name: Annotated[FlowName, typer.Argument(help="The flow, or `all` for every flow in order.")]) -> None:
    """Run a flow in this process, reporting to the Prefect API of the settings."""
    from ai4d_cli.prefect_ops import run_flows, selected

    run_flows(load_settings(), selected(name.value), typer.echo)


@flow_app.command("trigger")
def flow_trigger(name: Annotated[FlowName, typer.Argument(help="The flow, or `all` for every flow in order.")]) -> None:
    """Run a deployment on the worker and wait for it (exit 1 unless every run completed)."""
    from ai4d_cli.prefect_ops import selected, trigger_deployments

    raise typer.Exit(0 if trigger_deployments(load_settings(), selected(name.value), typer.echo) else 1)


if __name__ == "__main__":
    app()
