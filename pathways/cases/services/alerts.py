"""Re-offending reaches the case at once: when a police extract brings a new record naming as perpetrator
someone with an open case, his case worker and his partner's support worker each get a task that day,
and the case's history notes the record. Called from the police extract's import
(settings.POLICE_RECORDS_ADDED), inside its transaction, with the records it has just added.

The whole extract is matched in a few queries, in batches, never one query per record: a force's extract
holds a hundred thousand records."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from pathways.audit.choices import AuditAction
from pathways.cases.choices import CaseEventKind, CaseStatus, TaskKind, TaskStatus
from pathways.cases.models import Case, CaseEvent, CaseTask
from pathways.cases.selectors.alerts import chunks, worker_agency_ids
from pathways.cases.services.base import case_audit
from pathways.cases.services.trace import victim_traces_start
from pathways.core.access import Side
from pathways.people.choices import PARTNER_KINDS
from pathways.people.models import Relationship
from pathways.police.models import PoliceRecord

if TYPE_CHECKING:
    from pathways.core.policy import Actor

WRITE_BATCH = 1000


@dataclass(frozen=True)
class _Open:
    id: uuid.UUID
    person_id: uuid.UUID
    service_id: Any
    worker_id: uuid.UUID | None


def _open_cases(
    person_ids: Sequence[uuid.UUID], *, victim_side: bool = False
) -> dict[uuid.UUID, list[_Open]]:
    found: dict[uuid.UUID, list[_Open]] = {}
    for chunk in chunks(person_ids):
        cases = Case.objects.filter(person_id__in=chunk, status=CaseStatus.OPEN)
        if victim_side:
            cases = cases.filter(person__side=Side.VICTIM)
        for row in cases.order_by("opened_at", "pk").values_list(
            "id", "person_id", "service_id", "worker_id"
        ):
            found.setdefault(row[1], []).append(_Open(*row))
    return found


def _partners(person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, set[uuid.UUID]]:
    """Each person's current and ex-partners, whichever of the two the relationship was recorded from."""
    found: dict[uuid.UUID, set[uuid.UUID]] = {}
    for chunk in chunks(person_ids):
        partnered = Relationship.objects.filter(kind__in=PARTNER_KINDS)
        for person_id, other_id in partnered.filter(person_id__in=chunk).values_list("person_id", "other_id"):
            found.setdefault(person_id, set()).add(other_id)
        for other_id, person_id in partnered.filter(other_id__in=chunk).values_list("other_id", "person_id"):
            found.setdefault(other_id, set()).add(person_id)
    return found


def _alerted(case_ids: Sequence[uuid.UUID]) -> set[tuple[uuid.UUID, str]]:
    """(case, police reference) for every record a case has already been alerted to."""
    seen: set[tuple[uuid.UUID, str]] = set()
    for chunk in chunks(case_ids):
        rows = CaseEvent.objects.filter(case_id__in=chunk, kind=CaseEventKind.POLICE_RECORD).values_list(
            "case_id", "detail__record"
        )
        seen |= {(case_id, str(reference)) for case_id, reference in rows}
    return seen


def _insert(model: type[Model], fields: Sequence[str], rows: list[tuple[object, ...]]) -> None:
    """Rows written as given, each value already as the database takes it. Tens of thousands of rows cost
    bulk_create seconds of building and compiling model instances; this, a fraction of that. The tables'
    rows are plain (no signals, no defaults in the database), so nothing is skipped."""
    meta = model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(getattr(meta.get_field(name), "column", name))) for name in fields)
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
    with connection.cursor() as cursor:
        for chunk in chunks(rows, WRITE_BATCH):
            cursor.executemany(sql, list(chunk))  # type: ignore[arg-type]


def alerts_police_records(*, records: Sequence[PoliceRecord], actor: Actor | None) -> int:
    """For each record naming as perpetrator someone with an open case: a task due today for the case's
    worker (at the service's agency) and for each of his partners' support workers (her open case at the
    victim side's service: its worker, at that service's agency), and the record on the case's history.
    A police reference never alerts a case twice. How many tasks were made."""
    named = [r for r in records if r.perpetrator_id is not None]
    if not named:
        return 0
    people = sorted({r.perpetrator_id for r in named if r.perpetrator_id is not None})
    open_cases = _open_cases(people)
    if not open_cases:
        return 0
    with_cases = sorted(open_cases)
    # Anyone new the records name as harmed by him is someone to trace.
    victim_traces_start(person_ids=set(with_cases), actor=actor)
    partners = _partners(with_cases)
    partner_cases = _open_cases(sorted({p for ps in partners.values() for p in ps}), victim_side=True)
    seen = _alerted(sorted(c.id for cases in open_cases.values() for c in cases))
    agencies = worker_agency_ids(
        (c.service_id, c.worker_id)
        for cases in (*open_cases.values(), *partner_cases.values())
        for c in cases
    )

    # Values as the database takes them, made once: tens of thousands of rows go in at a time.
    native_uuid = connection.features.has_native_uuid_field

    def uuid_value(value: uuid.UUID | None) -> object:
        # As UUIDField.get_db_prep_value gives it, without its cost per value.
        return value if native_uuid or value is None else value.hex

    json_value = connection.ops.adapt_json_value
    due_on = connection.ops.adapt_datefield_value(timezone.localdate())
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    events: list[tuple[object, ...]] = []
    tasks: list[tuple[object, ...]] = []
    alerted: set[uuid.UUID] = set()
    partners_told: set[tuple[uuid.UUID, str]] = set()

    def task(
        case_id: uuid.UUID, agency_id: uuid.UUID | None, user_id: uuid.UUID | None, detail: object
    ) -> None:
        if agency_id is not None:
            tasks.append(
                (
                    uuid_value(uuid.uuid4()), uuid_value(case_id), TaskKind.POLICE_RECORD.value,
                    uuid_value(agency_id), uuid_value(user_id), due_on, detail, TaskStatus.OPEN.value, now,
                )
            )  # fmt: skip

    for record in named:
        assert record.perpetrator_id is not None
        detail: object = None
        for case in open_cases.get(record.perpetrator_id, []):
            if (case.id, record.reference) in seen:
                continue
            if detail is None:
                facts = {"record": record.reference, "occurred_on": record.occurred_on.isoformat()}
                detail = json_value({**facts, "kind": record.kind}, None)
            seen.add((case.id, record.reference))
            alerted.add(case.id)
            events.append((uuid_value(case.id), CaseEventKind.POLICE_RECORD.value, now, detail))
            task(case.id, agencies[(case.service_id, case.worker_id)], case.worker_id, detail)
            for partner in partners.get(record.perpetrator_id, ()):
                for hers in partner_cases.get(partner, []):
                    # Once for her worker, however many of his cases are open.
                    if (hers.id, record.reference) not in partners_told:
                        partners_told.add((hers.id, record.reference))
                        task(case.id, agencies[(hers.service_id, hers.worker_id)], hers.worker_id, detail)
    if not events:
        return 0
    _insert(CaseEvent, ("case", "kind", "at", "detail"), events)
    _insert(
        CaseTask, ("id", "case", "kind", "agency", "user", "due_on", "detail", "status", "created_at"), tasks
    )
    case_audit(
        action=AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="case_task",
        record_id="",
        details={
            "kind": TaskKind.POLICE_RECORD,
            "records": len(named),
            "cases": len(alerted),
            "tasks": len(tasks),
        },
    )
    return len(tasks)
