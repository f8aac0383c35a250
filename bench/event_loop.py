"""Event loop: a learner page's callback round trip, alone and during storms from other sessions.

Starts its own embedded PostgreSQL and MongoDB-wire server in a temporary folder, loads the curated SQL items
only (so every question is SQL), and serves the dashboards exactly as `ai4d up` does (`bench.platform`). One
learner's page in Chromium, in a quiz at its first question, then measures `--samples` callback round trips:
click "New quiz" and wait for the server's "You have a quiz in progress..." question, click "No, go on with
this quiz" and wait for it to go (each a Panel callback on a worker thread, the page session touched, then a
document patch over the WebSocket; nothing stored, no rate limit). Timed in the page (`bench.browsers`).

The same round trips are measured again during each storm of `--storm` (default: logins, sql, both), then
alone once more (to show drift or other load on the machine):

- logins: `--logins` threads posting wrong passwords to /login in a loop (GET for the form token, then POST).
  The storm stands for many attackers from many sources, each within its budget, so the benchmark lifts the
  login throttle's budgets: every attempt costs an Argon2 check (`--keep-login-budgets` keeps them; the storm
  is then answered 429 without hashing after 10 checks).
- sql: `--sql-learners` other learners' pages answering every question with `SLOW_SQL` and submitting it, then
  "Next question", over and over (scored in the SQL sandbox's worker processes until its timer stops each
  query). A page told "too fast" waits the seconds it is told and submits again, so each storm learner is
  scored as often as the answers' rate limit allows (a burst of 10, then one every 2 s); the scoring slots
  answer "busy" beyond them.

The storm's pages stand for other people's machines, so they run in a Chromium of their own whose processes,
and its autogroup, are reniced to `--storm-nice` (10) once launched: on this one machine the storm's
browsers would otherwise take CPU from the measured page's browser, which a real server never pays for.
The server and everything it starts keep their own priorities. The CPU table says what used the machine
while each phase was measured (the server's event loop thread apart), with the whole machine's busy time
(other users' jobs included: figures taken while the machine is loaded by others are not comparable).
Target: p95 during both storms <= 3 x p95 alone.
"""

from __future__ import annotations

import argparse
import asyncio
import http.cookiejar
import random
import re
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from playwright.async_api import Page, async_playwright

from ai4d_core.bootstrap import Container
from ai4d_core.item_bank import load_curated_bank
from ai4d_core.services import accounts
from bench.browsers import (
    PASSWORD,
    CpuMeter,
    answer_anything,
    cpu_table,
    launch,
    log_in,
    next_question,
    outcome_name,
    percentile,
    renice_tree,
    retry_after,
    submit,
    timed_click,
    to_question,
)
from bench.platform import served_platform

TARGET_RATIO = 3.0
# The issue names `SELECT count(*) FROM range(1e12)`, but DuckDB binds 1e12 as DOUBLE and refuses range(DOUBLE)
# in ~30 ms (a Binder Error): cheap. The same count over an integer runs until the sandbox's timer stops it.
SLOW_SQL = "SELECT count(*) FROM range(1000000000000)"
CONFIRM = ".ai4d-confirm-new"  # the "You have a quiz in progress..." question of New quiz


