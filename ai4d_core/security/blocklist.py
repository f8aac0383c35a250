"""Passwords nobody should use: the 30,000 most common passwords, patterns and the account's own words.

Origin of the list: the "passwords" frequency list that the `zxcvbn` package (Dropbox's zxcvbn, Python port
4.5) ships in `zxcvbn.frequency_lists`, built from leaked password corpora; only the list is used, never its
scoring. A few well-known long passphrases are added here.

A candidate is compared after "squashing": casefold, then whitespace and common separators removed. It is
refused when its squashed form, or that form without leading and trailing digits, is on the list; when it is
one unit repeated (`passwordpassword`, `abcabcabc…`); when it is a run of a keyboard row, the alphabet or the
digits; or when it is made only of context words (e-mail local part and its pieces, display name words,
"ai4d") and digits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

SEPARATORS = re.compile(r"[\s\-_.,;:+/\\|~*'\"`]+")
SITE_WORDS = ("ai4d",)
_EXTRA = (
    "correcthorsebatterystaple",
    "iloveyouiloveyou",
    "letmeinletmeinletmein",
    "changemechangeme",
    "welcomewelcome123",
    "passwordpassword",
    "thequickbrownfoxjumpsoverthelazydog",
)
_RUNS = (
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "qwertyuiopasdfghjklzxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    "qazwsxedcrfvtgbyhnujmikolp",
)
COMMON = "This password is on a list of commonly used passwords; choose a passphrase of your own."
PATTERN = "This password is a repeated pattern or a keyboard, letter or number run; choose something less predictable."
CONTEXT = "This password is made from your name, your e-mail address or the site's name; choose something else."


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The blocklist, squashed (loaded once)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    words = (squash(w) for w in (*FREQUENCY_LISTS["passwords"], *_EXTRA))
    return frozenset(w for w in words if w)


def squash(value: str) -> str:
    """Casefold and drop whitespace and separators."""
    return SEPARATORS.sub("", value.casefold())


def context_words(*sources: str) -> list[str]:
    """Words of an account: each source whole and split into pieces (≥ 3 characters), plus the site's words."""
    words = {*SITE_WORDS}
    for source in sources:
        local = source.split("@", 1)[0]
        words.add(squash(local))
        words.update(squash(piece) for piece in re.split(r"[\W_]+", local))
    return sorted(w for w in words if len(w) >= 3)


def _is_repeated(value: str) -> bool:
    return re.fullmatch(r"(.+?)\1+", value, re.S) is not None


def _is_run(value: str) -> bool:
    for run in _RUNS:
        cycle = run * (len(value) // len(run) + 2)
        if value in cycle or value in cycle[::-1]:
            return True
    return False


def weakness(password: str, context: Iterable[str] = ()) -> str | None:
    """Why `password` is refused by the blocklist, or None."""
    value = squash(password)
    core = value.strip("0123456789")
    blocked = common_passwords()
    if value in blocked or core in blocked:
        return COMMON
    if not value or _is_repeated(value) or _is_repeated(core) or _is_run(value):
        return PATTERN
    words = sorted({squash(w) for w in (*SITE_WORDS, *context) if len(squash(w)) >= 3}, key=len, reverse=True)
    if words and re.fullmatch("(?:" + "|".join(map(re.escape, words)) + r"|\d)+", value):
        return CONTEXT
    return None
