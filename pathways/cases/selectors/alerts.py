"""Reads for alerts and for who is told: the agency a task for a case's worker goes to, and the new police
records still to be looked at on a case."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from pathways.accounts.models import Membership
from pathways.cases.choices import TaskKind, TaskStatus
from pathways.cases.models import Case, CaseTask
from pathways.core.policy import Actor, Perm, visible_to
from pathways.directory.models import Service

# Ids looked up together: well under SQLite's and PostgreSQL's limits on parameters.
LOOKUP_BATCH = 5000

T = TypeVar("T")


def chunks(items: Sequence[T], size: int = LOOKUP_BATCH) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def worker_agency_ids(
    pairs: Iterable[tuple[Any, uuid.UUID | None]],
) -> dict[tuple[Any, Any], uuid.UUID | None]:
    """For each (service id, worker id), the agency a task for that case's worker goes to: the agency
    running the service that the worker works for, else the first active one running it (None when no
    active agency runs it). Two queries, whatever the number of pairs."""
    wanted = set(pairs)
    service_ids = sorted({service for service, _worker in wanted})
    worker_ids = sorted({worker for _service, worker in wanted if worker is not None})
    running: dict[Any, list[uuid.UUID]] = {}
    through = Service.agencies.through
    for chunk in chunks(service_ids):
        rows = (
            through.objects.filter(service_id__in=chunk, agency__is_active=True)
            .order_by("agency__name_en", "agency_id")
            .values_list("service_id", "agency_id")
        )
        for service_id, agency_id in rows:
            running.setdefault(service_id, []).append(agency_id)
    every_agency = sorted({a for agencies in running.values() for a in agencies})
    works_at: set[tuple[Any, uuid.UUID]] = set()
    for chunk in chunks(worker_ids):
        works_at |= set(
            Membership.objects.filter(
                user_id__in=chunk, agency_id__in=every_agency, is_active=True
            ).values_list("user_id", "agency_id")
        )
    found: dict[tuple[Any, Any], uuid.UUID | None] = {}
    for service, worker in wanted:
        agencies = running.get(service, [])
        own = [a for a in agencies if (worker, a) in works_at]
        first = own or agencies
        found[(service, worker)] = first[0] if first else None
    return found


def alerts_open(*, actor: Actor, case: Case) -> list[CaseTask]:
    """The new police records on the case that the actor's agency has not yet marked done, newest first."""
    if actor.agency is None:
        return []
    tasks = CaseTask.objects.filter(
        case=case, kind=TaskKind.POLICE_RECORD, status=TaskStatus.OPEN, agency=actor.agency
    )
    return list(visible_to(actor, tasks, Perm.CASE_VIEW).select_related("user").order_by("-created_at"))
