"""Chromium for the page benchmarks (`event_loop`, `quiz_round_trip`): browsers of their own, reniced load,
a CPU meter per part of the system, round trips timed inside the page, and a learner that answers anything.

Round trips are timed in the page: the button is clicked from JavaScript and the page polls at every frame
(`requestAnimationFrame`) for what the server's answer puts into the DOM. Playwright's own waits poll at
0, 20, 50, 100, 100 ms and then every 500 ms, which would round every round trip above 270 ms up to the next
half second. Panel renders each component in a shadow root, so the page's search walks them. A load page
can poll every `every_ms` instead (its times are information only, and 49 pages polling at every frame would
spend their reniced browser's CPU on the benchmark rather than on the page).
"""

from __future__ import annotations

import contextlib
import os
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
from playwright.async_api import Browser, Page, Playwright, expect

PASSWORD = "violet kettle drums at dawn"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

# click(label) then resolve with the milliseconds until `appear` (one of its selectors visible with some text
# it did not show before the click: a new element, or one shown or changed since) and none of `gone`; "none"
# after `timeout` ms (0: never).
# `every`: poll at each frame (0) or every so many ms (cheaper, for the load's pages).
TIMED_CLICK_JS = """
async ([label, appear, gone, timeout, every]) => {
  const roots = (root, out) => {
    out.push(root)
    for (const el of root.querySelectorAll('*')) { if (el.shadowRoot) roots(el.shadowRoot, out) }
    return out
  }
  const find = (all, sel) => all.flatMap((r) => [...r.querySelectorAll(sel)])
  const text = (el) => el.shadowRoot === null ? el.innerText : [...el.shadowRoot.children]
    .filter((c) => !['STYLE', 'LINK'].includes(c.tagName)).map(text).join(' ')
  const shown = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 }
  const before = roots(document, [])
  const was = new Map()  // what each candidate showed before the click (null: not shown)
  for (const sel of appear) { for (const el of find(before, sel)) { was.set(el, shown(el) ? text(el) : null) } }
  const button = find(before, 'button').find((b) => b.textContent.trim() === label && !b.disabled && shown(b))
  if (button === undefined) { return {ms: -1, outcome: 'no button', text: ''} }
  const later = (f) => every > 0 ? setTimeout(f, every) : requestAnimationFrame(f)
  const start = performance.now()
  button.click()
  return await new Promise((resolve) => {
    const poll = () => {
      const elapsed = performance.now() - start
      const all = roots(document, [])
      const goneNow = gone.every((sel) => !find(all, sel).some(shown))
      for (const sel of appear) {
        const el = find(all, sel).find((e) => shown(e) && text(e).trim() && was.get(e) !== text(e))
        if (el !== undefined && goneNow) { resolve({ms: elapsed, outcome: sel, text: text(el)}); return }
      }
      if (appear.length === 0 && goneNow) { resolve({ms: elapsed, outcome: 'gone', text: ''}); return }
      if (timeout > 0 && elapsed > timeout) { resolve({ms: elapsed, outcome: 'none', text: ''}); return }
      later(poll)
    }
    later(poll)
  })
}
"""
# What the Quiz section shows: "feedback", "question", "summary", "start" or "" (still rendering). Visible
# elements only: the hidden History section holds past feedback too.
SCREEN_JS = """
() => {
  const shown = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 }
  const deep = (root, selector) => {
    if ([...root.querySelectorAll(selector)].some(shown)) { return true }
    for (const el of root.querySelectorAll('*')) { if (el.shadowRoot && deep(el.shadowRoot, selector)) { return true } }
    return false
  }
  for (const [sel, name] of [['.ai4d-feedback', 'feedback'], ['.ai4d-summary', 'summary'],
                             ['.ai4d-question', 'question'], ['.ai4d-quiz-start', 'start']]) {
    if (deep(document, sel)) { return name }
  }
  return ''
}
"""
NUMBERS = ["42", "0.5", "15 %", "1024", "3"]
WORDS = ["partition", "index", "mean", "a primary key", "overfitting"]
# A click with nothing back after this long is taken as lost and clicked again: Panel runs one session's
# callbacks on several threads at once, and a click that lands while the previous callback's watchers still
# run can fail in param ("link() missing 1 required positional argument: 'change'") and change nothing.
LOST_MS = 30_000
TRY_AGAIN = re.compile(r"try again in (\d+) s")


@dataclass(frozen=True)
class Click:
    """One timed round trip: milliseconds, which selector answered ("none": nothing in time), its text."""

    ms: float
    outcome: str
    text: str


