"""Service standards: the checklists as versioned data, a review rated item by item and completed, Amber
dates on the service's Tasks, Red making it due for reassessment, two reviews compared, and who may read
and review which service."""

from __future__ import annotations

import csv
import datetime
import io
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from pathways.accounts.models import User
from pathways.core.access import AgencyType, Role
from pathways.core.datafiles import DataFileError
from pathways.core.policy import Actor
from pathways.directory.models import Service
from pathways.factories import date_fields, make_agency, make_user, sign_in
from pathways.standards.choices import Rating, ReviewKind, ReviewStatus, StandardsTaskKind
from pathways.standards.models import StandardsReview, StandardsTask, StandardsVersion
from pathways.standards.selectors import standards_file
from pathways.standards.services import (
    StandardsError,
    review_complete,
    review_item_rate,
    review_start,
    standards_file_load,
)

pytestmark = pytest.mark.usefixtures("region")

STANDARDS_FILE = Path(settings.BASE_DIR) / "standards" / "vawdasv-2018.yaml"


@pytest.fixture
def standards(db: None) -> StandardsVersion:
    version, _created = standards_file_load(path=STANDARDS_FILE)
    return version


def _actor(user: User) -> Actor:
    return Actor(user=user, membership=user.memberships.select_related("agency").get())


def _review(user: User, *, service: str = "clear", checklist: str = "commissioning") -> StandardsReview:
    return review_start(
        actor=_actor(user),
        service=Service.objects.get(slug=service),
        standards=StandardsVersion.objects.get(),
        checklist=checklist,
        kind=ReviewKind.SELF_ASSESSMENT if user.username == "manager" else ReviewKind.COMMISSIONER,
        reviewer="The CLEAR team",
        reviewed_on=timezone.localdate() - datetime.timedelta(days=3),
    )


def _completed_with_a_red_item(cast: dict[str, User]) -> StandardsReview:
    """The commissioner's review of CLEAR, completed with its funding item Red."""
    review = _review(cast["commissioner"])
    actor = _actor(cast["commissioner"])
    review_item_rate(
        actor=actor,
        review=review,
        item="funding",
        rating=Rating.RED,
        findings="No plan.",
        evidence=[],
        review_by=None,
    )
    return review_complete(actor=actor, review=review)


def test_the_standards_file_holds_the_22_standards_and_both_checklists_in_two_languages(
    standards: StandardsVersion,
) -> None:
    file = standards_file(version=standards)
    assert [s.number for s in file.standards] == list(range(1, 23))
    commissioning, full = file.checklist("commissioning"), file.checklist("full")
    assert commissioning is not None and full is not None
    assert len(commissioning.items) == 13
    assert len(full.items) == 44
    # Every sub-item of the full checklist belongs to the standard it is filed under.
    assert all(ref.split(".")[0] == str(item.standard) for item in full.items for ref in item.refs)
    assert all(item.question.cy and item.question.cy != item.question.en for item in full.items)
    assert "Open Government Licence" in file.licence.en
    # Loading the same file again makes no new version.
    assert standards_file_load(path=STANDARDS_FILE) == (standards, False)


def test_a_mistake_in_the_file_is_reported_with_its_line_and_nothing_is_loaded(
    tmp_path: Path, db: None
) -> None:
    text = STANDARDS_FILE.read_text(encoding="utf-8")
    broken = tmp_path / "standards.yaml"
    broken.write_text(
        text.replace('refs: ["1.iii"]', 'refs: ["4.iii"]', 1).replace(
            "[referral_routes]", "[referal_routes]", 1
        ),
        encoding="utf-8",
    )
    with pytest.raises(DataFileError) as raised:
        standards_file_load(path=broken)
    problems = [str(p) for p in raised.value.problems]
    assert any("referal_routes" in p and "use one of" in p for p in problems), problems
    assert StandardsVersion.objects.count() == 0
    only_refs = tmp_path / "refs.yaml"
    only_refs.write_text(text.replace('refs: ["1.iii"]', 'refs: ["4.iii"]', 1), encoding="utf-8")
    with pytest.raises(DataFileError) as raised:
        standards_file_load(path=only_refs)
    (problem,) = raised.value.problems
    line = next(n for n, row in enumerate(only_refs.read_text().splitlines(), 1) if '"4.iii"]' in row)
    assert problem.line == line and "not sub-items of standard 1" in str(problem)
    assert StandardsVersion.objects.count() == 0


