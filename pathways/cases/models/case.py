"""A case: the work of one service with one person, from the day his referral starts with it."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from pathways.cases.choices import (
    ActivityStatus,
    AgencyRisk,
    AssessmentStage,
    AttendanceStatus,
    CaseEventKind,
    CaseStatus,
    ConsentState,
    FollowUpLearned,
    FollowUpWith,
    GoalStatus,
    NoteKind,
    ReEngagementChannel,
    ReEngagementOutcome,
    ReviewDecision,
    ReviewKind,
    SessionStatus,
    TaskKind,
    TaskStatus,
)
from pathways.cases.models.contact import contact_event_shown
from pathways.core.access import Ownership
from pathways.core.models import VersionedDataFile
from pathways.core.readlog import PersonalData
from pathways.police.models import RecordKind


class Case(PersonalData):
    """One person's case with one service. It belongs to the agencies that run the service: the referrer
    reads the referral, not the casework."""

    ACCESS = Ownership(agencies=("service__agencies",), side="person__side")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="cases", verbose_name=_("person")
    )
    service = models.ForeignKey(
        "directory.Service", on_delete=models.PROTECT, related_name="cases", verbose_name=_("service")
    )
    # The referral the case was opened from.
    referral = models.OneToOneField(
        "referrals.Referral",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case",
        verbose_name=_("referral"),
    )
    # The case at another service this one was transferred from: its history and consent came with it.
    transferred_from = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transferred_to",
        verbose_name=_("transferred from"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.OPEN, db_index=True
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases_worked",
        verbose_name=_("case worker"),
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases_managed",
        verbose_name=_("case manager"),
    )
    # The person's consent as it stands; its history (who, when, why) is the case's consent records.
    consent = models.CharField(
        _("consent"), max_length=12, choices=ConsentState.choices, default=ConsentState.NOT_ASKED
    )
    # The first-contact gate: no contact with the person is recorded until someone has judged, with a
    # reason, that it will not increase risk; the judgements are the case's contact decisions.
    contact_allowed = models.BooleanField(_("contact allowed"), default=False)
    # When the person was first reached (a contact made or a session attended), for the region's target.
    first_contact_at = models.DateTimeField(_("first contact"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "service"],
                condition=Q(status=CaseStatus.OPEN),
                name="one_open_case_per_person_per_service",
            )
        ]
        # A caseload is a worker's or a manager's open cases: both indexed, so that the database finds them
        # without reading every open case of the region.
        indexes = [
            models.Index(fields=["worker", "status"], name="case_worker_status"),
            models.Index(fields=["manager", "status"], name="case_manager_status"),
            # The outcomes count the cases each service opened in a period.
            models.Index(fields=["service", "opened_at"], name="case_service_opened"),
        ]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return f"{self.service_id}: {self.person_id}"

    def get_absolute_url(self) -> str:
        return reverse("cases:detail", kwargs={"case_id": self.pk})


class CaseEvent(PersonalData):
    """One step in a case's history: who did what, when, kept as a kind and its facts."""

    # The service a case was transferred to reads its history before the transfer.
    ACCESS = Ownership(
        agencies=("case__service__agencies", "case__transferred_to__service__agencies"),
        side="case__person__side",
    )

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=CaseEventKind.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        "accounts.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"

    def shown(self) -> str:
        """What the step records, in the reader's language."""
        detail = self.detail or {}
        if self.kind == CaseEventKind.OPENED and detail.get("reference"):
            return _("from referral %(reference)s") % {"reference": detail["reference"]}
        if self.kind in (CaseEventKind.TRANSFERRED_IN, CaseEventKind.TRANSFERRED_OUT):
            # Both names are kept, so that the history reads in the reader's language.
            service = detail.get("service_cy" if get_language() == "cy" else "service_en", "")
            if self.kind == CaseEventKind.TRANSFERRED_IN:
                return _("from %(service)s") % {"service": service}
            return _("to %(service)s") % {"service": service}
        if self.kind == CaseEventKind.ASSIGNED:
            nobody = _("nobody yet")
            return _("case worker %(worker)s, manager %(manager)s") % {
                "worker": detail.get("worker") or nobody,
                "manager": detail.get("manager") or nobody,
            }
        contact = contact_event_shown(self.kind, detail)
        if contact:
            return contact
        if self.kind == CaseEventKind.ASSESSMENT:
            return _assessment_shown(detail)
        if self.kind == CaseEventKind.NOTE and detail.get("kind"):
            return _("%(kind)s note, version %(version)s") % {
                "kind": _label(NoteKind, detail["kind"]),
                "version": detail.get("version", 1),
            }
        if self.kind == CaseEventKind.REVIEW and detail.get("kind"):
            shown = _label(ReviewKind, detail["kind"])
            if detail.get("decision"):
                return _("%(kind)s: %(decision)s") % {
                    "kind": shown,
                    "decision": _label(ReviewDecision, detail["decision"]),
                }
            return shown
        if self.kind == CaseEventKind.PLAN:
            return _plan_shown(detail)
        if self.kind == CaseEventKind.ACTIVITY:
            return _activity_shown(detail)
        if self.kind == CaseEventKind.SESSION:
            return _session_shown(detail)
        if self.kind == CaseEventKind.FOLLOW_UP:
            return _follow_up_shown(detail)
        return self._ending_shown(detail)

    def _ending_shown(self, detail: dict[str, Any]) -> str:
        welsh = get_language() == "cy"
        if self.kind == CaseEventKind.ENDED and detail.get("state"):
            return str(detail.get("name_cy" if welsh else "name_en") or detail["state"])
        if self.kind in (CaseEventKind.MANAGEMENT, CaseEventKind.AGENCY_INPUT) and detail.get("agency_en"):
            return str(detail.get("agency_cy") if welsh and detail.get("agency_cy") else detail["agency_en"])
        if self.kind == CaseEventKind.POLICE_RECORD and detail.get("record"):
            kind = detail.get("kind", "")
            return _("%(kind)s %(record)s on %(date)s") % {
                "kind": RecordKind(kind).label if kind in RecordKind.values else kind,
                "record": detail["record"],
                "date": date_format(datetime.date.fromisoformat(detail["occurred_on"]), "j M Y")
                if detail.get("occurred_on")
                else "",
            }
        if self.kind == CaseEventKind.RE_ENGAGEMENT and detail.get("channel"):
            channel, outcome = detail["channel"], detail.get("outcome", "")
            return _("%(channel)s: %(outcome)s") % {
                "channel": ReEngagementChannel(channel).label
                if channel in ReEngagementChannel.values
                else "",
                "outcome": ReEngagementOutcome(outcome).label
                if outcome in ReEngagementOutcome.values
                else "",
            }
        return ""


