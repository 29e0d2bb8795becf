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
from pathways.core.api import ApiError
from pathways.core.policy import actor_for


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
