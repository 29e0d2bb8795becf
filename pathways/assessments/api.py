"""The assessments API: the same services and selectors as the pages, through the same policy.

Nothing here returns a person's details: an assessment names its person by id only.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pathways.assessments import selectors, services
from pathways.assessments.engine import VALUES, AnswerProblem, check_answers
from pathways.assessments.instrumentfile import Instrument
from pathways.assessments.models import Assessment, AssessmentStatus, Context, InstrumentVersion
from pathways.core.api import IDEMPOTENCY_PARAMETER, idempotent_create
from pathways.core.policy import actor_for
from pathways.core.sealedtext import Marker
from pathways.people import selectors as people
from pathways.people.sealed import sealed_details_withhold, withheld_message

LIST_LIMIT = 500

# --- bodies --------------------------------------------------------------------------------------------


class StartIn(serializers.Serializer[Any]):
    person = serializers.UUIDField()
    instrument = serializers.CharField(max_length=60)
    # DRF moves declared fields off the class, so these names do not hide Serializer attributes.
    context = serializers.ChoiceField(Context.choices)  # type: ignore[assignment]
    assessed_on = serializers.DateField()

    def validate_instrument(self, value: str) -> str:
        if not InstrumentVersion.objects.filter(instrument=value).exists():
            raise ValidationError(_("No such instrument is loaded."))
        return value

    def validate_assessed_on(self, value: Any) -> Any:
        if value > timezone.localdate():
            raise ValidationError(_("The date cannot be in the future."))
        return value


class AnswersIn(serializers.Serializer[Any]):
    answers = serializers.JSONField(help_text="Item id to answer, as the instrument version defines them.")
    narrative = serializers.CharField(max_length=8000, required=False, allow_blank=True, default="")
    sources = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    complete = serializers.BooleanField(default=False)


# --- responses -----------------------------------------------------------------------------------------


class WordsOut(serializers.Serializer[Any]):
    en = serializers.CharField()
    cy = serializers.CharField()


class ProblemOut(serializers.Serializer[Any]):
    item = serializers.CharField()
    message = serializers.CharField()


class ErrorOut(serializers.Serializer[Any]):
    detail = serializers.CharField()
    problems = ProblemOut(many=True, required=False)
    errors = serializers.DictField(  # type: ignore[assignment]
        required=False, help_text="Problems with the request body, by field."
    )


class MaracOut(serializers.Serializer[Any]):
    refer = serializers.BooleanField()
    criteria = serializers.ListField(child=serializers.CharField())


class ResultsOut(serializers.Serializer[Any]):
    """Computed when the assessment is completed; empty for a draft."""

    values = serializers.DictField(child=serializers.FloatField(), required=False)
    bands = serializers.DictField(child=serializers.CharField(), required=False)
    risk_level = serializers.CharField(allow_null=True, required=False)
    marac = MaracOut(required=False)
    outside_validated_population = serializers.BooleanField(required=False)


class AssessmentSummaryOut(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    person = serializers.UUIDField()
    instrument = serializers.CharField()
    instrument_version = serializers.IntegerField()
    status = serializers.CharField()
    context = serializers.CharField()  # type: ignore[assignment]
    assessed_on = serializers.DateField()
    risk_level = serializers.CharField(allow_null=True)
    assessor = serializers.CharField()
    agency = serializers.CharField()
    created_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)


class AssessmentOut(AssessmentSummaryOut):
    answers = serializers.DictField()
    results = ResultsOut()
    narrative = serializers.CharField()
    sources = serializers.CharField()
    supersedes = serializers.UUIDField(allow_null=True)
    correction_reason = serializers.CharField()


class CurrentRiskOut(serializers.Serializer[Any]):
    level = serializers.CharField()
    assessment = serializers.UUIDField()


class PersonAssessmentsOut(serializers.Serializer[Any]):
    person = serializers.UUIDField()
    current_risk = CurrentRiskOut(allow_null=True)
    assessments = AssessmentSummaryOut(many=True)


class ItemOut(serializers.Serializer[Any]):
    id = serializers.CharField()
    section = serializers.CharField(help_text='The section id, or "judgements".')
    type = serializers.CharField()
    required = serializers.BooleanField()  # type: ignore[assignment]
    label = WordsOut()  # type: ignore[assignment]
    values = serializers.ListField(
        child=serializers.CharField(), help_text="The allowed answers, for items answered from a list."
    )
    shown_when = serializers.DictField(
        child=serializers.CharField(), allow_null=True, help_text="{item, equals} for a follow-up item."
    )


class InstrumentOut(serializers.Serializer[Any]):
    id = serializers.CharField()
    version = serializers.IntegerField()
    name = WordsOut()
    kind = serializers.CharField()
    licence = serializers.CharField()
    items = ItemOut(many=True)


# --- building responses --------------------------------------------------------------------------------


def summary_out(assessment: Assessment) -> dict[str, Any]:
    return {
        "id": str(assessment.pk),
        "person": str(assessment.person_id),
        "instrument": assessment.instrument_version.instrument,
        "instrument_version": assessment.instrument_version.version,
        "status": assessment.status,
        "context": assessment.context,
        "assessed_on": assessment.assessed_on.isoformat(),
        "risk_level": (assessment.results or {}).get("risk_level"),
        "assessor": assessment.assessor.get_username(),
        "agency": assessment.agency.slug,
        "created_at": assessment.created_at.isoformat(),
        "completed_at": assessment.completed_at.isoformat() if assessment.completed_at else None,
    }


def _checked(text: str, markers: list[Marker]) -> str:
    shown = sealed_details_withhold(text, markers)
    return withheld_message() if shown is None else shown


def assessment_out(assessment: Assessment) -> dict[str, Any]:
    # Checked again when shown: a detail sealed after it was typed is withheld from then on.
    markers = services.assessment_sealed_markers(person=assessment.person)
    return {
        **summary_out(assessment),
        "answers": assessment.answers,
        "results": assessment.results,
        "narrative": _checked(assessment.narrative, markers),
        "sources": _checked(assessment.sources, markers),
        "supersedes": str(assessment.supersedes_id) if assessment.supersedes_id else None,
        "correction_reason": assessment.correction_reason,
    }


def instrument_out(version: InstrumentVersion) -> dict[str, Any]:
    instrument = services.instrument_definition(version=version)
    items = []
    for section in instrument.sections:
        when = {"item": section.when.item, "equals": section.when.equals} if section.when else None
        items += [(section.id, item, when) for item in section.items]
    items += [("judgements", item, None) for item in instrument.judgements]
    return {
        "id": instrument.id,
        "version": version.version,
        "name": instrument.name.model_dump(),
        "kind": instrument.kind,
        "licence": instrument.licence,
        "items": [
            {
                "id": item.id,
                "section": section,
                "type": item.type,
                "required": item.required,
                "label": item.label.model_dump(),
                "values": sorted(VALUES.get(item.type, ()))
                or [c.value for c in item.choices or []]
                or (sorted(VALUES["presence"]) if item.type == "presence_recent_past" else []),
                "shown_when": when,
            }
            for section, item, when in items
        ],
    }


def _problems_out(problems: list[AnswerProblem]) -> list[dict[str, str]]:
    return [{"item": p.item, "message": _(p.message)} for p in problems]


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def answer_problems(instrument: Instrument, answers: Any, *, complete: bool) -> list[AnswerProblem]:
    """The engine's check, after refusing answers the engine cannot compare (lists, nested objects)."""
    if not isinstance(answers, dict):
        return check_answers(instrument, answers, complete=complete)
    types = {i.id: i.type for s in instrument.sections for i in s.items}
    types.update({j.id: j.type for j in instrument.judgements})
    shape = []
    for key, value in answers.items():
        if key not in types:
            continue
        if types[key] == "presence_recent_past" and isinstance(value, dict):
            if all(_scalar(v) for v in value.values()):
                continue
        elif _scalar(value):
            continue
        shape.append(AnswerProblem(key, "expected a single answer, not a list or object"))
    unfit = {p.item for p in shape}
    rest = {k: v for k, v in answers.items() if k not in unfit}
    return shape + [p for p in check_answers(instrument, rest, complete=complete) if p.item not in unfit]


