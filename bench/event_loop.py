"""Event loop: a learner page's callback round trip, alone and during a storm from other sessions.

Starts its own embedded PostgreSQL and MongoDB-wire server in a temporary folder, loads the curated SQL items
only (so every quiz is SQL), and serves the dashboards exactly as `ai4d up` does (`panel_command`). One
learner's page in Chromium then measures `--samples` callback round trips: click "Submit answers" with
nothing answered and wait for the server's notice, click "New quiz" and wait for it to go (each a Panel
callback: a session re-check on a worker thread, then a document patch over the WebSocket).

The storm, while the same round trips are measured again: `--logins` threads posting wrong passwords to
/login in a loop (Argon2 each), and `--sql-learners` other learners' pages submitting
`SELECT count(*) FROM range(1e12)` as the answer to every question, over and over (scored in the SQL
sandbox's worker processes; the per-learner rate limit and the scoring slots answer the excess).
Target: p95 during the storm <= 3 x p95 alone.
"""

from __future__ import annotations

import argparse
import asyncio
import http.cookiejar
import re
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from playwright.async_api import Page, async_playwright, expect

from ai4d_cli import embedded
from ai4d_cli.credentials import MONGO_APP, CredentialStore
from ai4d_cli.services import panel_command, panel_env
from ai4d_core.bootstrap import Container
from ai4d_core.item_bank import load_curated_bank
from ai4d_core.services import accounts
from ai4d_core.settings import Environment, Settings
from dashboards.learner import NOTHING_ANSWERED

TARGET_RATIO = 3.0
PASSWORD = "violet kettle drums at dawn"
SLOW_SQL = "SELECT count(*) FROM range(1e12)"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def log_in(page: Page, base: str, email: str) -> None:
    await page.goto(f"{base}/learner")
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.locator(".ai4d-question").first).to_be_visible(timeout=0)


async def round_trips(page: Page, samples: int) -> list[float]:
    """Milliseconds per callback round trip (alternating Submit-with-nothing and New quiz)."""
    notice = page.get_by_text(NOTHING_ANSWERED)
    times: list[float] = []
    for _ in range(samples // 2):
        start = time.perf_counter()
        await page.get_by_role("button", name="Submit answers").click()
        await expect(notice).to_be_visible(timeout=0)
        times.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        await page.get_by_role("button", name="New quiz").click()
        await expect(notice).to_have_count(0, timeout=0)
        times.append((time.perf_counter() - start) * 1000)
    return times


async def sql_storm(page: Page, stop: asyncio.Event, counts: dict[str, int]) -> None:
    """Answer every question with the slow query and submit, again and again."""
    while not stop.is_set():
        for area in await page.locator("textarea").all():
            await area.fill(SLOW_SQL)
        await page.get_by_role("button", name="Submit answers").click()
        result = page.get_by_text(re.compile(r"Score: |too quickly|busy"))
        await expect(result.first).to_be_visible(timeout=0)
        text = await result.first.inner_text()
        key = "scored" if "Score" in text else ("rate-limited" if "quickly" in text else "busy")
        counts[key] = counts.get(key, 0) + 1
        await page.get_by_role("button", name="New quiz").click()
        await expect(result).to_have_count(0, timeout=0)


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


async def measure(base: str, args: argparse.Namespace) -> tuple[list[float], list[float], dict[str, int]]:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = await (await browser.new_context()).new_page()
        await log_in(page, base, "learner001@example.org")
        await round_trips(page, 6)  # warm-up
        alone = await round_trips(page, args.samples)

        stormers = []
        for n in range(args.sql_learners):
            other = await (await browser.new_context()).new_page()
            await log_in(other, base, f"storm{n}@example.org")
            stormers.append(other)
        counts: dict[str, int] = {}
        stop_async, stop_threads = asyncio.Event(), threading.Event()
        tasks = [asyncio.create_task(sql_storm(p, stop_async, counts)) for p in stormers]
        threads = [threading.Thread(target=login_storm, args=(base, stop_threads, counts), daemon=True)
                   for _ in range(args.logins)]  # fmt: skip
        for thread in threads:
            thread.start()
        await asyncio.sleep(2)  # let the storm build up
        storm = await round_trips(page, args.samples)
        stop_async.set()
        stop_threads.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await browser.close()
    return alone, storm, counts


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench event_loop", description=__doc__)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--logins", type=int, default=4, help="threads posting wrong passwords")
    parser.add_argument("--sql-learners", type=int, default=3, help="pages submitting the slow query")
    parser.add_argument("--check", action="store_true")
    args, _ = parser.parse_known_args(argv)
    with tempfile.TemporaryDirectory(prefix="ai4d-bench-loop-") as tmp:
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
                    c.items.upsert([item for item in load_curated_bank() if item.type == "sql_query"])
                    emails = ["learner001@example.org", *(f"storm{n}@example.org" for n in range(args.sql_learners))]
                    for email in emails:
                        accounts.create_user(c, email, email.split("@")[0], "learner", PASSWORD)
                env = panel_env(settings)
                env.update(AI4D_ENV="test", AI4D_MONGO_DB=settings.mongo_db, AI4D_VAR_DIR=str(settings.var_dir))
                log = (root / "log" / "panel.log").open("wb")
                server = subprocess.Popen(panel_command(settings), env=env, stdout=log, stderr=subprocess.STDOUT)
                base = f"http://127.0.0.1:{settings.panel_port}"
                while True:  # readiness
                    try:
                        urllib.request.urlopen(f"{base}/login").read()
                        break
                    except (urllib.error.URLError, ConnectionError):
                        if server.poll() is not None:
                            raise SystemExit((root / "log" / "panel.log").read_text()) from None
                        time.sleep(0.2)
                alone, storm, counts = asyncio.run(measure(base, args))
            finally:
                if server is not None:
                    server.terminate()
                    server.wait()
                embedded.stop(mongo)
    return report(alone, storm, counts, args.check)


def report(alone: list[float], storm: list[float], counts: dict[str, int], check: bool) -> int:
    p95_alone, p95_storm = percentile(alone, 0.95), percentile(storm, 0.95)
    ratio = p95_storm / p95_alone
    print("event loop: learner page callback round trip (ms)")
    print(f"  {'':14} {'n':>4} {'p50':>8} {'p95':>8}")
    print(f"  {'alone':14} {len(alone):>4} {statistics.median(alone):>8.1f} {p95_alone:>8.1f}")
    print(f"  {'during storm':14} {len(storm):>4} {statistics.median(storm):>8.1f} {p95_storm:>8.1f}")
    print(f"  storm outcomes: {dict(sorted(counts.items()))}")
    ok = ratio <= TARGET_RATIO
    print(f"  p95 storm / alone = {ratio:.2f}x (target <= {TARGET_RATIO:g}x): {'PASS' if ok else 'FAIL'}")
    return 1 if check and not ok else 0


__all__ = ["main", "percentile"]
