from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pathways.core.api import ApiError
from pathways.core.smallnumbers import figure_shown
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
        summary=gettext_lazy("Get the gap map"),
        description=gettext_lazy(
            "For each area and tier, the running services that take every chosen group, and the gaps, with "
            "the referrals that found no service or were placed below the tier needed, and why. `flags` "
            "names services whose funding ends soon or that closed recently. An unknown group or a "
            "malformed date is refused (400)."
        ),
        parameters=[
            OpenApiParameter(
                "group",
                str,
                many=True,
                enum=Group.values,
                explode=True,
                description=gettext_lazy(
                    "A group the services must take. Repeat it for several groups: a service then counts "
                    "only if it takes them all (`group=women&group=lgbtq`)."
                ),
            ),
            OpenApiParameter(
                "as_at",
                str,
                description=gettext_lazy(
                    "The date to measure from, YYYY-MM-DD; by default the date the region file describes."
                ),
            ),
        ],
        responses={
            200: inline_serializer(
                "GapMap",
                {
                    "region": serializers.CharField(allow_null=True),
                    "as_at": serializers.DateField(),
                    "groups": serializers.ListField(child=serializers.CharField()),
                    "cells": serializers.ListField(
                        child=serializers.DictField(),
                        help_text=gettext_lazy(
                            "One for each area and tier: `area`, `tier`, `state` (`gap`, `thin` or "
                            "`covered`), `services` (the running services that take every chosen group), "
                            "`not_stated` (those whose region file does not say), `recently_closed`, "
                            "`unmet_need` and `placed_below_need` (numbers of referrals) and `need_reasons` "
                            "(each a `reason` with its number of `referrals`); a number from 1 to 4 is "
                            'given as "<5", and one from which such a number could be worked out (beside '
                            'the same map with fewer groups, or the other reasons) as "[c]", so that no one '
                            "can be identified."
                        ),
                    ),
                    "flags": serializers.ListField(
                        child=serializers.DictField(),
                        help_text=gettext_lazy(
                            "Each a `service`, a `kind` (`funding_ends`, `funding_ended` or "
                            "`decommissioned`) and the date it happens or happened, `on`."
                        ),
                    ),
                    "findings": serializers.ListField(
                        child=serializers.CharField(),
                        help_text=gettext_lazy(
                            "What the map shows, in sentences; none when groups are chosen."
                        ),
                    ),
                },
            ),
            400: ApiError,
        },
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
                "unmet_need": figure_shown(cell.unmet_shown),
                "placed_below_need": figure_shown(cell.below_shown),
                "need_reasons": [
                    {"reason": text, "referrals": figure_shown(f)} for text, f in cell.reasons_shown
                ],
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
