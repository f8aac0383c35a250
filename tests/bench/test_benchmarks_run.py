"""Every benchmark of the README still runs and prints its comparison with its peer, at a small size.

The figures at these sizes mean nothing and nothing here asserts a time or a target (benchmarks measure
speed, tests do not): the point is that `python -m bench NAME` works on a clean checkout. The two that drive
browsers under load (`event_loop`, `quiz_round_trip`) take minutes even when small and run with `make bench`.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.bench
ROOT = Path(__file__).resolve().parents[2]
# name, small arguments, what the output must show: the peer's line and the ratio between the two
SMALL = [
    ("ingest", "--rows 20000 --orm-rows 2000 --batch 5000", r"project/ORM = [\d.]+\N{MULTIPLICATION SIGN}"),
    (
        "generation",
        "--items 20 --latency 0.05 --concurrency 4 --every 5",
        r"speed-up project/sequential = [\d.]+\N{MULTIPLICATION SIGN}",
    ),
    ("enumeration", "--samples 2", r"sign-up\s+known\s+[\d.]+ ms\s+unknown\s+[\d.]+ ms\s+ratio [\d.]+"),
    (
        "calibration",
        "--persons 500 --items 10 --sparse-persons 1000 --sparse-items 50 --sparse-answers 10 --repeat 1",
        r"girth .*\n.*\n\s+ratio\s+[\d.]+ x",
    ),
    ("adaptive_step", "--items 100 --learners 10 --length 5", r"median ratio catsim / ours: [\d.]+x"),
    ("cat_simulation", "--learners 50 --items 100", r"fixed form \(30 random items\)[\s\S]*adaptive"),
    (
        "rules_profiles",
        "--learners 500 --responses 10000 --sample 50 --writes 200 --batch 100",
        r"ours/loop = [\d.]+\N{MULTIPLICATION SIGN} wall clock",
    ),
    (
        "llm_profiles",
        "--learners 20 --latency 0.05 --concurrency 4 --sample 5",
        r"speed-up project/sequential = [\d.]+\N{MULTIPLICATION SIGN}[\s\S]*"
        r"cached re-run = [\d.]+\N{MULTIPLICATION SIGN} faster",
    ),
]


@pytest.mark.parametrize(("name", "args", "shown"), SMALL, ids=[s[0] for s in SMALL])
def test_the_benchmark_runs_and_prints_its_comparison(name: str, args: str, shown: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", name, *args.split()], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(shown, done.stdout), done.stdout


def test_every_benchmark_is_either_run_here_or_named_as_left_to_make_bench() -> None:
    from bench.__main__ import BENCHMARKS

    run_here = {s[0] for s in SMALL}
    assert set(BENCHMARKS) == run_here | {"event_loop", "quiz_round_trip"}
    print(f"checked {len(run_here)} of {len(BENCHMARKS)} benchmarks here")
