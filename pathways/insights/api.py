from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pathways.insights.choices import Group
from pathways.insights.selectors import gap_map_build


class GapMapQuery(serializers.Serializer[Any]):
    group = serializers.ListField(child=serializers.ChoiceField(choices=Group.choices), required=False)
    as_at = serializers.DateField(required=False)


def _services(items: list[Any]) -> list[str]:
    return [s.slug for s in items]


class GapMapView(APIView):
    """For each area and tier, the running services that take every chosen group, and the gaps."""

    @extend_schema(
        parameters=[
            OpenApiParameter("group", str, many=True, enum=Group.values, explode=True),
            OpenApiParameter(
                "as_at", str, description="YYYY-MM-DD; defaults to the date the region file describes"
            ),
        ],
        responses=inline_serializer(
            "GapMap",
            {
                "region": serializers.CharField(allow_null=True),
                "as_at": serializers.DateField(),
                "groups": serializers.ListField(child=serializers.CharField()),
                "cells": serializers.ListField(child=serializers.DictField()),
                "flags": serializers.ListField(child=serializers.DictField()),
                "findings": serializers.ListField(child=serializers.CharField()),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        query = GapMapQuery(
            data={
                "group": request.query_params.getlist("group"),
                **({"as_at": request.query_params["as_at"]} if request.query_params.get("as_at") else {}),
            }
        )
        if not query.is_valid():
            raise ValidationError(query.errors)
        result = gap_map_build(
            groups=query.validated_data.get("group", []), as_at=query.validated_data.get("as_at")
        )
        cells = [
            {
                "area": cell.area.slug,
                "tier": cell.tier,
                "state": cell.state,
                "services": _services(cell.services),
                "not_stated": _services(cell.not_stated),
                "recently_closed": _services(cell.recently_closed),
                "unmet_need": cell.unmet_need,
                "placed_below_need": cell.placed_below_need,
                "need_reasons": [{"reason": text, "referrals": n} for text, n in cell.need_reasons],
            }
            for _area, row in result.rows
            for cell in row
        ]
        return Response(
            {
                "region": result.region.slug if result.region else None,
                "as_at": result.as_at,
                "groups": result.groups,
                "cells": cells,
                "flags": [{"service": f.service.slug, "kind": f.kind, "on": f.on} for f in result.flags],
                "findings": result.findings,
            }
        )
