"""Writes for staff and skills: loading a skills instrument file, adding a member of staff, recording what
they know of confidential support, their training, and a skills rating scored item by item."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pathways.accounts.models import User
from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.datafiles import DataFileError, Location, load_versioned, problems_from, read_yaml
from pathways.core.policy import Actor, Perm, allows
from pathways.directory.models import Service
from pathways.workforce.choices import Knows, TrainingKind, TrainingTopic
from pathways.workforce.models import SkillsInstrument, SkillsRating, StaffMember, TrainingEvent
from pathways.workforce.selectors import skills_file
from pathways.workforce.skillsfile import SkillsFile

MAX_DAYS = Decimal(365)
# A working life: a date of training further back than this is a typing slip.
CAREER = datetime.timedelta(days=60 * 366)
REFRESHER_WITHIN = datetime.timedelta(days=10 * 366)


class WorkforceError(Exception):
    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def skills_file_load(*, path: Path, actor: Actor | None = None) -> tuple[SkillsInstrument, bool]:
    """Load a skills instrument file as its next version (or the current one, False, if unchanged)."""
    path = Path(path)

    def scope(parsed: SkillsFile, index: dict[Location, int]) -> dict[str, Any]:
        known = {s.slug for s in parsed.subscales}
        problems: list[tuple[Location, str]] = [
            (
                ("items", n, "subscale"),
                f"there is no subscale {item.subscale!r}; add it to subscales or fix it",
            )
            for n, item in enumerate(parsed.items)
            if item.subscale not in known
        ]
        if parsed.score_max <= parsed.score_min:
            problems.append((("score_max",), "score_max must be more than score_min"))
        problems += [
            (
                ("benchmarks", n, "min_total"),
                f"{b.min_total} is more than the highest total, {parsed.total_max}",
            )
            for n, b in enumerate(parsed.benchmarks)
            if b.min_total > parsed.total_max
        ]
        if problems:
            data, lines = read_yaml(path)
            raise DataFileError(problems_from(path, data, lines, problems))
        return {"slug": parsed.slug}

    with transaction.atomic():
        version, created = load_versioned(path, SkillsFile, SkillsInstrument, scope=scope, field="rules")
        if created:
            audit.entry_record(
                action=AuditAction.REGION_LOADED,
                actor=actor,
                record_type="skillsinstrument",
                record_id=version.pk,
                details={"file": path.name, "version": version.version, "sha256": version.file_sha256},
            )
    return version, created


def _may_change(actor: Actor, staff: StaffMember | None = None) -> None:
    if not allows(actor, Perm.STAFF_CHANGE) or actor.agency is None:
        raise WorkforceError(_("You may not change staff records."))
    if staff is not None and staff.agency_id != actor.agency.pk:
        raise WorkforceError(_("You may not change staff records."))


def _audited(actor: Actor, action: str, record: Any, details: dict[str, Any]) -> None:
    audit.entry_record(
        action=action, actor=actor, record_type=record._meta.model_name, record_id=record.pk, details=details
    )


def staff_add(
    *,
    actor: Actor,
    full_name: str,
    job_title: str = "",
    service: Service | None = None,
    user: User | None = None,
    qualifications: str = "",
    mi_days_before: Decimal = Decimal(0),
) -> StaffMember:
    """A member of staff of the actor's agency, at one of its services, linked to their account or not."""
    _may_change(actor)
    assert actor.agency is not None
    full_name = full_name.strip()
    if not full_name:
        raise WorkforceError(_("Enter the name of the member of staff."), field="full_name")
    if service is not None and not service.agencies.filter(pk=actor.agency.pk).exists():
        raise WorkforceError(_("Choose one of your agency's services."), field="service")
    if user is not None and not user.memberships.filter(agency=actor.agency).exists():
        raise WorkforceError(_("Choose an account at your agency."), field="user")
    if user is not None and StaffMember.objects.filter(user=user).exists():
        raise WorkforceError(_("That account already has a staff record."), field="user")
    if not Decimal(0) <= mi_days_before <= MAX_DAYS:
        raise WorkforceError(_("Days of MI training must be between 0 and 365."), field="mi_days_before")
    with transaction.atomic():
        staff = StaffMember.objects.create(
            agency=actor.agency,
            service=service,
            user=user,
            full_name=full_name[:200],
            job_title=job_title.strip()[:200],
            qualifications=qualifications.strip()[:2000],
            mi_days_before=mi_days_before,
        )
        _audited(actor, AuditAction.RECORD_CREATED, staff, {"service": service.slug if service else ""})
    return staff


