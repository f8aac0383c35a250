"""Quiz round trip: the learner page's answer -> feedback time with 1 session and with 50 concurrent sessions.

Serves AI4D as `ai4d up` does (`bench.platform.served_platform`: embedded PostgreSQL and MongoDB-wire in a
temporary folder, `panel_command`), with the curated bank and `--sessions` (50) learner accounts created by
the bench. Each learner logs in through the form in a browser context of its own and takes diagnostic
quizzes over every topic, one question at a time, with the page's own controls: a random option, a few
words or a number typed, `SELECT 1 AS x` in the SQL editor (the options are shown shuffled, so answers are
right or wrong by chance; the server scores them). A quiz that ends is followed by a new one.

Measured: one learner's Submit click -> the feedback in the DOM (timed in the page, see `bench.browsers`),
`--samples` (40) answers per phase, and "Next question" (clicked after 1 s of reading) -> the next question,
for information. Phases: the measured learner alone (1 session); with `--sessions` - 1 (49) other learners
answering continuously (50 sessions); alone again (drift, other load on the machine). The measured page is
a new learner's in each phase (its first `--samples` answers, its History empty): the same page, not
one whose hidden History section has grown by the phases before (every past answer is in the page's
document, which Bokeh walks on each change). Target: p95 with 50 <= 3 x p95 with 1.

One measured page plus 49 load pages, not 50 measured ones: the 50 browsers share this 2-core machine with
the server, and the question is what the server's load does to a learner's wait, not what 49 other
browsers' rendering does to it; in a deployment each learner's browser runs on their own machine. So the
load pages run in a Chromium of their own whose processes and autogroup are reniced to `--load-nice` (10),
as `bench.event_loop` does with its storm, and the measured page runs in another Chromium at normal
priority. The load pages' own Submit -> feedback times are printed too, for information only: they include
the rendering of 49 pages in one reniced browser on this machine, and they poll every 100 ms.

Pace. The measured learner submits at most every `--gap` (2.5) s: it never meets the answers' rate limit
(`quiz_sessions.ANSWERS`: a burst of 10, then one every 2 s per learner), so every sample is an answer scored
(a "too fast" or "busy" notice is counted apart and never timed as a sample). A load learner thinks
`--think` (3-7) s on a question, answers, submits, reads the feedback `--read` (1-3) s and clicks Next: about
one answer every 7 s each, about 7 answers (and as many Next clicks) per second from 49 learners when the
server and their browser keep up (the rate reached is printed). Real learners think longer (tens of seconds
on most items): this is a busy classroom, a hard case, and it stays below the rate limit, so the load is
answers scored rather than refusals.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import time
from dataclasses import dataclass, field

import psutil
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

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
    to_question,
)
from bench.platform import served_platform

TARGET_RATIO = 3.0
SUBMIT_TIMEOUT_MS = 60_000  # a submit with nothing back after this is counted "no answer" (never a sample)
READ_S = 1.0  # the measured learner reads the feedback this long before Next
LOAD_POLL_MS = 100  # the load's pages look for the server's answer this often (the measured page: every frame)


@dataclass
class Phase:
    """One measured stretch: the measured learner's round trips and outcomes, the load's, and the CPU used."""

    name: str
    submits: list[float] = field(default_factory=list)
    nexts: list[float] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)
    notices: set[str] = field(default_factory=set)  # what the measured learner was told instead of feedback
    load: dict[str, int] = field(default_factory=dict)
    load_submits: list[float] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    server_mb: float = 0.0  # the server's resident memory at the end


def email(n: int) -> str:
    return f"learner{n:03d}@example.org"


WARM_UP = "warm-up@example.org"
MEASURED = ("measured1@example.org", "measured2@example.org", "measured3@example.org")  # one per phase


async def pause(seconds: float, stop: asyncio.Event) -> None:
    """Sleep, or less when `stop` is set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), max(0.0, seconds))


