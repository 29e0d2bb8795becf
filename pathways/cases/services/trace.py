"""Writes of tracing: finding everyone a man has harmed or is harming, from the relationships and police
records on file, so that the support service linked to his service can reach each of them ("there were
indications that previous victims of Drive perpetrators were not always traced", appendix 8.1, note).

Each is a `VictimTrace` at the support service, on her side. One not yet traced is a task on the Tasks of
that service's agency (a task on his case that holds no more of her than where she was found), done once
the service records that it has got further."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pathways.cases.choices import CaseStatus, TaskKind, TaskStatus, TraceSource, TraceStatus
from pathways.cases.models import Case, CaseTask, VictimTrace
from pathways.cases.selectors.alerts import chunks, worker_agency_ids
from pathways.cases.services.base import AuditAction, CaseError, case_audit
from pathways.core.access import Side
from pathways.core.policy import Actor, Perm, allows, can_see_record
from pathways.directory.models import Service
from pathways.panels.models import Decision
from pathways.people.choices import PARTNER_KINDS
from pathways.people.models import Person, PersonAccess, Relationship
from pathways.police.models import PoliceRecord

WRITE_BATCH = 1000
SHARED_FOR_TRACING = "tracing: harmed by a man a linked service works with"


@dataclass
class _Found:
    source: str
    victim_id: uuid.UUID | None = None
    victim_ref: str = ""
    records: int = 0
    last_on: datetime.date | None = None


def _harmed_by(person_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[_Found]]:
    """For each man, everyone on file he has harmed or is harming: his partners and ex-partners, the
    people whose case a panel heard before referring him on, and the victims on the police records naming
    him (one each, however many records). A few queries, whatever
    the number of men."""
    by_person: dict[uuid.UUID, dict[uuid.UUID, _Found]] = {pk: {} for pk in person_ids}
    by_ref: dict[uuid.UUID, dict[str, _Found]] = {pk: {} for pk in person_ids}
    for chunk in chunks(person_ids):
        partners = Relationship.objects.filter(kind__in=PARTNER_KINDS)
        pairs = [
            *partners.filter(person_id__in=chunk).values_list("person_id", "other_id"),
            *partners.filter(other_id__in=chunk).values_list("other_id", "person_id"),
        ]
        for his, hers in pairs:
            by_person[his].setdefault(hers, _Found(TraceSource.RELATIONSHIP, victim_id=hers))
        # A panel that heard her case and referred him on: its papers name her as harmed by him.
        heard = Decision.objects.filter(referral__person_id__in=chunk, item__person__isnull=False)
        for his, hers in heard.values_list("referral__person_id", "item__person_id"):
            if hers != his:
                by_person[his].setdefault(hers, _Found(TraceSource.PANEL, victim_id=hers))
        rows = (
            PoliceRecord.objects.filter(perpetrator_id__in=chunk)
            .values("perpetrator_id", "victim_id", "victim_ref")
            .annotate(n=Count("pk"), last=Max("occurred_on"))
            .order_by("perpetrator_id", "victim_ref")
        )
        for row in rows:
            his, victim_id, ref = row["perpetrator_id"], row["victim_id"], row["victim_ref"] or ""
            if victim_id is not None:
                found = by_person[his].setdefault(victim_id, _Found(TraceSource.POLICE, victim_id=victim_id))
            else:
                found = by_ref[his].setdefault(ref, _Found(TraceSource.POLICE, victim_ref=ref))
            found.records += row["n"]
            found.last_on = max((d for d in (found.last_on, row["last"]) if d is not None), default=None)
    # Only people on the side of those harmed: a police "victim" who is himself recorded as using abuse
    # is not traced as his victim.
    everyone = sorted({pk for found in by_person.values() for pk in found})
    on_her_side: set[uuid.UUID] = set()
    for chunk in chunks(everyone):
        on_her_side |= set(Person.objects.filter(pk__in=chunk, side=Side.VICTIM).values_list("pk", flat=True))
    return {
        his: [f for pk, f in by_person[his].items() if pk in on_her_side] + list(by_ref[his].values())
        for his in person_ids
    }


def _supported(victim_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """The service of each person's open case at a victim service (the first opened)."""
    found: dict[uuid.UUID, int] = {}
    for chunk in chunks(victim_ids):
        for person_id, service_id in (
            Case.objects.filter(person_id__in=chunk, status=CaseStatus.OPEN, person__side=Side.VICTIM)
            .order_by("opened_at", "pk")
            .values_list("person_id", "service_id")
        ):
            found.setdefault(person_id, service_id)
    return found


