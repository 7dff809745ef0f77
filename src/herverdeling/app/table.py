"""The municipality table as Excel: the view a PRT has on screen, to take along or mail round.

Per municipality of the province, in the page's category: verdeelbesluit task, relief, merged,
uitruil and the task at IBT, with Dutch column names, a province column, widths, a frozen header
and an autofilter. Same view, same bytes (fixed timestamps).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from herverdeling.app.explore import View
from herverdeling.app.whatif import CATEGORY_NL, RELIEF_NL
from herverdeling.documents.reproducible import fix_office_file

COLUMNS: tuple[tuple[str, int], ...] = (  # (Dutch name, width in characters)
    ("provincie", 16), ("cbs-code", 10), ("gemeente", 24), ("categorie", 10),
    ("taak verdeelbesluit", 12), ("ontlast (surplus-uitruil)", 14), ("samenvoeging (+/-)", 13),
    ("uitruil (+/-)", 11), ("taak bij IBT", 11), ("mag gastgemeente zijn", 12),
    ("voorkeur ontlasting", 20),
)


def municipality_xlsx(view: View, province_name: str, codes: Sequence[str] | None = None) -> bytes:
    """The table of `view`; `codes`: the rows the page shows, in its order (its sort and filter)."""
    rows = {r.code: r for r in view.municipalities}
    order = [c for c in codes if c in rows] if codes is not None else list(rows)
    book = Workbook()
    sheet = book.active
    sheet.title = "gemeenten"
    sheet.append([name for name, _ in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    cat = CATEGORY_NL[view.settings.category]
    for code in order:
        r = rows[code]
        ibt = int(r.ibt_task) if float(r.ibt_task).is_integer() else r.ibt_task
        sheet.append([province_name, r.code, r.name, cat, r.task, r.relief, r.merged, r.uitruil, ibt,
                      "ja" if r.may_host else "nee", RELIEF_NL[r.relief_wish]])
    for i, (_, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gemeenten.xlsx"
        book.save(path)
        return fix_office_file(path).read_bytes()