async def measured_learner(page: Page, phase: Phase, samples: int, gap: float, rng: random.Random) -> None:
    """Answer until `samples` answers were scored, submitting at most every `gap` seconds."""
    last = -gap
    while len(phase.submits) < samples:
        await to_question(page)
        await answer_anything(page, rng)
        await asyncio.sleep(max(0.0, last + gap - time.monotonic()))
        click = await submit(page, SUBMIT_TIMEOUT_MS)
        last = time.monotonic()
        outcome = outcome_name(click)
        phase.outcomes[outcome] = phase.outcomes.get(outcome, 0) + 1
        if outcome == "scored":
            phase.submits.append(click.ms)
            await asyncio.sleep(READ_S)
            after = await next_question(page)
            if after.outcome == "none":  # lost (see bench.browsers.LOST_MS): to_question clicks again
                phase.outcomes["Next lost"] = phase.outcomes.get("Next lost", 0) + 1
            else:
                phase.nexts.append(after.ms)
        else:
            phase.notices.add(click.text.strip()[:120])
            await asyncio.sleep(retry_after(click) or 1.0)


async def load_learner(page: Page, args: argparse.Namespace, rng: random.Random, stop: asyncio.Event,
                       counts: dict[str, int], times: list[float]) -> None:  # fmt: skip
    """Think, answer, submit, read the feedback, next; again until `stop`."""
    while not stop.is_set():
        await to_question(page, LOAD_POLL_MS)
        await pause(rng.uniform(*args.think), stop)
        if stop.is_set():
            return
        await answer_anything(page, rng)
        click = await submit(page, SUBMIT_TIMEOUT_MS, LOAD_POLL_MS)
        outcome = outcome_name(click)
        counts[outcome] = counts.get(outcome, 0) + 1
        if outcome == "scored":
            times.append(click.ms)
            await pause(rng.uniform(*args.read), stop)
            await next_question(page, LOAD_POLL_MS)
        else:
            await pause(retry_after(click) or 1.0, stop)


async def run_phase(name: str, page: Page, args: argparse.Namespace, meter: CpuMeter, rng: random.Random,
                    load_pages: list[Page]) -> Phase:  # fmt: skip
    """The load (if any) builds up for `--ramp` seconds, then the measured learner answers while it goes on."""
    phase = Phase(name)
    stop = asyncio.Event()
    counts: dict[str, int] = {}
    times: list[float] = []
    tasks = [
        asyncio.create_task(load_learner(p, args, random.Random(rng.random()), stop, counts, times)) for p in load_pages
    ]
    if tasks:
        await asyncio.sleep(args.ramp)
    counts.clear()
    times.clear()
    before, start = meter.snapshot(), time.perf_counter()
    await measured_learner(page, phase, args.samples, args.gap, rng)
    phase.cpu, phase.seconds = CpuMeter.delta(before, meter.snapshot()), time.perf_counter() - start
    phase.server_mb = psutil.Process(meter.server_pid).memory_info().rss / 2**20
    phase.load, phase.load_submits = dict(counts), list(times)
    stop.set()
    for result in await asyncio.gather(*tasks, return_exceptions=True):
        if isinstance(result, BaseException):
            print(f"  a load learner stopped: {result!r}")
    return phase


async def open_load(browser: Browser, base: str, n: int, at_once: int = 4) -> list[Page]:
    """Log `n` load learners in, `at_once` at a time, each in a browser context of its own."""
    gate = asyncio.Semaphore(at_once)

    async def one(i: int) -> Page:
        async with gate:
            page = await (await browser.new_context()).new_page()
            await log_in(page, base, email(i))
            return page

    return list(await asyncio.gather(*(one(i) for i in range(1, n + 1))))


async def measured_page(browser: Browser, base: str, who: str) -> tuple[BrowserContext, Page]:
    context = await browser.new_context()
    page = await context.new_page()
    await log_in(page, base, who)
    return context, page