def victim_traces_refresh(*, case: Case, actor: Actor | None) -> list[VictimTrace]:
    """Start tracing, for his open case, everyone he has harmed that the support service linked to his
    service is not yet tracing (see `victim_traces_start`). The new traces."""
    return victim_traces_start(person_ids={case.person_id}, actor=actor)


@transaction.atomic
def victim_traces_start(*, person_ids: set[uuid.UUID], actor: Actor | None) -> list[VictimTrace]:
    """For each man with an open case at a service linked in the directory to a support service, start
    tracing everyone he has harmed whom that support service is not yet tracing: one already supported
    (an open case at a victim service) is "offered support"; anyone else is not yet traced, and a task on
    his case for the support service's agency. Her record, where Pathways has one, is shared with the
    agencies running the support service, which need it to reach her. The same few queries, whatever the
    number of men; none when his service has no linked support service."""
    first_case: dict[tuple[uuid.UUID, int], uuid.UUID] = {}
    for chunk in chunks(sorted(person_ids)):
        for case_id, person_id, tracer_id in (
            Case.objects.filter(
                person_id__in=chunk,
                status=CaseStatus.OPEN,
                person__side=Side.PERPETRATOR,
                service__partner_support_service__isnull=False,
            )
            .order_by("opened_at", "pk")
            .values_list("id", "person_id", "service__partner_support_service_id")
        ):
            if tracer_id is not None:
                first_case.setdefault((person_id, tracer_id), case_id)
    if not first_case:
        return []
    men = sorted({man for man, _tracer in first_case})
    harmed = _harmed_by(men)
    known: set[tuple[uuid.UUID, int, object]] = set()
    for chunk in chunks(men):
        for man, tracer_id, victim_id, ref in VictimTrace.objects.filter(
            perpetrator_id__in=chunk
        ).values_list("perpetrator_id", "service_id", "victim_id", "victim_ref"):
            known.add((man, tracer_id, victim_id or ref))
    new = [
        (man, tracer_id, found)
        for (man, tracer_id) in first_case
        for found in harmed[man]
        if (man, tracer_id, found.victim_id or found.victim_ref) not in known
    ]
    if not new:
        return []
    supported = _supported(sorted({f.victim_id for _m, _t, f in new if f.victim_id is not None}))
    tracers = sorted({tracer_id for _m, tracer_id, _f in new})
    task_agency = worker_agency_ids((tracer_id, None) for tracer_id in tracers)
    running: dict[int, list[Any]] = {}
    for tracer_id, agency_id in Service.agencies.through.objects.filter(
        service_id__in=tracers, agency__is_active=True
    ).values_list("service_id", "agency_id"):
        running.setdefault(tracer_id, []).append(agency_id)
    found_in = {source: _found_in(source) for source in TraceSource.values}
    traces: list[VictimTrace] = []
    tasks: list[CaseTask] = []
    shared: list[PersonAccess] = []
    today = timezone.localdate()
    for man, tracer_id, found in new:
        by = supported.get(found.victim_id) if found.victim_id is not None else None
        trace = VictimTrace(
            perpetrator_id=man,
            victim_id=found.victim_id,
            victim_ref=found.victim_ref,
            source=found.source,
            police_records=found.records,
            last_record_on=found.last_on,
            service_id=tracer_id,
            status=TraceStatus.OFFERED_SUPPORT if by is not None else TraceStatus.NOT_TRACED,
            supported_by_id=by,
        )
        traces.append(trace)
        tasked = task_agency.get((tracer_id, None))
        if by is None and tasked is not None:
            tasks.append(
                CaseTask(
                    case_id=first_case[(man, tracer_id)],
                    kind=TaskKind.TRACE_VICTIM,
                    agency_id=tasked,
                    due_on=today,
                    detail={"trace": str(trace.pk), **found_in[found.source]},
                )
            )
        if found.victim_id is not None:
            shared += [
                PersonAccess(person_id=found.victim_id, agency_id=agency, reason=SHARED_FOR_TRACING)
                for agency in running.get(tracer_id, [])
            ]
    VictimTrace.objects.bulk_create(traces, batch_size=WRITE_BATCH)
    CaseTask.objects.bulk_create(tasks, batch_size=WRITE_BATCH)
    PersonAccess.objects.bulk_create(shared, batch_size=WRITE_BATCH, ignore_conflicts=True)
    case_audit(
        action=AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="victim_trace",
        record_id="",
        details={
            "men": len(men),
            "traces": len(traces),
            "not_traced": sum(t.status == TraceStatus.NOT_TRACED for t in traces),
            # Whose records were shared, by agency: a share of personal data is recorded.
            "records_shared": sorted({f"{a.person_id}:{a.agency_id}" for a in shared}),
        },
    )
    return traces


