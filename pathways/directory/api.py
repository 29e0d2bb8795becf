from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from pathways.core.api import ApiError
from pathways.directory import selectors
from pathways.directory.choices import ServiceStatus, Tier
from pathways.directory.models import Area, Provider, Service


class AreaSerializer(serializers.ModelSerializer[Area]):
    class Meta:
        model = Area
        fields = ["slug", "name_en", "name_cy", "in_region"]


class HistorySerializer(serializers.Serializer[Any]):
    status = serializers.CharField()
    started_on = serializers.DateField(allow_null=True)
    note_en = serializers.CharField()
    note_cy = serializers.CharField()


class ServiceSerializer(serializers.ModelSerializer[Service]):
    provider: serializers.SlugRelatedField[Provider] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    areas: Any = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    partner_support_service: serializers.SlugRelatedField[Service] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    genders = serializers.ListField(child=serializers.CharField(), allow_null=True)
    relationship_types = serializers.ListField(child=serializers.CharField(), allow_null=True)
    languages = serializers.ListField(child=serializers.CharField(), allow_null=True)
    formats = serializers.ListField(child=serializers.CharField(), allow_null=True)
    referral_routes = serializers.ListField(child=serializers.CharField())
    history = HistorySerializer(many=True, read_only=True)

    class Meta:
        model = Service
        fields = [
            "slug",
            "name_en",
            "name_cy",
            "provider",
            "summary_en",
            "summary_cy",
            "tier",
            "kind",
            "areas",
            "genders",
            "relationship_types",
            "age_min",
            "age_max",
            "children_required",
            "languages",
            "formats",
            "outside_working_hours",
            "accessible",
            "referral_routes",
            "partner_details_required",
            "partner_support_service",
            "capacity",
            "waiting_weeks",
            "funding_end",
            "evaluation_status",
            "evaluation_note_en",
            "evaluation_note_cy",
            "status",
            "status_since",
            "history",
            "source",
        ]


def _choice(request: Request, name: str, allowed: list[str]) -> str | None:
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    if value not in allowed:
        raise ValidationError(
            {name: [f"Unknown value {value[:50]!r}; expected one of: {', '.join(allowed)}."]}
        )
    return value


@extend_schema(
    summary=gettext_lazy("List services"),
    description=gettext_lazy(
        "Services in the directory, with every field the region file gives. Filter by tier, area or "
        "status; an unknown value is refused (400) with the values allowed."
    ),
    parameters=[
        OpenApiParameter(
            "tier", str, enum=Tier.values, description=gettext_lazy("Only services of this tier.")
        ),
        OpenApiParameter(
            "area", str, description=gettext_lazy("Only services in this area, by its slug (see List areas).")
        ),
        OpenApiParameter(
            "status",
            str,
            enum=ServiceStatus.values,
            description=gettext_lazy("Only services with this status."),
        ),
    ],
    responses={200: ServiceSerializer(many=True), 400: ApiError},
)
class ServiceList(generics.ListAPIView[Service]):
    """Services in the directory, with every field the region file gives."""

    serializer_class = ServiceSerializer

    def get_queryset(self) -> Any:
        area = self.request.query_params.get("area") or None
        if area is not None and not Area.objects.filter(slug=area).exists():
            raise ValidationError({"area": [f"No area {area[:50]!r}."]})
        return selectors.services_find(
            tier=_choice(self.request, "tier", Tier.values),
            area=area,
            status=_choice(self.request, "status", ServiceStatus.values),
        ).prefetch_related("history")


@extend_schema(
    summary=gettext_lazy("Get a service"),
    description=gettext_lazy(
        "One service in the directory, by its slug, with every field the region file gives."
    ),
    responses={200: ServiceSerializer, 404: ApiError},
)
class ServiceDetail(generics.RetrieveAPIView[Service]):
    serializer_class = ServiceSerializer
    lookup_field = "slug"

    def get_queryset(self) -> Any:
        return selectors.services_find().prefetch_related("history")


@extend_schema(
    summary=gettext_lazy("List areas"),
    description=gettext_lazy(
        "The areas of the region and of its neighbours, named in English and Welsh, and whether each is in "
        "the region."
    ),
)
class AreaList(generics.ListAPIView[Area]):
    serializer_class = AreaSerializer
    queryset = Area.objects.all()
