"""The evaluation extract for a university partner: a pseudonymised, minimised dataset of the region's
work with people who use abuse (a line a case, a line a referral), with its data dictionary, produced only
under a data-sharing agreement in force, and audited.

What it leaves out is the point: no names, contact details, addresses or free text; no date of birth,
only an age band; every date a month; no one on the side of the people harmed. Each extract makes its own
pseudonyms (a keyed hash whose key is thrown away), stable within the extract, so that a person's cases
and referrals link up inside it and nowhere else.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import hmac
import io
import secrets
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.cases.choices import ATTENDED
from pathways.cases.models import Attendance, Case, CaseOutcome, OutcomePoliceCount
from pathways.core.access import Side
from pathways.core.policy import Actor, Perm, allows
from pathways.directory.models import Region
from pathways.insights.ages import AgeBand, age_band_of, age_bands_for
from pathways.insights.models import Extract, SharingAgreement
from pathways.referrals.choices import Status
from pathways.referrals.models import Referral, ReferralEvent

POLICE_MONTHS = (6, 12)


class ExtractRefused(Exception):
    """Why no extract was produced, in the reader's words."""


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str | Promise
    # How the value was made less precise than the record, or "" where it is as recorded.
    coarsened: str | Promise = ""


MONTH = gettext_lazy("Month only (YYYY-MM), never the day.")
PSEUDONYM = gettext_lazy("A pseudonym made for this extract alone: it matches no other extract's.")

CASE_COLUMNS = [
    Column("case", gettext_lazy("The case."), PSEUDONYM),
    Column("person", gettext_lazy("The person the case is about: the same in referrals.csv."), PSEUDONYM),
    Column("service", gettext_lazy("The service's key in the region's file.")),
    Column("tier", gettext_lazy("The service's tier.")),
    Column("area", gettext_lazy("The local authority area the person lives in."), gettext_lazy("Area only.")),
    Column(
        "age_band",
        gettext_lazy("Age when the case opened, in the region's bands (%(bands)s); empty if not known."),
        gettext_lazy("Band only: no date of birth."),
    ),
    Column("gender", gettext_lazy("Gender identity as recorded (a value, never words typed in).")),
    Column("route", gettext_lazy("How the referral that opened the case came (police, MARAC, self ...).")),
    Column("opened", gettext_lazy("When the case opened."), MONTH),
    Column("days_to_first_contact", gettext_lazy("Days from opening to first contact; empty if none yet.")),
    Column("sessions_attended", gettext_lazy("Sessions attended, late ones included.")),
    Column("status", gettext_lazy("open or closed.")),
    Column(
        "end_state", gettext_lazy("How it ended (completed, dropped_out, deselected ...); empty if open.")
    ),
    Column("ended", gettext_lazy("When it ended."), MONTH),
    Column("risk_at_start", gettext_lazy("standard, medium, high or empty, from the assessments.")),
    Column("risk_at_end", gettext_lazy("The same at the end.")),
    Column("goals_total", gettext_lazy("Goals in the plan when it ended.")),
    Column("goals_met", gettext_lazy("Of them, met.")),
    *[
        column
        for months in POLICE_MONTHS
        for column in (
            Column(
                f"police_before_{months}",
                gettext_lazy("Police records naming the person as perpetrator in the months before the end.")
                if months == 6
                else gettext_lazy("The same over 12 months."),
            ),
            Column(
                f"police_after_{months}",
                gettext_lazy("The same in as many months after; empty until they have passed.")
                if months == 6
                else gettext_lazy("The same over 12 months after."),
            ),
        )
    ],
]

REFERRAL_COLUMNS = [
    Column("referral", gettext_lazy("The referral."), PSEUDONYM),
    Column("person", gettext_lazy("The person referred: the same in cases.csv."), PSEUDONYM),
    Column("route", gettext_lazy("How it came.")),
    Column("risk_level", gettext_lazy("The risk known when referred.")),
    Column("children_in_family", gettext_lazy("yes or no.")),
    Column("been_to_marac", gettext_lazy("yes or no.")),
    Column("tier_needed", gettext_lazy("The tier triage found it needs; empty if none was found.")),
    Column("placed_below_need", gettext_lazy("yes if the service chosen is of a lower tier than needed.")),
    Column(
        "status", gettext_lazy("Where it has got (received, triaged, started, declined, unmet_need ...).")
    ),
    Column("service", gettext_lazy("The service it is with, by key; empty if none.")),
    Column("received", gettext_lazy("When it was received."), MONTH),
    Column("started", gettext_lazy("When it started with the service; empty if it has not."), MONTH),
]

