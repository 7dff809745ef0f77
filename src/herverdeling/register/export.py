"""The register as a spreadsheet: the current state per agreement and every recorded step.

Dutch column names, a frozen header row, an autofilter and column widths, so a civil servant can
sort and filter it at once. Written to a temporary file beside the target and moved into place:
a failed export leaves nothing half written. The zip's own timestamps are fixed (the recorded
times are data in the sheet), so the same register gives the same bytes.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from herverdeling.dutch import datum
from herverdeling.errors import output_error
from herverdeling.register.model import KIND_NL, STEP_NL, RegisterEvent
from herverdeling.register.overview import RegisterRow

CURRENT_COLUMNS = ("afspraak", "soort", "status", "datum afspraak", "ondertekend op",
                   "PRT geïnformeerd op", "ministerie geïnformeerd op", "verwerkt op",
                   "wijziging verdeelbesluit", "ingetrokken op", "in deze voorstellen")
HISTORY_COLUMNS = ("afspraak", "stap", "status", "datum stap", "datum afspraak", "soort",
                   "wijziging verdeelbesluit", "vastgelegd op (UTC)", "door", "opmerking",
                   "scenario", "scenario-hash")


def _d(value: object) -> str:
    return datum(value) if value is not None else ""  # type: ignore[arg-type]


def current_rows(rows: Sequence[RegisterRow]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for r in rows:
        e = r.entry
        out.append((r.agreement_id, KIND_NL[r.kind] if r.kind else "", STEP_NL[e.state],
                    _d(r.drafted_on), _d(e.signed_on), _d(e.prt_informed_on),
                    _d(e.ministry_informed_on), _d(e.processed_on), e.amendment or "",
                    _d(e.withdrawn_on), "ja" if r.in_proposals else "nee"))
    return out


def history_rows(events: Sequence[RegisterEvent]) -> list[tuple[str | int, ...]]:
    return [(e.agreement_id, e.seq, STEP_NL[e.state], _d(e.step_date), _d(e.agreement_date),
             KIND_NL[e.kind], e.amendment or "", e.recorded_at.strftime("%Y-%m-%d %H:%M:%S"),
             e.who or "", e.comment or "", e.scenario, e.scenario_hash[:12]) for e in events]


def write_xlsx(path: Path, rows: Sequence[RegisterRow], events: Sequence[RegisterEvent]) -> Path:
    """Two sheets, 'afspraken' and 'historie'; returns `path`."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from herverdeling.documents.reproducible import fix_office_file

    book = Workbook()
    sheets: list[tuple[str, tuple[str, ...], Sequence[Sequence[object]]]] = [
        ("afspraken", CURRENT_COLUMNS, current_rows(rows)),
        ("historie", HISTORY_COLUMNS, history_rows(events)),
    ]
    first = book.active
    book.remove(first)
    for name, header, body in sheets:
        ws = book.create_sheet(name)
        ws.append(list(header))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in body:
            ws.append(list(row))
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(1, len(body)) + 1}"
        for i, title in enumerate(header, start=1):
            longest = max([len(str(title)), *(len(str(r[i - 1])) for r in body)])
            ws.column_dimensions[get_column_letter(i)].width = min(60, longest + 2)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        book.save(tmp)
        fix_office_file(tmp)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise output_error(path, exc) from None
    return path
