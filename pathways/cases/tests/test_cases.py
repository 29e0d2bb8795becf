"""A case per person per service: opened when his referral starts there, held by a named case worker and
manager, listed on each worker's and each team's caseload, and reassigned with the change on record."""

from __future__ import annotations

from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pathways.accounts.models import User
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditEntry
from pathways.cases import services
from pathways.cases.choices import CaseStatus
from pathways.cases.models import Case
from pathways.core.policy import Actor
from pathways.directory.models import Service
from pathways.factories import actor_of, make_person, sign_in
from pathways.referrals import services as referrals
from pathways.referrals.choices import Status
from pathways.referrals.models import Referral
from pathways.referrals.tests.factories import refer

pytestmark = pytest.mark.usefixtures("region")


def _started_at_clear(referrer: Actor, clear: Actor) -> Referral:
    referral = refer(referrer)
    referrals.referral_triage(referral=referral)
    referrals.referral_service_choose(actor=referrer, referral=referral, service_slug="clear")
    for status in (Status.OFFERED, Status.ACCEPTED, Status.STARTED):
        referral = referrals.referral_advance(actor=clear, referral=referral, to=status)
    return referral


def test_a_case_opens_when_the_referral_starts_and_goes_to_whoever_started_it(cast: dict[str, User]) -> None:
    referrer, clear = actor_of(cast["socialworker"]), actor_of(cast["practitioner"])
    referral = refer(referrer)
    referrals.referral_triage(referral=referral)
    referrals.referral_service_choose(actor=referrer, referral=referral, service_slug="clear")
    referral = referrals.referral_advance(actor=clear, referral=referral, to=Status.OFFERED)
    assert not Case.objects.exists()  # an offer is not yet a case
    for status in (Status.ACCEPTED, Status.STARTED):
        referral = referrals.referral_advance(actor=clear, referral=referral, to=status)

    case = Case.objects.get()
    assert (case.person, case.service.slug, case.referral, case.status) == (
        referral.person,
        "clear",
        referral,
        CaseStatus.OPEN,
    )
    assert case.worker == cast["practitioner"] and case.manager is None
    assert AuditEntry.objects.filter(action=AuditAction.RECORD_CREATED, record_type="case").exists()
    page = sign_in(Client(), cast["practitioner"]).get(case.get_absolute_url()).content.decode()
    assert f"from referral {referral.reference}" in page and "Dafydd Morgan" in page


def test_a_person_already_open_with_the_service_keeps_his_one_case(cast: dict[str, User]) -> None:
    referrer, clear = actor_of(cast["socialworker"]), actor_of(cast["practitioner"])
    first = _started_at_clear(referrer, clear)
    case = Case.objects.get()
    assert services.case_open_from_referral(referral=first, actor=clear) == case
    assert Case.objects.count() == 1


def test_only_the_agencies_running_the_service_see_the_case(cast: dict[str, User]) -> None:
    _started_at_clear(actor_of(cast["socialworker"]), actor_of(cast["practitioner"]))
    case = Case.objects.get()
    for login in ("practitioner", "manager"):
        assert sign_in(Client(), cast[login]).get(case.get_absolute_url()).status_code == 200, login
    # The referrer reads the referral, not the casework; other services and other roles see nothing.
    for login in ("socialworker", "drive", "idva", "practitioner-elsewhere"):
        client = sign_in(Client(), cast[login])
        assert client.get(case.get_absolute_url()).status_code == 404, login
        assert case.get_absolute_url() not in client.get("/en/cases/?whose=team").content.decode(), login
    for login in ("commissioner", "coordinator"):
        assert sign_in(Client(), cast[login]).get(case.get_absolute_url()).status_code == 403, login


def test_each_worker_and_team_has_a_caseload_with_names(cast: dict[str, User]) -> None:
    _started_at_clear(actor_of(cast["socialworker"]), actor_of(cast["practitioner"]))
    mine = sign_in(Client(), cast["practitioner"]).get("/en/cases/").content.decode()
    assert "Rhys Jenkins" in mine and "Your cases (1)" in mine
    manager = sign_in(Client(), cast["manager"])
    assert "You hold no open cases." in manager.get("/en/cases/").content.decode()
    team = unescape(manager.get("/en/cases/?whose=team").content.decode())
    assert "Rhys Jenkins" in team and "Your team's cases (1)" in team


def test_a_manager_reassigns_the_case_and_the_change_is_on_record(cast: dict[str, User]) -> None:
    _started_at_clear(actor_of(cast["socialworker"]), actor_of(cast["practitioner"]))
    case = Case.objects.get()
    manager = sign_in(Client(), cast["manager"])
    response = manager.post(
        case.get_absolute_url(), {"worker": str(cast["manager"].pk), "manager": str(cast["manager"].pk)}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.worker == cast["manager"] and case.manager == cast["manager"]
    changes = AuditEntry.objects.filter(action=AuditAction.RECORD_CHANGED, record_type="case")
    entry = changes.latest("sequence")
    assert entry.details["before"]["worker"] == str(cast["practitioner"].pk)
    assert entry.details["after"]["worker"] == str(cast["manager"].pk)
    page = unescape(manager.get(case.get_absolute_url()).content.decode())
    assert "case worker Sian Roberts, manager Sian Roberts" in page
    # The practitioner's caseload no longer holds it; the manager's does.
    assert "Rhys Jenkins" not in sign_in(Client(), cast["practitioner"]).get("/en/cases/").content.decode()
    assert "Rhys Jenkins" in manager.get("/en/cases/").content.decode()


def test_a_case_cannot_go_to_someone_outside_the_service(cast: dict[str, User]) -> None:
    _started_at_clear(actor_of(cast["socialworker"]), actor_of(cast["practitioner"]))
    case = Case.objects.get()
    manager = sign_in(Client(), cast["manager"])
    refused = manager.post(case.get_absolute_url(), {"worker": str(cast["drive"].pk), "manager": ""})
    assert refused.status_code == 400 and 'href="#id_worker"' in refused.content.decode()
    with pytest.raises(services.CaseError):
        services.case_assign(actor=actor_of(cast["manager"]), case=case, worker=cast["drive"], manager=None)
    with pytest.raises(services.CaseError):  # a practitioner is not a manager
        services.case_assign(
            actor=actor_of(cast["manager"]), case=case, worker=None, manager=cast["practitioner"]
        )
    case.refresh_from_db()
    assert case.worker == cast["practitioner"]


def test_the_caseload_pages_rather_than_stopping_and_its_queries_do_not_grow(cast: dict[str, User]) -> None:
    clear = Service.objects.get(slug="clear")
    practitioner = cast["practitioner"]
    client = sign_in(Client(), practitioner)

    def add(count: int) -> None:
        Case.objects.bulk_create(
            Case(person=make_person(given_name=f"P{n}"), service=clear, worker=practitioner)
            for n in range(count)
        )

    add(5)
    with CaptureQueriesContext(connection) as few:
        client.get("/en/cases/")
    add(55)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/en/cases/").content.decode()
    assert len(many) == len(few)
    assert "Your cases (60)" in page and "Page 1 of 2" in page
    assert "Page 2 of 2" in client.get("/en/cases/?page=2").content.decode()


def test_the_caseload_in_welsh(cast: dict[str, User]) -> None:
    _started_at_clear(actor_of(cast["socialworker"]), actor_of(cast["practitioner"]))
    page = sign_in(Client(), cast["practitioner"]).get("/cy/cases/").content.decode()
    assert 'lang="cy"' in page
    for english in ("Your cases", "Case worker", "Opened", "Nobody yet"):
        assert english not in page, english
