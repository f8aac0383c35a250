"""Control characters in text kept from outside (LLM replies, learners' notes, mail headers). Pure."""

from __future__ import annotations

import re

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # C0 controls and DEL; tab and line feed are kept


def without_control(text: str) -> str:
    """`text` without its control characters (a CR LF line end becomes LF first)."""
    return CONTROL.sub("", text.replace("\r\n", "\n"))


__all__ = ["CONTROL", "without_control"]
