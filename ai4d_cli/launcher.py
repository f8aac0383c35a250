"""`ai4d up`: start the platform on loopback, supervise it, and stop it in reverse order.

Order: PostgreSQL, MongoDB-wire, SMTP sink, Prefect server and Panel (both boot while migrations and the demo
seed run), then the work pool, the deployments and the worker. A service given by URL in the settings is used
as is and not started.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time

from rich.console import Console

from ai4d_cli import embedded
from ai4d_cli.credentials import POSTGRES_APP, POSTGRES_PREFECT, POSTGRES_SUPERUSER, CredentialStore
from ai4d_cli.prefect_ops import deploy_all, ensure_work_pool, prefect_healthy
from ai4d_cli.services import (
    WORK_POOL,
    VarLayout,
    child_env,
    panel_command,
    panel_env,
    prefect_server_command,
    prefect_server_env,
    smtp_command,
    worker_command,
    worker_env,
)
from ai4d_cli.status import LauncherStatus, ServiceEntry, launcher_alive, port_answers, port_in_use
from ai4d_cli.summary import host_port, print_summary, redact
from ai4d_cli.supervisor import Child, ChildDiedError, ShutdownRequested, Supervisor
from ai4d_core.settings import ProductionRefusedError, Settings, refuse_in_production

log = logging.getLogger("ai4d")


class LaunchRefusedError(Exception):
    """`ai4d up` cannot start: another launcher runs or a port is taken."""


def planned_ports(settings: Settings) -> dict[str, int]:
    """The loopback ports `ai4d up` will listen on, by the setting that chooses each."""
    ports = {"AI4D_PANEL_PORT": settings.panel_port}
    if settings.database_url is None:
        ports["AI4D_POSTGRES_PORT"] = settings.postgres_port
    if settings.mongo_url is None:
        ports["AI4D_MONGO_PORT"] = settings.mongo_port
    if settings.smtp_url is None:
        ports["AI4D_SMTP_PORT"] = settings.smtp_port
    if settings.prefect_api_url is None:
        ports["AI4D_PREFECT_PORT"] = settings.prefect_port
    return ports


def refuse_unsafe_production(settings: Settings, demo: bool) -> None:
    """In production every service is given by URL (nothing embedded) and no demo data is seeded."""
    unset = [f"AI4D_{name.upper()}" for name in ("database_url", "mongo_url", "prefect_api_url", "smtp_url")
             if getattr(settings, name) is None]  # fmt: skip
    if unset:
        refuse_in_production(settings, f"start embedded services: set {', '.join(unset)}")
    if demo:
        refuse_in_production(settings, "seed demo data (`ai4d up --demo`)")


def preflight(settings: Settings) -> None:
    """Refuse to start beside a live launcher or on a port something else holds."""
    status_file = VarLayout.of(settings).status_file
    previous = LauncherStatus.read(status_file)
    if previous is not None:
        if launcher_alive(previous):
            raise LaunchRefusedError(
                f"AI4D already runs from {previous.var_dir} (launcher pid {previous.launcher_pid}, started "
                f"{previous.started_at}); see `ai4d status`, stop it with Ctrl-C or `kill {previous.launcher_pid}`"
            )
        log.info("removing the stale %s of launcher pid %d", status_file, previous.launcher_pid)
        status_file.unlink(missing_ok=True)
    ports = planned_ports(settings)
    if len(set(ports.values())) < len(ports):
        raise LaunchRefusedError(f"two services are configured on the same port: {ports}")
    taken = [f"{port} ({setting})" for setting, port in ports.items() if port_in_use(port)]
    if taken:
        raise LaunchRefusedError(
            f"port(s) already in use by another process on 127.0.0.1: {', '.join(taken)}; "
            "stop that process or set another port"
        )


def _entry(child: Child, url: str) -> ServiceEntry:
    log_path = str(child.log_path) if child.log_path else None
    return ServiceEntry(child.name, url, child.port, child.proc.pid, log_path)


def _external(name: str, url: str) -> ServiceEntry:
    host, port = host_port(url)
    return ServiceEntry(name, redact(url), port, None, None, host)


def _start_stores(sup: Supervisor, settings: Settings, layout: VarLayout, status: LauncherStatus) -> None:
    """Embedded stores take credentials made at first start under `var/secrets` (see `ai4d_cli.credentials`)."""
    store = CredentialStore.of(layout.root)
    if settings.database_url is None:
        port = settings.postgres_port
        proc = embedded.start_postgres(layout.postgres, port, layout.log("postgres"), store)
        pg = sup.adopt(Child("postgresql", proc, port, log_path=layout.log("postgres"), stop_signal=signal.SIGINT,
                             signal_group=False, stop_timeout=30))  # fmt: skip
        superuser = store.get(POSTGRES_SUPERUSER)
        embedded.ensure_database(port, "ai4d", store.get(POSTGRES_APP), superuser)
        embedded.ensure_database(port, "prefect", store.get(POSTGRES_PREFECT), superuser)
        status.services.append(_entry(pg, redact(settings.sqlalchemy_url)))
    else:
        status.services.append(_external("postgresql", settings.sqlalchemy_url))
    sup.check()
    if settings.mongo_url is None:
        proc = embedded.start_mongo(layout.mongo, settings.mongo_port, layout.log("mongo"), store, settings.mongo_db)
        mongo = sup.adopt(Child("mongodb", proc, settings.mongo_port, log_path=layout.log("mongo")))
        status.services.append(_entry(mongo, redact(settings.effective_mongo_url)))
    else:
        status.services.append(_external("mongodb", settings.effective_mongo_url))
    sup.check()


def _start_servers(sup: Supervisor, settings: Settings, layout: VarLayout, status: LauncherStatus) -> list[Child]:
    """SMTP, Prefect server and Panel, started without waiting; returns the ones to wait for."""
    booting = []
    if settings.smtp_url is None:
        smtp = sup.spawn("smtp", smtp_command(settings), child_env(settings), layout.log("smtp"),
                         port=settings.smtp_port)  # fmt: skip
        status.services.append(_entry(smtp, settings.effective_smtp_url))
        booting.append(smtp)
    else:
        status.services.append(_external("smtp", settings.effective_smtp_url))
    if settings.prefect_api_url is None:
        env = prefect_server_env(settings, embedded_postgres=settings.database_url is None)
        server = sup.spawn("prefect-server", prefect_server_command(settings), env, layout.log("prefect-server"),
                           port=settings.prefect_port, stop_timeout=20)  # fmt: skip
        status.services.append(_entry(server, settings.effective_prefect_api_url.removesuffix("/api")))
    else:
        status.services.append(_external("prefect-server", settings.effective_prefect_api_url))
    panel = sup.spawn("panel", panel_command(settings), panel_env(settings), layout.log("panel"),
                      port=settings.panel_port)  # fmt: skip
    status.services.append(_entry(panel, f"http://127.0.0.1:{settings.panel_port}"))
    return [*booting, panel]


def _prepare_data(settings: Settings, demo: bool) -> None:
    """Migrate, store the curated item bank (new items only), and seed the demo when asked."""
    from ai4d_core.adapters.sql.migrate import upgrade
    from ai4d_core.bootstrap import bootstrap
    from ai4d_core.services.bank import load_curated
    from ai4d_core.services.demo import seed_demo

    log.info("migrating %s", redact(settings.sqlalchemy_url))
    upgrade(settings.sqlalchemy_url)
    with bootstrap(settings) as container:
        log.info("curated item bank: %d new item version(s)", load_curated(container))
        if demo:
            log.info("demo data: %s", seed_demo(container))


def _wait_listening(sup: Supervisor, child: Child) -> None:
    sup.wait_until(lambda: port_answers(child.port), f"{child.name} on port {child.port}", timeout=120)


def _start_batch(sup: Supervisor, settings: Settings, layout: VarLayout, status: LauncherStatus) -> None:
    log.info("waiting for the Prefect API at %s", settings.effective_prefect_api_url)
    sup.wait_until(lambda: prefect_healthy(settings), "the Prefect API", timeout=240)
    ensure_work_pool(sup, settings)
    deploy_all(sup, settings)
    # A short stop timeout: Prefect 3.9's worker often ignores its first SIGTERM; its flow runs are swept.
    worker = sup.spawn("prefect-worker", worker_command(), worker_env(settings), layout.log("prefect-worker"),
                       stop_timeout=5)  # fmt: skip
    status.services.append(_entry(worker, f"work pool {WORK_POOL}"))


def _run_demo_flows(sup: Supervisor, settings: Settings, layout: VarLayout, started: float) -> None:
    """Run the three deployments once, in order, on the worker; report from a background thread."""
    argv = [sys.executable, "-m", "ai4d_cli.main", "flow", "trigger", "all"]
    runs = sup.spawn("demo flow runs", argv, child_env(settings), layout.log("demo-flows"), transient=True)

    def report() -> None:
        code = runs.proc.wait()
        if sup.stopping:
            return
        sup.forget(runs)
        if code == 0:
            log.info("demo flows done after %.0f s: profiles and the warehouse are ready", time.monotonic() - started)
        else:
            log.warning("demo flow runs failed (exit code %d); see %s", code, runs.log_path)

    threading.Thread(target=report, name="demo-flows", daemon=True).start()


def up(settings: Settings, demo: bool, console: Console | None = None) -> int:
    """Run the platform until Ctrl-C/SIGTERM (exit 0) or a child dies or fails to start (exit 1)."""
    settings = settings.model_copy(update={"var_dir": settings.var_dir.resolve()})
    layout = VarLayout.of(settings)
    try:
        refuse_unsafe_production(settings, demo)
        preflight(settings)
    except (LaunchRefusedError, ProductionRefusedError) as refused:
        log.error("refusing to start: %s", refused)
        return 1
    started = time.monotonic()
    sup = Supervisor()
    sup.install_signal_handlers()
    status = LauncherStatus(launcher_pid=os.getpid(), var_dir=str(layout.root))
    status.write(layout.status_file)
    code = 0
    try:
        _start_stores(sup, settings, layout, status)
        booting = _start_servers(sup, settings, layout, status)
        status.write(layout.status_file)
        _prepare_data(settings, demo)
        sup.check()
        for child in booting:
            _wait_listening(sup, child)
        _start_batch(sup, settings, layout, status)
        status.state = "running"
        status.write(layout.status_file)
        print_summary(
            status, console or Console(width=None if sys.stdout.isatty() else 160), demo, time.monotonic() - started
        )
        if demo:
            _run_demo_flows(sup, settings, layout, started)
        while True:
            sup.sleep(1.0)
    except ShutdownRequested:
        pass
    except ChildDiedError as died:
        log.error("%s: stopping everything", died)
        code = 1
    except Exception as failed:
        log.error("could not start AI4D: %s", failed, exc_info=log.isEnabledFor(logging.DEBUG))
        code = 1
    finally:
        sup.stop_all()
        layout.status_file.unlink(missing_ok=True)
        log.info("stopped")
    return code


__all__ = ["LaunchRefusedError", "planned_ports", "preflight", "refuse_unsafe_production", "up"]
