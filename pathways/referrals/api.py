"""The referrals API: the same services as the pages, through the same policy."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pathways.core.api import IDEMPOTENCY_PARAMETER, ApiError, idempotent_create
from pathways.core.dates import birth_date_problem
from pathways.core.policy import actor_for
from pathways.directory.choices import ReferralRoute
from pathways.directory.models import Area
from pathways.people.choices import (
    PARTNER_KINDS,
    GenderIdentity,
    PreferredLanguage,
    RelationshipKind,
    WorkPattern,
)
from pathways.people.services import PersonInput
from pathways.referrals import selectors, services
from pathways.referrals.choices import RiskLevel
from pathways.referrals.forms import ReferralForm
from pathways.referrals.models import Referral
from pathways.referrals.reasons import Describer
from pathways.referrals.triagefile import CASE_FACTS

PHONE = r"^[0-9 +()-]{6,20}$"


def _birth_date(value: datetime.date) -> None:
    problem = birth_date_problem(value)
    if problem:
        raise ValidationError(problem)


def _as_form(name: str) -> dict[str, Any]:
    """The referral form's message for a missing answer, so that the API and the form say the same."""
    field = ReferralForm.base_fields[name]
    message = field.error_messages.get("required")
    if name == "partner_gender":
        message = _("Select the partner's gender, or Not known")
    return {"required": message, "null": message}


class PersonIn(serializers.Serializer[Any]):
    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField(required=False, allow_null=True, validators=[_birth_date])
    gender_identity = serializers.ChoiceField(
        GenderIdentity.choices, error_messages=_as_form("gender_identity")
    )
    # Null is the form's "Not known"; leaving it out is not an answer.
    area = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Area.objects.all(),
        allow_null=True,
        error_messages={"required": _as_form("area")["required"]},
    )
    preferred_language = serializers.ChoiceField(
        PreferredLanguage.choices, error_messages=_as_form("preferred_language")
    )
    interpreter_needed = serializers.BooleanField(default=False)
    has_disability = serializers.BooleanField(required=False, allow_null=True, default=None)
    work_pattern = serializers.ChoiceField(WorkPattern.choices, error_messages=_as_form("work_pattern"))
    police_reference = serializers.CharField(max_length=50, required=False, default="")
    nhs_number = serializers.RegexField(r"^\d{10}$", required=False, default="")
    social_services_reference = serializers.CharField(max_length=50, required=False, default="")
    # Their own contact details, sealed, for the agencies that will work with them.
    phone = serializers.RegexField(PHONE, required=False, default="")
    email = serializers.EmailField(required=False, default="")
    address = serializers.CharField(max_length=500, required=False, default="")
    contact_arrangements = serializers.CharField(max_length=1000, required=False, default="")


class PartnerIn(serializers.Serializer[Any]):
    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    gender_identity = serializers.ChoiceField(
        GenderIdentity.choices, error_messages=_as_form("partner_gender")
    )
    relationship = serializers.ChoiceField(
        list(PARTNER_KINDS),
        default=RelationshipKind.CURRENT_PARTNER,
    )
    phone = serializers.RegexField(PHONE, required=False, default="")
    email = serializers.EmailField(required=False, default="")
    address = serializers.CharField(max_length=500, required=False, default="")


class ChildIn(serializers.Serializer[Any]):
    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField(required=False, allow_null=True, validators=[_birth_date])
    school = serializers.CharField(max_length=200, required=False, default="")


class ReferralIn(serializers.Serializer[Any]):
    person = PersonIn()
    route = serializers.ChoiceField(ReferralRoute.choices)
    reason = serializers.CharField(max_length=4000)
    risk_level = serializers.ChoiceField(RiskLevel.choices, error_messages=_as_form("risk_level"))
    risk_notes = serializers.CharField(max_length=4000, required=False, default="")
    been_to_marac = serializers.BooleanField(error_messages=_as_form("been_to_marac"))
    # The questions about behaviour and history: true, false, or null when not known; each must be sent,
    # as each must be answered on the form, because triage turns on them.
    entrenched_behaviour = serializers.BooleanField(
        allow_null=True, error_messages=_as_form("entrenched_behaviour")
    )
    convictions_or_orders = serializers.BooleanField(
        allow_null=True, error_messages=_as_form("convictions_or_orders")
    )
    serial_behaviour = serializers.BooleanField(allow_null=True, error_messages=_as_form("serial_behaviour"))
    mutual_violence = serializers.BooleanField(allow_null=True, error_messages=_as_form("mutual_violence"))
    sexual_harm_concern = serializers.BooleanField(
        allow_null=True, error_messages=_as_form("sexual_harm_concern")
    )
    consent_to_contact = serializers.BooleanField(default=False)
    partner = PartnerIn(required=False, allow_null=True)
    children = ChildIn(many=True, required=False, default=list)

    def validate_children(self, value: list[Any]) -> list[Any]:
        if len(value) > 20:
            raise ValidationError("At most 20 children.")
        return value


