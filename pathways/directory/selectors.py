from __future__ import annotations

from django.db.models import QuerySet, TextChoices
from django.utils.translation import gettext as _

from pathways.directory.choices import Format, Gender, Language, ReferralRoute, RelationshipType
from pathways.directory.models import Service


def services_find(
    *, tier: str | None = None, area: str | None = None, status: str | None = None
) -> QuerySet[Service]:
    queryset = Service.objects.select_related("provider", "partner_support_service").prefetch_related("areas")
    if tier:
        queryset = queryset.filter(tier=tier)
    if area:
        queryset = queryset.filter(areas__slug=area)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("tier", "name_en").distinct()


def _choice_labels(values: list[str] | None, choices: type[TextChoices]) -> list[str] | None:
    if values is None:
        return None
    names = dict(choices.choices)
    return [str(names.get(v, v)) for v in values]


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else str(_("Yes") if value else _("No"))


def service_labels(*, service: Service) -> dict[str, object]:
    """Readable forms of a service's eligibility fields; None where the region file does not say."""
    if service.age_min is None and service.age_max is None:
        ages = None
    elif service.age_max is None:
        ages = _("%(min)s and over") % {"min": service.age_min}
    elif service.age_min is None:
        ages = _("Up to %(max)s") % {"max": service.age_max}
    else:
        ages = _("%(min)s to %(max)s") % {"min": service.age_min, "max": service.age_max}
    return {
        "genders": _choice_labels(service.genders, Gender),
        "relationship_types": _choice_labels(service.relationship_types, RelationshipType),
        "languages": _choice_labels(service.languages, Language),
        "formats": _choice_labels(service.formats, Format),
        "referral_routes": _choice_labels(service.referral_routes, ReferralRoute),
        "ages": ages,
        "children_required": _yes_no(service.children_required),
        "outside_working_hours": _yes_no(service.outside_working_hours),
        "accessible": _yes_no(service.accessible),
        "partner_details_required": _yes_no(service.partner_details_required),
    }