EXCLUDED = gettext_lazy(
    "Left out: names, dates of birth, addresses, phone numbers and e-mail addresses, every word typed in "
    "(reasons, notes, minutes), exact dates, and everyone on the side of the people harmed."
)


def agreements_for(*, actor: Actor) -> Any:
    if not allows(actor, Perm.EVALUATION_MANAGE):
        return SharingAgreement.objects.none()
    return SharingAgreement.objects.select_related("region", "recorded_by").prefetch_related("extracts")


def _month(value: datetime.date | datetime.datetime | None) -> str:
    if value is None:
        return ""
    day = timezone.localdate(value) if isinstance(value, datetime.datetime) else value
    return f"{day.year:04d}-{day.month:02d}"


def _yes(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


class _Pseudonyms:
    """A keyed hash, its key made for one extract and never kept."""

    def __init__(self) -> None:
        self.key = secrets.token_bytes(32)

    def __call__(self, kind: str, value: object) -> str:
        return hmac.new(self.key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:16]


def _csv(columns: list[Column], rows: list[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.name for c in columns])
    writer.writerows(rows)
    return out.getvalue()


def _case_rows(region: Region, pseudonym: _Pseudonyms, bands: list[AgeBand]) -> list[list[object]]:
    cases = (
        Case.objects.filter(service__region=region, person__side=Side.PERPETRATOR)
        .values_list(
            "pk",
            "person_id",
            "service__slug",
            "service__tier",
            "person__area__slug",
            "person__date_of_birth",
            "person__gender_identity",
            "referral__route",
            "opened_at",
            "first_contact_at",
            "status",
        )
        .order_by("opened_at", "pk")
    )
    attended = dict(
        Attendance.objects.filter(case__service__region=region, status__in=ATTENDED)
        .values_list("case_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    outcomes: dict[Any, dict[str, Any]] = {
        o["case_id"]: dict(o)
        for o in CaseOutcome.objects.filter(case__service__region=region).values(
            "pk",
            "case_id",
            "end_state",
            "ended_on",
            "risk_at_start",
            "risk_at_end",
            "goals_total",
            "goals_met",
        )
    }
    police: dict[Any, dict[int, tuple[int, int | None]]] = defaultdict(dict)
    for outcome_id, months, before, after in OutcomePoliceCount.objects.filter(
        outcome__case__service__region=region
    ).values_list("outcome_id", "months", "before", "after"):
        police[outcome_id][months] = (before, after)
    rows = []
    for pk, person_id, service, tier, area, born, gender, route, opened_at, contact_at, status in cases:
        outcome: dict[str, Any] = outcomes.get(pk, {})
        counts = police.get(outcome.get("pk"), {})
        opened = timezone.localdate(opened_at)
        rows.append(
            [
                pseudonym("case", pk),
                pseudonym("person", person_id),
                service,
                tier,
                area or "",
                band.short if (band := age_band_of(bands=bands, born=born, on=opened)) else "",
                gender,
                route or "",
                _month(opened_at),
                (timezone.localdate(contact_at) - opened).days if contact_at else "",
                attended.get(pk, 0),
                status,
                outcome.get("end_state", ""),
                _month(outcome.get("ended_on")),
                outcome.get("risk_at_start", ""),
                outcome.get("risk_at_end", ""),
                outcome.get("goals_total", ""),
                outcome.get("goals_met", ""),
                *[
                    value
                    for months in POLICE_MONTHS
                    for value in (
                        counts.get(months, ("", ""))[0],
                        "" if counts.get(months, ("", None))[1] is None else counts[months][1],
                    )
                ],
            ]
        )
    return rows


def _referral_rows(region: Region, pseudonym: _Pseudonyms) -> list[list[object]]:
    # The region's: sent to one of its services, or about someone living in one of its areas.
    in_region = (
        Referral.objects.filter(person__side=Side.PERPETRATOR)
        .filter(Q(events__service__region=region) | Q(person__area__region=region))
        .distinct()
    )
    started = dict(
        ReferralEvent.objects.filter(status=Status.STARTED, referral__in=in_region.values("pk"))
        .values_list("referral_id")
        .annotate(first=Min("at"))
        .order_by()
    )
    rows: list[list[object]] = []
    for values in in_region.values_list(
        "pk",
        "person_id",
        "route",
        "risk_level",
        "children_in_family",
        "been_to_marac",
        "tier_needed",
        "placed_below_need",
        "status",
        "service__slug",
        "created_at",
    ).order_by("created_at", "pk"):
        pk, person_id, route, risk, children, marac, tier, below, status, service, received = values
        rows.append(
            [
                pseudonym("referral", pk),
                pseudonym("person", person_id),
                route,
                risk,
                _yes(children),
                _yes(marac),
                tier or "",
                _yes(below),
                status,
                service or "",
                _month(received),
                _month(started.get(pk)),
            ]
        )
    return rows


def _dictionary(agreement: SharingAgreement, produced: datetime.datetime, bands: list[AgeBand]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("File"), _("Column"), _("Meaning"), _("How it was made less precise")])
    for name, columns in (("cases.csv", CASE_COLUMNS), ("referrals.csv", REFERRAL_COLUMNS)):
        for c in columns:
            meaning = str(c.meaning)
            if c.name == "age_band":
                meaning %= {"bands": ", ".join(band.short for band in bands)}
            writer.writerow([name, c.name, meaning, str(c.coarsened)])
    writer.writerow([])
    writer.writerow([_("Agreement"), agreement.reference, agreement.partner, ""])
    writer.writerow([_("Purpose"), agreement.purpose, "", ""])
    writer.writerow(
        [_("Lawful basis"), agreement.get_lawful_basis_display(), agreement.special_category_condition, ""]
    )
    writer.writerow([_("Expires"), agreement.expires_on.isoformat(), "", ""])
    writer.writerow([_("Produced"), _month(produced), "", ""])
    writer.writerow([_("Left out"), str(EXCLUDED), "", ""])
    return out.getvalue()


def extract_produce(*, actor: Actor, agreement: SharingAgreement | None) -> tuple[Extract, bytes]:
    """The extract as a ZIP (cases.csv, referrals.csv, data-dictionary.csv), recorded and audited; refused,
    with the reason and nothing produced, without an agreement in force."""
    if not allows(actor, Perm.EVALUATION_MANAGE):
        raise ExtractRefused(_("Only information governance produces evaluation extracts."))
    today = timezone.localdate()
    if agreement is None:
        raise ExtractRefused(
            _("Record the data-sharing agreement first: no extract is produced without one.")
        )
    if not agreement.in_force(today):
        raise ExtractRefused(
            _("The agreement %(reference)s is not in force today (from %(starts)s to %(expires)s).")
            % {
                "reference": agreement.reference,
                "starts": agreement.starts_on.isoformat(),
                "expires": agreement.expires_on.isoformat(),
            }
        )
    pseudonym = _Pseudonyms()
    bands = age_bands_for(region_id=agreement.region_id)
    cases = _case_rows(agreement.region, pseudonym, bands)
    referrals = _referral_rows(agreement.region, pseudonym)
    produced = timezone.now()
    with transaction.atomic():
        extract = Extract.objects.create(
            agreement=agreement,
            produced_by=actor.user,
            produced_at=produced,
            cases=len(cases),
            referrals=len(referrals),
        )
        audit.entry_record(
            action=AuditAction.RECORD_VIEWED,
            actor=actor,
            record_type="evaluation_extract",
            record_id=extract.pk,
            purpose=agreement.purpose[:200],
            details={
                "export": "evaluation",
                "agreement": agreement.reference,
                "partner": agreement.partner,
                "cases": len(cases),
                "referrals": len(referrals),
            },
        )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("cases.csv", _csv(CASE_COLUMNS, cases))
        archive.writestr("referrals.csv", _csv(REFERRAL_COLUMNS, referrals))
        archive.writestr("data-dictionary.csv", _dictionary(agreement, produced, bands))
    return extract, out.getvalue()
