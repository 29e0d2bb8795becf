"""The two sides crawled as every demo login: one family worked on both sides (his referral to CLEAR, her
support at RISE with a DASH and notes, her case at the MARAC and his at the MATAC, decisions, actions and
what was shared), canaries in every sealed field and in everything the victim side typed; then every page
and API read, in English and Welsh, as each of the cast.

- No sealed value appears on any page fetched without a reveal.
- Nothing the victim side holds (her name, her narrative, her notes) reaches a perpetrator service or
  probation, or an administrator, whatever the page.
- Administrators reach no one's record.
- Every response that shows a person was audited as a read of them.
- No page answers with a server error.
"""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from pathways.accounts.models import User
from pathways.assessments import services as assessments
from pathways.assessments.models import Assessment
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditEntry
from pathways.core.tests.conftest_helpers import crawl_paths, response_text
from pathways.directory.models import Area
from pathways.factories import actor_of, sign_in
from pathways.panels import services as panels
from pathways.panels.choices import LawfulBasis, Outcome, PanelKind
from pathways.panels.models import Action, AgendaItem, Meeting, Panel
from pathways.panels.services import disclosures
from pathways.panels.tests import factories as f
from pathways.panels.tests.meeting_factories import dash_answers
from pathways.people.models import Person
from pathways.people.services import PersonInput, person_access_grant
from pathways.referrals import services as referrals
from pathways.referrals.models import Referral

pytestmark = pytest.mark.django_db

SEALED = {
    "her address": "CANARYADDR Kestrel Row",
    "her phone": "07700 900 717",
    "her email": "canary-kestrel@example.org",
    "child's school": "Ysgol Canary Kestrel",
}
# What the victim side holds besides her sealed fields; none of it may reach the perpetrator side.
HERS = {
    "her name": "Cerianwen",
    "her narrative": "CANARY-NARRATIVE she keeps a bag packed",
    "her note": "CANARY-NOTE safe to call after six",
    "shared about her": "CANARY-SHARED at her sister in Penarth",
    "child's name": "Myfanwy",
}
HIS_NAME = "Idwal"
PERPETRATOR_SERVICES = ("practitioner", "manager", "drive")
# Probation sees no victim's records, but as a member of the MARAC it hears her case at the table.
HEARD_AT_THE_TABLE = ("her name", "shared about her")
NO_PERSONAL_DATA = ("admin", "admin2", "commissioner", "auditor")


def _paths(ids: dict[str, list[str]]) -> list[str]:
    return crawl_paths(ids, skip=("admin/", "sign-out"))