class ChooseIn(serializers.Serializer[Any]):
    service = serializers.SlugField(max_length=50, required=False)
    unmet_need = serializers.BooleanField(default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("service")) == bool(attrs.get("unmet_need")):
            raise ValidationError("Give either a service or unmet_need: true.")
        return attrs


class EventOut(serializers.Serializer[Any]):
    status = serializers.CharField()
    at = serializers.DateTimeField()


class FitOut(serializers.Serializer[Any]):
    service = serializers.CharField()
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())
    cautions = serializers.ListField(child=serializers.CharField())


class RuledOutOut(serializers.Serializer[Any]):
    service = serializers.CharField()
    tier = serializers.CharField()
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text="Every reason, not only the first."
    )


class TriageOut(serializers.Serializer[Any]):
    fits = FitOut(many=True)
    ruled_out = RuledOutOut(many=True)
    tier_needed = serializers.CharField(allow_null=True)


class ReferralOut(serializers.Serializer[Any]):
    """A referral as the API shows it: never the people's details, only the referral and its triage."""

    id = serializers.UUIDField()
    reference = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    route = serializers.CharField()
    risk_level = serializers.CharField()
    service = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    events = EventOut(many=True)
    triage = TriageOut(allow_null=True)


def _triage_out(snapshot: dict[str, Any] | None, describe: Describer | None = None) -> dict[str, Any] | None:
    if not snapshot:
        return None
    describe = describe or Describer()
    return {
        "fits": [
            {
                "service": o["service"],
                "score": o["score"],
                "reasons": [describe(r) for r in o["reasons"]],
                "cautions": [describe(r) for r in o["cautions"]],
            }
            for o in snapshot.get("fits", [])
        ],
        "ruled_out": [
            {"service": r["service"], "tier": r["tier"], "reasons": [describe(x) for x in r["reasons"]]}
            for r in snapshot.get("ruled_out", [])
        ],
        "tier_needed": snapshot.get("tier_needed"),
    }


def referral_out(
    referral: Referral, triage: dict[str, Any] | None = None, describe: Describer | None = None
) -> dict[str, Any]:
    """`describe` is shared across a list, so that the names its reasons need are read once, not per row."""
    return {
        "id": str(referral.pk),
        "reference": referral.reference,
        "kind": referral.kind,
        "status": referral.status,
        "route": referral.route,
        "risk_level": referral.risk_level,
        "service": referral.service.slug if referral.service else None,
        "created_at": referral.created_at.isoformat(),
        "events": [{"status": e.status, "at": e.at.isoformat()} for e in referral.events.all()],
        "triage": _triage_out(triage if triage is not None else referral.triage, describe),
    }


