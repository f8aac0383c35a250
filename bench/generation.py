"""LLM generation: the project's path (bounded concurrency) vs a sequential loop, on the same requests in one run.

Starts its own embedded PostgreSQL in a temporary folder (never the user's data), migrates it, loads the demo
bank, and starts the local OpenAI-compatible test server (`tests/llm_server.py`) with `--latency` seconds per
request. Each run calls `generate_items` for `--items` single-choice items (requests of 5 items, each batch
then solved blind by a second request, verified, deduplicated, rebalanced and stored), from an empty cache:
(a) the project's path, `--concurrency` requests in flight (the settings' default); (b) the peer, the same
service with one request at a time: a sequential loop; (c) (a) again, the same request: every answer from the cache,
each draft recognised as already stored (by its content hash); (c') (a) again after the items are deleted but
the cache kept: every answer from the cache, verified and stored again; (d) (a) with every `--every`-th request refused
with 429 and Retry-After: how many items are lost.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from ai4d_cli import embedded
from ai4d_core.bootstrap import Container
from ai4d_core.item_bank import load_demo_items
from ai4d_core.services.generation import GenerationReport, generate_items
from ai4d_core.settings import Environment, Settings
from tests.llm_server import FakeLlm

CELL = ("statistics", 2, "single_choice")


def reset(engine: sa.Engine, keep_cache: bool = False) -> None:
    tables = "items, generation_rejections" + ("" if keep_cache else ", llm_cache")
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {tables}"))


def run(settings: Settings, n: int, concurrency: int) -> tuple[float, GenerationReport, int]:
    """Seconds, the report, and the LLM items stored afterwards."""
    with Container(settings.model_copy(update={"llm_concurrency": concurrency})) as c:
        c.items.upsert(load_demo_items())
        t0 = time.perf_counter()
        report = generate_items(c, *CELL, n, seed=0)
        seconds = time.perf_counter() - t0
        with c.engine.connect() as conn:
            stored = conn.execute(sa.text("SELECT count(*) FROM items WHERE provenance LIKE 'llm:%'")).scalar_one()
    return seconds, report, int(stored)


def report_line(label: str, n: int, seconds: float, report: GenerationReport, stored: int) -> None:
    print(
        f"{label:<46}{seconds:>9.3f}{n / seconds:>10,.1f}{report.llm_requests:>9}{report.cache_hits:>7}"
        f"{len(report.rejected):>9}{stored:>8}"
    )


def measure(args: argparse.Namespace, settings: Settings, engine: sa.Engine, fake: FakeLlm) -> bool:
    n, conc = args.items, args.concurrency
    print(f"generation: {n} {CELL[2]} items of {CELL[0]}/{CELL[1]}, test server latency {args.latency:.3f} s")
    print(f"{'path':<46}{'seconds':>9}{'items/s':>10}{'requests':>9}{'cached':>7}{'rejected':>9}{'stored':>8}")
    run(settings, 5, conc)  # warm-up: imports, first connections
    reset(engine)
    project = run(settings, n, conc)
    report_line(f"project: generate_items, {conc} in flight", n, *project)
    cached = run(settings, n, conc)
    report_line("project re-run of the same request (cached)", n, *cached)
    reset(engine, keep_cache=True)
    rebuilt = run(settings, n, conc)
    report_line("project re-run, items deleted, cache kept", n, *rebuilt)
    reset(engine)
    peer = run(settings, n, 1)
    report_line("peer: sequential loop (1 in flight)", n, *peer)
    reset(engine)
    fake.rate_limit_every = args.every
    before = fake.requests
    limited = run(settings, n, conc)
    refused = (fake.requests - before) // args.every
    fake.rate_limit_every = 0
    report_line(f"project, every {args.every}th request 429 (~{refused} refused)", n, *limited)

    speedup, cache_ratio, lost = peer[0] / project[0], project[0] / cached[0], n - limited[2]
    print(f"speed-up project/sequential = {speedup:.2f}\N{MULTIPLICATION SIGN} (concurrency {conc})")
    print(f"cached re-run = {cache_ratio:.0f}\N{MULTIPLICATION SIGN} faster than the first run")
    print(f"items lost under injected 429s: {lost}")
    checks = [
        (f"speed-up >= 0.8 x {conc} = {0.8 * conc:.1f}", speedup >= 0.8 * conc),
        ("cached re-run >= 100x faster", cache_ratio >= 100),
        ("0 items lost under 429s", lost == 0),
        (f"every run stored {n} items", all(r[2] == n for r in (project, cached, rebuilt, peer, limited))),
    ]
    for label, ok in checks:
        print(f"target {label}: {'PASS' if ok else 'FAIL'}")
    return all(ok for _, ok in checks)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench generation", description=__doc__)
    parser.add_argument("--items", type=int, default=500, help="items to generate (default 500)")
    parser.add_argument("--latency", type=float, default=0.2, help="test server seconds per request (default 0.2)")
    parser.add_argument("--concurrency", type=int, default=Settings.model_fields["llm_concurrency"].default)
    parser.add_argument("--every", type=int, default=10, help="every Nth request gets a 429 in run (d)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)

    with (
        tempfile.TemporaryDirectory(prefix="ai4d-bench-", ignore_cleanup_errors=True) as tmp,
        embedded.migrated_postgres(Path(tmp), "bench") as postgres,
        FakeLlm(latency_s=args.latency) as fake,
    ):
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            env=Environment.TEST,
            var_dir=Path(tmp) / "var",
            database_url=postgres.url,
            llm_base_url=fake.url,
            llm_model="bench-model",
        )
        engine = sa.create_engine(settings.sqlalchemy_url)
        try:
            ok = measure(args, settings, engine, fake)
        finally:
            engine.dispose()
    return 1 if args.check and not ok else 0