def test_a_manager_rates_their_service_and_completing_the_review_puts_amber_on_tasks(
    standards: StandardsVersion, cast: dict[str, User]
) -> None:
    manager = sign_in(Client(), cast["manager"])
    page = manager.get("/en/standards/services/clear/")
    assert page.status_code == 200 and 'id="start-form"' in page.content.decode()
    started = manager.post(
        "/en/standards/services/clear/",
        {
            "start": "1",
            "checklist": "commissioning",
            "kind": ReviewKind.SELF_ASSESSMENT,
            "reviewer": "The CLEAR team",
            **date_fields("reviewed_on", (timezone.localdate() - datetime.timedelta(days=1)).isoformat()),
        },
    )
    review = StandardsReview.objects.get()
    assert started.status_code == 302 and started["Location"] == review.get_absolute_url()
    sheet = unescape(manager.get(review.get_absolute_url()).content.decode())
    assert "This is the service's own assessment of itself. It is not an accreditation." in sheet
    assert "Not yet assessed: 13" in sheet

    item = f"{review.get_absolute_url()}items/value-for-money/"
    refused = manager.post(item, {"rating": Rating.AMBER, "findings": "Waiting on the evaluation."})
    body = refused.content.decode()
    assert refused.status_code == 400 and 'href="#id_review_by_day"' in body
    assert "Enter the date agreed with the service" in unescape(body)
    due = (timezone.localdate() + datetime.timedelta(days=90)).isoformat()
    saved = manager.post(
        item,
        {
            "rating": Rating.AMBER,
            "findings": "Waiting on the evaluation.",
            "evidence": ["interviews"],
            **date_fields("review_by", due),
        },
    )
    assert saved.status_code == 302
    assert (
        manager.post(f"{review.get_absolute_url()}items/need/", {"rating": Rating.GREEN}).status_code == 302
    )

    assert manager.post(review.get_absolute_url(), {"summary": "First self-assessment."}).status_code == 302
    review.refresh_from_db()
    assert review.status == ReviewStatus.COMPLETED
    tasks = unescape(manager.get("/en/tasks/").content.decode())
    assert "How does the service demonstrate value for money?" in tasks
    assert timezone.localdate().fromisoformat(due).strftime("%-d %b %Y") in tasks
    # The review stands once completed.
    again = manager.post(item, {"rating": Rating.GREEN})
    assert again.status_code == 400 and "This review is completed" in unescape(again.content.decode())
    # Marking the task done takes it off Tasks.
    task = StandardsTask.objects.get()
    assert manager.post("/en/tasks/", {"standards_task": str(task.pk)}).status_code == 302
    assert "How does the service demonstrate value for money?" not in unescape(
        manager.get("/en/tasks/").content.decode()
    )


def test_a_red_item_makes_the_service_due_for_reassessment_on_the_board(
    standards: StandardsVersion, cast: dict[str, User]
) -> None:
    _completed_with_a_red_item(cast)
    assert StandardsTask.objects.get(kind=StandardsTaskKind.REASSESSMENT).agency.slug == "clear-cardiff"
    board = unescape(sign_in(Client(), cast["commissioner"]).get("/en/standards/").content.decode())
    row = board[board.index('id="board-clear"') :]
    row = row[: row.index("</tr>")]
    assert "Due for reassessment" in row and "Red: 1" in row and "Not yet assessed: 12" in row


def test_two_reviews_compared_item_by_item(standards: StandardsVersion, cast: dict[str, User]) -> None:
    actor = _actor(cast["manager"])
    first = _review(cast["manager"])
    review_item_rate(
        actor=actor,
        review=first,
        item="need",
        rating=Rating.AMBER,
        findings="",
        evidence=[],
        review_by=timezone.localdate(),
    )
    review_complete(actor=actor, review=first)
    second = _review(cast["manager"])
    review_item_rate(
        actor=actor, review=second, item="need", rating=Rating.GREEN, findings="", evidence=[], review_by=None
    )
    client = sign_in(Client(), cast["manager"])
    page = unescape(
        client.get(f"/en/standards/compare/?first={second.pk}&second={first.pk}").content.decode()
    )
    assert "1 item's rating differs between the two reviews." in page
    row = page[page.index('id="compare-need"') :]
    row = row[: row.index("</tr>")]
    # The earlier review on the left whichever was chosen first.
    assert row.index("Amber") < row.index("Green") and "Changed" in row


def test_each_service_reads_its_own_reviews_and_a_commissioner_reads_every_one(
    standards: StandardsVersion, cast: dict[str, User]
) -> None:
    drive_review = _review(cast["commissioner"], service="drive-cardiff", checklist="full")
    clear_staff = sign_in(Client(), cast["practitioner"])
    assert clear_staff.get(drive_review.get_absolute_url()).status_code == 404
    assert clear_staff.get("/en/standards/services/drive-cardiff/").status_code == 404
    assert sign_in(Client(), cast["drive"]).get(drive_review.get_absolute_url()).status_code == 200
    assert sign_in(Client(), cast["commissioner"]).get(drive_review.get_absolute_url()).status_code == 200
    # A commissioner of another region reads none of this one's.
    gwent = make_agency("gwent-commissioning", AgencyType.COMMISSIONER, [])
    elsewhere = sign_in(Client(), make_user("gwent-commissioner", gwent, Role.COMMISSIONER, totp=False))
    assert elsewhere.get(drive_review.get_absolute_url()).status_code == 404
    assert "Drive Cardiff" not in elsewhere.get("/en/standards/").content.decode()
    # A practitioner reads the service's reviews but does not review it.
    own = _review(cast["manager"])
    assert clear_staff.get(own.get_absolute_url()).status_code == 200
    assert clear_staff.post(f"{own.get_absolute_url()}items/need/", {"rating": "green"}).status_code == 403
    # A manager may not review another service, nor record what kind of review it is not.
    with pytest.raises(StandardsError):
        _review(cast["manager"], service="drive-cardiff", checklist="full")
    with pytest.raises(StandardsError):
        review_start(
            actor=_actor(cast["manager"]),
            service=Service.objects.get(slug="clear"),
            standards=standards,
            checklist="commissioning",
            kind=ReviewKind.INDEPENDENT,
            reviewer="Us",
            reviewed_on=timezone.localdate(),
        )


