"""What every table export shares: cells a spreadsheet will not run as formulas, and one table sent as a
CSV or an XLSX file."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import xlsxwriter
from django import forms
from django.http import HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _

TABLE_FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value: object) -> str:
    # Spreadsheet programs run cells that start with these characters as formulas.
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def table_download(
    *, rows: Sequence[Sequence[object]], chosen: str, filename: str, sheet: str
) -> HttpResponse:
    """The rows (the first is the header) as `<filename>.csv` or `.xlsx`. Numbers stay numbers in the
    spreadsheet; text is never read as a formula or a link in either."""
    if chosen == "xlsx":
        out = io.BytesIO()
        book = xlsxwriter.Workbook(
            out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
        )
        page = book.add_worksheet(sheet[:31])
        bold = book.add_format({"bold": True})
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                number = isinstance(value, int | float) and not isinstance(value, bool)
                page.write(r, c, value if number else str(value), bold if r == 0 else None)
        book.close()
        response = HttpResponse(out.getvalue(), content_type=XLSX_TYPE)
    else:
        text = io.StringIO()
        writer = csv.writer(text)
        for row in rows:
            writer.writerow([safe_cell(v) for v in row])
        response = HttpResponse(text.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{chosen}"'
    return response


def download_refused(form: forms.Form) -> HttpResponse:
    """A download asked for with bad parameters: nothing sent but what was wrong, field by field."""
    problems = "; ".join(
        f"{form.fields[name].label if name in form.fields else ''}: {' '.join(str(e) for e in errors)}"
        for name, errors in form.errors.items()
    )
    return HttpResponseBadRequest(
        _("Nothing was downloaded. %(problems)s") % {"problems": problems},
        content_type="text/plain; charset=utf-8",
    )
