"""Enumeration by timing: do known and unknown e-mails take the same time on login, sign-up and reset?

Serves AI4D (`bench.platform`), creates `--samples` accounts, then posts to /login (a wrong password),
/register and /forgot for each known address and for as many unknown ones, interleaved and alternating which
goes first, over real HTTP with the forms' XSRF tokens. Prints the median of each side and their ratio; the
bodies and status codes are compared too (tests/browser/test_account_journey.py asserts them). Target: every
median ratio within 10% (login and sign-up run Argon2 for both sides; reset answers before any work).
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Callable

import httpx

from ai4d_core.bootstrap import Container
from ai4d_core.services import accounts
from bench.platform import served_platform

PASSWORD = "violet kettle drums at dawn"
TARGET = 0.10
XSRF = re.compile(r'name="_xsrf" value="[^"]*"')
FORMS: dict[str, tuple[str, Callable[[str], dict[str, str]]]] = {
    "login": ("/login", lambda a: {"email": a, "password": "wrong but long passphrase"}),
    "sign-up": (
        "/register",
        lambda a: {
            "display_name": "Sam",
            "email": a,
            "password": PASSWORD,
            "field_of_interest": "ml",
            "current_role": "analyst",
            "hours_per_week": "3",
        },
    ),
    "reset": ("/forgot", lambda a: {"email": a}),
}


def _post(client: httpx.Client, path: str, data: dict[str, str]) -> tuple[float, int, str]:
    start = time.perf_counter()
    response = client.post(path, data={**data, "_xsrf": client.cookies["_xsrf"]})
    return time.perf_counter() - start, response.status_code, XSRF.sub("", response.text)


def measure(base: str, known: list[str]) -> dict[str, tuple[float, float, bool]]:
    """Per form: (median known s, median unknown s, identical answers)."""
    results = {}
    for name, (path, data) in FORMS.items():
        with httpx.Client(base_url=base) as client:
            client.get(path).raise_for_status()
            _post(client, path, data("warm-up@example.org"))
            times: dict[bool, list[float]] = {True: [], False: []}
            answers: dict[bool, set[tuple[int, str]]] = {True: set(), False: set()}
            for i, address in enumerate(known):
                pair = [(True, address), (False, f"{name}-nobody{i}@example.org")]
                for is_known, who in pair if i % 2 == 0 else pair[::-1]:
                    elapsed, status, body = _post(client, path, data(who))
                    times[is_known].append(elapsed)
                    answers[is_known].add((status, body.replace(who, "ADDRESS")))
        same = answers[True] == answers[False] and len(answers[True]) == 1
        results[name] = (statistics.median(times[True]), statistics.median(times[False]), same)
    return results


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench enumeration", description=__doc__)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args, _ = parser.parse_known_args(argv)
    known = [f"known{i}@example.org" for i in range(args.samples)]

    def seed(c: Container) -> None:
        for address in known:
            accounts.create_user(c, address, "Known", "learner", PASSWORD)

    with served_platform("ai4d-bench-enum-", seed) as platform:
        results = measure(platform.base_url, known)
    print(f"enumeration: known vs unknown e-mail, median response time ({args.samples} each, interleaved)")
    ok = True
    for name, (k, u, same) in results.items():
        ratio = k / u
        passed = same and abs(ratio - 1) <= TARGET
        ok = ok and passed
        print(f"  {name:8} known {k * 1000:7.1f} ms  unknown {u * 1000:7.1f} ms  ratio {ratio:.3f}  "
              f"answers {'identical' if same else 'DIFFER'}: {'PASS' if passed else 'FAIL'}")  # fmt: skip
    return 1 if args.check and not ok else 0


__all__ = ["main", "measure"]
