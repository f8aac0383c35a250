"""A served AI4D for benchmarks: embedded PostgreSQL and MongoDB-wire server in a temporary folder, and the
dashboards served exactly as `ai4d up` serves them (`panel_command`, `panel_env`). Never touches `var/`."""

from __future__ import annotations

import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ai4d_cli import embedded
from ai4d_cli.credentials import MONGO_APP, CredentialStore
from ai4d_cli.services import panel_command, panel_env
from ai4d_core.bootstrap import Container
from ai4d_core.settings import Environment, Settings


@dataclass(frozen=True)
class ServedPlatform:
    base_url: str
    settings: Settings
    log_dir: Path
    server_pid: int


@contextmanager
def served_platform(prefix: str, seed: Callable[[Container], None], **env_overrides: str) -> Iterator[ServedPlatform]:
    """Start the stores, run `seed` on a container, serve the dashboards (with `env_overrides` in their
    environment); stop everything on exit."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        root = Path(tmp)
        store = CredentialStore.of(root)
        with embedded.migrated_postgres(root) as pg:
            mongo_port = embedded.free_port()
            mongo = embedded.start_mongo(root / "mongo", mongo_port, root / "log" / "mongo.log", store, "ai4d_bench")
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                env=Environment.TEST, var_dir=root / "var", database_url=pg.url, mongo_db="ai4d_bench",
                mongo_url=embedded.mongo_url(mongo_port, store.get(MONGO_APP)), panel_port=embedded.free_port(),
            )  # fmt: skip
            server = None
            try:
                with Container(settings) as c:
                    seed(c)
                env = panel_env(settings)
                env.update(AI4D_ENV="test", AI4D_MONGO_DB=settings.mongo_db, AI4D_VAR_DIR=str(settings.var_dir))
                env.update(env_overrides)
                log_path = root / "log" / "panel.log"
                with log_path.open("wb") as log:
                    server = subprocess.Popen(panel_command(settings), env=env, stdout=log, stderr=subprocess.STDOUT)
                base = f"http://127.0.0.1:{settings.panel_port}"
                while not _answers(f"{base}/login"):  # readiness
                    if server.poll() is not None:
                        raise SystemExit(log_path.read_text())
                    time.sleep(0.2)
                yield ServedPlatform(base, settings, root / "log", server.pid)
            finally:
                if server is not None:
                    server.terminate()
                    server.wait()
                embedded.stop(mongo)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url) as response:  # loopback only
            return int(response.status) == 200
    except (urllib.error.URLError, ConnectionError):
        return False


__all__ = ["ServedPlatform", "served_platform"]
