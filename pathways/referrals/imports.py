"""Bulk import of referrals from a CSV file: every row is recorded as "received", or nothing is.

The file is read twice, never held whole in memory. The first pass checks the bytes (UTF-8, the file's
SHA-256), then checks every row with the same rules as the referral form and keeps only a compact tuple
per row. If any row has a problem, every problem is reported at once ("line 3, column route: ...", with
line numbers as a spreadsheet shows them, the header being line 1) and nothing is written. Otherwise the
second pass builds the records batch by batch and writes them all in one transaction, with one audit
entry for the whole file.

What the form makes its user answer, the file must answer too: an empty cell never stands for English,
no or not known, which would decide for the person who made the file. Problems with such a cell say what
the form says ("select the known risk, or not_known").

Problems name the line and column but never repeat names, contact details or other personal data, so
that they can be shown on a terminal or logged safely.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.access import Side
from pathways.core.csvimport import ImportFailed, ImportProblem, RowChecker, open_rows, read_header
from pathways.core.memory import cycle_collection_paused
from pathways.core.policy import Actor, Perm, agency_may_see_side, allows
from pathways.directory.choices import ReferralRoute
from pathways.directory.models import Area
from pathways.people.choices import GenderIdentity, PreferredLanguage, RelationshipKind, WorkPattern
from pathways.people.models import Person, PersonAccess, Relationship
from pathways.people.services import PersonInput, person_build
from pathways.referrals.choices import EventKind, RiskLevel, Status
from pathways.referrals.models import Referral, ReferralEvent
from pathways.referrals.services import (
    ReferralInput,
    referral_build,
    referral_event_build,
    referral_reference_random,
)
from pathways.referrals.triagefile import CASE_FACTS

# Rows built and written together; each INSERT carries at most INSERT_BATCH rows, which keeps every
# statement well under PostgreSQL's 65,535 parameters.
BATCH_SIZE = 2000
INSERT_BATCH = 1000

COLUMNS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "gender_identity",
    "area",
    "preferred_language",
    "interpreter_needed",
    "work_pattern",
    "police_reference",
    "nhs_number",
    "social_services_reference",
    "phone",
    "email",
    "address",
    "contact_arrangements",
    "route",
    "reason",
    "risk_level",
    "been_to_marac",
    *CASE_FACTS,
    "consent_to_contact",
    "partner_given_name",
    "partner_family_name",
    "partner_gender",
    "partner_phone",
    "partner_email",
    "partner_address",
    "children_in_family",
)
# A file must have these columns, and every row an answer in them, as the referral form must be answered:
# where the form offers Not known, not_known is an answer, but an empty cell is not. Any other column may
# be left out, which is the same as leaving it empty.
REQUIRED_COLUMNS = (
    "given_name",
    "family_name",
    "gender_identity",
    "area",
    "preferred_language",
    "work_pattern",
    "route",
    "reason",
    "risk_level",
    "been_to_marac",
    *CASE_FACTS,
)

# The same limits as the model fields and the referral form.
NAME_MAX = 100
REFERENCE_MAX = 50
REASON_MAX = 4000
EMAIL_MAX = 254
ADDRESS_MAX = 500
CONTACT_ARRANGEMENTS_MAX = 1000
PHONE = re.compile(r"^[0-9 +()-]{6,20}$")
NHS_NUMBER = re.compile(r"^\d{3} ?\d{3} ?\d{4}$")
YES, NO = frozenset({"yes"}), frozenset({"no", ""})
MARAC_ANSWERS = {"yes": True, "no": False}
NOT_KNOWN = ("not_known", "not known")
FACT_ANSWERS = {"yes": True, "no": False, "not_known": None, "not known": None, "unknown": None}
# What to select when one of the answers the form requires is empty or not allowed: the form's own error
# messages (ReferralForm), with the value a file gives for Not known.
SELECT = {
    "gender_identity": "select their gender, or not_known",
    "area": "select where they live, or not_known",
    "preferred_language": "select their preferred language",
    "work_pattern": "select their work pattern, or not_known",
    "risk_level": "select the known risk, or not_known",
    "been_to_marac": "select whether the case has been heard at MARAC",
    "entrenched_behaviour": "select whether their behaviour is entrenched, or not_known",
    "convictions_or_orders": "select whether they have previous convictions or court orders, or not_known",
    "serial_behaviour": "select whether they have abused more than one partner, or not_known",
    "mutual_violence": "select whether there are mutual or counter-allegations of violence, or not_known",
    "sexual_harm_concern": "select whether there are concerns about sexual harm, or not_known",
    "partner_gender": "select the partner's gender, or not_known",
}
PARTNER_DETAILS = ("partner_gender", "partner_phone", "partner_email", "partner_address")
ACCESS_REASON = "referral import"


class ReferralImportError(ImportFailed):
    """The file was rejected and nothing was written. `problems` holds every problem found."""


@dataclass(frozen=True)
class ImportResult:
    referrals: int
    people: int
    partners: int
    sha256: str
    file_name: str


class _Partner(NamedTuple):
    given_name: str
    family_name: str
    gender_identity: str
    phone: str
    email: str
    address: str


class _Row(NamedTuple):
    """One valid row, kept compact between the two passes: choice values are shared strings."""

    given_name: str
    family_name: str
    date_of_birth: datetime.date | None
    gender_identity: str
    area: Area | None
    preferred_language: str
    interpreter_needed: bool
    work_pattern: str
    police_reference: str
    nhs_number: str
    social_services_reference: str
    # Their own contact details (sealed when stored) and how it is safe to use them.
    contact: tuple[str, str, str, str]
    route: str
    reason: str
    risk_level: str
    been_to_marac: bool
    # The questions about behaviour and history, in triagefile.CASE_FACTS order: True, False or None.
    facts: tuple[bool | None, ...]
    consent_to_contact: bool
    children_in_family: bool
    partner: _Partner | None


def _choices(values: Iterable[str]) -> dict[str, str]:
    """Lower-cased value -> the one shared string for it, so 100,000 rows share a handful of strings."""
    choices = {str(v).lower(): str(v) for v in values}
    if "not_known" in choices:
        # As the form words it: the same explicit answer.
        choices["not known"] = choices["not_known"]
    return choices


GENDERS = _choices(GenderIdentity.values)
LANGUAGES = _choices(PreferredLanguage.values)
WORK_PATTERNS = _choices(WorkPattern.values)
ROUTES = _choices(ReferralRoute.values)
RISK_LEVELS = _choices(RiskLevel.values)


# --- the header ----------------------------------------------------------------------------------------


def _check_is_header(name: str, cells: list[str] | None) -> None:
    """Refuse a first line that names none of the columns (a file without a header, or one separated by
    semicolons or tabs), rather than report every value in it as an unknown column."""
    names = [c.strip() for c in cells or []]
    if not any(names) or set(COLUMNS).intersection(names):
        return  # an empty file or header is reported by read_header
    hint = ""
    if len(names) == 1 and (";" in names[0] or "\t" in names[0]):
        hint = " The values seem to be separated by ';' or tabs: save the file as comma-separated CSV."
    raise ReferralImportError(
        [
            ImportProblem(
                name,
                1,
                "",
                "is not a header row: none of its values is a column name. The first line must name the "
                f"columns, for example {','.join(REQUIRED_COLUMNS)}.{hint}",
            )
        ]
    )


# --- checking a row ------------------------------------------------------------------------------------


class _RowChecker(RowChecker[_Row]):
    """Checks rows one at a time against the referral form's rules, collecting every problem."""

    def __init__(self, name: str, header: dict[str, int], areas: dict[str, Area]) -> None:
        super().__init__(name, header)
        self.areas = areas
        slugs = sorted(areas)
        self.area_list = ", ".join(slugs[:40]) + (", ..." if len(slugs) > 40 else "")

    def _yes_no(self, column: str) -> bool:
        return self.yes_no(
            column,
            yes=YES,
            no=NO,
            expected=f"{self.value(column)!r} is not allowed; expected yes, no, or empty",
        )

    def _refuse(self, column: str, allowed: Iterable[str]) -> None:
        got = self.value(column)
        shown = f"{got!r} is not allowed" if got else "is empty"
        self.problem(column, f"{shown}; {SELECT[column]} (one of: {', '.join(dict.fromkeys(allowed))})")

    def _answer(self, column: str, allowed: dict[str, str]) -> str:
        """The shared string for the choice in the cell, which must hold one: an empty cell is refused."""
        canonical = allowed.get(self.value(column).lower())
        if canonical is None:
            self._refuse(column, allowed.values())
            return ""
        return canonical

    def _been_to_marac(self) -> bool:
        answer = MARAC_ANSWERS.get(self.value("been_to_marac").lower())
        if answer is None:
            self._refuse("been_to_marac", MARAC_ANSWERS)
            return False
        return answer

    def _fact(self, column: str) -> bool | None:
        """Yes, no, or not known; an empty cell is refused."""
        got = self.value(column).lower()
        if got not in FACT_ANSWERS:
            self._refuse(column, ("yes", "no", "not_known"))
            return None
        return FACT_ANSWERS[got]

    def _area(self) -> Area | None:
        slug = self.value("area")
        if slug.lower() in NOT_KNOWN:
            return None
        area = self.areas.get(slug) or self.areas.get(slug.lower())
        if area is None:
            shown = f"{slug!r} is not a known area" if slug else "is empty"
            self.problem("area", f"{shown}; {SELECT['area']} (one of: {self.area_list}, not_known)")
        return area

    def _nhs_number(self) -> str:
        got = self.value("nhs_number")
        if got and not NHS_NUMBER.match(got):
            self.problem("nhs_number", "is not an NHS number; expected 10 digits, like 485 777 3456")
        return got.replace(" ", "")

    def _phone_and_email(self, prefix: str) -> tuple[str, str]:
        phone = self.value(f"{prefix}phone")
        if phone and not PHONE.match(phone):
            self.problem(f"{prefix}phone", "is not a phone number; use 6 to 20 digits, spaces, +, ( ) or -")
        email = self.value(f"{prefix}email")
        if len(email) > EMAIL_MAX:
            self.problem(
                f"{prefix}email", f"is {len(email)} characters long; at most {EMAIL_MAX} are allowed"
            )
        elif email:
            try:
                validate_email(email)
            except ValidationError:
                self.problem(f"{prefix}email", "is not an email address; expected one like name@example.org")
        return phone, email

    def _partner(self) -> _Partner | None:
        given = self.text("partner_given_name", NAME_MAX)
        family = self.text("partner_family_name", NAME_MAX)
        # Needed once the row names a partner; without a name, any value is a stray partner detail.
        named = bool(given or family)
        gender = self._answer("partner_gender", GENDERS) if named or self.value("partner_gender") else ""
        phone, email = self._phone_and_email("partner_")
        address = self.text("partner_address", ADDRESS_MAX)
        if not named:
            if any(self.value(c) for c in PARTNER_DETAILS):
                self.problem(
                    "partner_given_name",
                    "is empty, but the row has other partner details; enter the partner's first and last "
                    "name, or leave all the partner columns empty",
                )
            return None
        if not given:
            self.problem("partner_given_name", "is empty; enter the partner's first and last name")
        if not family:
            self.problem("partner_family_name", "is empty; enter the partner's first and last name")
        return _Partner(given, family, gender, phone, email, address)

    def read_row(self) -> _Row:
        route = self.choice("route", ROUTES, None)
        return _Row(
            given_name=self.text("given_name", NAME_MAX, required="the person's first name"),
            family_name=self.text("family_name", NAME_MAX, required="the person's last name"),
            date_of_birth=self.date(
                "date_of_birth",
                example="1987-03-27",
                future="a date of birth must be in the past",
                early="enter a real date of birth",
            ),
            gender_identity=self._answer("gender_identity", GENDERS),
            area=self._area(),
            preferred_language=self._answer("preferred_language", LANGUAGES),
            interpreter_needed=self._yes_no("interpreter_needed"),
            work_pattern=self._answer("work_pattern", WORK_PATTERNS),
            police_reference=self.text("police_reference", REFERENCE_MAX),
            nhs_number=self._nhs_number(),
            social_services_reference=self.text("social_services_reference", REFERENCE_MAX),
            contact=(
                *self._phone_and_email(""),
                self.text("address", ADDRESS_MAX),
                self.text("contact_arrangements", CONTACT_ARRANGEMENTS_MAX),
            ),
            route=route,
            reason=self.text(
                "reason", REASON_MAX, required="why the person is referred (up to 4,000 characters)"
            ),
            risk_level=self._answer("risk_level", RISK_LEVELS),
            # As for a referral made on the form: a referral from MARAC has been to MARAC.
            been_to_marac=self._been_to_marac() or route == ReferralRoute.MARAC,
            facts=tuple(self._fact(name) for name in CASE_FACTS),
            consent_to_contact=self._yes_no("consent_to_contact"),
            children_in_family=self._yes_no("children_in_family"),
            partner=self._partner(),
        )