def staff_support_record(*, actor: Actor, staff: StaffMember, knows: str) -> StaffMember:
    """Whether the member of staff knows how to reach separate confidential support (standard 15)."""
    _may_change(actor, staff)
    if knows not in Knows.values:
        raise WorkforceError(_("Choose an answer."), field="knows_confidential_support")
    with transaction.atomic():
        staff.knows_confidential_support = knows
        staff.save(update_fields=["knows_confidential_support"])
        _audited(actor, AuditAction.RECORD_CHANGED, staff, {"knows_confidential_support": knows})
    return staff


def training_record(
    *,
    actor: Actor,
    staff: StaffMember,
    kind: str,
    topic: str,
    title: str,
    attended_on: datetime.date,
    days: Decimal,
    refresher_due_on: datetime.date | None,
) -> TrainingEvent:
    """Training, skills practice or supervision a member of staff attended."""
    _may_change(actor, staff)
    if kind not in TrainingKind.values:
        raise WorkforceError(_("Choose what kind of session it was."), field="kind")
    if topic not in TrainingTopic.values:
        raise WorkforceError(_("Choose the topic."), field="topic")
    title = title.strip()
    if not title:
        raise WorkforceError(_("Enter a title."), field="title")
    today = timezone.localdate()
    if not today - CAREER <= attended_on <= today:
        raise WorkforceError(_("The date must be a real date, today or in the past."), field="attended_on")
    if not Decimal(0) <= days <= MAX_DAYS:
        raise WorkforceError(_("Days must be between 0 and 365."), field="days")
    if refresher_due_on is not None and not attended_on < refresher_due_on <= attended_on + REFRESHER_WITHIN:
        raise WorkforceError(
            _("The refresher must be due after the date attended, and within ten years of it."),
            field="refresher_due_on",
        )
    with transaction.atomic():
        event = TrainingEvent.objects.create(
            staff=staff,
            kind=kind,
            topic=topic,
            title=title[:200],
            attended_on=attended_on,
            days=days,
            refresher_due_on=refresher_due_on,
            recorded_by=actor.user if actor.user.is_authenticated else None,
        )
        _audited(actor, AuditAction.RECORD_CREATED, event, {"staff": str(staff.pk), "topic": topic})
    return event


def skills_rating_record(
    *,
    actor: Actor,
    staff: StaffMember,
    instrument: SkillsInstrument,
    rated_on: datetime.date,
    rater: str,
    scores: dict[str, int],
) -> SkillsRating:
    """A trained rater's scores, every item within the instrument's range; the total and subscales are
    worked out here, never typed."""
    _may_change(actor, staff)
    file = skills_file(version=instrument)
    missing = [i.id for i in file.items if i.id not in scores]
    if missing:
        raise WorkforceError(_("Enter a score for every item."), field=f"item_{missing[0]}")
    wrong = [i.id for i in file.items if not file.score_min <= scores[i.id] <= file.score_max]
    if wrong:
        raise WorkforceError(
            _("Each score must be from %(low)s to %(high)s.")
            % {"low": file.score_min, "high": file.score_max},
            field=f"item_{wrong[0]}",
        )
    rater = rater.strip()
    if not rater:
        raise WorkforceError(_("Enter who rated the responses."), field="rater")
    today = timezone.localdate()
    if not today - CAREER <= rated_on <= today:
        raise WorkforceError(_("The date must be a real date, today or in the past."), field="rated_on")
    kept = {i.id: int(scores[i.id]) for i in file.items}
    subscales = {s.slug: 0 for s in file.subscales}
    for item in file.items:
        subscales[item.subscale] += kept[item.id]
    with transaction.atomic():
        rating = SkillsRating.objects.create(
            staff=staff,
            instrument=instrument,
            rated_on=rated_on,
            rater=rater[:200],
            scores=kept,
            total=sum(kept.values()),
            subscales=subscales,
            recorded_by=actor.user if actor.user.is_authenticated else None,
        )
        _audited(actor, AuditAction.RECORD_CREATED, rating, {"staff": str(staff.pk), "total": rating.total})
    return rating
