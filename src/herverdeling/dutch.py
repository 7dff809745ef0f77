"""Dutch form for every paper: long dates, decimal commas, one word for places, and safe text.

Names and free text come from scenario files and proposals; they are escaped here for Markdown so
that a newline, HTML, `**` or a `[link](x)` in a name is shown literally and never changes the
structure of an agreement (issue 18, point 7). The .docx is built from the same Markdown, so the
escape carries over as literal text into Word.
"""

from __future__ import annotations

import re
from datetime import date

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")

# Control characters (C0, C1), line and paragraph separators: a name is one line of text.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u0085]+")
# Characters with a meaning in CommonMark inline text or in a table row.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~&!$])")
# At the start of a line these open a list, a heading underline or a quote.
_LINE_MARK = re.compile(r"^([+\-=])")
_LINE_NUMBER = re.compile(r"^(\d+)([.)])")


def datum(d: date | str) -> str:
    """Dutch long date: 1 juni 2025 (never 2025-06-01 in a paper)."""
    if isinstance(d, str):
        d = date.fromisoformat(d)
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def decimaal(x: float, digits: int = 1) -> str:
    """A decimal number with a Dutch decimal comma: 6,7 (not 6.7)."""
    return f"{x:.{digits}f}".replace(".", ",")


LEVEL_NL: dict[str, str] = {
    "relief": "ontlasting", "agreements": "overeenkomsten",
    "preferred": "overeenkomsten zonder voorkeurspartner",
    "parties": "partijen", "fairness": "afwijking van evenredig", "place_km": "plaats-km",
    "small_tasks": "kleine taken", "most_relief": "meeste ontlasting"}
"""The deal model's levels as a civil servant reads them (progress lines, summary.md)."""


STATUS_NL: dict[str, str] = {
    "OPTIMAL": "bewezen optimaal", "FEASIBLE": "niet bewezen optimaal", "INFEASIBLE": "onhaalbaar",
    "UNKNOWN": "geen oplossing binnen de tijd", "MODEL_INVALID": "model ongeldig"}
"""A solver's status as a civil servant reads it in a progress line."""


def getal(x: float, digits: int | None = None) -> str:
    """1.234 and 1.049,1 (Dutch separators). `digits` None: none for a whole number, else one."""
    if digits is None:
        digits = 0 if float(x).is_integer() else 1
    return f"{x:,.{digits}f}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def plaatsen(n: int, category: str = "") -> str:
    """'33 reguliere plaatsen', '1 AMV-plaats': numbers in running Dutch text, always 'plaatsen'."""
    noun = "plaats" if n == 1 else "plaatsen"
    if category == "regulier":
        return f"{n} reguliere {noun}"
    if category == "amv":
        return f"{n} AMV-{noun}"
    return f"{n} {noun}"


def one_line(text: str) -> str:
    """Control characters and line breaks become one space: free text never opens a new block."""
    return _CONTROL.sub(" ", text)


def md(text: object) -> str:
    """Escape free text for Markdown: shown literally, one line, never a heading, list or link."""
    s = one_line(str(text))
    s = _SPECIAL.sub(r"\\\1", s)
    s = _LINE_MARK.sub(r"\\\1", s)
    return _LINE_NUMBER.sub(r"\1\\\2", s)


__all__ = ["MONTHS", "datum", "decimaal", "md", "one_line", "plaatsen"]
