"""Statistics as files administrators open in a spreadsheet.

CSV is written for Excel with Polish regional settings, which is what a town hall runs: UTF-8
with a byte-order mark (else Excel guesses cp1250 and mangles "ś"), `;` between fields (the
comma is the decimal separator there), decimal commas, CRLF line ends. A text that begins
like a formula (`=`, `+`, `-`, `@`) is defused, because keys come from kiosks.

An export never fails on what is stored: a control character (which XLSX cannot hold at all)
in a key or a name, kept by a hub from before keys were cleaned on arrival, is written as
U+FFFD in both formats (`hub.statistics.stats.clean_key`).
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from hub.errors import Invalid
from hub.statistics.stats import ExportRow, clean_key

COLUMNS = ("kiosk", "name", "lat", "long", "period", "metric", "key", "count", "clock_synced")
FORMATS = ("csv", "xlsx")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def decimal_comma(value: float) -> str:
    """`50.3` -> `50,3`: at most 6 decimals (10 cm), no exponent, no trailing zeros."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _safe_text(text: str) -> str:
    text = clean_key(text)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(rows: list[ExportRow]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    places: dict[str, tuple[str, str, str]] = {}
    for row in rows:
        kiosk = row.kiosk
        place = places.get(kiosk.id)
        if place is None:
            place = places[kiosk.id] = (
                _safe_text(kiosk.name),
                decimal_comma(kiosk.lat),
                decimal_comma(kiosk.long),
            )
        writer.writerow(
            (
                clean_key(kiosk.id),
                *place,
                row.period,
                clean_key(row.metric),
                _safe_text(row.key),
                row.count,
                int(row.clock_synced),
            )
        )
    return "\ufeff".encode() + out.getvalue().encode()


def _period_value(label: str) -> date | datetime | str:
    """A real date or time where Excel has one (so it sorts and filters), else the text."""
    if len(label) == 10:
        return date.fromisoformat(label)
    if len(label) == 16:
        return datetime.strptime(label, "%Y-%m-%d %H:%M")
    return label


def to_xlsx(rows: list[ExportRow]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("statistics")
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in COLUMNS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        kiosk = row.kiosk
        sheet.append(
            [
                _xlsx_text(sheet, kiosk.id),
                _xlsx_text(sheet, kiosk.name),
                kiosk.lat,
                kiosk.long,
                _period_value(row.period),
                _xlsx_text(sheet, row.metric),
                _xlsx_text(sheet, row.key),
                row.count,
                int(row.clock_synced),
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_text(sheet, text: str):
    """Text XLSX can hold; openpyxl stores a string starting with `=` as a formula: force it
    to stay text."""
    text = clean_key(text)
    if not text.startswith("="):
        return text
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    return cell


def render(rows: list[ExportRow], fmt: str) -> bytes:
    if fmt == "csv":
        return to_csv(rows)
    if fmt == "xlsx":
        return to_xlsx(rows)
    raise Invalid(f"format must be one of {', '.join(FORMATS)}")


def filename(start: date, end: date, by: str, fmt: str, kiosk: str | None = None) -> str:
    who = f"-{kiosk}" if kiosk else ""
    return f"stats{who}-{start}-{end}-by-{by}.{fmt}"