async def timed_click(
    page: Page, label: str, appear: list[str], gone: list[str] | None = None, timeout_ms: float = 0, every_ms: float = 0
) -> Click:
    """Click the enabled button named `label` and time the server's answer in the page (see the module doc);
    `every_ms` > 0 polls that often instead of at every frame."""
    got: dict[str, Any] = await page.evaluate(TIMED_CLICK_JS, [label, appear, gone or [], timeout_ms, every_ms])
    if got["outcome"] == "no button":
        raise RuntimeError(f"no enabled {label!r} button on the page")
    return Click(float(got["ms"]), str(got["outcome"]), str(got["text"]))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def log_in(page: Page, base: str, email: str) -> None:
    """Log in through the form and wait for the Quiz section (its start screen or a question)."""
    await page.goto(f"{base}/learner")
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    quiz = page.locator(".ai4d-quiz-start").or_(page.locator(".ai4d-question")).filter(visible=True)
    await expect(quiz.first).to_be_visible(timeout=0)


async def screen(page: Page) -> str:
    return str(await page.evaluate(SCREEN_JS))


async def to_question(page: Page, every_ms: float = 0) -> None:
    """From wherever the Quiz section is (start, summary, feedback), to a question waiting for its answer."""
    while (now := await screen(page)) != "question":
        if now == "feedback":
            await next_question(page, every_ms)
        elif now == "summary":
            await timed_click(page, "New quiz", [".ai4d-quiz-start"], None, LOST_MS, every_ms)
        elif now == "start":
            await timed_click(page, "Start quiz", [".ai4d-question"], None, LOST_MS, every_ms)
        else:  # still rendering
            await page.wait_for_timeout(50)


async def answer_anything(page: Page, rng: random.Random, sql: str = "SELECT 1 AS x") -> None:
    """Give some answer, right or wrong by chance, with the question's own controls (the options are shown
    shuffled, so a random one is as good as any); ordering entries as shown are already an answer."""
    question = page.locator(".ai4d-question").filter(visible=True)  # not History's past questions
    radios, boxes = question.get_by_role("radio"), question.get_by_role("checkbox")
    if n := await radios.count():
        await radios.nth(rng.randrange(n)).check()
    elif n := await boxes.count():
        await boxes.nth(rng.randrange(n)).check()
    elif await question.locator(".ace_content").count():
        await question.locator(".ace_content").click()
        await page.keyboard.press("Control+A")
        await page.keyboard.insert_text(sql)
    else:
        for select in await question.locator("select").all():
            options = await select.locator("option").count()
            await select.select_option(index=rng.randrange(1, options))
        for field in await question.locator("input[type=text]").all():
            numeric = "number" in (await field.get_attribute("placeholder") or "")
            await field.fill(rng.choice(NUMBERS if numeric else WORDS))
        for area in await question.locator("textarea").all():
            await area.fill("It depends on the data: I would check the distribution and the missing values first.")
    await expect(page.get_by_role("button", name="Submit answer")).to_be_enabled(timeout=0)


async def submit(page: Page, timeout_ms: float = 0, every_ms: float = 0) -> Click:
    """Click Submit and time until the feedback, or a new fix-your-answer notice, is in the page."""
    return await timed_click(page, "Submit answer", [".ai4d-feedback", ".ai4d-fix"], None, timeout_ms, every_ms)


async def next_question(page: Page, every_ms: float = 0, timeout_ms: float = LOST_MS) -> Click:
    """After the feedback: Next question (or See your results) until the next screen is in the page."""
    shown = page.get_by_role("button", name="Next question").filter(visible=True)
    label = "Next question" if await shown.count() else "See your results"
    appear, gone = [".ai4d-question", ".ai4d-summary"], [".ai4d-feedback"]
    return await timed_click(page, label, appear, gone, timeout_ms, every_ms)


def outcome_name(click: Click) -> str:
    """What a submit got back: scored, too fast, busy, to fix (an answer the server could not read), none."""
    if click.outcome == ".ai4d-feedback":
        return "scored"
    if click.outcome == "none":
        return "no answer"
    if "very fast" in click.text or "quickly" in click.text:
        return "too fast"
    return "busy" if "busy" in click.text or "being scored" in click.text else "to fix"


def retry_after(click: Click) -> float:
    """Seconds a fix-your-answer notice asks to wait (0 when it names none)."""
    found = TRY_AGAIN.search(click.text)
    return float(found[1]) if found else 0.0


