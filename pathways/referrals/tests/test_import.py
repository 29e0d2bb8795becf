"""Bulk import of referrals from CSV: all rows recorded as received, or nothing at all."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation

from pathways.accounts.models import Membership, User
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditEntry
from pathways.core import crypto
from pathways.core.access import Role
from pathways.core.datafiles import DataFileError
from pathways.core.policy import Actor
from pathways.factories import actor_of, agency_of, make_user
from pathways.people.choices import RelationshipKind
from pathways.people.models import Person, PersonAccess, Relationship
from pathways.referrals.choices import Status
from pathways.referrals.forms import ReferralForm
from pathways.referrals.imports import COLUMNS, REQUIRED_COLUMNS, ReferralImportError, import_referrals
from pathways.referrals.models import Referral, ReferralEvent
from pathways.referrals.selectors import referrals_for
from pathways.referrals.triagefile import CASE_FACTS

pytestmark = pytest.mark.django_db

PARTNER_PHONE = "07700 900123"
PARTNER_EMAIL = "sam.jones@example.org"
PARTNER_ADDRESS = "14 Canary Street, Barry"
NAMED_PARTNER = {"partner_given_name": "Sam", "partner_family_name": "Jones", "partner_gender": "woman"}


def referral_row(**values: str) -> dict[str, str]:
    """A row answering every question the form makes its user answer."""
    return {
        "given_name": "Alex",
        "family_name": "Morgan",
        "gender_identity": "man",
        "area": "not_known",
        "preferred_language": "en",
        "work_pattern": "regular_hours",
        "route": "police",
        "reason": "Police attended a domestic incident at the family home.",
        "risk_level": "standard",
        "been_to_marac": "no",
        "entrenched_behaviour": "yes",
        "convictions_or_orders": "no",
        "serial_behaviour": "not_known",
        "mutual_violence": "no",
        "sexual_harm_concern": "no",
        **values,
    }


GOOD_ROWS = [
    referral_row(
        date_of_birth="1985-04-02",
        area="cardiff",
        preferred_language="cy",
        interpreter_needed="no",
        work_pattern="shift_work",
        police_reference="SWP/2025/0001",
        nhs_number="485 777 3456",
        risk_level="medium",
        been_to_marac="no",
        consent_to_contact="yes",
        partner_given_name="Sam",
        partner_family_name="Jones",
        partner_gender="woman",
        partner_phone=PARTNER_PHONE,
        partner_email=PARTNER_EMAIL,
        partner_address=PARTNER_ADDRESS,
        children_in_family="yes",
    ),
    referral_row(given_name="Bryn", family_name="Evans", route="gp_health", area="vale-of-glamorgan"),
    referral_row(
        given_name="Chris",
        family_name="Price",
        gender_identity="not_known",
        route="marac",
        been_to_marac="no",
    ),
]


def write_csv(
    path: Path, rows: list[dict[str, str]], columns: list[str] | None = None, encoding: str = "utf-8"
) -> Path:
    with path.open("w", encoding=encoding, newline="") as out:
        writer = csv.DictWriter(out, fieldnames=columns or list(COLUMNS), restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def counts() -> dict[str, int]:
    models = (Person, PersonAccess, Relationship, Referral, ReferralEvent, AuditEntry)
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def practitioner(region: None, persona: Callable[[str], User]) -> Actor:
    return actor_of(persona(Role.PRACTITIONER))


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "referrals.csv", GOOD_ROWS)


def problems_of(error: pytest.ExceptionInfo[ReferralImportError]) -> set[tuple[int | None, str]]:
    return {(p.line, p.where) for p in error.value.problems}


# --- a good file ---------------------------------------------------------------------------------------


def test_a_good_file_records_every_referral_as_received_for_the_agency(
    practitioner: Actor, good_file: Path, cast: dict[str, User]
) -> None:
    before = counts()

    result = import_referrals(actor=practitioner, path=good_file)

    assert (result.referrals, result.partners) == (3, 1)
    after = counts()
    assert after["Person"] - before["Person"] == 4  # three people referred and one partner
    assert after["Referral"] - before["Referral"] == 3
    assert after["ReferralEvent"] - before["ReferralEvent"] == 3
    assert after["AuditEntry"] - before["AuditEntry"] == 1  # one entry for the file, not one per row

    referrals = Referral.objects.filter(referring_agency=practitioner.agency)
    assert referrals.count() == 3
    assert set(referrals.values_list("status", flat=True)) == {Status.RECEIVED}
    assert all(list(r.events.values_list("status", flat=True)) == [Status.RECEIVED] for r in referrals)
    # The agency owns them: its staff see them in their list, another agency's staff do not.
    assert referrals_for(actor=practitioner).count() == 3
    assert referrals_for(actor=actor_of(cast["practitioner-elsewhere"])).count() == 0

    alex = Referral.objects.select_related("person__area", "partner").get(person__given_name="Alex")
    assert alex.person.date_of_birth is not None and alex.person.date_of_birth.isoformat() == "1985-04-02"
    assert alex.person.area is not None and alex.person.area.slug == "cardiff"
    assert (alex.person.preferred_language, alex.person.work_pattern) == ("cy", "shift_work")
    assert alex.person.nhs_number == "4857773456"
    assert (alex.route, alex.risk_level, alex.consent_to_contact, alex.children_in_family) == (
        "police",
        "medium",
        True,
        True,
    )
    assert alex.partner is not None and alex.partner.display_name == "Sam Jones"
    assert Relationship.objects.filter(
        person=alex.person, other=alex.partner, kind=RelationshipKind.CURRENT_PARTNER
    ).exists()
    assert Referral.objects.get(person__given_name="Chris").been_to_marac  # came from MARAC
    assert (alex.entrenched_behaviour, alex.convictions_or_orders, alex.serial_behaviour) == (
        True,
        False,
        None,
    )
    for person in (alex.person, *(r.person for r in referrals)):
        assert PersonAccess.objects.filter(person=person, agency=practitioner.agency).exists()
    # The importing perpetrator service never owns the partner's record: she is on the victim side.
    assert alex.partner.side == "victim" and alex.person.side == "perpetrator"
    assert not PersonAccess.objects.filter(person=alex.partner, agency=practitioner.agency).exists()

    # The partner's contact details are encrypted in the database, not stored as text.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT phone, email, address FROM {Person._meta.db_table} WHERE given_name = %s",  # noqa: S608
            ["Sam"],
        )
        phone, email, address = cursor.fetchone()
    for raw, plain in ((phone, PARTNER_PHONE), (email, PARTNER_EMAIL), (address, PARTNER_ADDRESS)):
        assert raw and plain not in raw and "900123" not in raw
        assert crypto.unseal(raw) == plain

    entry = AuditEntry.objects.order_by("-sequence").first()
    assert entry is not None
    assert (entry.action, entry.record_type) == (AuditAction.RECORD_CREATED, "referral_import")
    assert entry.details["rows"] == 3
    assert entry.details["file_name"] == "referrals.csv"
    assert entry.details["sha256"] == hashlib.sha256(good_file.read_bytes()).hexdigest()
    assert "Sam" not in str(entry.details) and "Alex" not in str(entry.details)


def test_columns_may_come_in_any_order_and_optional_ones_may_be_left_out(
    practitioner: Actor, tmp_path: Path
) -> None:
    row = referral_row(
        given_name="Dana",
        family_name="Hughes",
        gender_identity="Woman",
        preferred_language="CY",
        route="GP_Health",
        risk_level="High",
        been_to_marac="Yes",
        entrenched_behaviour="No",
    )
    path = write_csv(tmp_path / "short.csv", [row], columns=list(reversed(row)))
    assert import_referrals(actor=practitioner, path=path).referrals == 1
    referral = Referral.objects.select_related("person").get(person__given_name="Dana")
    assert (referral.route, referral.person.gender_identity, referral.risk_level) == (
        "gp_health",
        "woman",
        "high",
    )
    assert (referral.person.preferred_language, referral.been_to_marac, referral.entrenched_behaviour) == (
        "cy",
        True,
        False,
    )
    assert (referral.partner, referral.person.date_of_birth, referral.person.area) == (None, None, None)


def test_a_byte_order_mark_is_handled(practitioner: Actor, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "excel.csv", GOOD_ROWS, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert import_referrals(actor=practitioner, path=path).referrals == 3
    assert Person.objects.filter(given_name="Alex", family_name="Morgan").exists()


def test_importing_the_same_file_twice_records_it_twice(practitioner: Actor, good_file: Path) -> None:
    import_referrals(actor=practitioner, path=good_file)
    import_referrals(actor=practitioner, path=good_file)

    references = list(Referral.objects.values_list("reference", flat=True))
    assert len(references) == 6 and len(set(references)) == 6
    assert Person.objects.filter(given_name="Alex", family_name="Morgan").count() == 2
    assert AuditEntry.objects.filter(record_type="referral_import").count() == 2


# --- files that are rejected ---------------------------------------------------------------------------


def test_every_problem_is_listed_by_line_and_column_and_nothing_is_written(
    practitioner: Actor, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "mixed.csv",
        [
            GOOD_ROWS[1],  # line 2
            referral_row(route="bus", reason="", date_of_birth="2999-01-01"),  # line 3
            GOOD_ROWS[2],  # line 4
            referral_row(  # line 5
                area="atlantis", **NAMED_PARTNER, partner_email="sam@"
            ),
        ],
    )
    before = counts()

    with pytest.raises(ReferralImportError) as error:
        import_referrals(actor=practitioner, path=path)

    assert isinstance(error.value, DataFileError)
    assert problems_of(error) == {
        (3, "date_of_birth"),
        (3, "route"),
        (3, "reason"),
        (5, "area"),
        (5, "partner_email"),
    }
    message = str(error.value)
    assert "line 3, column route: 'bus' is not allowed; expected one of self, gp_health" in message
    assert "line 3, column reason: is empty" in message
    assert "line 3, column date_of_birth: is in the future" in message
    assert "line 5, column area: 'atlantis' is not a known area" in message
    assert "line 5, column partner_email: is not an email address" in message
    assert "line 2" not in message and "line 4" not in message
    assert counts() == before


def test_partner_details_without_a_name_and_bad_values_are_refused(
    practitioner: Actor, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "partner.csv",
        [
            referral_row(partner_phone=PARTNER_PHONE),
            referral_row(
                partner_given_name="Sam",
                partner_phone="call me",
                nhs_number="12345",
                given_name="x" * 101,
                interpreter_needed="maybe",
            ),
        ],
    )
    with pytest.raises(ReferralImportError) as error:
        import_referrals(actor=practitioner, path=path)
    assert problems_of(error) == {
        (2, "partner_given_name"),
        (3, "given_name"),
        (3, "interpreter_needed"),
        (3, "nhs_number"),
        (3, "partner_family_name"),
        (3, "partner_gender"),
        (3, "partner_phone"),
    }
    # Problems never repeat personal data such as a phone number.
    assert "call me" not in str(error.value) and "900123" not in str(error.value)


# The answers the form requires, and what the problem with an empty cell says.
GENDERS = "man, woman, non_binary, self_described, not_known"
EMPTY_ANSWER = {
    "gender_identity": f"select their gender, or not_known (one of: {GENDERS})",
    "preferred_language": "select their preferred language (one of: en, cy, other)",
    "work_pattern": (
        "select their work pattern, or not_known (one of: regular_hours, shift_work, not_working, not_known)"
    ),
    "risk_level": "select the known risk, or not_known (one of: standard, medium, high, not_known)",
    "been_to_marac": "select whether the case has been heard at MARAC (one of: yes, no)",
    "entrenched_behaviour": (
        "select whether their behaviour is entrenched, or not_known (one of: yes, no, not_known)"
    ),
    "convictions_or_orders": (
        "select whether they have previous convictions or court orders, or not_known "
        "(one of: yes, no, not_known)"
    ),
    "serial_behaviour": (
        "select whether they have abused more than one partner, or not_known (one of: yes, no, not_known)"
    ),
    "mutual_violence": (
        "select whether there are mutual or counter-allegations of violence, or not_known "
        "(one of: yes, no, not_known)"
    ),
    "sexual_harm_concern": (
        "select whether there are concerns about sexual harm, or not_known (one of: yes, no, not_known)"
    ),
    "partner_gender": f"select the partner's gender, or not_known (one of: {GENDERS})",
}


def form_says(column: str) -> str:
    """What the referral form says when the question is not answered, as the file's problem words it."""
    with translation.override("en"):
        form = ReferralForm(data={"partner_given_name": "Sam", "partner_family_name": "Jones"})
        message = str(form.errors[column][0])
    return (message[0].lower() + message[1:]).replace("Not known", "not_known")


