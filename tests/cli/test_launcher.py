"""The `ai4d` command: `up --demo` starts, serves and stops everything cleanly; refusals; the panel argv."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from ai4d_cli.embedded import free_port
from ai4d_cli.launcher import planned_ports
from ai4d_cli.services import DASHBOARDS_DIR, panel_command, panel_env
from ai4d_core.settings import load_settings

pytestmark = pytest.mark.cli
AI4D = str(Path(sys.executable).with_name("ai4d"))
PORT_NAMES = ("POSTGRES", "MONGO", "PREFECT", "PANEL", "SMTP")
LauncherEnv = tuple[dict[str, str], dict[str, int], Path]  # environment, ports by name, var dir


def _free_ports() -> dict[str, int]:
    ports: dict[str, int] = {}
    while len(set(ports.values())) < len(PORT_NAMES):
        ports = {name: free_port() for name in PORT_NAMES}
    return ports


def _env(var_dir: Path, ports: dict[str, int]) -> dict[str, str]:
    """An environment for an isolated launcher: its own var dir and ports, every service embedded."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AI4D_", "PREFECT_"))}
    env["AI4D_VAR_DIR"] = str(var_dir)
    env.update({f"AI4D_{name}_PORT": str(port) for name, port in ports.items()})
    return env


def _ai4d(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([AI4D, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def _mentions(proc: psutil.Process, marker: str) -> bool:
    try:
        return marker in " ".join(proc.cmdline()) or any(marker in v for v in proc.environ().values())
    except psutil.Error:
        return False


def _leftovers(marker: str) -> list[str]:
    return [f"{p.pid} {p.name()}" for p in psutil.process_iter() if p.pid != os.getpid() and _mentions(p, marker)]


def _http_status(port: int, path: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.getheader("Location") or response.read(200).decode(errors="replace")
    finally:
        conn.close()


@pytest.fixture
def launcher_env(tmp_path: Path) -> Iterator[LauncherEnv]:
    var_dir = tmp_path / "var"
    ports = _free_ports()
    yield _env(var_dir, ports), ports, var_dir
    leftover = _leftovers(str(var_dir))  # belt and braces: never leak a server into the next test
    for proc in psutil.process_iter():
        if _mentions(proc, str(var_dir)) and proc.pid != os.getpid():
            proc.kill()
    assert leftover == []


def test_panel_command_serves_every_app_on_loopback_with_our_auth() -> None:
    settings = load_settings(panel_port=5123, cookie_secret="x" * 40)
    argv = panel_command(settings)
    print(argv)
    assert argv[1:3] == ["-m", "dashboards.serve"]
    assert all(str(DASHBOARDS_DIR / f"{app}.py") in argv for app in ("learner", "educator", "admin"))
    assert argv[argv.index("--plugins") + 1] == "dashboards.account_routes"
    assert argv[argv.index("--session-ids") + 1] == "signed"
    assert argv[argv.index("--address") + 1] == "127.0.0.1"
    assert argv[argv.index("--port") + 1] == "5123"
    origins = [argv[i + 1] for i, arg in enumerate(argv) if arg == "--allow-websocket-origin"]
    assert origins == ["127.0.0.1:5123", "localhost:5123"]
    assert argv[argv.index("--auth-module") + 1] == str(DASHBOARDS_DIR / "auth.py")
    assert argv[argv.index("--index") + 1] == "learner"
    assert not any("x" * 40 in arg for arg in argv), "the cookie secret must not show in `ps`"
    assert panel_env(settings)["PANEL_COOKIE_SECRET"] == "x" * 40


def test_services_given_by_url_are_not_started_so_their_ports_are_not_claimed() -> None:
    settings = load_settings(
        database_url="postgresql://u:p@db.example:5432/ai4d",
        mongo_url="mongodb://m.example/",
        smtp_url=None,
        prefect_api_url=None,
    )
    assert set(planned_ports(settings)) == {"AI4D_PANEL_PORT", "AI4D_SMTP_PORT", "AI4D_PREFECT_PORT"}


def test_status_without_a_launcher_says_not_running(launcher_env: LauncherEnv, tmp_path: Path) -> None:
    env, _, _ = launcher_env
    done = _ai4d(["status"], env, tmp_path)
    assert done.returncode == 1
    assert "not running" in done.stdout


def test_up_refuses_a_taken_port(launcher_env: LauncherEnv, tmp_path: Path) -> None:
    env, ports, var_dir = launcher_env
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", ports["PANEL"]))
        squatter.listen()
        done = _ai4d(["up"], env, tmp_path)
    print(done.stderr)
    assert done.returncode == 1
    assert f"{ports['PANEL']} (AI4D_PANEL_PORT)" in done.stderr and "already in use" in done.stderr
    assert not (var_dir / "postgres").exists(), "nothing may start when a port is taken"


def test_up_refuses_beside_a_live_launcher(launcher_env: LauncherEnv, tmp_path: Path) -> None:
    env, _, var_dir = launcher_env
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "ai4d", "up"])
    try:
        status_file = var_dir / "run" / "status.json"
        status_file.parent.mkdir(parents=True)
        status_file.write_text(json.dumps({"launcher_pid": other.pid, "var_dir": str(var_dir), "services": []}))
        done = _ai4d(["up"], env, tmp_path)
    finally:
        other.kill()
        other.wait()
    print(done.stderr)
    assert done.returncode == 1
    assert f"launcher pid {other.pid}" in done.stderr
    assert status_file.exists(), "the other launcher's status file is left alone"


def test_up_demo_serves_everything_then_stops_without_orphans(launcher_env: LauncherEnv, tmp_path: Path) -> None:
    env, ports, var_dir = launcher_env
    out, err = (tmp_path / "up.out").open("w"), (tmp_path / "up.err").open("w")
    started = time.monotonic()
    launcher = subprocess.Popen([AI4D, "up", "--demo"], env=env, cwd=tmp_path, stdout=out, stderr=err)
    try:
        status = _ai4d(["status"], env, tmp_path)
        while status.returncode != 0:
            assert launcher.poll() is None, (tmp_path / "up.err").read_text()[-4000:]
            assert time.monotonic() - started < 600, status.stdout  # generous: a stuck launcher, not a slow one
            time.sleep(3)
            status = _ai4d(["status"], env, tmp_path)
        print(f"all up after {time.monotonic() - started:.0f} s\n{status.stdout}")

        code, where = _http_status(ports["PANEL"], "/learner")
        assert code == 200 or (code == 302 and "/login" in where), (code, where)
        assert _http_status(ports["PREFECT"], "/api/health") == (200, "true")

        recorded = json.loads((var_dir / "run" / "status.json").read_text())
        pids = {s["pid"] for s in recorded["services"] if s["pid"]}
        pids |= {p.pid for p in psutil.Process(launcher.pid).children(recursive=True)}
        assert len(recorded["services"]) == 6

        launcher.send_signal(signal.SIGINT)
        assert launcher.wait(timeout=180) == 0, (tmp_path / "up.err").read_text()[-4000:]
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()
        out.close()
        err.close()
    assert not (var_dir / "run" / "status.json").exists()
    deadline = time.monotonic() + 10  # orphans, if any, are reaped by init asynchronously
    while (alive := [pid for pid in pids if _alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert alive == []
    assert _leftovers(str(var_dir)) == []


def _alive(pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False
