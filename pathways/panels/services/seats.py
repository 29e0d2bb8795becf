"""The region's panels from `panels.yaml`, and the people who hold their seats."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from pathways.accounts.models import Agency, User
from pathways.audit.choices import AuditAction
from pathways.core.datafiles import DataFileError, Location, problems_from, validate
from pathways.directory.models import Area, Service
from pathways.directory.services import region_loaded
from pathways.panels.choices import (
    MemberRole,
)
from pathways.panels.models import (
    Panel,
    PanelMember,
)
from pathways.panels.panelfile import PanelsFile

if TYPE_CHECKING:
    from pathways.core.policy import Actor
from pathways.panels.services.base import PanelError, audit_panel, works_for


@transaction.atomic
def panels_load(*, path: Path, actor: Actor | None = None) -> list[Panel]:
    """Make the region's panels match its panels.yaml: created or updated by slug; panels no longer in the
    file are made inactive (their meetings are kept). All or nothing, every problem reported at once."""
    parsed, data, index = validate(path, PanelsFile)
    region = region_loaded(path=path, slug=parsed.region, index=index)
    areas = {a.slug: a for a in Area.objects.filter(region=region)}
    services = {s.slug: s for s in Service.objects.filter(region=region)}
    problems: list[tuple[Location, str]] = []
    for n, entry in enumerate(parsed.panels):
        for k, slug in enumerate(entry.areas):
            if slug not in areas:
                problems.append(
                    (("panels", n, "areas", k), f"no area {slug!r} in region.yaml; check the slug")
                )
        if entry.screening_service and entry.screening_service not in services:
            problems.append(
                (
                    ("panels", n, "screening_service"),
                    f"no service {entry.screening_service!r} in region.yaml; check the slug",
                )
            )
    if problems:
        raise DataFileError(problems_from(path, data, index, problems))
    panels = []
    for entry in parsed.panels:
        panel, _created = Panel.objects.update_or_create(
            region=region,
            slug=entry.slug,
            defaults={
                "kind": entry.kind,
                "name_en": entry.name.en,
                "name_cy": entry.name.cy,
                "every_days": entry.every_days,
                "quorum": entry.quorum,
                "top_n": entry.top_n or 0,  # 0: the panel ranks no RFG scores onto its agenda
                "screening_service": services.get(entry.screening_service or ""),
                "is_active": entry.active,
            },
        )
        panel.areas.set([areas[slug] for slug in entry.areas])
        panels.append(panel)
    retired = (
        Panel.objects.filter(region=region, is_active=True)
        .exclude(slug__in=[p.slug for p in parsed.panels])
        .update(is_active=False)
    )
    audit_panel(
        action=AuditAction.REGION_LOADED,
        actor=actor,
        record_type="panels",
        record_id=region.slug,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        panels=len(panels),
        made_inactive=retired,
        file=path.name,
    )
    return panels


@transaction.atomic
def panel_member_add(
    *,
    panel: Panel,
    agency: Agency,
    user: User,
    role: str = MemberRole.MEMBER,
    deputy: User | None = None,
    actor: Actor | None = None,
) -> PanelMember:
    """Give `agency` a seat on `panel`, held by `user` (with an optional deputy from the same agency)."""
    if role not in MemberRole.values:
        raise PanelError(_("Choose the member's role on the panel."))
    if not agency.is_active:
        raise PanelError(_("%(agency)s is no longer active.") % {"agency": agency.name})
    if not works_for(user=user, agency=agency):
        raise PanelError(
            _("%(user)s does not work for %(agency)s.")
            % {"user": user.full_name or user, "agency": agency.name}
        )
    if deputy is not None:
        if deputy == user:
            raise PanelError(_("A deputy must be someone other than the member."))
        if not works_for(user=deputy, agency=agency):
            raise PanelError(
                _("The deputy must also work for %(agency)s.") % {"agency": agency.name},
            )
    if PanelMember.objects.filter(panel=panel, user=user).exists():
        raise PanelError(_("%(user)s already has a seat on this panel.") % {"user": user.full_name or user})
    member = PanelMember.objects.create(panel=panel, agency=agency, user=user, deputy=deputy, role=role)
    audit_panel(
        action=AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="panel_member",
        record_id=member.pk,
        panel=panel.slug,
        agency=agency.slug,
        role=role,
        deputy=deputy is not None,
    )
    return member
