"""XSS: hostile text in every untrusted field the learner page shows renders as text, never runs.

Each payload, if it ever ran, would set `window.__xss` or open a dialog (alert/confirm/prompt); the page is
checked for both after the quiz and its feedback (stems, explanations) are on screen.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from ai4d_core import policy
from ai4d_core.bootstrap import Container
from ai4d_core.domain.item_base import ItemStatus
from ai4d_core.domain.items import ITEM_ADAPTER, Item
from ai4d_core.item_bank import load_curated_bank
from ai4d_core.services import accounts, cohorts, quiz_sessions
from tests.browser.quiz_steps import answer_anything, next_question, submit

pytestmark = pytest.mark.browser
PASSWORD = "violet kettle drums at dawn"
RUN = "window.__xss=1"
PER_ROUND = 8

VECTORS = [
    "<script>{js}</script>",
    "<img src=x onerror={js}>",
    '<img src="x" onerror="{js}">',
    "<svg onload={js}>",
    "<svg><script>{js}</script></svg>",
    "<svg><animate onbegin={js} attributeName=x dur=1s>",
    "<body onload={js}>",
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    '<iframe src="javascript:parent.__xss=1"></iframe>',
    '<a href="javascript:{js}">click</a>',
    "[click](javascript:{js})",
    "![x](javascript:{js})",
    "<details open ontoggle={js}>",
    "<input autofocus onfocus={js}>",
    "<video><source onerror={js}></video>",
    "<math><mtext><table><mglyph><style><img src=x onerror={js}>",
    '"><script>{js}</script>',
    "'><img src=x onerror={js}>",
    "<scr<script>ipt>{js}</scr</script>ipt>",
    '<object data="javascript:{js}"></object>',
    '<embed src="javascript:{js}">',
    "<style onload={js}></style>",
    "<marquee onstart={js}>x</marquee>",
    '<div onmouseover={js} style="position:fixed;inset:0">x</div>',
    "<form><button formaction=javascript:{js}>x</button></form>",
    '<meta http-equiv=refresh content="0;url=javascript:{js}">',
    "<img src=https://evil.example/x.png onerror={js}>",
]


def _variants(vector: str) -> list[str]:
    """The vector as is, in mixed case, entity-encoded and with alert instead of the flag."""
    plain = vector.format(js=RUN)
    mixed = "".join(ch.upper() if i % 2 and ch.isalpha() else ch for i, ch in enumerate(plain))
    entities = plain.replace("<", "&lt;").replace(">", "&gt;")
    numeric = plain.replace("<", "&#60;").replace(">", "&#62;")
    alerting = vector.format(js="alert(1)")
    return [plain, mixed.replace("WINDOW.__XSS=1", RUN), entities, numeric, alerting]


PAYLOADS = sorted({v for vector in VECTORS for v in _variants(vector)}, key=len)


def _one_of_each() -> dict[str, Item]:
    found: dict[str, Item] = {}
    for item in load_curated_bank():
        if item.type == "cloze" and not any(g.options for g in item.gaps):
            continue
        found.setdefault(item.type, item)
    return {t: found[t] for t in ("single_choice", "multiple_choice", "ordering", "matching", "cloze")}


def _texts(choices: Any, payloads: list[str]) -> list[dict[str, Any]]:
    def text(n: int) -> str:
        return f"{payloads[n % len(payloads)]} #{n}"  # texts must be unique, case aside

    return [{**c.model_dump(), "text": text(n)} for n, c in enumerate(choices)]


def _hostile(base: Item, round_no: int, payloads: list[str]) -> tuple[Item, dict[str, int]]:
    """`base` with every untrusted text replaced by payloads; returns the item and payloads placed per field."""
    data = base.model_dump()
    joined = "\n\n".join(payloads)
    data.update(id=f"xss-{round_no}-{base.type.replace('_', '-')}", topic=f"xss_{base.type}", explanation=joined,
                status=ItemStatus.ACTIVE.value)  # fmt: skip
    placed = {"stem": len(payloads), "explanation": len(payloads)}
    if base.type != "cloze":
        data["stem"] = joined
    else:
        data["stem"] = f"{joined}\n\n{base.stem}"
    for name in ("options", "entries", "prompts", "targets"):
        if name in data:
            data[name] = _texts(getattr(base, name), payloads)
            placed[name] = min(len(payloads), len(data[name]))
    if base.type == "cloze":
        gaps = [
            {**g.model_dump(), "options": _texts(g.options, payloads)} if g.options else g.model_dump()
            for g in base.gaps
        ]
        data["gaps"] = gaps
        placed["gap options"] = min(len(payloads), sum(len(g["options"]) for g in gaps))
    return ITEM_ADAPTER.validate_python(data), placed


def test_hostile_text_in_every_learner_field_renders_as_text(
    clean: Container, dashboards_url: str, flagged_page: tuple[Page, list[str]], log_in: Callable[..., None]
) -> None:
    page, dialogs = flagged_page
    bases = _one_of_each()
    checked: dict[str, int] = {}
    previous: list[Item] = []
    rounds = [PAYLOADS[i : i + PER_ROUND] for i in range(0, len(PAYLOADS), PER_ROUND)]
    for round_no, payloads in enumerate(rounds):
        items = []
        for base in bases.values():
            item, placed = _hostile(base, round_no, payloads)
            items.append(item)
            for field, n in placed.items():
                checked[field] = checked.get(field, 0) + n
        retired = [i.model_copy(update={"status": ItemStatus.RETIRED, "version": i.version + 1}) for i in previous]
        clean.items.upsert([*retired, *items])
        previous = items
        email = f"xss{round_no}@example.org"
        learner_id = accounts.create_user(clean, email, payloads[0][:100], "learner", PASSWORD)
        stored = clean.users.by_email(email)
        if stored is not None and ("<" in stored.display_name or "&" in stored.display_name):
            checked["display name"] = checked.get("display name", 0) + 1
        cohort_id = cohorts.create_cohort(clean, policy.CLI, f"{payloads[-1][:110]} #{round_no}")
        cohorts.add_member(clean, policy.CLI, cohort_id, learner_id)
        checked["cohort name"] = checked.get("cohort name", 0) + 1

        page.context.clear_cookies()
        log_in(page, dashboards_url, "/learner", email, PASSWORD)
        page.get_by_role("button", name="Start quiz").click()  # a diagnostic over every topic: each item once
        shown = html.unescape(payloads[0])  # the stem's Markdown shows entities decoded, as text
        kinds = {i.id: i.type for i in items}
        for position in range(1, len(items) + 1):
            expect(page.get_by_role("heading", name=f"Question {position}", exact=True)).to_be_visible()
            expect(page.get_by_text(shown, exact=False).first).to_be_attached()
            turn = quiz_sessions.resume(clean, policy.Viewer(learner_id, "learner"))
            assert turn is not None
            answer_anything(page, kinds[turn.question["id"]])
            submit(page)  # the feedback: right answer, explanation and per-part details, all hostile
            page.wait_for_load_state("networkidle")
            assert page.evaluate("window.__xss") == 0, f"a payload ran in round {round_no}: {payloads}"
            next_question(page)
        expect(page.get_by_role("heading", name=re.compile("^Your results"))).to_be_visible()
        page.get_by_role("button", name="History", exact=True).click()  # every question again, with feedback
        expect(page.get_by_text("Your answer:").first).to_be_visible()
        page.wait_for_load_state("networkidle")
        checked["quiz screens"] = checked.get("quiz screens", 0) + 2 * len(items) + 1
        assert page.evaluate("window.__xss") == 0, f"a payload ran in round {round_no}: {payloads}"
        assert dialogs == [], f"a payload opened a dialog in round {round_no}: {payloads}"
        page.get_by_role("button", name="Cohorts", exact=True).click()  # the learner's cohorts, by name
        expect(page.get_by_text(f"#{round_no}", exact=False).first).to_be_attached()
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__xss") == 0, f"a cohort name ran in round {round_no}: {payloads}"
        assert dialogs == [], f"a cohort name opened a dialog in round {round_no}: {payloads}"

    # The admin sees every hostile display name, e-mail and cohort name at once.
    accounts.create_user(clean, "root@example.org", "Root", "admin", PASSWORD)
    page.context.clear_cookies()
    log_in(page, dashboards_url, "/admin", "root@example.org", PASSWORD)
    expect(page.get_by_text("xss0@example.org").first).to_be_attached()
    page.locator(".bk-tab", has_text="Cohorts").click()
    expect(page.get_by_text("#0", exact=False).first).to_be_attached()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__xss") == 0 and dialogs == [], "a payload ran on the admin page"
    checked["admin page"] = len(rounds)

    total = sum(checked.values())
    print(f"XSS: {len(PAYLOADS)} payloads; payload x field placements rendered: {total} {checked}; executions: 0")
    assert len(PAYLOADS) >= 100 and total > 0
