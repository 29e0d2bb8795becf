"""Characters no database can store are refused with a 400 that says where they were.

PostgreSQL cannot store a null character (U+0000) in text, and neither database driver can encode a lone
UTF-16 surrogate (which JSON can carry as an escape such as "\\ud800"). Either used to reach the database
and fail there with a server error on PostgreSQL. These tests run on both databases.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.test.client import MULTIPART_CONTENT

from pathways.accounts.models import User
from pathways.assessments.imports import COLUMNS as DASH_COLUMNS
from pathways.assessments.imports import DashImportError, import_dash
from pathways.assessments.models import Assessment
from pathways.audit.models import AuditEntry
from pathways.core.access import Role
from pathways.factories import sign_in
from pathways.people.models import Person
from pathways.referrals.imports import COLUMNS as REFERRAL_COLUMNS
from pathways.referrals.imports import ReferralImportError, import_referrals
from pathways.referrals.models import Referral
from pathways.referrals.tests.factories import actor_of, api_answered, refer
from pathways.referrals.triagefile import CASE_FACTS

pytestmark = pytest.mark.django_db

JSON = "application/json"
NUL = "\x00"


def _detail(response: Any) -> str:
    return str(response.json()["detail"])


@pytest.fixture
def login(cast_preloaded: None, region: None) -> Callable[[str], User]:
    """The cast's login by username (the cast is loaded once for the module)."""
    return lambda username: User.objects.get(username=username)


@pytest.fixture
def social_worker(login: Callable[[str], User]) -> Client:
    return sign_in(Client(), login("socialworker"))


def _referral_body(**person: Any) -> dict[str, Any]:
    return api_answered(
        {
            "person": {
                "given_name": "Rhys",
                "family_name": "Jenkins",
                "gender_identity": "man",
                "area": "cardiff",
                **person,
            },
            "route": "childrens_services",
            "reason": "Shouting at his partner.",
            "risk_level": "standard",
        }
    )


# --- query strings and addresses -----------------------------------------------------------------------


def test_a_null_in_an_api_query_string_is_refused_naming_the_parameter(
    region: None, client_as: Callable[[str], Client]
) -> None:
    response = client_as(Role.COMMISSIONER).get("/api/v1/services/?area=%00")
    assert response.status_code == 400
    assert "area" in _detail(response) and "null character" in _detail(response)


def test_a_null_in_a_page_query_string_is_refused_in_the_pages_language(
    region: None, client_as: Callable[[str], Client]
) -> None:
    commissioner = client_as(Role.COMMISSIONER)
    english = commissioner.get("/en/services/?area=cardiff%00")
    assert english.status_code == 400
    assert "area" in english.content.decode() and "null character" in english.content.decode()
    welsh = commissioner.get("/cy/services/?area=%00")
    assert welsh.status_code == 400 and 'lang="cy"' in welsh.content.decode()
    assert "nod nwl" in welsh.content.decode()


def test_a_null_in_a_query_string_name_is_refused(region: None, client_as: Callable[[str], Client]) -> None:
    response = client_as(Role.COMMISSIONER).get("/api/v1/services/?are%00a=cardiff")
    assert response.status_code == 400


def test_a_null_in_the_address_itself_is_refused(social_worker: Client) -> None:
    assert social_worker.get("/en/referrals/%00/").status_code == 400
    assert social_worker.get("/api/v1/referrals/%00/").status_code == 400


# --- JSON bodies ---------------------------------------------------------------------------------------


def test_a_null_in_a_referral_area_is_refused_and_nothing_is_recorded(social_worker: Client) -> None:
    before = (Person.objects.count(), Referral.objects.count(), AuditEntry.objects.count())
    response = social_worker.post("/api/v1/referrals/", _referral_body(area=NUL), content_type=JSON)
    assert response.status_code == 400
    assert "person.area" in _detail(response)
    assert (Person.objects.count(), Referral.objects.count(), AuditEntry.objects.count()) == before


