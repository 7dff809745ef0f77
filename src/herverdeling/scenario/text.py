"""Free text (names, titles, descriptions, sources): one line, printable, of bounded length.

A newline in a municipality name became a Markdown heading in an agreement, and a control
character crashed the Word writer ("All strings must be XML compatible"); both are refused at
load, with the file, row and field, instead.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator

# Bidirectional overrides and isolates reorder what a reader sees ("Trojan source").
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def text_problem(value: str, max_chars: int) -> str | None:
    """Why `value` is not acceptable one-line text, or None."""
    for ch in value:
        if ch in "\n\r\u2028\u2029\x85":
            return "contains a line break: write it on one line"
        if unicodedata.category(ch) == "Cc" or ch in _BIDI:
            return (f"contains the control character U+{ord(ch):04X}: remove it (it cannot go "
                    "into a document)")
    if len(value) > max_chars:
        return f"is {len(value)} characters long; the limit is {max_chars}"
    return None


def _checker(long: bool):
    def check(value: str) -> str:
        from herverdeling.limits import limits

        lim = limits()
        problem = text_problem(value, lim.long_text_max_chars if long else lim.text_max_chars)
        if problem:
            raise ValueError(problem)
        return value

    return check


Name = Annotated[str, AfterValidator(_checker(long=False))]
"""A name or title: one line, no control characters, at most `text_max_chars`."""

LongText = Annotated[str, AfterValidator(_checker(long=True))]
"""A description, statement or source: one line, no control characters, at most `long_text_max_chars`."""
