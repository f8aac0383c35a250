"""axe-core in Chromium: inject the npm-installed `axe.min.js` (`make browser` runs `npm ci`) and run it.

Our CSP allows scripts from this server only, so Playwright's `add_script_tag` (an inline script) is refused
on a normal page: the accessibility test opens its own context with `bypass_csp=True`, and only that one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_JS = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Every axe violation on the page as shown now (Bokeh's shadow roots included: axe walks them)."""
    assert AXE_JS.exists(), f"{AXE_JS} is missing: run `make browser` (npm ci --prefix tests/browser)"
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def blocking(violations: list[dict[str, Any]]) -> list[str]:
    """The serious and critical ones, one readable line per rule and element."""
    return [
        f"{v['impact']} {v['id']}: {v['help']} at {node['target']}: {node.get('failureSummary', '')}"
        for v in violations
        if v["impact"] in BLOCKING
        for node in v["nodes"]
    ]
