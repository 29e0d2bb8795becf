from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from pathways.core.access import Role

pytestmark = pytest.mark.django_db


def test_service_list_filters(region: None, client_as: Callable[[str], Client]) -> None:
    client = client_as(Role.COMMISSIONER)
    page = client.get("/en/services/?tier=high_harm").content.decode()
    assert "Drive" in page and "CLEAR (Change" not in page
    assert (
        "No services match"
        in client.get("/en/services/?tier=medium_risk&status=active&area=cardiff").content.decode()
    )


def test_service_list_ignores_unknown_filter_values_with_a_message(
    region: None, client_as: Callable[[str], Client]
) -> None:
    response = client_as(Role.COMMISSIONER).get("/en/services/?tier=nonsense")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_service_detail_shows_eligibility_and_source(
    region: None, client_as: Callable[[str], Client]
) -> None:
    page = client_as(Role.COMMISSIONER).get("/en/services/clear/").content.decode()
    assert "Men" in page and "§4.2" in page and "RISE" in page
    assert "Not stated" in page  # languages are not given by the review


def test_service_detail_in_welsh_uses_welsh_text(region: None, client_as: Callable[[str], Client]) -> None:
    page = client_as(Role.COMMISSIONER).get("/cy/services/clear/").content.decode()
    assert 'lang="cy"' in page and "Gwasanaeth ymyrraeth gynnar" in page


def test_unknown_service_is_404(region: None, client_as: Callable[[str], Client]) -> None:
    assert client_as(Role.COMMISSIONER).get("/en/services/no-such-service/").status_code == 404
    assert client_as(Role.COMMISSIONER).get("/api/v1/services/no-such-service/").status_code == 404


def test_api_lists_services_with_filters(region: None, client_as: Callable[[str], Client]) -> None:
    client = client_as(Role.COMMISSIONER)
    body = client.get("/api/v1/services/?tier=early_intervention&area=cardiff").json()
    assert "clear" in {s["slug"] for s in body}
    clear = client.get("/api/v1/services/clear/").json()
    assert clear["partner_support_service"] == "rise-cardiff" and clear["genders"] == ["male"]
    assert clear["languages"] is None


@pytest.mark.parametrize(
    "query", ["tier=nonsense", "status=open", "area=atlantis", "area=" + "x" * 3000, "tier=%00"]
)
def test_api_refuses_bad_filters_with_a_reason(
    region: None, client_as: Callable[[str], Client], query: str
) -> None:
    response = client_as(Role.COMMISSIONER).get(f"/api/v1/services/?{query}")
    assert response.status_code == 400
    assert response.json()["detail"]


def test_api_is_read_only(region: None, client_as: Callable[[str], Client]) -> None:
    client = client_as(Role.ADMINISTRATOR)
    assert client.post("/api/v1/services/", {}, content_type="application/json").status_code in (403, 405)
    assert client.delete("/api/v1/services/clear/").status_code in (403, 405)


def test_openapi_document_describes_the_directory_and_gap_map(client_as: Callable[[str], Client]) -> None:
    response = client_as(Role.COMMISSIONER).get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    text = response.content.decode()
    for path in ("/api/v1/services/", "/api/v1/services/{slug}/", "/api/v1/gap-map/", "/api/v1/areas/"):
        assert path in text