# --- views ---------------------------------------------------------------------------------------------


class AssessmentListCreate(APIView):
    """Assessments of people your agency works with, newest first (GET, at most 500), or start one (POST)."""

    @extend_schema(
        summary=gettext_lazy("List assessments"),
        description=gettext_lazy(
            "Assessments of people your agency works with, newest first (at most 500), without their answers."
        ),
        responses={200: AssessmentSummaryOut(many=True)},
    )
    def get(self, request: Request) -> Response:
        actor = actor_for(request)
        found = list(
            selectors.assessments_for(actor=actor).order_by("-assessed_on", "-created_at")[:LIST_LIMIT]
        )
        return Response([summary_out(a) for a in found])

    @extend_schema(
        summary=gettext_lazy("Start an assessment"),
        description=gettext_lazy(
            "Starts a draft assessment of a person your agency works with, on the current version of the "
            "instrument. Save its answers, and complete it, with Save or complete an assessment."
        ),
        request=StartIn,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: AssessmentOut, 400: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    )
    def post(self, request: Request) -> Response:
        return idempotent_create(
            request,
            endpoint="assessments",
            create=lambda: self._create(request),
            replay=lambda record_id: Response(
                assessment_out(selectors.assessment_get(actor=actor_for(request), assessment_id=record_id))
            ),
        )

    def _create(self, request: Request) -> tuple[Response, uuid.UUID | None]:
        body = StartIn(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        actor = actor_for(request)
        person = people.person_get(actor=actor, person_id=data["person"])
        try:
            assessment = services.assessment_start(
                actor=actor,
                person=person,
                instrument_id=data["instrument"],
                context=data["context"],
                assessed_on=data["assessed_on"],
            )
        except services.AssessmentError as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST), None
        return Response(assessment_out(assessment), status=status.HTTP_201_CREATED), assessment.pk