# --- writing -------------------------------------------------------------------------------------------


def _references(count: int, used: set[str]) -> list[str]:
    """`count` new references, unique within this import and not already in the database."""
    fresh: list[str] = []
    while len(fresh) < count:
        wanted = count - len(fresh)
        candidates: list[str] = []
        while len(candidates) < wanted:
            reference = referral_reference_random()
            if reference not in used:
                used.add(reference)
                candidates.append(reference)
        taken: set[str] = set()
        for start in range(0, len(candidates), 500):
            taken.update(
                Referral.objects.filter(reference__in=candidates[start : start + 500]).values_list(
                    "reference", flat=True
                )
            )
        fresh.extend(r for r in candidates if r not in taken)
    return fresh


def _write_batch(actor: Actor, rows: list[_Row], references: list[str], imported: dict[str, str]) -> int:
    """Build and insert one batch; returns how many partners it created.

    Foreign keys are set by id (`person_id=...`), which is much cheaper than through the related-object
    descriptors when tens of thousands of rows are built.
    """
    assert actor.agency is not None
    agency_id = actor.agency.pk
    now = timezone.now()
    people: list[Person] = []
    relationships: list[Relationship] = []
    referrals: list[Referral] = []
    events: list[ReferralEvent] = []
    for row, reference in zip(rows, references, strict=True):
        person = person_build(
            data=PersonInput(
                given_name=row.given_name,
                family_name=row.family_name,
                date_of_birth=row.date_of_birth,
                gender_identity=row.gender_identity,
                area=row.area,
                preferred_language=row.preferred_language,
                interpreter_needed=row.interpreter_needed,
                work_pattern=row.work_pattern,
                police_reference=row.police_reference,
                nhs_number=row.nhs_number,
                social_services_reference=row.social_services_reference,
                phone=row.contact[0],
                email=row.contact[1],
                address=row.contact[2],
                contact_arrangements=row.contact[3],
            ),
            side=Side.PERPETRATOR,
            actor=actor,
        )
        people.append(person)
        partner = None
        if row.partner is not None:
            partner = person_build(
                data=PersonInput(
                    given_name=row.partner.given_name,
                    family_name=row.partner.family_name,
                    gender_identity=row.partner.gender_identity,
                    area=row.area,
                    phone=row.partner.phone,
                    email=row.partner.email,
                    address=row.partner.address,
                ),
                side=Side.VICTIM,
                actor=actor,
            )
            people.append(partner)
            relationships.append(
                Relationship(person_id=person.pk, other_id=partner.pk, kind=RelationshipKind.CURRENT_PARTNER)
            )
        referral = referral_build(
            actor=actor,
            data=ReferralInput(
                route=row.route,
                reason=row.reason,
                risk_level=row.risk_level,
                been_to_marac=row.been_to_marac,
                facts=dict(zip(CASE_FACTS, row.facts, strict=True)),
                consent_to_contact=row.consent_to_contact,
                children_in_family=row.children_in_family,
            ),
            person=person,
            partner=partner,
            reference=reference,
        )
        referrals.append(referral)
        events.append(
            referral_event_build(
                referral=referral,
                status=Status.RECEIVED,
                actor=actor,
                kind=EventKind.IMPORTED,
                detail=imported,
                at=now,
            )
        )
    # The importing agency works with the partners only where its type may see the victim side.
    access = [
        PersonAccess(person_id=p.pk, agency_id=agency_id, reason=ACCESS_REASON)
        for p in people
        if agency_may_see_side(actor.agency, p.side)
    ]
    Person.objects.bulk_create(people, batch_size=INSERT_BATCH)
    PersonAccess.objects.bulk_create(access, batch_size=INSERT_BATCH)
    Relationship.objects.bulk_create(relationships, batch_size=INSERT_BATCH)
    Referral.objects.bulk_create(referrals, batch_size=INSERT_BATCH)
    ReferralEvent.objects.bulk_create(events, batch_size=INSERT_BATCH)
    return len(relationships)