def _assessment_shown(detail: dict[str, Any]) -> str:
    risk = detail.get("risk") or ""
    risk_shown = AgencyRisk(risk).label if risk in AgencyRisk.values else _("no risk level")
    if detail.get("agency_view"):
        agency = detail.get("agency_cy") if get_language() == "cy" else detail.get("agency_en")
        return _("%(agency)s sees the risk as %(risk)s") % {"agency": agency or "", "risk": risk_shown}
    if detail.get("linked"):
        stage = detail.get("stage") or ""
        return _("%(instrument)s, %(stage)s: risk %(risk)s") % {
            "instrument": detail.get("instrument") or "",
            "stage": AssessmentStage(stage).label if stage in AssessmentStage.values else stage,
            "risk": risk_shown,
        }
    return ""


def _named(detail: dict[str, Any], key: str) -> str:
    """A name kept in both languages (`<key>_en`, `<key>_cy`), in the reader's, or the plain `<key>`."""
    welsh = get_language() == "cy"
    return str(detail.get(f"{key}_cy" if welsh else f"{key}_en") or detail.get(key) or "")


def _day(iso: Any) -> str:
    try:
        return date_format(datetime.date.fromisoformat(str(iso)), "j M Y")
    except ValueError:
        return ""


def _label(choices: Any, value: Any) -> str:
    """A choice's label in the reader's language; the value itself if the choices no longer hold it."""
    return str(choices(value).label) if value in choices.values else str(value or "")


def _plan_shown(detail: dict[str, Any]) -> str:
    change = detail.get("change")
    if change == "goal_added":
        return str(_("goal added"))
    if change == "goal_status":
        return _("goal marked %(status)s") % {"status": _label(GoalStatus, detail.get("status")).lower()}
    if change == "goal_changed":
        return str(_("goal reworded"))
    return ""


def _activity_shown(detail: dict[str, Any]) -> str:
    change = detail.get("change")
    if change == "ended_with_case":
        return _("activities ended with the case: %(ended)s; disrupt activities left open: %(kept)s") % {
            "ended": detail.get("ended", 0),
            "kept": detail.get("kept", 0),
        }
    name = _named(detail, "activity")
    if change == "added":
        return _("%(activity)s, by %(owner)s, due %(due)s") % {
            "activity": name,
            "owner": _named(detail, "owner"),
            "due": _day(detail.get("due")),
        }
    parts = []
    if "status" in detail:
        parts.append(_label(ActivityStatus, detail["status"]).lower())
    if "owner_en" in detail:
        parts.append(_("now by %(owner)s") % {"owner": _named(detail, "owner")})
    if "due" in detail:
        parts.append(_("now due %(due)s") % {"due": _day(detail["due"])})
    return f"{name}: {', '.join(parts)}" if parts else name