def test_a_lone_surrogate_in_json_is_refused_naming_the_field(social_worker: Client) -> None:
    # json.dumps would escape the backslash; write the escape as a client would send it.
    body = json.dumps(_referral_body()).replace('"Rhys"', '"Rh\\ud800ys"')
    response = social_worker.post("/api/v1/referrals/", body, content_type=JSON)
    assert response.status_code == 400
    assert "person.given_name" in _detail(response) and "surrogate" in _detail(response)
    assert not Referral.objects.exists()


def test_a_lone_surrogate_escape_that_is_really_an_escaped_backslash_is_accepted(
    social_worker: Client,
) -> None:
    # "\\ud800" in JSON is a backslash followed by the letters u, d, 8, 0, 0: ordinary text.
    body = json.dumps(_referral_body()).replace('"Shouting', '"\\\\ud800 Shouting')
    response = social_worker.post("/api/v1/referrals/", body, content_type=JSON)
    assert response.status_code == 201, response.content
    assert Referral.objects.get().reason.startswith("\\ud800 ")


def test_a_null_in_an_assessment_answer_or_its_item_id_is_refused(login: Callable[[str], User]) -> None:
    user = login("idva")
    client = sign_in(Client(), user)
    person = refer(actor_of(user)).person
    started = client.post(
        "/api/v1/assessments/",
        {
            "person": str(person.pk),
            "instrument": "dash-partner-agency",
            "context": "intake",
            "assessed_on": "2026-06-01",
        },
        content_type=JSON,
    )
    assert started.status_code == 201, started.content
    url = f"/api/v1/assessments/{started.json()['id']}/answers/"
    for answers, named in (({"q01": NUL}, "answers.q01"), ({"q\u000001": "yes"}, "answers")):
        response = client.post(url, {"answers": answers}, content_type=JSON)
        assert response.status_code == 400, answers
        assert named in _detail(response)
    nested = client.post(url, {"answers": {"q01": ["yes", NUL]}}, content_type=JSON)
    assert nested.status_code == 400 and "answers.q01[1]" in _detail(nested)
    assert Assessment.objects.get().answers == {}


def test_a_null_in_a_json_body_sent_with_put_is_refused(social_worker: Client) -> None:
    response = social_worker.put("/api/v1/referrals/", _referral_body(area=NUL), content_type=JSON)
    assert response.status_code == 400 and "person.area" in _detail(response)


# --- form bodies ---------------------------------------------------------------------------------------


def test_a_null_in_a_form_field_is_refused_naming_it(social_worker: Client) -> None:
    form = {
        "given_name": "Rhys",
        "family_name": "Jenkins",
        "gender_identity": "man",
        "area": "cardiff" + NUL,
        "preferred_language": "en",
        "route": "childrens_services",
        "reason": "Shouting.",
        "risk_level": "standard",
    }
    response = social_worker.post("/en/referrals/new/", form)
    assert response.status_code == 400
    page = response.content.decode()
    assert "area" in page and "null character" in page and "Nothing was changed" in page
    assert not Referral.objects.exists()


def test_a_null_in_the_public_form_is_refused(region: None, client: Client) -> None:
    response = client.post("/cy/referrals/self-referral/", {"reason": "help" + NUL, "given_name": "Dai"})
    assert response.status_code == 400 and 'lang="cy"' in response.content.decode()
    assert not Referral.objects.exists()


def test_a_null_in_a_multipart_form_is_refused(social_worker: Client) -> None:
    response = social_worker.post(
        "/en/referrals/new/", {"reason": NUL, "given_name": "Rhys"}, content_type=MULTIPART_CONTENT
    )
    assert response.status_code == 400


def test_ordinary_text_in_any_script_is_untouched(social_worker: Client) -> None:
    body = _referral_body(given_name="Siân 😀 Ελένη")
    response = social_worker.post("/api/v1/referrals/", body, content_type=JSON)
    assert response.status_code == 201, response.content
    assert Person.objects.get().given_name == "Siân 😀 Ελένη"


# --- CSV imports ---------------------------------------------------------------------------------------


