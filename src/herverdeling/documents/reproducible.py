"""Byte-identical Office files (issue 18, point 5): the same input gives the same .docx and .xlsx.

python-docx and openpyxl stamp the wall clock into two places: the zip entries' timestamps and
docProps/core.xml (created, modified). Both are rewritten here to one fixed moment, the scenario's
as_of, so a document says when the round is, not when the tool happened to run.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path

#: used when no date is given: still fixed, never the wall clock
FIXED_DATE = date(2000, 1, 1)
_CORE = "docProps/core.xml"
_STAMP = re.compile(rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:)")


def fix_office_file(path: Path, when: date | None = None) -> Path:
    """Rewrite the Office zip at `path` with fixed timestamps and core dates; returns `path`."""
    when = when or FIXED_DATE
    stamp = f"{when.isoformat()}T00:00:00Z".encode()
    with zipfile.ZipFile(path) as zf:
        entries = [(info, zf.read(info)) for info in zf.infolist()]
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as out:
        for info, data in entries:
            if info.filename == _CORE:
                data = _STAMP.sub(rb"\g<1>" + stamp + rb"\g<2>", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(when.year, when.month, when.day, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            out.writestr(fixed, data)
    tmp.replace(path)
    return path