def _named_pair(detail: dict[str, Any], key: str) -> str:
    """A name the region's file gave (a programme session, a follow-up), kept as {"en": ..., "cy": ...}."""
    names = detail.get(key) or {}
    return str(names.get("cy" if get_language() == "cy" else "en") or names.get("en") or "")


def _session_shown(detail: dict[str, Any]) -> str:
    if detail.get("roster") == "joined":
        return str(_("joined a group"))
    if detail.get("roster") == "left":
        return str(_("left a group"))
    what = _named_pair(detail, "step") or (
        _("group session") if detail.get("group") else _("one-to-one session")
    )
    held_on = detail.get("held_on")
    when = date_format(datetime.date.fromisoformat(held_on), "j F Y") if held_on else ""
    status = detail.get("status")
    if status and status != SessionStatus.HELD:
        return _("%(what)s on %(date)s: %(status)s") % {
            "what": what,
            "date": when,
            "status": SessionStatus(status).label,
        }
    attendance = detail.get("attendance")
    shown = AttendanceStatus(attendance).label if attendance in AttendanceStatus.values else ""
    return _("%(what)s on %(date)s: %(attendance)s") % {"what": what, "date": when, "attendance": shown}


def _follow_up_shown(detail: dict[str, Any]) -> str:
    what = _named_pair(detail, "follow_up")
    if detail.get("due_on"):
        due = date_format(datetime.date.fromisoformat(detail["due_on"]), "j F Y")
        return _("%(what)s due on %(date)s") % {"what": what, "date": due}
    learned = detail.get("learned")
    with_whom = detail.get("with_whom")
    return _("%(what)s done with %(with_whom)s: %(learned)s") % {
        "what": what,
        "with_whom": FollowUpWith(with_whom).label.lower() if with_whom in FollowUpWith.values else "",
        "learned": FollowUpLearned(learned).label if learned in FollowUpLearned.values else "",
    }


class CaseTask(PersonalData):
    """Something a case asks of an agency (or one person there): a follow-up due, a review to hold, being
    told that a case has ended, an alert of a new police record. It shows on that agency's Tasks and first
    page until someone there marks it done. The service's own staff see it on the case.

    The agency reads what the task says and, where it may see the person's record, his name; never the
    case itself unless it runs the service."""

    ACCESS = Ownership(agencies=("agency", "case__service__agencies"), side="case__person__side")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=24, choices=TaskKind.choices)
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="case_tasks", verbose_name=_("agency")
    )
    # The person at the agency it is for, where it is for one (the case worker, say).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_tasks",
        verbose_name=_("for"),
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    # The facts the task shows, as a kind and its facts (never free text typed on the victim side).
    detail = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=TaskStatus.choices, default=TaskStatus.OPEN, db_index=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "created_at", "pk"]
        # An agency's open tasks (Tasks) and a page of cases' open tasks (the caseload's next actions).
        indexes = [
            models.Index(fields=["agency", "status"], name="case_task_agency_status"),
            models.Index(fields=["case", "status"], name="case_task_case_status"),
        ]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")

    def __str__(self) -> str:
        return f"{self.kind} {self.case_id}"

    def shown(self) -> str:
        """What the task says, from its facts, in the reader's language: the service, the referral, how
        the case ended, the police record, the follow-up (each where the task holds it)."""
        detail = self.detail or {}
        parts = []
        if self.kind == TaskKind.JOINT_ACTION and detail.get("meeting_on"):
            parts.append(_("from the joint case meeting on %(day)s") % {"day": _day(detail["meeting_on"])})
        for key, text in _TASK_FACTS:
            value = _named(detail, key)
            if value:
                parts.append(text % {"value": value})
        return "; ".join(parts)


# The facts a task may hold, in the order they read; a name may be kept in both languages (`service_en`,
# `service_cy`).
_TASK_FACTS = (
    ("service", _("service: %(value)s")),
    ("reference", _("referral %(value)s")),
    ("ending", _("ended: %(value)s")),
    ("record", _("police record %(value)s")),
    ("follow_up", _("follow-up: %(value)s")),
    ("found_in", _("found in: %(value)s")),
    ("discussion", _("for the next discussion at %(value)s")),
)


class CaseworkRules(VersionedDataFile):
    """A region's casework file (regions/<region>/casework.yaml), versioned: whatever a case did under one
    version (a programme's sessions, an ending's rules) keeps pointing at it."""

    region = models.ForeignKey("directory.Region", on_delete=models.CASCADE, related_name="casework_rules")
    rules = models.JSONField()

    class Meta:
        ordering = ["region", "-version"]
        constraints = [models.UniqueConstraint(fields=["region", "version"], name="one_casework_version")]

    def __str__(self) -> str:
        return f"{self.region} v{self.version}"