def _write(path: Path, columns: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _referral_row(**values: str) -> dict[str, str]:
    return {
        "given_name": "Alex",
        "family_name": "Morgan",
        "gender_identity": "man",
        "area": "not_known",
        "preferred_language": "en",
        "work_pattern": "not_known",
        "route": "police",
        "reason": "Police attended.",
        "risk_level": "not_known",
        "been_to_marac": "no",
        **dict.fromkeys(CASE_FACTS, "not_known"),
        **values,
    }


def test_a_null_in_the_referral_import_names_the_line_and_column(
    region: None, persona: Callable[[str], User], tmp_path: Path
) -> None:
    actor = actor_of(persona(Role.PRACTITIONER))
    path = _write(
        tmp_path / "referrals.csv",
        list(REFERRAL_COLUMNS),
        [_referral_row(), _referral_row(reason="Police" + NUL + "attended.")],
    )
    before = (Person.objects.count(), Referral.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ReferralImportError) as refused:
        import_referrals(actor=actor, path=path)
    # The one problem: the good row before it is not refused for a missing answer.
    assert str(refused.value).startswith("line 3, column reason: the value contains a null character")
    assert len(refused.value.problems) == 1
    assert (Person.objects.count(), Referral.objects.count(), AuditEntry.objects.count()) == before


def test_a_null_in_the_referral_import_through_the_command_is_explained(
    region: None, persona: Callable[[str], User], tmp_path: Path
) -> None:
    user = persona(Role.PRACTITIONER)
    path = _write(
        tmp_path / "referrals.csv", list(REFERRAL_COLUMNS), [_referral_row(area="card" + NUL + "iff")]
    )
    with pytest.raises(CommandError) as refused:
        call_command("import_referrals", str(path), "--username", user.username)
    assert "line 2, column area" in str(refused.value)
    assert not Referral.objects.exists()


def test_a_file_saved_as_utf16_without_a_byte_order_mark_is_explained(
    region: None, persona: Callable[[str], User], tmp_path: Path
) -> None:
    path = tmp_path / "referrals.csv"
    path.write_bytes(",".join(REFERRAL_COLUMNS).encode("utf-16-le") + "\r\n".encode("utf-16-le"))
    with pytest.raises(ReferralImportError) as refused:
        import_referrals(actor=actor_of(persona(Role.PRACTITIONER)), path=path)
    assert "line 1" in str(refused.value) and "UTF-16" in str(refused.value)


def test_a_null_in_the_dash_import_names_the_line_and_column(
    login: Callable[[str], User], tmp_path: Path
) -> None:
    user = login("idva")
    person = refer(actor_of(user)).person
    row = {column: "" for column in DASH_COLUMNS}
    row.update(
        {
            "person_id": str(person.pk),
            "instrument": "dash-partner-agency",
            "assessed_on": "2025-06-01",
            "context": "intake",
            "narrative": "Old" + NUL,
        }
    )
    path = _write(tmp_path / "dash.csv", list(DASH_COLUMNS), [row])
    with pytest.raises(DashImportError) as refused:
        import_dash(actor=actor_of(user), path=path)
    assert "line 2, column narrative" in str(refused.value)
    assert not Assessment.objects.exists()


# --- cookies and declared charsets ---------------------------------------------------------------------


def test_a_null_in_the_session_cookie_is_refused_before_the_session_is_read(region: None) -> None:
    client = Client()
    client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"  # sent quoted, as "abcdefgh\000ijklmnop"
    response = client.get("/en/")
    assert response.status_code == 400 and "sessionid" in response.content.decode()


def test_a_json_body_in_a_declared_charset_is_checked_as_the_api_reads_it(social_worker: Client) -> None:
    # The test client encodes the text in the charset the content type names.
    body = json.dumps(_referral_body()).replace('"cardiff"', '"cardiff\\u0000"')
    response = social_worker.post(
        "/api/v1/referrals/", body, content_type="application/json; charset=utf-16-le"
    )
    assert response.status_code == 400 and "person.area" in _detail(response)
    assert not Referral.objects.exists()
