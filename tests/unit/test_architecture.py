"""Architecture rules that a reviewer checks first, enforced."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_IN_CORE = {"panel", "prefect", "bokeh", "holoviews", "hvplot"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_never_imports_a_framework() -> None:
    modules = sorted((ROOT / "ai4d_core").rglob("*.py"))
    offenders = {str(p.relative_to(ROOT)): _imports(p) & FORBIDDEN_IN_CORE for p in modules}
    offenders = {k: v for k, v in offenders.items() if v}
    print(f"checked {len(modules)} modules of ai4d_core")
    assert len(modules) > 10
    assert offenders == {}


def test_importing_every_core_module_opens_no_connection_and_loads_no_framework() -> None:
    """In a fresh interpreter whose sockets refuse to connect, import all of ai4d_core."""
    script = """
import importlib, pkgutil, socket, sys
def refuse(*args, **kwargs):
    raise AssertionError(f"connection attempted at import time: {args}")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
import ai4d_core
names = [m.name for m in pkgutil.walk_packages(ai4d_core.__path__, "ai4d_core.")]
for name in names:
    importlib.import_module(name)
loaded = sorted({m.split(".")[0] for m in sys.modules} & {"panel", "prefect", "bokeh"})
print(len(names), loaded)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    count, loaded = done.stdout.split(" ", 1)
    assert int(count) > 10
    assert loaded.strip() == "[]"


def test_domain_does_no_io() -> None:
    io_modules = {"sqlalchemy", "pymongo", "duckdb", "psycopg", "requests", "httpx", "openai", "socket", "os"}
    domain = sorted((ROOT / "ai4d_core" / "domain").glob("*.py"))
    offenders = {p.name: _imports(p) & io_modules for p in domain if _imports(p) & io_modules}
    assert len(domain) > 3
    assert offenders == {}


def test_public_api_is_explicit_and_resolves() -> None:
    import ai4d_core

    print(f"checked {len(ai4d_core.__all__)} public names")
    assert ai4d_core.__all__
    for name in ai4d_core.__all__:
        assert getattr(ai4d_core, name) is not None