@pytest.mark.parametrize("column", list(EMPTY_ANSWER))
def test_an_empty_answer_is_refused_with_what_the_form_says_and_nothing_is_written(
    practitioner: Actor, tmp_path: Path, column: str
) -> None:
    path = write_csv(
        tmp_path / "unanswered.csv",
        [referral_row(**NAMED_PARTNER), referral_row(**{**NAMED_PARTNER, column: ""})],
    )
    before = counts()

    with pytest.raises(ReferralImportError) as error:
        import_referrals(actor=practitioner, path=path)

    assert str(error.value) == f"line 3, column {column}: is empty; {EMPTY_ANSWER[column]}"
    assert EMPTY_ANSWER[column].startswith(form_says(column) + " (one of: ")
    assert counts() == before


def test_not_known_is_an_answer(practitioner: Actor, tmp_path: Path) -> None:
    questions = ["gender_identity", "work_pattern", "risk_level", *CASE_FACTS, "partner_gender"]
    path = write_csv(
        tmp_path / "not-known.csv",
        [
            referral_row(
                **dict.fromkeys(questions, "not_known"), partner_given_name="Sam", partner_family_name="Jones"
            ),
            # As the form shows it, in any case.
            referral_row(
                **dict.fromkeys(questions, "Not known"),
                given_name="Bryn",
                partner_given_name="Jo",
                partner_family_name="Evans",
            ),
        ],
    )

    assert import_referrals(actor=practitioner, path=path).referrals == 2

    for referral in Referral.objects.select_related("person", "partner"):
        assert (referral.person.gender_identity, referral.person.work_pattern, referral.risk_level) == (
            "not_known",
            "not_known",
            "not_known",
        )
        assert referral.partner is not None and referral.partner.gender_identity == "not_known"
        assert [getattr(referral, name) for name in CASE_FACTS] == [None] * len(CASE_FACTS)
        assert (referral.person.preferred_language, referral.been_to_marac) == ("en", False)


