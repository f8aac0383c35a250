"""Every notebook runs under papermill against a real warehouse, and is committed without outputs."""

from __future__ import annotations

import json
from pathlib import Path

import papermill as pm
import pytest

from ai4d_core.bootstrap import Container
from ai4d_core.services.demo import seed_demo
from ai4d_core.services.ingest import ingest_pending
from ai4d_core.services.warehouse import refresh_warehouse

pytestmark = pytest.mark.notebooks
NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks_and_none_holds_outputs() -> None:
    print(f"checked {len(NOTEBOOKS)} notebooks")
    assert NOTEBOOKS
    for path in NOTEBOOKS:
        cells = json.loads(path.read_text())["cells"]
        assert all(not c.get("outputs") and not c.get("execution_count") for c in cells if c["cell_type"] == "code")
        assert any("parameters" in c.get("metadata", {}).get("tags", []) for c in cells), f"{path.name}: no parameters"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_on_the_warehouse(path: Path, clean: Container, tmp_path: Path) -> None:
    seed_demo(clean, learners=15, seed=2)
    ingest_pending(clean)
    refresh_warehouse(clean)
    out = tmp_path / path.name
    pm.execute_notebook(str(path), str(out), parameters={"warehouse_path": str(clean.settings.warehouse_path)},
                        kernel_name="python3", progress_bar=False, cwd=str(path.parent.parent))
    executed = json.loads(out.read_text())
    outputs = [o for c in executed["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("statistics" in json.dumps(o) for o in outputs)  # the overview table lists the demo topics