def test_the_board_downloads_as_csv_and_xlsx(standards: StandardsVersion, cast: dict[str, User]) -> None:
    review = _review(cast["commissioner"])
    actor = _actor(cast["commissioner"])
    review_item_rate(
        actor=actor, review=review, item="need", rating=Rating.GREEN, findings="", evidence=[], review_by=None
    )
    review_complete(actor=actor, review=review)
    client = sign_in(Client(), cast["commissioner"])
    rows = list(csv.reader(io.StringIO(client.get("/en/standards/export/?format=csv").content.decode())))
    header, clear = rows[0], next(r for r in rows if r[0].startswith("CLEAR"))
    assert clear[header.index("Green")] == "1" and clear[header.index("Not yet assessed")] == "12"
    xlsx = client.get("/en/standards/export/?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert client.get("/en/standards/export/?format=pdf").status_code == 404


def test_the_directory_and_the_gap_map_show_the_latest_result_never_as_accreditation(
    standards: StandardsVersion, cast: dict[str, User]
) -> None:
    review = _review(cast["manager"])
    actor = _actor(cast["manager"])
    review_item_rate(
        actor=actor, review=review, item="need", rating=Rating.GREEN, findings="", evidence=[], review_by=None
    )
    review_complete(actor=actor, review=review)
    client = sign_in(Client(), cast["socialworker"])
    page = unescape(client.get("/en/services/clear/").content.decode())
    assert "Self-assessment by the service" in page and "Green: 1" in page
    assert "No accreditation is recorded." in page
    gap = unescape(client.get("/en/insights/gap-map/").content.decode())
    assert "standards: Green 1" in gap


def test_each_kind_of_review_is_changed_only_by_those_who_record_that_kind(
    standards: StandardsVersion, cast: dict[str, User]
) -> None:
    commissioners = _review(cast["commissioner"])
    manager = sign_in(Client(), cast["manager"])
    page = manager.get(commissioners.get_absolute_url()).content.decode()
    assert 'id="complete-form"' not in page and ">Rate<" not in page
    refused = manager.post(f"{commissioners.get_absolute_url()}items/need/", {"rating": Rating.GREEN})
    assert refused.status_code == 400 and "You may not change this review." in unescape(
        refused.content.decode()
    )
    assert manager.post(commissioners.get_absolute_url(), {"summary": "Done"}).status_code == 400
    commissioners.refresh_from_db()
    assert commissioners.status == ReviewStatus.DRAFT and not commissioners.items.exclude(
        rating="not_assessed"
    )
    own = _review(cast["manager"])
    with pytest.raises(StandardsError):
        review_item_rate(
            actor=_actor(cast["commissioner"]),
            review=own,
            item="need",
            rating=Rating.RED,
            findings="",
            evidence=[],
            review_by=None,
        )


def test_a_review_dated_before_the_standards_is_refused(
    standards: StandardsVersion, cast: dict[str, User]
) -> None:
    refused = sign_in(Client(), cast["manager"]).post(
        "/en/standards/services/clear/",
        {
            "start": "1",
            "checklist": "commissioning",
            "kind": ReviewKind.SELF_ASSESSMENT,
            "reviewer": "Us",
            **date_fields("reviewed_on", "2017-12-31"),
        },
    )
    assert refused.status_code == 400 and 'href="#id_reviewed_on_day"' in refused.content.decode()
    assert not StandardsReview.objects.exists()


def test_a_reviews_tasks_are_done_by_the_services_managers_not_its_practitioners(
    standards: StandardsVersion, cast: dict[str, User]
) -> None:
    _completed_with_a_red_item(cast)
    task = StandardsTask.objects.get()
    practitioner = sign_in(Client(), cast["practitioner"])
    tasks = practitioner.get("/en/tasks/").content.decode()
    assert f'id="standards-task-{task.pk}"' in tasks and f'value="{task.pk}"' not in tasks
    practitioner.post("/en/tasks/", {"standards_task": str(task.pk)})
    task.refresh_from_db()
    assert task.status == "open"
    assert (
        sign_in(Client(), cast["manager"]).post("/en/tasks/", {"standards_task": str(task.pk)}).status_code
        == 302
    )
    task.refresh_from_db()
    assert task.status == "done"
