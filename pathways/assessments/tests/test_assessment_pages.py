from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from pathways.accounts.models import User
from pathways.assessments.models import Assessment, AssessmentStatus
from pathways.factories import actor_of, sign_in
from pathways.referrals.tests.factories import refer

pytestmark = pytest.mark.django_db

QUESTIONS = [f"q{n:02d}" for n in range(1, 25)]


@pytest.fixture
def setup(cast: dict[str, User]) -> dict[str, Any]:
    user = cast["idva"]
    person = refer(actor_of(user)).person
    return {"client": sign_in(Client(), user), "person": person}


def _answers(yes: int) -> dict[str, str]:
    data = {q: ("yes" if n < yes else "no") for n, q in enumerate(QUESTIONS)}
    data.update({"q08": "no", "q24": "yes", "incident_date": "2026-06-01", "professional_judgement": "no"})
    return data


def test_complete_a_dash_in_welsh_and_see_the_result(setup: dict[str, Any]) -> None:
    client, person = setup["client"], setup["person"]
    response = client.post(
        f"/cy/assessments/people/{person.pk}/new/",
        {"instrument": "dash-partner-agency", "context": "intake", "assessed_on": "2026-06-01"},
    )
    assert response.status_code == 302
    form = client.get(response["Location"]).content.decode()
    assert 'lang="cy"' in form and "Rhestr wirio risg DASH" in form and "Ofnus iawn" in form
    done = client.post(response["Location"], {**_answers(15), "complete": "1"})
    assert done.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assessment = Assessment.objects.get()
    assert assessment.status == AssessmentStatus.COMPLETED
    assert 'id="marac"' in page and 'id="band"' in page and ">15<" in page
    history = client.get(f"/cy/assessments/people/{person.pk}/").content.decode()
    assert 'id="current-risk"' in history and "high" in history


def test_a_draft_keeps_answers_and_incomplete_completion_is_refused(setup: dict[str, Any]) -> None:
    client, person = setup["client"], setup["person"]
    location = client.post(
        f"/en/assessments/people/{person.pk}/new/",
        {"instrument": "dash-police", "context": "review", "assessed_on": "2026-06-01"},
    )["Location"]
    assert client.post(location, {"q01": "yes", "save": "1"}).status_code == 302
    assert Assessment.objects.get().answers == {"q01": "yes"}
    response = client.post(location, {"q01": "yes", "complete": "1"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and "answer this item" in page
    assert Assessment.objects.get().status == AssessmentStatus.DRAFT


def test_bad_input_is_refused_with_a_message(setup: dict[str, Any]) -> None:
    client, person = setup["client"], setup["person"]
    response = client.post(
        f"/en/assessments/people/{person.pk}/new/",
        {"instrument": "no-such-form", "context": "whenever", "assessed_on": "2999-01-01"},
    )
    page = response.content.decode()
    assert (
        response.status_code == 200 and "Select a valid choice" in page and "cannot be in the future" in page
    )
    location = client.post(
        f"/en/assessments/people/{person.pk}/new/",
        {"instrument": "dash-police", "context": "review", "assessed_on": "2026-06-01"},
    )["Location"]
    response = client.post(
        location, {"q01": "perhaps", "police_callouts_12m": "-4", "judgement_reason": "x" * 5000, "save": "1"}
    )
    assert response.status_code == 200 and "There is a problem" in response.content.decode()
    assert Assessment.objects.get().answers == {}


def test_correction_and_comparison(setup: dict[str, Any]) -> None:
    client, person = setup["client"], setup["person"]
    location = client.post(
        f"/en/assessments/people/{person.pk}/new/",
        {"instrument": "dash-partner-agency", "context": "intake", "assessed_on": "2026-06-01"},
    )["Location"]
    client.post(location, {**_answers(3), "complete": "1"})
    first = Assessment.objects.get()
    assert (
        client.post(location, {**_answers(9), "complete": "1"}).status_code == 404
    )  # completed: no more changes
    fix = client.post(
        f"/en/assessments/{first.pk}/correct/", {"reason": "Answers were for the wrong incident"}
    )
    client.post(fix["Location"], {**_answers(5), "complete": "1"})
    first.refresh_from_db()
    second = Assessment.objects.exclude(pk=first.pk).get()
    assert first.status == AssessmentStatus.SUPERSEDED and second.supersedes == first
    page = client.get(f"/en/assessments/people/{person.pk}/compare/?earlier={first.pk}&later={second.pk}")
    text = page.content.decode()
    assert 'id="changes"' in text and text.count(">Up<") == 2