async def measure(base: str, args: argparse.Namespace, server_pid: int) -> list[Phase]:
    meter = CpuMeter(server_pid)
    rng = random.Random(args.seed)
    async with async_playwright() as pw:
        browser, meter.browsers["measured Chromium"] = await launch(pw)
        context, page = await measured_page(browser, base, WARM_UP)
        await measured_learner(page, Phase("warm-up"), 3, args.gap, rng)
        await context.close()

        async def phase(name: str, who: str, load_pages: list[Page]) -> Phase:
            context, page = await measured_page(browser, base, who)
            done = await run_phase(name, page, args, meter, rng, load_pages)
            await context.close()
            return done

        phases = [await phase("1 session", MEASURED[0], [])]
        load_browser, roots = await launch(pw)  # the other learners' machines
        meter.browsers["load Chromium (reniced)"] = roots
        if args.load_nice:
            renice_tree(roots, args.load_nice)
        started = time.perf_counter()
        load_pages = await open_load(load_browser, base, args.sessions - 1)
        print(f"  {len(load_pages)} load learners logged in ({time.perf_counter() - started:.0f} s)")
        if args.load_nice:
            renice_tree(roots, args.load_nice)  # the renderers of the pages opened since
        phases.append(await phase(f"{args.sessions} sessions", MEASURED[1], load_pages))
        await load_browser.close()
        await asyncio.sleep(args.ramp)  # the closed sessions' documents go
        phases.append(await phase("1 session again", MEASURED[2], []))
        await browser.close()
    return phases


def report(phases: list[Phase], check: bool) -> int:
    one, many = phases[0], phases[1]
    p95_one = percentile(one.submits, 0.95)
    print("quiz round trip: Submit -> feedback on the learner page (ms, timed in the page)")
    head = f"  {'':16} {'n':>4} {'p50':>8} {'p95':>8} {'p95/1':>7}  {'next p50/p95':>14}  measured outcomes"
    print(head)
    for p in phases:
        p95 = percentile(p.submits, 0.95)
        nexts = f"{statistics.median(p.nexts):.0f} / {percentile(p.nexts, 0.95):.0f}"
        print(
            f"  {p.name:16} {len(p.submits):>4} {statistics.median(p.submits):>8.1f} {p95:>8.1f} "
            f"{p95 / p95_one:>6.2f}x  {nexts:>14}  {dict(sorted(p.outcomes.items()))}"
        )
    for p in phases:
        for notice in sorted(p.notices):
            print(f"  {p.name}: told instead of feedback: {notice!r}")
    if many.load_submits:
        rate = many.load.get("scored", 0) / many.seconds
        print(
            f"  load while measuring: {dict(sorted(many.load.items()))} in {many.seconds:.0f} s "
            f"({rate:.1f} answers scored/s); the load pages' own Submit -> feedback p50 "
            f"{statistics.median(many.load_submits):.0f} ms, p95 {percentile(many.load_submits, 0.95):.0f} ms "
            "(their reniced browser included)"
        )
    for line in cpu_table([(p.name, p.cpu, p.seconds) for p in phases]):
        print(line)
    print(f"  {'server resident memory at the end (MB)':44}" + "".join(f"{p.server_mb:>16.0f}" for p in phases))
    ratio = percentile(many.submits, 0.95) / p95_one
    ok = ratio <= TARGET_RATIO
    print(f"  p95 {many.name} / 1 session = {ratio:.2f}x (target <= {TARGET_RATIO:g}x): {'PASS' if ok else 'FAIL'}")
    return 1 if check and not ok else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench quiz_round_trip", description=__doc__)
    parser.add_argument("--samples", type=int, default=40, help="measured answers per phase")
    parser.add_argument("--sessions", type=int, default=50, help="concurrent sessions, the measured one included")
    parser.add_argument("--gap", type=float, default=2.5, help="seconds between the measured learner's submits")
    parser.add_argument("--think", type=float, nargs=2, default=(3.0, 7.0), help="a load learner's thinking (s)")
    parser.add_argument("--read", type=float, nargs=2, default=(1.0, 3.0), help="reading the feedback (s)")
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds the load runs before measuring")
    parser.add_argument("--load-nice", type=int, default=10, help="niceness of the load's browser (0: none)")
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--check", action="store_true")
    args, _ = parser.parse_known_args(argv)

    def seed(c: Container) -> None:
        c.items.upsert(load_curated_bank())
        for address in [WARM_UP, *MEASURED, *(email(n) for n in range(1, args.sessions))]:
            accounts.create_user(c, address, address.split("@")[0], "learner", PASSWORD)

    with served_platform("ai4d-bench-quiz-", seed) as platform:
        phases = asyncio.run(measure(platform.base_url, args, platform.server_pid))
    return report(phases, args.check)


__all__ = ["main"]