@pytest.fixture
def family(cast: dict[str, User]) -> dict[str, list[str]]:
    cardiff = Area.objects.get(slug="cardiff")
    # CLEAR makes the referral itself, partner and child included: what keeps her side from CLEAR is the
    # policy, not that someone else typed it.
    clear = actor_of(cast["practitioner"])
    his = referrals.referral_create(
        actor=clear,
        data=referrals.ReferralInput(
            route="self",
            reason="Controlling money; the children are frightened.",
            risk_level="standard",
            person=PersonInput(
                given_name=HIS_NAME, family_name="Prosser", gender_identity="man", area=cardiff
            ),
            partner=referrals.PartnerInput(
                person=PersonInput(
                    given_name=HERS["her name"],
                    family_name="Prosser",
                    gender_identity="woman",
                    area=cardiff,
                    address=SEALED["her address"],
                    phone=SEALED["her phone"],
                    email=SEALED["her email"],
                )
            ),
            children=[
                PersonInput(
                    given_name=HERS["child's name"],
                    family_name="Prosser",
                    area=cardiff,
                    school=SEALED["child's school"],
                )
            ],
        ),
    )
    referrals.referral_service_choose(actor=clear, referral=his, service_slug="clear")
    her = Referral.objects.get(linked_referral=his)
    childrens = cast["socialworker"].memberships.get().agency
    for person in Person.objects.all():
        person_access_grant(person=person, agency=childrens, reason="the family's social worker")
    idva = actor_of(cast["idva"])
    draft = assessments.assessment_start(
        actor=idva,
        person=her.person,
        instrument_id="dash-partner-agency",
        context="intake",
        assessed_on=datetime.date.today(),
    )
    assessments.assessment_save(
        actor=idva, assessment=draft, answers=dash_answers(15), narrative=HERS["her narrative"], complete=True
    )
    referrals.referral_advance(actor=idva, referral=her, to="offered", note=HERS["her note"])
    # Her case at the MARAC and his at the MATAC, each attended, decided, with an action for Drive.
    drive = cast["drive"].memberships.get().agency
    for kind, person in ((PanelKind.MARAC, her.person), (PanelKind.MATAC, his.person)):
        meeting = Meeting.objects.get(
            panel__kind=kind, panel__slug__endswith="cardiff" if kind == "marac" else "vale"
        )
        item = f.item(meeting, person)
        f.attended(meeting, *(m.user for m in meeting.panel.members.all()))
        chair = actor_of(cast["chair"])
        panels.decision_record(
            item=item, outcome=Outcome.SUPPORT, reasons="Support and monitor.", actor=chair
        )
        panels.action_create(
            item=item, description="Review the plan", agency=drive, due_on=meeting.held_on, actor=chair
        )
        if kind == PanelKind.MARAC:
            disclosures.disclosure_record(
                item=item,
                agency=cast["idva"].memberships.get().agency,
                information=HERS["shared about her"],
                lawful_basis=LawfulBasis.VITAL_INTERESTS,
                actor=idva,
            )
    return {
        "referral_id": [str(r.pk) for r in Referral.objects.all()],
        "person_id": [str(p.pk) for p in Person.objects.all()],
        "assessment_id": [str(a.pk) for a in Assessment.objects.all()],
        "panel_id": [str(p.pk) for p in Panel.objects.filter(kind__in=(PanelKind.MARAC, PanelKind.MATAC))],
        "meeting_id": [str(m.pk) for m in Meeting.objects.all()],
        "item_id": [str(i.pk) for i in AgendaItem.objects.all()],
        "action_id": [str(a.pk) for a in Action.objects.all()],
        "service_slug": ["clear", "drive-cardiff"],
        "slug": ["clear"],
    }


def _crawl(user: User, paths: list[str]) -> list[tuple[str, int, str, bool]]:
    """(path, status, body, audited as a read) for every path, as the user."""
    client = sign_in(Client(), user)
    seen = []
    for path in paths:
        before = AuditEntry.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0
        response = client.get(path)
        body = response_text(response)
        audited = AuditEntry.objects.filter(
            sequence__gt=before, action=AuditAction.RECORD_VIEWED, actor_username=user.username
        ).exists()
        seen.append((path, response.status_code, body, audited))
    return seen


def test_every_page_as_every_login_keeps_the_two_sides_apart(
    cast: dict[str, User], family: dict[str, list[str]]
) -> None:
    paths = _paths(family)
    paths += [p + "?lang=cy" for p in paths if p.endswith("/minutes/")]
    paths += ["/cy" + p[3:] for p in paths if p.startswith("/en/panels/items/")]
    assert len(paths) > 60
    leaks, errors, unaudited, read_by = [], [], [], set()
    for username, user in cast.items():
        for path, status, body, audited in _crawl(user, paths):
            if status >= 500:
                errors.append((username, path, status))
            leaks += [(username, path, what) for what, canary in SEALED.items() if canary in body]
            if username in PERPETRATOR_SERVICES or username in NO_PERSONAL_DATA:
                leaks += [(username, path, what) for what, canary in HERS.items() if canary in body]
            if username == "probation":
                at_the_table = path[3:].startswith("/panels/")
                leaks += [
                    (username, path, what)
                    for what, canary in HERS.items()
                    if canary in body and not (at_the_table and what in HEARD_AT_THE_TABLE)
                ]
            if username in NO_PERSONAL_DATA and HIS_NAME in body and "/audit/" not in path:
                leaks.append((username, path, "his name"))
            shows_someone = status == 200 and any(n in body for n in (HIS_NAME, HERS["her name"]))
            if shows_someone and "/audit/" not in path:
                read_by.add(username)
                if not audited:
                    unaudited.append((username, path))
    assert errors == []
    assert leaks == [], "\n".join(map(str, leaks))
    assert unaudited == []
    # The crawl reached the records: both sides read him, and her own services read her.
    assert {"practitioner", "drive", "idva", "socialworker", "chair"} <= read_by
    assert all("'" not in canary for canary in (*SEALED.values(), *HERS.values()))  # HTML would escape it
