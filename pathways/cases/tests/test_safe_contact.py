"""Safe contact on her case: her support worker records when and how she may be reached, whether a
voicemail may be left, a safe word and who else may answer. Contact is logged on her case only once they
are recorded, never by a way she has not said is safe, and nothing of them reaches his side."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from pathways.accounts.models import User
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditEntry
from pathways.cases.models import Case, Contact, SafeContact
from pathways.cases.services import contact as contact_services
from pathways.cases.services.base import CaseError
from pathways.cases.tests.factories import case_open, partner_of
from pathways.core.tests.conftest_helpers import crawl_paths, response_text
from pathways.factories import actor_of, date_fields, sign_in

pytestmark = pytest.mark.usefixtures("region")

SAFE_WORD = "CANARY-SAFEWORD-bluebell"
SAFE_TIMES = "CANARY-SAFETIMES weekdays 10 till 2"
OTHERS = "CANARY-OTHERS her sister Rhian"


@pytest.fixture
def pair(cast: dict[str, User]) -> dict[str, Any]:
    his = case_open("drive-cardiff", cast["drive"])
    hers = Case.objects.get(person=partner_of(his, supported_by=cast["idva"]))
    return {"his": his, "hers": hers, "idva": sign_in(Client(), cast["idva"])}


def _record(client: Client, case: Case, **fields: Any) -> Any:
    data = {
        "form": "safe",
        "safe_times": SAFE_TIMES,
        "channels": ["text", "phone"],
        "voicemail": "no",
        "safe_word": SAFE_WORD,
        "others_may_answer": OTHERS,
        **fields,
    }
    return client.post(f"/en/cases/{case.pk}/contact/", data)


def _page(client: Client, case: Case) -> str:
    return unescape(client.get(f"/en/cases/{case.pk}/contact/").content.decode())


def _log(client: Client, case: Case, channel: str, direction: str = "outgoing") -> Any:
    today = timezone.localdate().isoformat()
    return client.post(
        f"/en/cases/{case.pk}/contact/",
        {
            "form": "contact",
            **date_fields("on", today),
            "channel": channel,
            "direction": direction,
            "outcome": "reached",
        },
    )


def test_her_page_asks_for_safe_contact_before_any_contact(pair: dict[str, Any]) -> None:
    page = _page(pair["idva"], pair["hers"])
    assert "No safe-contact arrangements yet" in page
    assert "First contact is made only once" not in page  # his gate is not on her page
    refused = _log(pair["idva"], pair["hers"], "text")
    assert refused.status_code == 400
    assert "Record her safe-contact arrangements first" in unescape(refused.content.decode())
    assert not Contact.objects.exists()


def test_recorded_arrangements_show_on_her_case_and_let_contact_be_logged(pair: dict[str, Any]) -> None:
    hers = pair["hers"]
    assert _record(pair["idva"], hers).status_code == 302
    page = _page(pair["idva"], hers)
    assert SAFE_TIMES in page and SAFE_WORD in page and OTHERS in page
    assert "Never leave a voicemail" in page and "Text message, Phone" in page
    # The safe word is sealed at rest, and each time it is shown the view is audited.
    raw = SafeContact.objects.values_list("safe_word", flat=True).get()
    assert SAFE_WORD not in str(raw)
    assert AuditEntry.objects.filter(action=AuditAction.SEALED_VIEWED, record_type="safecontact").exists()

    assert _log(pair["idva"], hers, "text").status_code == 302
    # A letter is not a way she said is safe: refused, naming the field, nothing logged.
    letter = _log(pair["idva"], hers, "letter")
    assert letter.status_code == 400 and 'href="#id_channel' in unescape(letter.content.decode())
    # She may still write in herself.
    assert _log(pair["idva"], hers, "letter", direction="incoming").status_code == 302
    assert Contact.objects.filter(case=hers).count() == 2


def test_changing_the_arrangements_keeps_the_earlier_ones(pair: dict[str, Any]) -> None:
    hers = pair["hers"]
    _record(pair["idva"], hers)
    _record(pair["idva"], hers, safe_times="Evenings only, after 7pm", channels=["phone"], voicemail="yes")
    page = _page(pair["idva"], hers)
    assert "Evenings only, after 7pm" in page and "A voicemail may be left" in page
    assert "1 earlier arrangement" in page
    assert SafeContact.objects.filter(case=hers).count() == 2


def test_bad_input_names_the_field_and_saves_nothing(pair: dict[str, Any]) -> None:
    hers = pair["hers"]
    for fields, field in (
        ({"safe_times": ""}, "safe_times"),
        ({"channels": []}, "channels"),
        ({"channels": ["pigeon"]}, "channels"),
        ({"voicemail": ""}, "voicemail"),
        ({"safe_word": "x" * 61}, "safe_word"),
    ):
        response = _record(pair["idva"], hers, **fields)
        assert response.status_code == 400, fields
        assert f'href="#id_{field}' in unescape(response.content.decode()), fields
    assert not SafeContact.objects.exists()


def test_his_case_has_no_safe_contact_and_her_arrangements_never_reach_his_side(
    pair: dict[str, Any], cast: dict[str, User]
) -> None:
    his, hers = pair["his"], pair["hers"]
    _record(pair["idva"], hers)
    with pytest.raises(CaseError):
        from pathways.cases.services.safe_contact import safe_contact_record

        safe_contact_record(
            actor=actor_of(cast["drive"]), case=his, safe_times="any", channels=["phone"], voicemail=True
        )
    # Nor does her case have his first-contact gate.
    with pytest.raises(CaseError):
        contact_services.contact_decision_record(
            actor=actor_of(cast["idva"]), case=hers, allowed=True, reason="fine"
        )
    for login in ("drive", "probation", "practitioner", "manager", "chair"):
        reader = sign_in(Client(), cast[login])
        for path in crawl_paths({"case_id": [str(his.pk)]}):
            body = response_text(reader.get(path))
            assert "CANARY-" not in body, (login, path)
        assert reader.get(f"/en/cases/{hers.pk}/contact/").status_code in (403, 404)


def test_changing_the_arrangements_without_seeing_the_safe_word_keeps_it(pair: dict[str, Any]) -> None:
    from pathways.cases.services.safe_contact import safe_contact_record
    from pathways.core.fields import Sealed

    hers = pair["hers"]
    _record(pair["idva"], hers)
    first = SafeContact.objects.get()
    from pathways.factories import actor_of as actor

    idva = actor(hers.worker)
    safe_contact_record(
        actor=idva, case=hers, safe_times="Evenings", channels=["phone"], voicemail=True, safe_word=None
    )
    latest = SafeContact.objects.order_by("-at", "-pk").first()
    assert latest is not None and isinstance(latest.safe_word, Sealed) and latest.safe_word == first.safe_word
