"""Code in stems and explanations sits in fenced blocks, where the page keeps its lines and indentation.

Outside a fence, `dashboards.common.markdown` keeps single line breaks but drops leading spaces (py-112's
`print(x)` under `def f():` stood at the margin). Inside a ```` ``` ```` fence the stem pane shows a code block,
and the cloze widget shows each line as code with its spaces kept, blanks inline.

A line outside a fence "looks like code" when it is (after unwrapping a code span that is the whole line):
- indented: it starts with a space or a tab;
- a Python statement: it starts with `def name(`, `class Name` followed by `(` or `:`, `import x`,
  `from x import`, `return`, `yield`, `raise`, `pass`, `>>>` or `@decorator`; or it starts with `def`,
  `class`, `for`, `while`, `if`, `elif`, `else`, `with`, `try`, `except` or `finally` and ends with `:`; or it
  is an assignment to a lower-case name (`x = 10`, `counts["a"] += 1`) or a bare call (`f()`, `print(g.send(5))`);
- a SQL statement or clause: it starts with an upper-case SQL keyword (SELECT, FROM, WHERE, JOIN, GROUP BY...)
  or an upper-case function call (`SUM(`).
Except for indented lines and those headers, a line ending like a sentence (`.`, `?`, `!` or `:`) is
prose that starts with a name ("GROUP BY country forms one group per country...", "RANK() within ..."),
and capitalised assignments are formulas in prose ("Precision = 40 / 50 = 0.8"). Only ```` ``` ```` fences count:
they are what both the Markdown pane and the cloze widget render as code.
"""

from __future__ import annotations

import re

import pytest

from ai4d_core.item_bank import load_curated_bank

pytestmark = pytest.mark.unit

FENCE = re.compile(r"^\s*```")
WHOLE_LINE_SPAN = re.compile(r"^`([^`]+)`$")
SENTENCE_END = re.compile(r"[.?!:]$")
INDENTED = re.compile(r"^[ \t]+\S")
PYTHON_HEADER = re.compile(r"^(def|class|for|while|if|elif|else|with|try|except|finally)\b.*:$")
PYTHON_STATEMENT = re.compile(
    r"^(def \w+\s*\(|class \w+\s*[(:]|import \w|from [\w.]+ import\b|(return|yield|raise|pass)\b|>>>|@\w)"
    r"|^[a-z_]\w*(\.\w+|\[[^\]]*\])*\s*([-+*/%@&|^]|//|\*\*)?=(?!=)"  # an assignment
    r"|^[a-z_][\w.]*\(.*\)$"  # a bare call
)
SQL_KEYWORDS = (
    "SELECT|WITH|INSERT|UPDATE|DELETE|MERGE|CREATE|ALTER|DROP|FROM|WHERE|JOIN|LEFT|RIGHT|INNER|FULL|CROSS|"
    "GROUP|ORDER|HAVING|LIMIT|QUALIFY|UNION|VALUES|SET|ON|AND|OR|CASE|WHEN|THEN|ELSE|END|PARTITION"
)
SQL_STATEMENT = re.compile(rf"^(({SQL_KEYWORDS})\b|[A-Z][A-Z_]*\()")


def looks_like_code(line: str) -> bool:
    """Whether a line outside a fence looks like a line of Python or SQL (the rules in the module docstring)."""
    if INDENTED.match(line):
        return True
    text = (span[1] if (span := WHOLE_LINE_SPAN.match(line.strip())) else line).strip()
    if PYTHON_HEADER.match(text):
        return True
    return not SENTENCE_END.search(text) and bool(PYTHON_STATEMENT.match(text) or SQL_STATEMENT.match(text))


def code_outside_fences(text: str) -> list[str]:
    """The lines of `text` that look like code outside a ``` fence (an unclosed fence is reported too)."""
    found, in_fence = [], False
    for line in text.split("\n"):
        if FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and looks_like_code(line):
            found.append(line)
    return [*found, "(a ``` fence is never closed)"] if in_fence else found


def test_no_stem_or_explanation_has_code_outside_a_fenced_block() -> None:
    bank = load_curated_bank()
    checked, offending = 0, {}
    for item in bank:
        for field in ("stem", "explanation"):
            checked += 1
            if lines := code_outside_fences(getattr(item, field)):
                offending[f"{item.id} {field}"] = lines
    print(f"checked {checked} stems and explanations of {len(bank)} items")
    assert checked > 0
    assert offending == {}


OLD_PY_112 = (
    "Running this code raises an exception. What is the name of the exception class?\n"
    "x = 10\ndef f():\n    print(x)\n    x = 5\nf()"
)
OLD_DQ_127 = (
    "A referential-integrity check counts orphan orders:\n"
    "`SELECT count(*) FROM orders o LEFT JOIN customers c ON c.customer_id = o.customer_id"
    " WHERE c.customer_id IS NULL;`\nIt reports 1,250 orphans. What should the check do?"
)
OLD_SQL_114 = (
    "Complete the window:\nSUM(amount) OVER (PARTITION BY account ORDER BY ts {{g1}} BETWEEN {{g2}} PRECEDING AND"
    " CURRENT ROW) AS moving_sum\nFor the first transaction of each account, this sum covers {{g3}} row(s)."
)


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        (OLD_PY_112, ["x = 10", "def f():", "    print(x)", "    x = 5", "f()"]),
        (OLD_DQ_127, [OLD_DQ_127.split("\n")[1]]),
        (OLD_SQL_114, [OLD_SQL_114.split("\n")[1]]),
        ("What does this print?\n```python\ndef f():\n    return 1\nprint(f())\n```", []),
        ("Unclosed:\n```python\nx = 1", ["(a ``` fence is never closed)"]),
        ("GROUP BY country forms one group per country and COUNT(*) counts the rows of each group.", []),
        ("Precision = 40 / 50 = 0.8 and recall = 40 / 60.\nP(Z < -2) = 0.023.", []),
        ("Given the classes below, put them in order.\nSelect all that apply.", []),
    ],
)
def test_the_check_flags_code_lines_and_passes_prose(text: str, flagged: list[str]) -> None:
    """The check is not vacuous: the former stems of py-112, dq-127 and sql-114 are flagged, prose is not."""
    assert code_outside_fences(text) == flagged
