"""A step up from CLEAR to Drive after MARAC reaches Drive, and each referral shows the other with the
history the step carries; when he already has a referral to Drive, the step is linked to it rather than
referring him twice."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.http import Http404
from django.test import Client

from pathways.accounts.models import User
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditEntry
from pathways.core.policy import Actor
from pathways.factories import actor_of, make_person, sign_in
from pathways.people.models import Person
from pathways.referrals.choices import RiskLevel, Status, Transition
from pathways.referrals.models import LinkedStep, Referral
from pathways.referrals.selectors import referral_step_links, referral_step_options
from pathways.referrals.services import (
    ReferralError,
    ReferralInput,
    referral_advance,
    referral_create,
    referral_service_choose,
    referral_step,
)
from pathways.referrals.tests.factories import PARTNER_PHONE, refer

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db


def test_a_step_up_after_marac_reaches_drive_with_the_history_both_ways(cast: dict[str, User]) -> None:
    sw, clear = actor_of(cast["socialworker"]), actor_of(cast["practitioner"])
    original = referral_service_choose(actor=sw, referral=refer(sw), service_slug="clear")
    for step in (Status.OFFERED, Status.ACCEPTED, Status.STARTED):
        original = referral_advance(actor=clear, referral=original, to=step)
    practitioner = sign_in(Client(), cast["practitioner"])
    response = practitioner.post(
        f"/en/referrals/{original.pk}/step/",
        {
            "transition": "step_up",
            "risk_level": "high",
            "been_to_marac": "yes",
            "awaiting_court": "on",
            "handover_note": "Risk has risen; heard at MARAC last week.",
        },
    )
    assert response.status_code == 302, response.content.decode()
    new = Referral.objects.get(previous_referral=original)
    assert new.been_to_marac and new.awaiting_court
    page = practitioner.get(new.get_absolute_url()).content.decode()
    assert 'data-service="drive-cardiff"' in page.split('id="triage-fits"')[1].split("</ol>")[0]
    referral_service_choose(actor=clear, referral=new, service_slug="drive-cardiff")
    drive_page = sign_in(Client(), cast["drive"]).get(new.get_absolute_url()).content.decode()
    assert original.reference in drive_page.split('id="step-from"')[1]
    before = drive_page.split('id="history-before"')[1].split("</ol>")[0]
    assert "Started" in before and "Sent to a service" in before
    original_page = practitioner.get(original.get_absolute_url()).content.decode()
    assert new.reference in original_page.split('id="step-to"')[1]
    assert new.reference in original_page.split('id="referral-events"')[1].split("</ol>")[0]


# --- a step linked to a referral the person already has --------------------------------------------------

HANDOVER = "Risk has risen since MARAC; he is already known to Drive."


def _with_clear(sw: Actor, clear: Actor) -> Referral:
    """A man the social worker referred to CLEAR, who has started there."""
    original = referral_service_choose(actor=sw, referral=refer(sw), service_slug="clear")
    for step in (Status.OFFERED, Status.ACCEPTED, Status.STARTED):
        original = referral_advance(actor=clear, referral=original, to=step)
    return original


def _to_drive(by: Actor, person: Person) -> Referral:
    """A referral of the same man to Drive after MARAC, made by `by` (CLEAR, so that CLEAR sees it)."""
    made = referral_create(
        actor=by,
        data=ReferralInput(
            route="marac",
            reason="MARAC action: referred to Drive.",
            risk_level=RiskLevel.HIGH,
            been_to_marac=True,
            existing_person=person,
        ),
    )
    return referral_service_choose(actor=by, referral=made, service_slug="drive-cardiff")


def _step(clear: Actor, original: Referral, existing: Referral | None, **extra: Any) -> Referral:
    values = {"transition": Transition.STEP_UP, "risk_level": RiskLevel.HIGH, "handover_note": HANDOVER}
    return referral_step(actor=clear, referral=original, existing=existing, **{**values, **extra})


@pytest.fixture
def people(cast: dict[str, User]) -> dict[str, Actor]:
    return {name: actor_of(cast[login]) for name, login in LOGINS.items()}


LOGINS = {"sw": "socialworker", "clear": "practitioner", "drive": "drive"}


def test_linking_a_step_to_his_drive_referral_makes_no_new_one_and_both_histories_name_the_other(
    people: dict[str, Actor],
) -> None:
    sw, clear, drive = people["sw"], people["clear"], people["drive"]
    original = _with_clear(sw, clear)
    existing = _to_drive(clear, original.person)
    referrals_before = Referral.objects.count()
    audited_before = AuditEntry.objects.order_by("-sequence").values_list("sequence", flat=True).first()

    target = _step(clear, original, existing, been_to_marac=True, awaiting_court=True)

    assert target == existing and Referral.objects.count() == referrals_before
    step = LinkedStep.objects.get(from_referral=original, to_referral=existing)
    assert (step.transition, step.risk_level, step.been_to_marac, step.awaiting_court) == (
        Transition.STEP_UP,
        RiskLevel.HIGH,
        True,
        True,
    )
    assert step.handover_note == HANDOVER and step.agency == clear.agency
    assert existing.events.reverse()[0].note_shown() == f"step linked from {original.reference}"
    assert original.events.reverse()[0].note_shown() == f"step linked to {existing.reference}"
    original.refresh_from_db()
    existing.refresh_from_db()
    assert (original.status, existing.status) == (Status.STARTED, Status.TRIAGED)  # nobody moved yet
    entry = AuditEntry.objects.get(sequence__gt=audited_before or 0, record_id=str(existing.pk))
    assert entry.action == AuditAction.RECORD_CHANGED and entry.details["from"] == str(original.pk)
    assert HANDOVER not in str(entry.details)

    before, after = referral_step_links(referral=existing)
    assert [(s.reference, s.linked, s.handover_note) for s in before] == [
        (original.reference, True, HANDOVER)
    ]
    assert [(s.reference, s.linked) for s in referral_step_links(referral=original)[1]] == [
        (existing.reference, True)
    ]
    assert after == []
    with pytest.raises(ReferralError, match="already under way"):
        _step(clear, original, None)

    # Drive takes him: CLEAR's referral moves on, as it does when a step referral starts.
    for status in (Status.OFFERED, Status.ACCEPTED, Status.STARTED):
        referral_advance(actor=drive, referral=existing, to=status)
    original.refresh_from_db()
    assert original.status == Status.MOVED_ON


def test_a_step_linked_to_a_referral_that_has_started_moves_him_on_at_once(
    people: dict[str, Actor],
) -> None:
    sw, clear, drive = people["sw"], people["clear"], people["drive"]
    original = _with_clear(sw, clear)
    existing = _to_drive(clear, original.person)
    for status in (Status.OFFERED, Status.ACCEPTED, Status.STARTED):
        existing = referral_advance(actor=drive, referral=existing, to=status)
    _step(clear, original, existing)
    original.refresh_from_db()
    existing.refresh_from_db()
    assert (original.status, existing.status) == (Status.MOVED_ON, Status.STARTED)


def test_a_linked_step_heard_at_marac_marks_the_referral_it_goes_to(people: dict[str, Actor]) -> None:
    sw, clear = people["sw"], people["clear"]
    original = _with_clear(sw, clear)
    waiting = referral_create(
        actor=clear,
        data=ReferralInput(route="other_service", reason="For a choice.", existing_person=original.person),
    )
    assert not waiting.been_to_marac
    _step(clear, original, waiting, been_to_marac=True)
    waiting.refresh_from_db()
    assert waiting.been_to_marac and waiting.status == Status.RECEIVED


def test_a_step_is_not_linked_to_a_closed_referral_another_persons_or_one_the_service_cannot_see(
    people: dict[str, Actor],
) -> None:
    sw, clear = people["sw"], people["clear"]
    original = _with_clear(sw, clear)
    closed = _to_drive(clear, original.person)
    referral_advance(actor=clear, referral=closed, to=Status.WITHDRAWN, note="Made in error")
    someone_else = _to_drive(clear, make_person(given_name="Other", family_name="Man"))
    # The social worker's own referral of him to Drive: CLEAR neither made it nor runs Drive.
    unseen = _to_drive(sw, original.person)

    with pytest.raises(ReferralError, match="closed"):
        _step(clear, original, closed)
    closed.refresh_from_db()
    assert closed.status == Status.WITHDRAWN  # not re-opened
    with pytest.raises(ReferralError, match="same person"):
        _step(clear, original, someone_else)
    with pytest.raises(Http404):
        _step(clear, original, unseen)
    open_one = _to_drive(clear, original.person)
    with pytest.raises(ReferralError, match="sealed"):
        _step(clear, original, open_one, handover_note=f"Call her on {PARTNER_PHONE}")
    assert not LinkedStep.objects.filter(from_referral=original).exists()
    assert referral_step_options(actor=clear, referral=original) == [open_one]


def test_the_step_offers_only_his_open_referrals_the_service_may_see_with_other_services(
    people: dict[str, Actor],
) -> None:
    sw, clear = people["sw"], people["clear"]
    original = _with_clear(sw, clear)
    drive_referral = _to_drive(clear, original.person)
    _to_drive(sw, original.person)  # not CLEAR's to see
    _to_drive(clear, make_person(given_name="Other", family_name="Man"))  # someone else
    assert referral_step_options(actor=clear, referral=original) == [drive_referral]
    _step(clear, original, drive_referral)
    # Nothing left to link to once the step has gone there (and none from Drive's side back to CLEAR).
    assert referral_step_options(actor=clear, referral=original) == []
    assert original not in referral_step_options(actor=people["drive"], referral=drive_referral)


# --- the step page --------------------------------------------------------------------------------------


def _post(client: Client, original: Referral, **extra: str) -> TestResponse:
    return client.post(
        f"/en/referrals/{original.pk}/step/",
        {
            "transition": "step_up",
            "risk_level": "high",
            "been_to_marac": "yes",
            "handover_note": HANDOVER,
            **extra,
        },
    )


def test_the_step_page_asks_where_the_step_goes_only_when_he_has_another_open_referral(
    cast: dict[str, User], people: dict[str, Actor]
) -> None:
    sw, clear = people["sw"], people["clear"]
    original = _with_clear(sw, clear)
    practitioner = sign_in(Client(), cast["practitioner"])
    page = practitioner.get(f"/en/referrals/{original.pk}/step/").content.decode()
    assert 'name="existing"' not in page and "Make the step referral" in page

    existing = _to_drive(clear, original.person)
    page = practitioner.get(f"/en/referrals/{original.pk}/step/").content.decode()
    choice = page.split("Which referral does the step go to?")[1].split("</fieldset>")[0]
    assert f"{existing.reference}, Drive Cardiff: Sent to a service" in choice
    assert 'value="new"' in choice and "Make a new referral" in choice and "govuk-radios__divider" in choice
    assert " checked" not in choice  # nothing chosen for them
    assert "Record the step" in page

    response = _post(practitioner, original)
    assert response.status_code == 200
    assert "Select the referral the step goes to, or Make a new referral" in response.content.decode()
    assert not LinkedStep.objects.exists() and not original.next_referrals.exists()


def test_linking_from_the_page_makes_no_referral_and_both_pages_show_the_link(
    cast: dict[str, User], people: dict[str, Actor]
) -> None:
    sw, clear = people["sw"], people["clear"]
    original = _with_clear(sw, clear)
    existing = _to_drive(clear, original.person)
    practitioner = sign_in(Client(), cast["practitioner"])
    count = Referral.objects.count()

    response = _post(practitioner, original, existing=str(existing.pk), awaiting_court="on")
    assert response.status_code == 302 and response["Location"] == existing.get_absolute_url()
    assert Referral.objects.count() == count and not original.next_referrals.exists()

    drive_page = sign_in(Client(), cast["drive"]).get(existing.get_absolute_url()).content.decode()
    step_from = drive_page.split('id="step-from"')[1].split("</dd>")[0]
    assert original.reference in step_from and "CLEAR" in step_from
    assert HANDOVER in step_from  # Drive reads the handover note on its side
    assert "Risk at the step: High; heard at MARAC; waiting for a court hearing" in step_from
    before = drive_page.split('id="history-before"')[1].split("</ol>")[0]
    assert "Started" in before and "Sent to a service" in before
    assert original.reference in drive_page.split('id="referral-events"')[1].split("</ol>")[0]

    original_page = practitioner.get(original.get_absolute_url()).content.decode()
    step_to = original_page.split('id="step-to"')[1].split("</dd>")[0]
    assert f"Linked to referral {existing.reference}" in step_to and "Drive Cardiff" in step_to
    assert existing.reference in original_page.split('id="referral-events"')[1].split("</ol>")[0]


def test_the_page_can_still_make_a_new_referral_when_he_has_another(
    cast: dict[str, User], people: dict[str, Actor]
) -> None:
    sw, clear = people["sw"], people["clear"]
    original = _with_clear(sw, clear)
    _to_drive(clear, original.person)
    response = _post(sign_in(Client(), cast["practitioner"]), original, existing="new")
    assert response.status_code == 302
    new = Referral.objects.get(previous_referral=original)
    assert response["Location"] == new.get_absolute_url() and not LinkedStep.objects.exists()


def test_the_page_refuses_a_referral_it_may_not_see_another_persons_and_a_closed_one(
    cast: dict[str, User], people: dict[str, Actor]
) -> None:
    sw, clear = people["sw"], people["clear"]
    original = _with_clear(sw, clear)
    _to_drive(clear, original.person)  # so that the page asks
    unseen = _to_drive(sw, original.person)
    someone_else = _to_drive(clear, make_person(given_name="Other", family_name="Man"))
    closed = _to_drive(clear, original.person)
    referral_advance(actor=clear, referral=closed, to=Status.WITHDRAWN, note="Made in error")
    practitioner = sign_in(Client(), cast["practitioner"])

    assert _post(practitioner, original, existing=str(unseen.pk)).status_code == 404
    refused = _post(practitioner, original, existing=str(someone_else.pk))
    assert refused.status_code == 200
    assert "only to another referral of the same person" in refused.content.decode()
    refused = _post(practitioner, original, existing=str(closed.pk))
    assert refused.status_code == 200 and "is closed" in refused.content.decode()
    closed.refresh_from_db()
    assert closed.status == Status.WITHDRAWN
    assert not LinkedStep.objects.exists() and not original.next_referrals.exists()