def test_a_wrong_answer_says_what_to_select(practitioner: Actor, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "wrong.csv",
        [referral_row(risk_level="severe", mutual_violence="maybe", been_to_marac="not_known")],
    )
    with pytest.raises(ReferralImportError) as error:
        import_referrals(actor=practitioner, path=path)
    assert str(error.value).splitlines() == [
        f"line 2, column risk_level: 'severe' is not allowed; {EMPTY_ANSWER['risk_level']}",
        f"line 2, column been_to_marac: 'not_known' is not allowed; {EMPTY_ANSWER['been_to_marac']}",
        f"line 2, column mutual_violence: 'maybe' is not allowed; {EMPTY_ANSWER['mutual_violence']}",
    ]


def test_a_partner_named_in_a_file_without_the_partner_gender_column_is_refused(
    practitioner: Actor, tmp_path: Path
) -> None:
    columns = [c for c in COLUMNS if c != "partner_gender"]
    path = write_csv(
        tmp_path / "no-gender.csv",
        [referral_row(), referral_row(partner_given_name="Sam", partner_family_name="Jones")],
        columns=columns,
    )
    before = counts()
    with pytest.raises(ReferralImportError) as error:
        import_referrals(actor=practitioner, path=path)
    assert str(error.value) == f"line 3, column partner_gender: is empty; {EMPTY_ANSWER['partner_gender']}"
    assert counts() == before


