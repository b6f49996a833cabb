"""The report as a document: the donor report (PDF), the CSV and the Excel
workbook. Aggregates only: indicator values (small numbers hidden),
baselines, targets, trends, safeguarding counts by category, the
narratives and a note on the method. Built in the worker, in the language
asked for, with what the person who asked may see."""
from __future__ import annotations

import csv
import io

from flask import current_app
from flask_babel import force_locale

from app.i18n import REGIONAL_LOCALE, gettext as _
from app.reports import charts, engine, indicators, narratives, services, values, workplan
from app.clock import today


def dataset(user, period, progress=None) -> dict:
    """Everything a document shows (call inside the document's locale)."""
    inds = indicators.visible(user)
    trend = period.trend(services.TREND)
    wanted = services.requests_for(inds, trend) + services.safeguarding_requests(user, period)
    figures, _left = engine.figures(wanted, progress=progress)
    rows = [services.row_for(i, period, trend, figures) for i in inds]
    written = narratives.current(period.key)
    return {
        "period": period, "trend": trend, "rows": rows,
        "objectives": services.group_by_objective(rows),
        "charts": {r.indicator.key: charts.render(r.chart) for r in rows if r.chart},
        "safeguarding": services.safeguarding_table(user, period, figures),
        "narratives": [(o, str(workplan.OBJECTIVES[o]), written[o]) for o in sorted(written)],
        "centre": current_app.config["CENTRE_NAME"], "made_on": today(),
        "k": values.threshold(), "hidden_mark": values.hidden_text(),
    }


def in_language(language: str):
    return force_locale(REGIONAL_LOCALE.get(language, language))


def file_name(period, language: str, extension: str) -> str:
    return f"kituo-report-{period.key}-{language}.{extension}"


def donor_pdf(user, period, language: str, progress=None) -> bytes:
    from app.pdf import render_pdf
    with in_language(language):
        data = dataset(user, period, progress)
    return render_pdf("reports/pdf/donor.html", locale=language, data=data)


def _plain(shown):
    """A number for a spreadsheet (no thousands separators), else the mark."""
    if shown.number is None:
        return shown.text
    number = shown.number
    return int(number) if number == number.to_integral_value() else float(number)


def _indicator_table(data: dict) -> tuple[list[str], list[list]]:
    head = [_("Work plan"), _("Indicator"), _("Value"), _("Unit"), _("Baseline"),
            _("Baseline date"), _("Target"), _("Target period"), _("Share of target")] + \
        [p.label() for p in data["trend"]]
    rows = []
    for row in data["rows"]:
        i = row.indicator
        rows.append([row.reference, row.title, _plain(row.value), row.unit, row.baseline,
                     i.baseline_on.isoformat() if i.baseline_on else "", row.target,
                     i.target_period, _plain(row.share)] + [_plain(s) for _p, s in row.trend])
    return head, rows


def _safeguarding_rows(data: dict) -> list[list[str]]:
    table = data["safeguarding"]
    if not table or table.get("pending"):
        return []
    return [[label, count] for label, count in table["rows"]] + [[_("Total"), table["total"]]]


def method_note(data: dict) -> list[str]:
    return [
        _("Every figure is counted by Kituo from the centre's own records for the period "
          "(dates in Nairobi time); people are counted once per period, sessions and other "
          "events each time."),
        _("Any number below %(k)d is shown as %(mark)s, and so is a sum or a percentage that "
          "rests on fewer than %(k)d people, so that nobody can be recognised.",
          k=data["k"], mark=data["hidden_mark"]),
        _("Where one number in a row or column is hidden, others are hidden too (*), so that "
          "totals cannot give it back."),
        _("Safeguarding concerns are only ever counted by category. No names, codes, phone "
          "numbers or notes are in this report."),
    ]


def csv_bytes(user, period, language: str, progress=None) -> bytes:
    with in_language(language):
        data = dataset(user, period, progress)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([data["centre"], period.label(), period.start.isoformat(),
                         period.end.isoformat()])
        head, rows = _indicator_table(data)
        writer.writerow(head)
        writer.writerows(rows)
        safeguarding = _safeguarding_rows(data)
        if safeguarding:
            writer.writerow([])
            writer.writerow([_("Safeguarding concerns raised, by category"), _("Concerns")])
            writer.writerows(safeguarding)
    return ("\ufeff" + out.getvalue()).encode("utf-8")   # BOM: Excel reads UTF-8


def xlsx_bytes(user, period, language: str, progress=None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    with in_language(language):
        data = dataset(user, period, progress)
        book = Workbook()
        sheet = book.active
        sheet.title = _("Indicators")[:31]
        sheet.append([data["centre"], period.label(), period.start.isoformat(),
                      period.end.isoformat()])
        head, rows = _indicator_table(data)
        sheet.append(head)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        sheet.column_dimensions["B"].width = 48
        safeguarding = _safeguarding_rows(data)
        if safeguarding:
            other = book.create_sheet(_("Safeguarding")[:31])
            other.append([_("Category"), _("Concerns")])
            for row in safeguarding:
                other.append(row)
            other.column_dimensions["A"].width = 48
        note = book.create_sheet(_("Method")[:31])
        for line in method_note(data):
            note.append([line])
        note.column_dimensions["A"].width = 120
        out = io.BytesIO()
        book.save(out)
    return out.getvalue()