class AssessmentDetail(APIView):
    @extend_schema(
        summary=gettext_lazy("Get an assessment"),
        description=gettext_lazy(
            "One assessment with its answers and, once it is completed, its results. Its narrative and "
            "sources are withheld where they hold a sealed detail of the person's partner or child."
        ),
        responses={200: AssessmentOut, 404: ErrorOut},
    )
    def get(self, request: Request, assessment_id: uuid.UUID) -> Response:
        actor = actor_for(request)
        assessment = selectors.assessment_get(actor=actor, assessment_id=assessment_id)
        return Response(assessment_out(assessment))


class AssessmentAnswers(APIView):
    """Save a draft's answers, or complete it (`complete: true`), which computes the results.

    Answers that do not fit the assessment's instrument version are refused (400) with every problem; a
    completed assessment cannot change (409): correct it with a new version instead.
    """

    @extend_schema(
        summary=gettext_lazy("Save or complete an assessment"),
        description=gettext_lazy(
            "Saves a draft's answers, or completes it (`complete: true`), which computes the results. "
            "Answers that do not fit the assessment's instrument version are refused (400) with every "
            "problem; a completed assessment cannot change (409): correct it with a new version instead."
        ),
        request=AnswersIn,
        responses={200: AssessmentOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    )
    def post(self, request: Request, assessment_id: uuid.UUID) -> Response:
        actor = actor_for(request)
        assessment = selectors.assessment_get(actor=actor, assessment_id=assessment_id)
        if assessment.status != AssessmentStatus.DRAFT:
            return Response(
                {
                    "detail": _(
                        "This assessment is complete and cannot change. Correct it with a new version."
                    )
                },
                status=status.HTTP_409_CONFLICT,
            )
        body = AnswersIn(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        instrument = services.instrument_definition(version=assessment.instrument_version)
        problems = answer_problems(instrument, data["answers"], complete=data["complete"])
        if problems:
            return Response(
                {
                    "detail": _("The answers do not match this version of the form."),
                    "problems": _problems_out(problems),
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            assessment = services.assessment_save(
                actor=actor,
                assessment=assessment,
                answers=data["answers"],
                narrative=data["narrative"],
                sources=data["sources"],
                complete=data["complete"],
            )
        except services.AssessmentError as error:
            if not error.problems:  # completed meanwhile
                return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
            return Response(
                {"detail": str(error), "problems": _problems_out(error.problems)},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(assessment_out(selectors.assessment_get(actor=actor, assessment_id=assessment.pk)))


class PersonAssessments(APIView):
    """A person's assessments, newest first, and their current risk level with the assessment it is from."""

    @extend_schema(
        summary=gettext_lazy("List a person's assessments"),
        description=gettext_lazy(
            "A person's assessments, newest first, and their current risk level with the assessment it is "
            "from."
        ),
        responses={200: PersonAssessmentsOut, 404: ErrorOut},
    )
    def get(self, request: Request, person_id: uuid.UUID) -> Response:
        actor = actor_for(request)
        person = people.person_get(actor=actor, person_id=person_id)
        current = selectors.risk_current(person=person)
        return Response(
            {
                "person": str(person.pk),
                "current_risk": {"level": current.level, "assessment": str(current.assessment.pk)}
                if current
                else None,
                "assessments": [
                    summary_out(a) for a in selectors.assessment_history(person=person)[:LIST_LIMIT]
                ],
            }
        )


class InstrumentList(APIView):
    """The latest loaded version of each instrument, with its items (ids, types and neutral labels)."""

    @extend_schema(
        summary=gettext_lazy("List instruments"),
        description=gettext_lazy(
            "The latest loaded version of each instrument, with its items: their ids, types, neutral labels "
            "and allowed answers."
        ),
        responses={200: InstrumentOut(many=True)},
    )
    def get(self, request: Request) -> Response:
        latest: dict[str, InstrumentVersion] = {}
        for version in InstrumentVersion.objects.order_by("instrument", "-version"):
            latest.setdefault(version.instrument, version)
        return Response([instrument_out(v) for _key, v in sorted(latest.items())])