# ------------------------------------------------------------------------------------------- processes


def _tree(root: psutil.Process) -> list[psutil.Process]:
    try:
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


class CpuMeter:
    """CPU seconds per part of the system (every process below this one, the server's event loop thread apart).

    `browsers` maps a label to a browser's root process ids. Counted per process between two snapshots, so a
    process that exits in between drops out rather than making a part negative; `machine` is the whole
    machine's busy time (other users' jobs included).
    """

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.browsers: dict[str, set[int]] = {}

    def part(self, proc: psutil.Process, ancestors: set[int]) -> str:
        for label, roots in self.browsers.items():
            if proc.pid in roots or ancestors & roots:
                return label
        if self.server_pid in ancestors:
            return "SQL sandbox workers"
        name = proc.name()
        if name.startswith("postgres"):
            return "PostgreSQL"
        if proc.pid == os.getpid() or name.startswith("node"):
            return "bench client (Playwright, threads)"
        return "other (MongoDB wire server, ...)"

    def snapshot(self) -> dict[tuple[int, str], float]:
        seen: dict[tuple[int, str], float] = {}
        for proc in _tree(psutil.Process()):
            try:
                times = proc.cpu_times()
                total = times.user + times.system
                if proc.pid == self.server_pid:
                    main = [t.user_time + t.system_time for t in proc.threads() if t.id == proc.pid]
                    loop = main[0] if main else 0.0
                    seen[(proc.pid, "server: event loop thread")] = loop
                    seen[(proc.pid, "server: other threads (callbacks, auth)")] = total - loop
                else:
                    ancestors = {p.pid for p in proc.parents()}
                    seen[(proc.pid, self.part(proc, ancestors))] = total
            except psutil.Error:
                continue
        machine = psutil.cpu_times()
        seen[(0, "machine")] = sum(machine) - machine.idle - getattr(machine, "iowait", 0.0)
        return seen

    @staticmethod
    def delta(before: dict[tuple[int, str], float], after: dict[tuple[int, str], float]) -> dict[str, float]:
        parts: dict[str, float] = {}
        for key, value in after.items():
            parts[key[1]] = parts.get(key[1], 0.0) + value - before.get(key, 0.0)
        return parts


def cpu_table(columns: list[tuple[str, dict[str, float], float]]) -> list[str]:
    """Lines of a table: cores used (CPU seconds / wall seconds) per part, one column per (title, cpu, seconds)."""
    parts = sorted({part for _, cpu, _ in columns for part in cpu if part != "machine"})
    lines = [f"  CPU used while measuring (cores: CPU seconds / wall seconds; the machine has {psutil.cpu_count()})"]
    lines.append(f"  {'':44}" + "".join(f"{title:>16}" for title, _, _ in columns))
    for part in [*parts, "machine"]:
        label = "machine (all users)" if part == "machine" else part
        lines.append(f"  {label:44}" + "".join(f"{cpu.get(part, 0.0) / s:>16.2f}" for _, cpu, s in columns))
    return lines


def renice_tree(roots: set[int], nice: int) -> None:
    """Lower the priority of a browser's processes, and of its autogroup (Playwright starts the browser in its
    own session, and with autogroups the kernel shares the CPU between sessions before niceness counts)."""
    for root in roots:
        for proc in _tree(psutil.Process(root)):
            try:
                if proc.nice() < nice:
                    proc.nice(nice)
            except psutil.Error:
                continue
        autogroup = Path(f"/proc/{root}/autogroup")
        with contextlib.suppress(OSError):  # no autogroups on this kernel: the niceness above is what counts
            autogroup.write_text(str(nice))


async def launch(pw: Playwright) -> tuple[Browser, set[int]]:
    """A Chromium process of its own, and its root process ids (for the CPU meter and renicing)."""
    before = {p.pid for p in _tree(psutil.Process())}
    browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
    roots = set()
    for proc in _tree(psutil.Process()):
        parent = proc.parent()
        new = proc.pid not in before and proc.name().startswith("chromium")
        if new and parent is not None and not parent.name().startswith("chromium"):
            roots.add(proc.pid)
    return browser, roots


__all__ = [
    "CHROMIUM_ARGS",
    "PASSWORD",
    "Click",
    "CpuMeter",
    "answer_anything",
    "cpu_table",
    "launch",
    "log_in",
    "next_question",
    "outcome_name",
    "percentile",
    "renice_tree",
    "retry_after",
    "screen",
    "submit",
    "timed_click",
    "to_question",
]
