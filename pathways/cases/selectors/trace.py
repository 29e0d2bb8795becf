"""Reads of tracing: on his case, how far the support services have got in reaching each person he has
harmed (the access policy's crossing "victim_trace", never who she is); at a support service, the people
it is tracing, with what it needs to reach them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Case as When_
from django.db.models import Count, IntegerField, QuerySet, Value, When

from pathways.cases.choices import TraceSource, TraceStatus
from pathways.cases.models import Case, VictimTrace
from pathways.core.policy import Actor, Perm, get_for_actor, visible_to
from pathways.people.models import Person


@dataclass(frozen=True)
class TraceOnHisCase:
    """What his case reads of one person he has harmed (the crossing "victim_trace"): where Pathways found
    her, how many police records and the latest, which service is tracing her, how far it has got, and the
    service supporting her. Never her name, her record or anything typed about her."""

    source: str
    police_records: int
    last_record_on: datetime.date | None
    traced_by: str
    status: str
    supported_by: str

    @property
    def source_shown(self) -> str:
        return str(TraceSource(self.source).label)

    @property
    def status_shown(self) -> str:
        return str(TraceStatus(self.status).label)

    @property
    def untraced(self) -> bool:
        return self.status == TraceStatus.NOT_TRACED


def case_victim_traces(*, case: Case) -> list[TraceOnHisCase]:
    """Everyone his case's person has harmed that a support service is tracing, not yet traced first."""
    traces = (
        VictimTrace.objects.filter(perpetrator_id=case.person_id)
        .select_related("service", "supported_by")
        .order_by(_untraced_first(), "found_at", "pk")
    )
    return [
        TraceOnHisCase(
            source=t.source,
            police_records=t.police_records,
            last_record_on=t.last_record_on,
            traced_by=t.service.name,
            status=t.status,
            supported_by=t.supported_by.name if t.supported_by else "",
        )
        for t in traces
    ]


def _untraced_first() -> When_:
    return When_(
        When(status=TraceStatus.NOT_TRACED, then=Value(0)), default=Value(1), output_field=IntegerField()
    )


@dataclass(frozen=True)
class TraceRow:
    """One person a support service is tracing, as its own staff read it."""

    trace: VictimTrace
    # Her name where the reader may see her record; else the police's reference for her.
    victim: str
    # The man who harmed her: the service tracing her needs to know whose victim she is.
    perpetrator: str


def traces_for(*, actor: Actor) -> QuerySet[VictimTrace]:
    return visible_to(actor, VictimTrace.objects.all(), Perm.CASE_VIEW)


def service_traces(*, actor: Actor) -> list[TraceRow]:
    """The people the actor's agency's services are tracing, not yet traced first. A few queries."""
    traces = list(
        traces_for(actor=actor)
        .select_related("service", "supported_by", "perpetrator", "victim", "updated_by")
        .order_by(_untraced_first(), "found_at", "pk")
    )
    people = {t.victim_id for t in traces if t.victim_id}
    named = set(
        visible_to(actor, Person.objects.filter(pk__in=people), Perm.PERSON_VIEW).values_list("pk", flat=True)
    )
    rows = []
    for t in traces:
        if t.victim is not None and t.victim_id in named:
            victim = t.victim.display_name
        else:
            victim = t.victim_ref or (t.victim.police_reference if t.victim is not None else "")
        rows.append(TraceRow(t, victim, t.perpetrator.display_name))
    return rows


def trace_counts(*, actor: Actor) -> dict[str, int]:
    """How many the actor's agency's services are tracing, by status."""
    counts: dict[str, int] = dict.fromkeys(TraceStatus.values, 0)
    for row in traces_for(actor=actor).order_by().values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    return counts


def trace_get(*, actor: Actor, trace_id: Any) -> VictimTrace:
    return get_for_actor(actor, traces_for(actor=actor), Perm.CASE_VIEW, pk=trace_id)