@pytest.mark.parametrize("column", [c for c in REQUIRED_COLUMNS if c in EMPTY_ANSWER])
def test_a_file_without_a_column_the_form_requires_is_refused(
    practitioner: Actor, tmp_path: Path, column: str
) -> None:
    row = referral_row()
    del row[column]
    path = write_csv(tmp_path / "short.csv", [row], columns=list(row))
    before = counts()
    with pytest.raises(ReferralImportError) as error:
        import_referrals(actor=practitioner, path=path)
    assert str(error.value) == f"line 1: required column(s) missing: {column}"
    assert counts() == before


def test_unknown_columns_are_named(practitioner: Actor, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "extra.csv", GOOD_ROWS, columns=[*COLUMNS, "notes", "Given Name"])
    before = counts()
    with pytest.raises(ReferralImportError) as error:
        import_referrals(actor=practitioner, path=path)
    assert "unknown column(s) 'notes', 'Given Name'" in str(error.value)
    assert counts() == before


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "the file is empty"),
        (",".join(COLUMNS).encode() + b"\r\n", "no referrals"),
        ("given_name,family_name\r\nSi\u00e2n,Davies\r\n".encode("latin-1"), "not UTF-8"),
        (b"Alex,Morgan,man,police,Referred\r\n", "is not a header row"),
        ((",".join(REQUIRED_COLUMNS) + ",reason\r\n").encode(), "appears more than once"),
        (b"given_name;family_name;gender_identity;route;reason\r\n", "separated by ';'"),
    ],
    ids=["empty", "header-only", "not-utf8", "no-header", "duplicated-header", "semicolons"],
)
def test_a_file_that_cannot_be_read_gets_one_clear_problem(
    practitioner: Actor, tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    before = counts()
    with pytest.raises(ReferralImportError) as error:
        import_referrals(actor=practitioner, path=path)
    assert len(error.value.problems) == 1
    assert expected in str(error.value)
    assert counts() == before


def test_the_not_utf8_problem_names_the_line(practitioner: Actor, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("given_name,family_name\r\nAlex,Morgan\r\nSi\u00e2n,Davies\r\n".encode("latin-1"))
    with pytest.raises(ReferralImportError) as error:
        import_referrals(actor=practitioner, path=path)
    assert str(error.value).startswith("line 3: the file is not UTF-8 text")


def test_the_message_lists_the_first_200_problems_and_counts_the_rest(
    practitioner: Actor, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "many.csv", [referral_row(route="bus")] * 250)
    with pytest.raises(ReferralImportError) as error:
        import_referrals(actor=practitioner, path=path)
    assert len(error.value.problems) == 250
    lines = str(error.value).splitlines()
    assert len(lines) == 201
    assert lines[0].startswith("line 2, column route:") and lines[199].startswith("line 201, column route:")
    assert lines[-1] == "... and 50 more problem(s) not shown."


def test_a_role_that_cannot_record_referrals_is_refused(
    region: None, persona: Callable[[str], User], good_file: Path
) -> None:
    commissioner = actor_of(persona(Role.COMMISSIONER))
    before = counts()
    with pytest.raises(PermissionDenied):
        import_referrals(actor=commissioner, path=good_file)
    assert counts() == before


# --- the command ---------------------------------------------------------------------------------------


def test_the_command_prints_how_many_were_imported(practitioner: Actor, good_file: Path) -> None:
    out = io.StringIO()
    call_command("import_referrals", str(good_file), username=practitioner.user.username, stdout=out)
    assert "Imported 3 referrals" in out.getvalue()
    assert Referral.objects.filter(referring_agency=practitioner.agency).count() == 3


def test_the_command_lists_problems_and_says_nothing_was_changed(practitioner: Actor, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bad.csv", [GOOD_ROWS[0], referral_row(route="bus")])
    before = counts()
    with pytest.raises(CommandError) as error:
        call_command("import_referrals", str(path), username=practitioner.user.username)
    assert "1 problem(s). Nothing was changed." in str(error.value)
    assert "line 3, column route:" in str(error.value)
    assert counts() == before


def test_the_command_refuses_a_role_that_cannot_record_referrals(
    region: None, persona: Callable[[str], User], good_file: Path
) -> None:
    commissioner = persona(Role.COMMISSIONER)
    with pytest.raises(CommandError, match="does not let them record referrals"):
        call_command("import_referrals", str(good_file), username=commissioner.username)
    assert Referral.objects.count() == 0


def test_the_command_acts_for_the_agency_chosen(cast: dict[str, User], good_file: Path) -> None:
    # Someone working for two of the cast's agencies, CLEAR and probation: no cast login does.
    user = make_user("two-hats", agency_of(cast["practitioner"]), Role.PRACTITIONER)
    Membership.objects.create(user=user, agency=agency_of(cast["probation"]), role=Role.PRACTITIONER)

    with pytest.raises(CommandError, match="--membership-agency"):
        call_command("import_referrals", str(good_file), username="two-hats")
    assert Referral.objects.count() == 0

    out = io.StringIO()
    call_command(
        "import_referrals",
        str(good_file),
        username="two-hats",
        membership_agency="probation-cardiff-vale",
        stdout=out,
    )
    assert "Imported 3 referrals" in out.getvalue()
    assert set(Referral.objects.values_list("referring_agency__slug", flat=True)) == {
        "probation-cardiff-vale"
    }