class ReferralListCreate(APIView):
    """Referrals your agency made or received (GET), or make one (POST); the answer includes triage."""

    @extend_schema(
        summary=gettext_lazy("List referrals"),
        description=gettext_lazy(
            "Referrals your agency made or received, newest first (at most 500), each with its history "
            "and triage. The list names no person."
        ),
        responses={200: ReferralOut(many=True)},
    )
    def get(self, request: Request) -> Response:
        actor = actor_for(request)
        # The list names no person or agency: only the service is joined.
        referrals = list(
            selectors.referrals_for(actor=actor)
            .select_related(None)
            .select_related("service")
            .prefetch_related("events")[:500]
        )
        describe = Describer()
        return Response([referral_out(r, describe=describe) for r in referrals])

    @extend_schema(
        summary=gettext_lazy("Make a referral"),
        description=gettext_lazy(
            "Records the referral, the person referred and, when given, his partner and children, then "
            "runs triage and answers with it: the services that could take him, ranked with their reasons, "
            "those ruled out with every reason, and the tier needed (`triage` is null when triage could not "
            "run). A reason or risk note that holds a partner's or child's sealed details is refused "
            "(400), naming the field."
        ),
        request=ReferralIn,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: ReferralOut,
            400: ApiError,
            422: OpenApiResponse(ApiError, description="Idempotency-Key reused"),
        },
    )
    def post(self, request: Request) -> Response:
        return idempotent_create(
            request,
            endpoint="referrals",
            create=lambda: self._create(request),
            replay=lambda record_id: Response(
                referral_out(selectors.referral_get(actor=actor_for(request), referral_id=record_id))
            ),
        )

    def _create(self, request: Request) -> tuple[Response, uuid.UUID | None]:
        body = ReferralIn(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        partner = None
        if data.get("partner"):
            p = dict(data["partner"])
            relationship = p.pop("relationship")
            partner = services.PartnerInput(
                person=PersonInput(area=data["person"].get("area"), **p), relationship=relationship
            )
        referral_input = services.ReferralInput(
            route=data["route"],
            reason=data["reason"],
            risk_level=data["risk_level"],
            risk_notes=data["risk_notes"],
            been_to_marac=data["been_to_marac"],
            consent_to_contact=data["consent_to_contact"],
            facts={name: data[name] for name in CASE_FACTS},
            person=PersonInput(**data["person"]),
            partner=partner,
            children=[PersonInput(area=data["person"].get("area"), **c) for c in data["children"]],
        )
        actor = actor_for(request)
        try:
            referral = services.referral_create(actor=actor, data=referral_input)
        except services.ReferralError as error:
            # The refusal's own audit entry (a sealed detail typed into the reason, say) is kept: nothing
            # else was written.
            body_errors = {error.field: [str(error)]} if error.field else {}
            return (
                Response({"detail": str(error), "errors": body_errors}, status=status.HTTP_400_BAD_REQUEST),
                None,
            )
        try:
            result, ruleset = services.referral_triage(referral=referral)
            triage = {**result.snapshot(), "rules_version": ruleset.version}
        except services.ReferralError:
            triage = None
        return Response(referral_out(referral, triage), status=status.HTTP_201_CREATED), referral.pk


class ReferralDetail(APIView):
    @extend_schema(
        summary=gettext_lazy("Get a referral"),
        description=gettext_lazy(
            "One referral your agency made or received, with its history and triage. Another agency's "
            "referral answers 404, as one that does not exist."
        ),
        responses={200: ReferralOut, 404: ApiError},
    )
    def get(self, request: Request, referral_id: uuid.UUID) -> Response:
        actor = actor_for(request)
        referral = selectors.referral_get(actor=actor, referral_id=referral_id)
        return Response(referral_out(referral))


class ReferralChoose(APIView):
    """Send a received referral to one of the services triage offered, or record unmet need."""

    @extend_schema(
        summary=gettext_lazy("Choose a service for a referral"),
        description=gettext_lazy(
            "Sends a received referral to one of the services triage offered (`service`, its slug), or "
            "records that no service can take it (`unmet_need: true`): give one of the two. Choosing a "
            "service with a linked partner-support service refers the partner to it too. A referral that "
            "cannot take this step now is refused (409)."
        ),
        request=ChooseIn,
        responses={
            200: ReferralOut,
            400: ApiError,
            404: ApiError,
            409: OpenApiResponse(ApiError, description=gettext_lazy("Not possible now.")),
        },
    )
    def post(self, request: Request, referral_id: uuid.UUID) -> Response:
        actor = actor_for(request)
        referral = selectors.referral_get(actor=actor, referral_id=referral_id)
        body = ChooseIn(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            if body.validated_data["unmet_need"]:
                referral = services.referral_unmet_need_record(actor=actor, referral=referral)
            else:
                referral = services.referral_service_choose(
                    actor=actor, referral=referral, service_slug=body.validated_data["service"]
                )
        except services.ReferralError as error:
            return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
        return Response(referral_out(referral))
