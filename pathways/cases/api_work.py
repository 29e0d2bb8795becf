"""The work on a case, read through the API: its plan, notes, sessions and ending. Each answer is built by
the selectors the case's pages use, so it holds what the page shows the same reader and no more: typed
text holding one of her sealed details is withheld as it is on the page, and any case the reader may not
see answers 404, as one that does not exist."""

from __future__ import annotations

import uuid
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pathways.cases import selectors
from pathways.cases.selectors import ending as ending_selectors
from pathways.cases.selectors import notes as notes_selectors
from pathways.cases.selectors import plan as plan_selectors
from pathways.cases.selectors import sessions as sessions_selectors
from pathways.cases.selectors.rules import CaseworkNotLoaded, casework_rules_for_case
from pathways.core.api import ApiError
from pathways.core.policy import actor_for
from pathways.people.sealed import sealed_details_withhold, withheld_message

WITHHELD_HELP = gettext_lazy("Withheld, with a message saying so, where it holds a sealed detail.")


def _checked(text: str, markers: list[Any]) -> str:
    kept = sealed_details_withhold(text, markers)
    return withheld_message() if kept is None else kept


def _username(user: Any) -> str | None:
    return user.username if user is not None else None


class GoalOut(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    description = serializers.CharField(help_text=WITHHELD_HELP)
    status = serializers.CharField(help_text=gettext_lazy("open, met, partly_met or not_met."))
    updated_at = serializers.DateTimeField()


class ActivityOut(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    kind = serializers.CharField(help_text=gettext_lazy("disrupt, support, change, or safety on her case."))
    activity = serializers.CharField(help_text=gettext_lazy("The catalogue entry's slug."))
    name = serializers.CharField(
        help_text=gettext_lazy("The catalogue entry's name, in the reader's language.")
    )
    owner = serializers.CharField(help_text=gettext_lazy("The slug of the agency doing it."))
    due_on = serializers.DateField()
    status = serializers.CharField()
    overdue = serializers.BooleanField()
    waiting_for_consent = serializers.BooleanField(
        help_text=gettext_lazy("Planned work that needs his consent, which the case does not have.")
    )
    detail = serializers.CharField(help_text=WITHHELD_HELP)
    goal = serializers.UUIDField(allow_null=True)


class PlanOut(serializers.Serializer[Any]):
    goals = GoalOut(many=True)
    activities = ActivityOut(many=True)


class CasePlan(APIView):
    @extend_schema(
        summary=gettext_lazy("Get a case's plan"),
        description=gettext_lazy("The case's goals and its activities of each kind, soonest due first."),
        responses={200: PlanOut, 404: ApiError},
    )
    def get(self, request: Request, case_id: uuid.UUID) -> Response:
        actor = actor_for(request)
        case = selectors.case_get(actor=actor, case_id=case_id)
        plan = plan_selectors.plan_for(actor=actor, case=case, today=timezone.localdate())
        goals = [
            {
                "id": g.pk,
                "description": _checked(g.description, plan.goal_markers),
                "status": g.status,
                "updated_at": g.updated_at,
            }
            for g in plan.goals
        ]
        activities = [
            {
                "id": row.activity.pk,
                "kind": row.activity.kind,
                "activity": row.activity.activity,
                "name": row.name,
                "owner": row.activity.owner.slug,
                "due_on": row.activity.due_on,
                "status": row.activity.status,
                "overdue": row.overdue,
                "waiting_for_consent": row.waiting_for_consent,
                "detail": _checked(row.activity.detail, plan.detail_markers),
                "goal": row.activity.goal_id,
            }
            for group in plan.groups
            for row in group.rows
        ]
        return Response({"goals": goals, "activities": activities})


class NoteVersionOut(serializers.Serializer[Any]):
    number = serializers.IntegerField()
    text = serializers.CharField(help_text=WITHHELD_HELP)
    correction_reason = serializers.CharField(help_text=WITHHELD_HELP)
    written_by = serializers.CharField()
    signed_by = serializers.CharField(allow_null=True)
    signed_at = serializers.DateTimeField(allow_null=True)


class NoteOut(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    kind = serializers.CharField(
        help_text=gettext_lazy("contact, session, multi_agency, supervision or case_review.")
    )
    created_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    text = serializers.CharField(help_text=gettext_lazy("The latest signed version, or your own draft."))
    withheld = serializers.BooleanField()
    signed = serializers.BooleanField(help_text=gettext_lazy("False for a draft only you can read."))
    versions = NoteVersionOut(many=True, help_text=gettext_lazy("Every signed version, latest first."))


class CaseNotes(APIView):
    @extend_schema(
        summary=gettext_lazy("List a case's notes"),
        description=gettext_lazy(
            "The case's notes you may read, newest first: signed notes, your own drafts, and supervision "
            "notes only for managers and their authors."
        ),
        responses={200: NoteOut(many=True), 404: ApiError},
    )
    def get(self, request: Request, case_id: uuid.UUID) -> Response:
        actor = actor_for(request)
        case = selectors.case_get(actor=actor, case_id=case_id)
        body = []
        for shown in notes_selectors.notes_for_case(actor=actor, case=case):
            body.append(
                {
                    "id": shown.note.pk,
                    "kind": shown.note.kind,
                    "created_by": shown.note.created_by.username,
                    "created_at": shown.note.created_at,
                    "text": shown.text,
                    "withheld": shown.withheld,
                    "signed": shown.current is not None,
                    "versions": [
                        {
                            "number": v.version.number,
                            "text": v.text,
                            "correction_reason": v.reason,
                            "written_by": v.version.written_by.username,
                            "signed_by": _username(v.version.signed_by),
                            "signed_at": v.version.signed_at,
                        }
                        for v in shown.history
                    ],
                }
            )
        return Response(body)


class SessionOut(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    held_on = serializers.DateField()
    group = serializers.CharField(allow_null=True, help_text=gettext_lazy("The group's name, if in a group."))
    programme_step = serializers.CharField(
        help_text=gettext_lazy("The programme's session it was, by slug, or empty.")
    )
    status = serializers.CharField(help_text=gettext_lazy("planned, held or cancelled."))
    attendance = serializers.CharField(
        allow_null=True,
        help_text=gettext_lazy(
            "attended, late, absent_reason (absent with a reason) or absent; empty until recorded."
        ),
    )


class SessionsOut(serializers.Serializer[Any]):
    programme = serializers.CharField(
        allow_null=True, help_text=gettext_lazy("The slug of the service whose programme the case follows.")
    )
    attended = serializers.IntegerField(help_text=gettext_lazy("Sessions of the programme attended."))
    minimum_attendance = serializers.IntegerField(allow_null=True)
    sessions = SessionOut(many=True)


class CaseSessions(APIView):
    @extend_schema(
        summary=gettext_lazy("List a case's sessions"),
        description=gettext_lazy(
            "Every session of the case, one-to-one or in a group, with its attendance, and how far through "
            "the service's programme the case has come."
        ),
        responses={200: SessionsOut, 404: ApiError},
    )
    def get(self, request: Request, case_id: uuid.UUID) -> Response:
        actor = actor_for(request)
        case = selectors.case_get(actor=actor, case_id=case_id)
        progress = sessions_selectors.case_programme_progress(case=case)
        programme = progress.programme
        sessions = [
            {
                "id": session.pk,
                "held_on": session.held_on,
                "group": session.group.name if session.group is not None else None,
                "programme_step": session.programme_step,
                "status": session.status,
                "attendance": attendance.status if attendance is not None else None,
            }
            for session, attendance in sessions_selectors.case_sessions(case=case)
        ]
        return Response(
            {
                "programme": programme.service if programme else None,
                "attended": progress.attended,
                "minimum_attendance": programme.minimum_attendance if programme else None,
                "sessions": sessions,
            }
        )


class PoliceCountOut(serializers.Serializer[Any]):
    months = serializers.IntegerField()
    before = serializers.IntegerField(help_text=gettext_lazy("Police records in the months before it ended."))
    after = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("In as many months after; empty until they have passed.")
    )


class OutcomeOut(serializers.Serializer[Any]):
    end_state = serializers.CharField()
    ended_on = serializers.DateField()
    risk_at_start = serializers.CharField()
    risk_at_end = serializers.CharField()
    goals_total = serializers.IntegerField()
    goals_met = serializers.IntegerField()
    police = PoliceCountOut(many=True)


class EndingOut(serializers.Serializer[Any]):
    ended = serializers.BooleanField()
    state = serializers.CharField(allow_null=True, help_text=gettext_lazy("How it ended, as a value."))
    name = serializers.CharField(help_text=gettext_lazy("How it ended, in the reader's language."))
    reason = serializers.CharField(help_text=WITHHELD_HELP)
    decided_by = serializers.CharField(allow_null=True)
    may_close = serializers.BooleanField(
        help_text=gettext_lazy(
            "Whether the case may close now: not while the latest risk is high unless another agency has "
            "accepted its management."
        )
    )
    management_accepted = serializers.BooleanField()
    outcome = OutcomeOut(allow_null=True)


class CaseEndingDetail(APIView):
    @extend_schema(
        summary=gettext_lazy("Get how a case ended"),
        description=gettext_lazy(
            "Whether the case has ended, how and why, whether it may close now, and its outcome in the "
            "figures commissioners count (the police records after it once the months have passed)."
        ),
        responses={200: EndingOut, 404: ApiError, 409: ApiError},
    )
    def get(self, request: Request, case_id: uuid.UUID) -> Response:
        actor = actor_for(request)
        case = selectors.case_get(actor=actor, case_id=case_id)
        try:
            rules = casework_rules_for_case(case=case)
        except CaseworkNotLoaded as error:
            return Response({"detail": str(error)}, status=409)
        page = ending_selectors.ending_page(actor=actor, case=case, rules=rules)
        outcome = page.outcome
        return Response(
            {
                "ended": page.ending is not None,
                "state": page.ending.state if page.ending else None,
                "name": page.ending_name,
                "reason": page.reason,
                "decided_by": _username(page.ending.decided_by) if page.ending else None,
                "may_close": not page.closure.blocked_by_risk,
                "management_accepted": page.closure.accepted,
                "outcome": (
                    {
                        "end_state": outcome.end_state,
                        "ended_on": outcome.ended_on,
                        "risk_at_start": outcome.risk_at_start,
                        "risk_at_end": outcome.risk_at_end,
                        "goals_total": outcome.goals_total,
                        "goals_met": outcome.goals_met,
                        "police": [
                            {"months": p.months, "before": p.before, "after": p.after} for p in page.police
                        ],
                    }
                    if outcome is not None
                    else None
                ),
            }
        )