async def round_trips(page: Page, samples: int) -> list[float]:
    """Milliseconds per callback round trip (alternating New quiz, and No, go on with this quiz)."""
    times: list[float] = []
    for _ in range(samples // 2):
        times.append((await timed_click(page, "New quiz", [CONFIRM])).ms)
        times.append((await timed_click(page, "No, go on with this quiz", [], gone=[CONFIRM])).ms)
    return times


async def sql_storm(page: Page, stop: asyncio.Event, counts: dict[str, int], query: str) -> None:
    """Answer every question with the slow query, submit, next; again and again (see the module docstring)."""
    rng = random.Random()
    while not stop.is_set():
        await to_question(page)
        await answer_anything(page, rng, sql=query)
        click = await submit(page, timeout_ms=60_000)
        outcome = outcome_name(click)
        counts[outcome] = counts.get(outcome, 0) + 1
        if outcome == "scored":
            await next_question(page)
        else:
            await asyncio.sleep(retry_after(click) or 0.5)


def login_storm(base: str, stop: threading.Event, counts: dict[str, int]) -> None:
    """Wrong-password logins in a loop (GET for the form token, then POST)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    while not stop.is_set():
        with opener.open(f"{base}/login") as response:
            form = response.read().decode()
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form)
        body = urllib.parse.urlencode({
            "email": "learner001@example.org", "password": "wrong password for the storm",
            "_xsrf": xsrf[1] if xsrf else "",
        }).encode()  # fmt: skip
        try:
            opener.open(f"{base}/login", data=body).read()
        except urllib.error.HTTPError as exc:
            counts[str(exc.code)] = counts.get(str(exc.code), 0) + 1


@dataclass
class Phase:
    """One measured stretch: the round trips, what the storm got back, and the CPU each part used."""

    name: str
    times: list[float]
    counts: dict[str, int]
    cpu: dict[str, float]  # CPU seconds per part of the system during the round trips
    seconds: float


async def run_phase(
    name: str, page: Page, sql_pages: list[Page], logins: int, args: argparse.Namespace, meter: CpuMeter, base: str
) -> Phase:
    """The storm of this phase (if any) builds up, then the round trips are measured while it goes on."""
    counts: dict[str, int] = {}
    stop_async, stop_threads = asyncio.Event(), threading.Event()
    tasks = [asyncio.create_task(sql_storm(p, stop_async, counts, args.slow_sql)) for p in sql_pages]
    threads = [threading.Thread(target=login_storm, args=(base, stop_threads, counts), daemon=True)
               for _ in range(logins)]  # fmt: skip
    for thread in threads:
        thread.start()
    if tasks or threads:
        await asyncio.sleep(args.ramp)  # let the storm build up
    counts.clear()
    before, start = meter.snapshot(), time.perf_counter()
    times = await round_trips(page, args.samples)
    cpu, seconds = CpuMeter.delta(before, meter.snapshot()), time.perf_counter() - start
    outcomes = dict(counts)
    stop_async.set()
    stop_threads.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    for thread in threads:
        await asyncio.to_thread(thread.join)
    return Phase(name, times, outcomes, cpu, seconds)


async def measure(base: str, args: argparse.Namespace, server_pid: int) -> list[Phase]:
    meter = CpuMeter(server_pid)
    async with async_playwright() as pw:
        browser, meter.browsers["measured Chromium"] = await launch(pw)
        page = await (await browser.new_context()).new_page()
        await log_in(page, base, "learner001@example.org")
        await to_question(page)  # New quiz asks first only during a quiz
        await round_trips(page, 6)  # warm-up
        phases = [await run_phase("alone", page, [], 0, args, meter, base)]

        storm_browser, storm_roots = await launch(pw)  # the other people's machines
        meter.browsers["storm Chromium"] = storm_roots
        stormers = []
        for n in range(args.sql_learners):
            other = await (await storm_browser.new_context()).new_page()
            await log_in(other, base, f"storm{n}@example.org")
            stormers.append(other)
        for storm in args.storm:
            if args.storm_nice:
                renice_tree(storm_roots, args.storm_nice)
            sql_pages = stormers if storm in ("sql", "both") else []
            logins = args.logins if storm in ("logins", "both") else 0
            phases.append(await run_phase(storm, page, sql_pages, logins, args, meter, base))
        phases.append(await run_phase("alone again", page, [], 0, args, meter, base))
        await storm_browser.close()
        await browser.close()
    return phases


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench event_loop", description=__doc__)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--logins", type=int, default=4, help="threads posting wrong passwords")
    parser.add_argument("--sql-learners", type=int, default=3, help="pages submitting the slow query")
    parser.add_argument(
        "--storm",
        action="append",
        choices=list(STORM_TITLES),
        help="storms to measure, in order (repeatable; default: logins, sql, both; the target is judged on both)",
    )
    parser.add_argument("--slow-sql", default=SLOW_SQL, help="the storm pages' answer to every question")
    parser.add_argument("--ramp", type=float, default=3.0, help="seconds a storm runs before measuring")
    parser.add_argument("--storm-nice", type=int, default=10, help="niceness of the storm's browser (0: none)")
    parser.add_argument(
        "--keep-login-budgets",
        action="store_true",
        help="keep the login throttle's budgets (the storm then gets 429s after 10 checks, without Argon2)",
    )
    parser.add_argument("--check", action="store_true")
    args, _ = parser.parse_known_args(argv)
    args.storm = args.storm or list(STORM_TITLES)
    emails = ["learner001@example.org", *(f"storm{n}@example.org" for n in range(args.sql_learners))]

    def seed(c: Container) -> None:
        c.items.upsert([item for item in load_curated_bank() if item.type == "sql_query"])
        for email in emails:
            accounts.create_user(c, email, email.split("@")[0], "learner", PASSWORD)

    budgets = {} if args.keep_login_budgets else {  # every storm login checks a password (see the docstring)
        "AI4D_LOGIN_MAX_CHECKS": "1000000000", "AI4D_LOGIN_MAX_CHECKS_PER_SOURCE": "1000000000",
    }  # fmt: skip
    with served_platform("ai4d-bench-loop-", seed, **budgets) as platform:
        phases = asyncio.run(measure(platform.base_url, args, platform.server_pid))
    return report(phases, args.check)


STORM_TITLES = {"logins": "logins storm", "sql": "slow-SQL storm", "both": "both storms"}


def report(phases: list[Phase], check: bool) -> int:
    alone = phases[0]
    p95_alone = percentile(alone.times, 0.95)
    print("event loop: learner page callback round trip (ms)")
    print(f"  {'':16} {'n':>4} {'p50':>8} {'p95':>8} {'p95/alone':>10}  storm outcomes")
    for phase in phases:
        p95 = percentile(phase.times, 0.95)
        title = STORM_TITLES.get(phase.name, phase.name)
        print(
            f"  {title:16} {len(phase.times):>4} {statistics.median(phase.times):>8.1f} {p95:>8.1f} "
            f"{p95 / p95_alone:>9.2f}x  {dict(sorted(phase.counts.items())) or ''}"
        )
    for line in cpu_table([(STORM_TITLES.get(p.name, p.name), p.cpu, p.seconds) for p in phases]):
        print(line)
    verdict = next((p for p in phases if p.name == "both"), None)
    if verdict is None:
        return 0
    ratio = percentile(verdict.times, 0.95) / p95_alone
    ok = ratio <= TARGET_RATIO
    print(f"  p95 both storms / alone = {ratio:.2f}x (target <= {TARGET_RATIO:g}x): {'PASS' if ok else 'FAIL'}")
    return 1 if check and not ok else 0


__all__ = ["main", "percentile"]
