"""The cases API: the caseload and each case, through the same selectors and policy as the pages."""

from __future__ import annotations

import uuid
from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pathways.cases import selectors
from pathways.cases.forms import CaseloadForm
from pathways.cases.models import Case, CaseEvent
from pathways.cases.selectors import CaseRow
from pathways.cases.selectors import contact as contact_selectors
from pathways.cases.selectors import partner as partner_selectors
from pathways.cases.selectors.trace import case_victim_traces
from pathways.core.access import Side
from pathways.core.api import ApiError
from pathways.core.policy import actor_for
from pathways.people.sealed import sealed_details_shown


class CaseEventOut(serializers.Serializer[Any]):
    kind = serializers.CharField(help_text=gettext_lazy("What happened, as a value (opened, assigned ...)."))
    title = serializers.CharField(help_text=gettext_lazy("What happened, in the reader's language."))
    at = serializers.DateTimeField()
    agency = serializers.CharField(allow_null=True, help_text=gettext_lazy("The agency that did it."))
    detail = serializers.CharField(help_text=gettext_lazy("Its facts, in the reader's language."))


class CaseOut(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    service = serializers.CharField(help_text=gettext_lazy("The service's slug."))
    status = serializers.CharField(help_text=gettext_lazy("open or closed."))
    person = serializers.UUIDField()
    person_name = serializers.CharField(
        help_text=gettext_lazy("The person's name where your role may read his record, else empty.")
    )
    referral = serializers.CharField(allow_null=True, help_text=gettext_lazy("The referral's reference."))
    transferred_from = serializers.CharField(
        allow_null=True, help_text=gettext_lazy("The service the case came from, by transfer.")
    )
    worker = serializers.CharField(allow_null=True, help_text=gettext_lazy("The case worker's username."))
    manager = serializers.CharField(allow_null=True, help_text=gettext_lazy("The case manager's username."))
    consent = serializers.CharField(
        help_text=gettext_lazy("not_asked, given, refused, withdrawn or safeguarding.")
    )
    contact_allowed = serializers.BooleanField()
    first_contact_at = serializers.DateTimeField(allow_null=True)
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)


class CaseDetailOut(CaseOut):
    history = CaseEventOut(many=True)


def case_out(row: CaseRow) -> dict[str, Any]:
    c: Case = row.case
    return {
        "id": c.pk,
        "service": c.service.slug,
        "status": c.status,
        "person": c.person_id,
        "person_name": row.name,
        "referral": c.referral.reference if c.referral else None,
        "transferred_from": c.transferred_from.service.slug if c.transferred_from else None,
        "worker": c.worker.username if c.worker else None,
        "manager": c.manager.username if c.manager else None,
        "consent": c.consent,
        "contact_allowed": c.contact_allowed,
        "first_contact_at": c.first_contact_at,
        "opened_at": c.opened_at,
        "closed_at": c.closed_at,
    }


def event_out(event: CaseEvent) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "title": str(event.get_kind_display()),
        "at": event.at,
        "agency": event.agency.slug if event.agency else None,
        "detail": event.shown(),
    }


class CaseList(APIView):
    @extend_schema(
        summary=gettext_lazy("List a caseload"),
        description=gettext_lazy(
            "Your open cases (`whose=mine`: those you work or manage) or your agency's (`whose=team`), "
            "oldest first, 50 a page."
        ),
        parameters=[
            OpenApiParameter("whose", str, enum=["mine", "team"], description=gettext_lazy("Default mine.")),
            OpenApiParameter("page", int, description=gettext_lazy("From 1.")),
        ],
        responses={200: CaseOut(many=True), 400: ApiError},
    )
    def get(self, request: Request) -> Response:
        actor = actor_for(request)
        form = CaseloadForm(request.query_params)
        if not form.is_valid():
            raise ValidationError({"whose": [gettext_lazy("Give mine or team.")]})
        whose = form.cleaned_data.get("whose") or "mine"
        page = request.query_params.get("page", "1")
        if not page.isdigit() or int(page) < 1:
            raise ValidationError({"page": [gettext_lazy("Give a page number from 1.")]})
        rows, shown = selectors.caseload(actor=actor, whose=whose, page=page)
        response = Response([case_out(r) for r in rows])
        response["X-Total-Count"] = str(shown.paginator.count)
        return response


class CaseDetail(APIView):
    @extend_schema(
        summary=gettext_lazy("Get a case"),
        description=gettext_lazy(
            "One case at a service your agency runs, with its history. Any other case answers 404, as one "
            "that does not exist."
        ),
        responses={200: CaseDetailOut, 404: ApiError},
    )
    def get(self, request: Request, case_id: uuid.UUID) -> Response:
        actor = actor_for(request)
        case = selectors.case_get(actor=actor, case_id=case_id)
        row = selectors.case_rows(actor=actor, cases=[case])[0]
        body = case_out(row) | {
            "history": [event_out(e) for e in selectors.case_events(actor=actor, case=case)]
        }
        return Response(body)