def _task_again(trace: VictimTrace) -> None:
    """A task to trace her, on his first open case at a service the tracing service is linked to."""
    case = (
        Case.objects.filter(
            person_id=trace.perpetrator_id,
            status=CaseStatus.OPEN,
            service__partner_support_service=trace.service_id,
        )
        .order_by("opened_at", "pk")
        .first()
    )
    agency_id = worker_agency_ids([(trace.service_id, None)]).get((trace.service_id, None))
    if case is not None and agency_id is not None:
        CaseTask.objects.create(
            case=case,
            kind=TaskKind.TRACE_VICTIM,
            agency_id=agency_id,
            due_on=timezone.localdate(),
            detail={"trace": str(trace.pk), **_found_in(trace.source)},
        )


def victim_traces_supported(*, case: Case, actor: Actor | None) -> int:
    """Her case has opened at a victim service: wherever she was still to be traced, she is now offered
    support by that service, and the tasks to trace her are done. How many traces it settled."""
    if case.person.side != Side.VICTIM or case.status != CaseStatus.OPEN:
        return 0
    waiting = list(
        VictimTrace.objects.filter(victim_id=case.person_id, status=TraceStatus.NOT_TRACED).values_list(
            "pk", flat=True
        )
    )
    if not waiting:
        return 0
    now = timezone.now()
    VictimTrace.objects.filter(pk__in=waiting).update(
        status=TraceStatus.OFFERED_SUPPORT, supported_by=case.service_id, updated_at=now
    )
    CaseTask.objects.filter(
        kind=TaskKind.TRACE_VICTIM, status=TaskStatus.OPEN, detail__trace__in=[str(pk) for pk in waiting]
    ).update(status=TaskStatus.DONE, done_at=now)
    case_audit(
        action=AuditAction.RECORD_CHANGED,
        actor=actor,
        record_type="victim_trace",
        record_id="",
        details={
            "traces": [str(pk) for pk in waiting],
            "after": TraceStatus.OFFERED_SUPPORT,
            "case": str(case.pk),
        },
    )
    return len(waiting)


def _found_in(source: str) -> dict[str, str]:
    """Where she was found, in both languages, for the task (which holds nothing else of her)."""
    names = {}
    for language in ("en", "cy"):
        with translation.override(language):
            names[f"found_in_{language}"] = str(TraceSource(source).label)
    return names


@transaction.atomic
def victim_trace_update(
    *, actor: Actor, trace: VictimTrace, status: str, supported_by: Service | None = None
) -> VictimTrace:
    """Record how far tracing her has got (and the service supporting her, where one is). Once she is
    no longer "not yet traced", the task to trace her is done."""
    if not allows(actor, Perm.CASE_CHANGE) or not can_see_record(actor, trace, Perm.CASE_CHANGE):
        raise PermissionDenied
    trace = VictimTrace.objects.select_for_update().get(pk=trace.pk)
    if status not in TraceStatus.values:
        raise CaseError(_("Choose how far tracing her has got."), "status")
    if supported_by is not None and status != TraceStatus.OFFERED_SUPPORT:
        raise CaseError(
            _("Name the service supporting her only when she has been offered support."), "service"
        )
    before = trace.status
    trace.status = status
    trace.supported_by = supported_by if status == TraceStatus.OFFERED_SUPPORT else None
    trace.updated_at = timezone.now()
    trace.updated_by = actor.user
    trace.save(update_fields=["status", "supported_by", "updated_at", "updated_by"])
    tasks = CaseTask.objects.filter(kind=TaskKind.TRACE_VICTIM, detail__trace=str(trace.pk))
    if status != TraceStatus.NOT_TRACED:
        tasks.filter(status=TaskStatus.OPEN).update(
            status=TaskStatus.DONE, done_by=actor.user, done_at=timezone.now()
        )
    elif before != TraceStatus.NOT_TRACED:
        # Back to not yet traced: she is on the Tasks again.
        reopened = tasks.update(
            status=TaskStatus.OPEN, done_by=None, done_at=None, due_on=timezone.localdate()
        )
        if not reopened:
            _task_again(trace)
    case_audit(
        action=AuditAction.RECORD_CHANGED,
        actor=actor,
        record_type="victim_trace",
        record_id=trace.pk,
        details={"before": before, "after": status},
    )
    return trace