def import_referrals(*, actor: Actor, path: Path) -> ImportResult:
    """Record every referral in the CSV file as received, made by the actor's agency; or, if any row has a
    problem, raise ReferralImportError listing every problem and write nothing.

    Imports are not deduplicated: importing the same file twice records every referral twice.
    """
    if not allows(actor, Perm.REFERRAL_CHANGE) or actor.agency is None:
        raise PermissionDenied("Your role does not let you record referrals.")
    with cycle_collection_paused():
        return _import(actor, Path(path))


def _import(actor: Actor, path: Path) -> ImportResult:
    name = path.name
    file = open_rows(path, ReferralImportError)
    sha256 = file.sha256
    records = file.records()
    first = next(records, None)
    first_row = first[1] if first else None
    _check_is_header(name, first_row)
    header = read_header(
        name,
        first_row,
        COLUMNS,
        REQUIRED_COLUMNS,
        ReferralImportError,
        one_row_per="referral",
    )
    checker = _RowChecker(name, header, {a.slug: a for a in Area.objects.all()})
    rows = checker.check_all(records, file=file, error=ReferralImportError, what="referrals")

    imported = {"file": name[:200]}
    used: set[str] = set()
    partners = 0
    with transaction.atomic():
        for start in range(0, len(rows), BATCH_SIZE):
            batch = rows[start : start + BATCH_SIZE]
            partners += _write_batch(actor, batch, _references(len(batch), used), imported)
        total = len(rows)
        audit.entry_record(
            action=AuditAction.RECORD_CREATED,
            actor=actor,
            record_type="referral_import",
            record_id=sha256,
            details={"rows": total, "sha256": sha256, "file_name": name, "partners": partners},
        )
    return ImportResult(
        referrals=total, people=total + partners, partners=partners, sha256=sha256, file_name=name
    )