class SignalOut(serializers.Serializer[Any]):
    """What her support worker reported, as it reached his case (the policy's crossing "partner_signal")."""

    risk_change = serializers.CharField(help_text=gettext_lazy("raised, lowered, unchanged, or empty."))
    changed_on = serializers.DateField(allow_null=True)
    new_incident = serializers.BooleanField()
    contact_increases_risk = serializers.BooleanField()
    message = serializers.CharField(
        help_text=gettext_lazy("Withheld if it has come to hold a sealed detail since it was sent.")
    )
    service = serializers.CharField(help_text=gettext_lazy("The sending service's slug."))
    at = serializers.DateTimeField()


class TraceOut(serializers.Serializer[Any]):
    """Someone he has harmed, as his case reads her (the policy's crossing "victim_trace")."""

    found_in = serializers.CharField(help_text=gettext_lazy("relationship or police."))
    police_records = serializers.IntegerField()
    last_record_on = serializers.DateField(allow_null=True)
    traced_by = serializers.CharField()
    status = serializers.CharField(
        help_text=gettext_lazy("not_traced, contacted, offered_support, declined or not_safe.")
    )
    supported_by = serializers.CharField()


class UpdateOut(serializers.Serializer[Any]):
    """A safety update sent from her case, as her own service reads it."""

    risk_change = serializers.CharField()
    changed_on = serializers.DateField(allow_null=True)
    new_incident = serializers.BooleanField()
    contact_increases_risk = serializers.BooleanField()
    message = serializers.CharField()
    sent_by = serializers.CharField(help_text=gettext_lazy("The sender's username."))
    reached = serializers.IntegerField(help_text=gettext_lazy("How many of his cases it reached."))
    at = serializers.DateTimeField()


class SafeContactOut(serializers.Serializer[Any]):
    """Her safe-contact arrangements in force. The safe word is never in the API: read it on her case."""

    safe_times = serializers.CharField()
    channels = serializers.ListField(child=serializers.CharField())
    voicemail = serializers.BooleanField()
    safe_word_agreed = serializers.BooleanField()
    others_may_answer = serializers.CharField()
    at = serializers.DateTimeField()


class PartnerSafetyOut(serializers.Serializer[Any]):
    side = serializers.CharField(help_text=gettext_lazy("perpetrator or victim: which parts are given."))
    partner_signals = SignalOut(many=True, required=False, help_text=gettext_lazy("His case only."))
    victim_traces = TraceOut(many=True, required=False, help_text=gettext_lazy("His case only."))
    safety_updates = UpdateOut(many=True, required=False, help_text=gettext_lazy("Her case only."))
    safe_contact = SafeContactOut(allow_null=True, required=False, help_text=gettext_lazy("Her case only."))


class CasePartnerSafety(APIView):
    @extend_schema(
        summary=gettext_lazy("Get a case's partner-safety loop"),
        description=gettext_lazy(
            "On his case: what his partners' support workers reported, and how far the tracing of each "
            "person he has harmed has got (only what the access policy lets cross). On her case: the safety "
            "updates sent from it and her safe-contact arrangements. Any other case answers 404."
        ),
        responses={200: PartnerSafetyOut, 404: ApiError},
    )
    def get(self, request: Request, case_id: uuid.UUID) -> Response:
        actor = actor_for(request)
        case = selectors.case_get(actor=actor, case_id=case_id)
        if case.person.side == Side.PERPETRATOR:
            markers = selectors.case_sealed_markers(case=case)
            signals = []
            for s in partner_selectors.partner_signals(actor=actor, case=case):
                signals.append(
                    {
                        "risk_change": s.risk_change,
                        "changed_on": s.changed_on,
                        "new_incident": s.new_incident,
                        "contact_increases_risk": s.contact_increases_risk,
                        "message": sealed_details_shown(s.message, markers) if s.message else "",
                        "service": s.service.slug,
                        "at": s.at,
                    }
                )
            traces = [
                {
                    "found_in": t.source,
                    "police_records": t.police_records,
                    "last_record_on": t.last_record_on,
                    "traced_by": t.traced_by,
                    "status": t.status,
                    "supported_by": t.supported_by,
                }
                for t in case_victim_traces(case=case)
            ]
            return Response({"side": Side.PERPETRATOR, "partner_signals": signals, "victim_traces": traces})
        updates = [
            {
                "risk_change": u.risk_change,
                "changed_on": u.changed_on,
                "new_incident": u.new_incident,
                "contact_increases_risk": u.contact_increases_risk,
                "message": u.message,
                "sent_by": u.sent_by.username,
                "reached": u.reached,
                "at": u.at,
            }
            for u in partner_selectors.safety_updates(actor=actor, case=case)
        ]
        arrangements = contact_selectors.safe_contacts(actor=actor, case=case)
        in_force = arrangements[0] if arrangements else None
        safe = (
            {
                "safe_times": in_force.safe_times,
                "channels": in_force.channels,
                "voicemail": in_force.voicemail,
                "safe_word_agreed": in_force.safe_word is not None,
                "others_may_answer": in_force.others_may_answer,
                "at": in_force.at,
            }
            if in_force is not None
            else None
        )
        return Response({"side": Side.VICTIM, "safety_updates": updates, "safe_contact": safe})
