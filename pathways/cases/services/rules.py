"""The region's casework file: validated whole and kept as numbered versions."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction

from pathways.audit.choices import AuditAction
from pathways.cases.models import CaseworkRules
from pathways.cases.rulesfile import CaseworkFile
from pathways.cases.selectors.rules import casework_rules_forget
from pathways.cases.services.base import case_audit
from pathways.core.datafiles import DataFileError, Location, problems_from, validate
from pathways.directory.choices import ServiceKind
from pathways.directory.models import Service
from pathways.directory.services import region_loaded

if TYPE_CHECKING:
    from pathways.core.policy import Actor


@transaction.atomic
def casework_rules_load(*, path: Path, actor: Actor | None = None) -> tuple[CaseworkRules, bool]:
    """Load the region's casework file as its next version (or return the current one, False, if the file
    is unchanged). Every problem is reported at once, with its line, and nothing is loaded."""
    path = Path(path)
    parsed, data, index = validate(path, CaseworkFile)
    region = region_loaded(path=path, slug=parsed.region, index=index)
    services = set(Service.objects.filter(region=region).values_list("slug", flat=True))
    problems: list[tuple[Location, str]] = []
    for n, programme in enumerate(parsed.programmes):
        if programme.service not in services:
            problems.append(
                (
                    ("programmes", n, "service"),
                    f"no service {programme.service!r} in region.yaml; check the slug",
                )
            )
    for key in ("internal_every_days", "multi_agency_every_days"):
        for slug in getattr(parsed.reviews, key):
            if slug != "default" and slug not in services:
                problems.append(
                    (("reviews", key, slug), f"no service {slug!r} in region.yaml; check the slug")
                )
    for n, slug in enumerate(parsed.outcomes.engaged_at_first_contact):
        if slug not in services:
            problems.append(
                (
                    ("outcomes", "engaged_at_first_contact", n),
                    f"no service {slug!r} in region.yaml; check the slug",
                )
            )
    outcomes = data.get("outcomes") if isinstance(data, dict) else None
    for key, what in (
        ("engaged_sessions", "the sessions attended after which a case counts as engaged, e.g. 1"),
        (
            "engaged_at_first_contact",
            "the services engaged at first contact rather than by sessions, e.g. [drive-cardiff], or []",
        ),
        (
            "age_bands_from",
            "the youngest age of each band in which figures count people by age, e.g. [18, 25, 35, 45, 55]",
        ),
    ):
        if isinstance(outcomes, dict) and key not in outcomes:
            problems.append((("outcomes",), f"add {key}: {what}"))
    if isinstance(data, dict) and "safety_activities" not in data:
        problems.append(
            (
                (),
                "add safety_activities: the catalogue of the support and safety plan on the case of "
                "someone being harmed (kind safety or support)",
            )
        )
    if isinstance(data, dict) and "joint_meetings" not in data:
        problems.append(
            (
                (),
                "add joint_meetings: the linked services that hold joint case meetings and how often "
                "(joint_meetings: [] if none do)",
            )
        )
    kinds = dict(Service.objects.filter(region=region).values_list("slug", "kind"))
    for n, joint in enumerate(parsed.joint_meetings):
        for key, kind, what in (
            (
                "perpetrator_service",
                ServiceKind.PERPETRATOR_INTERVENTION,
                "working with people who use abuse",
            ),
            ("support_service", ServiceKind.VICTIM_SUPPORT, "supporting victims"),
        ):
            slug = getattr(joint, key)
            if slug not in services:
                problems.append(
                    (("joint_meetings", n, key), f"no service {slug!r} in region.yaml; check the slug")
                )
            elif kinds[slug] != kind:
                problems.append(
                    (
                        ("joint_meetings", n, key),
                        f"{slug!r} is not a service {what} in region.yaml; check the slug",
                    )
                )
    if problems:
        raise DataFileError(problems_from(path, data, index, problems))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    latest = CaseworkRules.objects.filter(region=region).first()
    if latest is not None and latest.file_sha256 == digest:
        return latest, False
    rules: dict[str, Any] = parsed.model_dump(mode="json")
    created = CaseworkRules.objects.create(
        region=region,
        version=latest.version + 1 if latest is not None else 1,
        file_sha256=digest,
        rules=rules,
    )
    # A load rolled back can leave its id to the next one (SQLite reuses it): what was read under that
    # id in this process must not stand for the new file.
    casework_rules_forget()
    case_audit(
        action=AuditAction.REGION_LOADED,
        actor=actor,
        record_type="casework_rules",
        record_id=created.pk,
        details={"region": region.slug, "version": created.version, "sha256": digest},
    )
    return created, True
