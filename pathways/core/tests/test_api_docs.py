"""The API's documentation page: the OpenAPI document, generated in-process, as a GOV.UK page."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from pathways.core.access import Role
from pathways.core.apidocs import api_reference, api_schema
from pathways.directory.choices import ReferralRoute

pytestmark = pytest.mark.django_db

DOCS = "/api/v1/docs/"


def _cells(row: str) -> list[str]:
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.DOTALL)
    return [_text(c) for c in cells]


def _operation(page: str, anchor: str) -> str:
    """The part of the page about one operation: from its heading to the next operation's."""
    start = page.index(f'id="{anchor}"')
    following = page.find('<h3 class="govuk-heading-m"', start)
    return page[start : following if following != -1 else len(page)]


def _tables(section: str) -> dict[str, dict[str, list[str]]]:
    """Each table of a section, by its caption's first line, as its rows by their first cell (a field's
    or a parameter's name)."""
    tables = {}
    for table in section.split("<table")[1:]:
        caption = re.search(r"<caption[^>]*>(.*?)</caption>", table, re.DOTALL)
        # Without the operation's name, which is there for screen readers.
        shown = re.sub(
            r'<span class="govuk-visually-hidden">.*?</span>', "", caption.group(1) if caption else ""
        )
        title = " ".join(re.sub(r"<[^>]+>", " ", shown).split())
        rows = [_cells(r) for r in re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', table, re.DOTALL)]
        tables[title] = {cells[0]: cells[1:] for cells in rows if cells}
    return tables


def _text(fragment: str) -> str:
    inline = re.sub(r"</?(code|strong|span|wbr)\b[^>]*>", "", fragment)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def test_a_practitioner_reads_every_operation_of_the_schema(client_as: Callable[[str], Client]) -> None:
    response = client_as(Role.PRACTITIONER).get(DOCS)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode().replace("<wbr>", "")
    schema = api_schema()
    assert schema["paths"], "the schema lists no path"
    for path, item in schema["paths"].items():
        assert f"<code>{path}</code>" in page, path
        for method, operation in item.items():
            # Each operation has its own heading, linked from the contents.
            assert f'id="{operation["operationId"]}"' in page, (method, path)
            assert f'href="#{operation["operationId"]}"' in page, (method, path)
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"
    assert 'href="/api/v1/schema/"' in page and 'href="/api/v1/schema/?format=json"' in page
    assert "Authorization: Bearer &lt;token&gt;" in page and "Idempotency-Key" in page


def test_making_a_referral_lists_its_request_fields_nested_with_their_rules(
    client_as: Callable[[str], Client],
) -> None:
    page = client_as(Role.PRACTITIONER).get(DOCS).content.decode().replace("<wbr>", "")
    section = _operation(page, "referrals_create")
    assert "POST" in section and "/api/v1/referrals/" in section
    tables = _tables(section)
    (request,) = (rows for caption, rows in tables.items() if caption.startswith("A JSON object"))
    # Field: its type and whether it is required, then its description.
    assert request["person"][0] == "object Required"
    assert request["person.given_name"][0] == "string Required"
    assert "At most 100 characters." in request["person.given_name"][1]
    assert request["person.date_of_birth"][0] == "string (date) Optional"
    assert "Can be null." in request["person.date_of_birth"][1]
    assert request["route"][0] == "string Required"
    assert "self: Self-referral" in request["route"][1] and "marac: MARAC" in request["route"][1]
    # Asked for as the form asks for it: no default decides.
    assert request["risk_level"][0] == "string Required" and "Default" not in request["risk_level"][1]
    assert request["partner.relationship"][0] == "string Optional"
    assert request["children"][0] == "list of object Optional"
    assert request["children[].school"][0] == "string Optional"
    # What comes back, and how it fails.
    created = next(rows for caption, rows in tables.items() if caption.startswith("201 Created"))
    assert created["triage.fits[].reasons"][0] == "list of string"
    assert "Every reason, not only the first." in created["triage.ruled_out[].reasons"][1]
    refused = next(rows for caption, rows in tables.items() if caption.startswith("400 Bad request"))
    assert refused["detail"][0] == "string"
    assert refused["errors"][0] == "object Not always included"


def test_each_operation_says_how_to_sign_in_and_which_roles_may_use_it(
    client_as: Callable[[str], Client],
) -> None:
    page = client_as(Role.COMMISSIONER).get(DOCS).content.decode()
    making = _text(_operation(page, "referrals_create"))
    assert "Signing in Any one of: A token an administrator issues to an API client" in making
    assert "Authorization: Bearer pw_<prefix>.<secret>" in making
    assert "The session of a browser signed in to Pathways" in making
    assert "Roles that may use it Practitioner, Manager Make a referral: Parameters" in making
    assert "Idempotency-Key" in making and "Idempotent-Replayed: true" in making
    services = _text(_operation(page, "services_list"))
    assert "Commissioner" in services and "Administrator" in services


def test_the_page_is_refused_without_signing_in_as_the_schema_is(client: Client) -> None:
    schema = client.get("/api/v1/schema/")
    docs = client.get(DOCS)
    assert schema.status_code == docs.status_code == 401
    assert docs.json() == schema.json()


def test_the_page_takes_only_get(client_as: Callable[[str], Client]) -> None:
    assert client_as(Role.PRACTITIONER).post(DOCS).status_code == 405


def test_signed_in_pages_link_to_it_in_the_reader_s_language(client_as: Callable[[str], Client]) -> None:
    client = client_as(Role.PRACTITIONER)
    assert f'href="{DOCS}"' in client.get("/en/work/").content.decode()
    assert f'href="{DOCS}?lang=cy"' in client.get("/cy/work/").content.decode()
    welsh = client.get(DOCS + "?lang=cy")
    assert welsh["Content-Language"] == "cy"
    page = welsh.content.decode().replace("<wbr>", "")
    assert '<html lang="cy"' in page and f'href="{DOCS}?lang=en"' in page
    # The schema is generated in the page's language: summaries and choices' labels come out in Welsh.
    with translation.override("cy"):
        making, self_referral = gettext("Make a referral"), str(ReferralRoute.SELF.label)
    assert making != "Make a referral" and f'id="referrals_create">{making}</h3>' in page
    assert f"<code>self</code>: {self_referral}" in page


def test_no_link_before_signing_in(client: Client) -> None:
    assert DOCS not in client.get("/en/").content.decode()


def test_a_schema_that_refers_to_itself_is_listed_once_and_ends() -> None:
    schema = {
        "info": {"title": "T", "version": "1"},
        "paths": {
            "/api/v1/things/": {
                "post": {
                    "operationId": "things_create",
                    "requestBody": {
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}
                    },
                    "responses": {"204": {"description": ""}},
                }
            }
        },
        "components": {
            "schemas": {
                "Thing": {
                    "type": "object",
                    "properties": {
                        "kind": {"allOf": [{"$ref": "#/components/schemas/KindEnum"}], "nullable": True},
                        "parent": {"$ref": "#/components/schemas/Thing"},
                    },
                    "required": ["kind"],
                },
                "KindEnum": {"enum": ["a", "b"], "type": "string", "description": "* `a` - Ay\n* `b` - Bee"},
            }
        },
    }
    (operation,) = api_reference(schema=schema).operations
    assert operation.request is not None
    fields = {f.name: f for f in operation.request.fields}
    assert list(fields) == ["kind", "parent"]
    assert fields["kind"].required and [(c.value, c.label) for c in fields["kind"].choices] == [
        ("a", "Ay"),
        ("b", "Bee"),
    ]
    assert [span.text for span in fields["kind"].notes[0]] == ["Can be ", "null", "."]
    assert operation.answers[0].title == "204 No content" and operation.answers[0].body is None
