"""The outcomes page and its export: the figures of `pathways.insights.outcomes`, as tables with their
definitions and as charts drawn from the same cells."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Min
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.csvexport import TABLE_FORMATS, download_refused, table_download
from pathways.core.policy import Actor, Perm, actor_for, allows
from pathways.directory.models import Service
from pathways.insights import charts
from pathways.insights.forms import OutcomesForm
from pathways.insights.outcomes import (
    BY_SERVICE,
    Figures,
    Period,
    outcome_services,
    outcomes_figures,
    period_of_quarter,
    period_of_year,
    sees_exact,
)
from pathways.panels.returns import Quarter
from pathways.referrals.models import ReferralEvent

# How far back the period list reaches when the record holds nothing older.
YEARS_LISTED = 10


def _periods(today: datetime.date) -> list[tuple[str, str]]:
    """Each year from the first referral event (ten at most) to this one, newest first, with its
    quarters."""
    first = ReferralEvent.objects.aggregate(first=Min("at"))["first"]
    earliest = max(timezone.localdate(first).year if first else today.year, today.year - YEARS_LISTED + 1)
    found: list[tuple[str, str]] = []
    for year in range(today.year, earliest - 1, -1):
        found.append((str(year), _("%(year)s, the whole year") % {"year": year}))
        for number in range(4, 0, -1):
            quarter = Quarter(year, number)
            if quarter.start <= today:
                found.append((str(quarter), _("%(year)s, quarter %(n)s") % {"year": year, "n": number}))
    return found


def _period(form: OutcomesForm, today: datetime.date) -> Period:
    chosen = form.cleaned_data.get("period") or str(today.year)
    if chosen == "range":
        starts, ends = form.cleaned_data["starts"], form.cleaned_data["ends"]
        return Period(starts, ends, f"{starts.isoformat()} to {ends.isoformat()}")
    if "Q" in chosen:
        return period_of_quarter(Quarter.parse(chosen))
    return period_of_year(int(chosen))


def outcomes_asked(
    *, query: QueryDict, actor: Actor, exact: bool | None
) -> tuple[OutcomesForm, list[Service], Figures | None]:
    """The figures a query asks for (the page's form, the export's and the API's parameters), or None with
    the form's errors. `exact` None: as the reader sees the page; False: as an export leaves them."""
    services = list(outcome_services(actor=actor).order_by("name_en"))
    today = timezone.localdate()
    whole_quarters = not (sees_exact(actor=actor) if exact is None else exact)
    form = OutcomesForm(
        query or None, periods=_periods(today), services=services, whole_quarters=whole_quarters
    )
    if query and not form.is_valid():
        return form, services, None
    data = form.cleaned_data if query else {}
    service = next((s for s in services if s.slug == data.get("service")), None)
    figures = outcomes_figures(
        actor=actor,
        period=_period(form, today) if query else period_of_year(today.year),
        by=data.get("by") or BY_SERVICE,
        service=service,
        tier=data.get("tier") or "",
        exact=exact,
    )
    return form, services, figures


def _tables(figures: Figures) -> list[dict[str, Any]]:
    """One table a section: a line a figure, with its definition, and a column a row of the figures."""
    hidden = figures.suppressed
    columns = figures.rows if figures.one_row else [*figures.rows, figures.total]
    return [
        {
            "section": section,
            "columns": [c.label for c in columns],
            "lines": [
                {
                    "measure": m,
                    "cells": [charts.cell_text(c.cells[m.key], suppressed=hidden) for c in columns],
                }
                for m in chosen
            ],
        }
        for section, chosen in figures.sections
    ]


def _charts(figures: Figures) -> dict[str, Any]:
    hidden = figures.suppressed
    whole = figures.rows[0] if figures.one_row else figures.total
    labels = {m.key: str(m.label) for m in figures.measures}
    funnel = [(labels[k], whole.cells[k]) for k in ("referred", "started", "engaged", "completed")]
    endings = [
        (labels[k], whole.cells[k])
        for k in ("ended_completed", "ended_dropped_out", "ended_deselected", "ended_other")
    ]
    trend = [(q.label, [cells[k] for k in ("referred", "completed")]) for q, cells in figures.trend]
    return {
        "whole": whole.label,
        "funnel": charts.bars(items=funnel, suppressed=hidden),
        "funnel_rows": [(label, charts.cell_text(c, suppressed=hidden)) for label, c in funnel],
        "endings": charts.bars(items=endings, suppressed=hidden),
        "ending_rows": [(label, charts.cell_text(c, suppressed=hidden)) for label, c in endings],
        "trend": charts.columns(
            groups=trend, series=[labels["referred"], labels["completed"]], suppressed=hidden
        ),
        "trend_rows": [
            (label, [charts.cell_text(c, suppressed=hidden) for c in cells]) for label, cells in trend
        ],
    }


def _query(request: HttpRequest) -> QueryDict:
    # The export's own parameter is not the form's.
    query = request.GET.copy()
    query.pop("format", None)
    return query


@require_http_methods(["GET", "HEAD"])
def outcomes_view(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    form, services, figures = outcomes_asked(query=_query(request), actor=actor, exact=None)
    context: dict[str, Any] = {
        "form": form,
        "services": services,
        "figures": figures,
        "may_draft": allows(actor, Perm.OUTCOMES_ALL),
    }
    if figures is not None:
        context |= {
            "tables": _tables(figures),
            "charts": _charts(figures),
            "query": _query(request).urlencode(),
        }
    return render(request, "insights/outcomes.html", context, status=200 if figures is not None else 400)


def outcomes_rows(figures: Figures) -> list[list[object]]:
    """The figures as an export leaves them: a line a figure, with its definition."""
    columns = figures.rows if figures.one_row else [*figures.rows, figures.total]
    rows: list[list[object]] = [[_("Section"), _("Figure"), _("Definition"), *[c.label for c in columns]]]
    for m in figures.measures:
        rows.append(
            [
                str(m.section),
                str(m.label),
                str(m.definition),
                *[_exported(c.cells[m.key]) for c in columns],
            ]
        )
    return rows


def _exported(cell: Any) -> object:
    text = cell.exported
    if cell.suppressed or text == "":
        return text
    return cell.value


@require_http_methods(["GET", "HEAD"])
def outcomes_export(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    chosen_format = request.GET.get("format", "csv")
    if chosen_format not in TABLE_FORMATS:
        raise Http404
    form, _services, figures = outcomes_asked(query=_query(request), actor=actor, exact=False)
    if figures is None:
        return download_refused(form)
    audit.entry_record(
        action=AuditAction.RECORD_VIEWED,
        actor=actor,
        record_type="outcomes",
        details={"export": chosen_format, "period": figures.period.key, "by": figures.by},
    )
    return table_download(
        rows=outcomes_rows(figures),
        chosen=chosen_format,
        filename=f"outcomes-{figures.period.start.isoformat()}-{figures.period.end.isoformat()}",
        sheet=_("Outcomes"),
    )
