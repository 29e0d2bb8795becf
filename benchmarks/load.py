"""Load benchmark: 50 signed-in users across the main pages and the API, on gunicorn and PostgreSQL.

Target: p95 under 300 ms and no errors, with 50 users who each wait about 2 s between requests.

A throwaway PostgreSQL database (see run.py) is migrated and given the shipped region (load_region,
load_triage, load_instruments, load_panels, load_rfg) and a synthetic one made in bulk: the demo's
agencies, 50 staff in their roles (each with a password and a second-factor key the benchmark knows),
12,000 people, 20,000 referrals with their histories and triage records, 8,000 assessments, a year of
meetings of every panel with decisions and actions, 60,000 police records scored by the RFG model and
a million earlier audit entries. Then, for each worker model in turn, gunicorn serves the app with the
README's production settings on a loopback port (PATHWAYS_ENV=production, new secret and field keys; the
benchmark sends X-Forwarded-Proto and X-Real-IP as the README's nginx does), each user signs in with
password and code, and browses the pages and API of their role for a fixed time. Every request opens
its own connection, as nginx does to its upstream.

Reported per worker model: p50, p95 and p99 over all pages, errors by page, sign-in times, each page's
median as a multiple of a trivial page's (the account page: the same middleware, session, policy and
base template, and no list), the CPU in use, and how often a request waited for the audit chain's head
row (sampled from pg_stat_activity).

    .venv/bin/python benchmarks/load.py                               # every worker model, 60 s each
    make bench-load                                                   # the same, through make
    .venv/bin/python benchmarks/load.py --models sync:3 --seconds 30  # one model
    .venv/bin/python benchmarks/load.py --models gthread:2x4+reuse    # threads, connections kept 60 s

A model is KIND:WORKERS[xTHREADS][+reuse]: `sync:3` is three processes of one request each, `gthread:2x4`
two processes of four threads, and `+reuse` sets DATABASE_CONN_MAX_AGE=60 (the setting's default is 0:
a new database connection per request). Everything runs on this machine and stops by itself.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import http.client
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import (
    REGION_FILE,
    RFG_END,
    RFG_FILE,
    ROOT,
    TRIAGE_FILE,
    _assessment_rows,
    _insert_assessments,
    _insert_police_records,
    _police_rows,
    _setup_django,
    percentile,
    planned_families,
    throwaway_database,
    verdict,
)

PANELS_FILE = REGION_FILE.with_name("panels.yaml")
INSTRUMENTS = [ROOT / "instruments", REGION_FILE.parent]
PASSWORD = "load-benchmark-" + secrets.token_urlsafe(12)
MODELS = ["sync:3", "gthread:2x4", "sync:3+reuse", "gthread:2x4+reuse"]
TARGET_P95_MS = 300
REQUEST_TIMEOUT = 30.0
HOST = "127.0.0.1"

PERPETRATORS, PARTNERS, CHILDREN = 6_000, 4_000, 2_000
REFERRALS, PARTNER_REFERRALS = 16_000, 4_000
AUDIT_HISTORY = 1_000_000
POLICE_RECORDS = 60_000

# The 50 staff: (agency slug, role, how many). The agencies are the demo's.
STAFF = [
    ("clear-cardiff", "practitioner", 8),
    ("drive-cardiff", "practitioner", 5),
    ("rise-cardiff", "practitioner", 8),
    ("cardiff-childrens-services", "practitioner", 8),
    ("probation-cardiff-vale", "practitioner", 6),
    ("south-wales-police", "practitioner", 4),
    ("marac-cardiff", "panel_coordinator", 3),
    ("south-wales-police", "panel_chair", 2),
    ("south-wales-police", "panel_coordinator", 2),
    ("vawdasv-regional-team", "commissioner", 2),
    ("pathways-governance", "auditor", 2),
]


# --- the synthetic region ------------------------------------------------------------------------------


@dataclass
class Staff:
    username: str
    role: str
    agency: str
    key: str  # the TOTP key, hex
    pages: list[tuple[str, str]] = field(default_factory=list)  # (page name, path)


def _production_environment(static_root: Path) -> dict[str, str]:
    from cryptography.fernet import Fernet

    return {
        "PATHWAYS_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "AUDIT_CHAIN_KEYS": "load:" + secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": HOST,
        "CSRF_TRUSTED_ORIGINS": "",
        "STATIC_ROOT": str(static_root),
        "PATHWAYS_CLIENT_IP_HEADER": "HTTP_X_REAL_IP",
        "LOG_LEVEL": "WARNING",
    }


def _statuses(rng: random.Random) -> tuple[str, ...]:
    """A referral's path through its statuses, once sent to a service."""
    path = ["received", "triaged"]
    for status in ("offered", "accepted", "waiting", "started"):
        if rng.random() < 0.7:
            path.append(status)
        else:
            break
    if rng.random() < 0.12:
        path.append(rng.choice(["declined", "withdrawn"]) if path[-1] != "started" else "withdrawn")
    return tuple(path)


def build_region(rng: random.Random) -> list[Staff]:
    """The shipped region and the synthetic one on top; returns the staff."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from pathways.accounts.models import Agency, Membership, User
    from pathways.assessments.services import instruments_load
    from pathways.demo.cast import AGENCIES
    from pathways.directory.models import Area, Region, Service
    from pathways.directory.services import region_load
    from pathways.panels.services import panels_load
    from pathways.people.models import Person, PersonAccess, Relationship
    from pathways.police.rfg import load_rfg_model
    from pathways.referrals.models import Referral, ReferralEvent
    from pathways.referrals.services import triage_rules_load

    region_load(path=REGION_FILE)
    triage_rules_load(path=TRIAGE_FILE)
    instruments_load(paths=INSTRUMENTS)
    panels_load(path=PANELS_FILE)
    load_rfg_model(path=RFG_FILE)
    region = Region.objects.get(slug="cardiff-and-vale")
    areas = {a.slug: a for a in Area.objects.all()}
    services = {s.slug: s for s in Service.objects.filter(region=region)}

    agencies: dict[str, Agency] = {}
    for demo in AGENCIES:
        agency = Agency.objects.create(
            slug=demo.slug, name_en=demo.name_en, name_cy=demo.name_cy, type=demo.type
        )
        agency.areas.set([areas[a] for a in demo.areas])
        agency.services.set([services[s] for s in demo.services])
        agencies[demo.slug] = agency

    password = make_password(PASSWORD)
    staff: list[Staff] = []
    users: dict[str, User] = {}
    for slug, role, count in STAFF:
        for n in range(count):
            username = f"{slug}-{role}-{n + 1}".replace("_", "-")
            user = User.objects.create(
                username=username, password=password, full_name=f"{role.title()} {n + 1}"
            )
            Membership.objects.create(user=user, agency=agencies[slug], role=role)
            key = secrets.token_hex(20)
            TOTPDevice.objects.create(user=user, name="phone", confirmed=True, key=key)
            users[username] = user
            staff.append(Staff(username, role, slug, key))
    by_agency: dict[str, list[User]] = defaultdict(list)
    for s in staff:
        by_agency[s.agency].append(users[s.username])

    # People: those who use abuse, their partners and children, as the demo plans its families: one family
    # for each person using abuse, the partners of the first of them and the first children in turn.
    families = planned_families(PERPETRATORS)
    home = {a: areas[a] for a in ("cardiff", "vale-of-glamorgan")}
    perpetrators = [
        Person(
            given_name=f.perpetrator.given_name,
            family_name=f.perpetrator.family_name,
            gender_identity=f.perpetrator.gender,
            date_of_birth=f.perpetrator.born,
            area=home[f.perpetrator.area],
            police_reference=f"P{n * 7:08d}" if n % 3 else "",  # as the police records below name them
            side="perpetrator",
        )
        for n, f in enumerate(families)
    ]
    partner_of: dict[int, Person] = {}  # by the index of the person using abuse
    children: list[Person] = []
    with_children: set[int] = set()
    relationships: list[Relationship] = []
    for n, family in enumerate(families):
        if family.partner is not None and len(partner_of) < PARTNERS:
            partner = family.partner
            partner_of[n] = Person(
                given_name=partner.given_name,
                family_name=partner.family_name,
                gender_identity=partner.gender,
                area=home[partner.area],
                phone=partner.phone,
                address=partner.address,
                side="victim",
            )
            relationships.append(
                Relationship(person=perpetrators[n], other=partner_of[n], kind=family.scene.partner)
            )
        for child in family.children[: CHILDREN - len(children)]:
            children.append(
                Person(
                    given_name=child.given_name,
                    family_name=child.family_name,
                    date_of_birth=child.born,
                    area=home[child.area],
                    school=child.school,
                    side="victim",
                )
            )
            relationships.append(Relationship(person=perpetrators[n], other=children[-1], kind="parent_of"))
            with_children.add(n)
    partners = list(partner_of.values())
    Person.objects.bulk_create(perpetrators + partners + children, batch_size=2000)
    Relationship.objects.bulk_create(relationships, batch_size=2000)

    # Referrals: who referred, where to, how far each got; a partner referral beside most sent to CLEAR
    # or Drive, as choosing those services makes.
    referrers = [
        (agencies["south-wales-police"], "police"),
        (agencies["probation-cardiff-vale"], "probation"),
        (agencies["cardiff-childrens-services"], "childrens_services"),
        (None, "self"),
    ]
    runners: dict[Any, list[Agency]] = defaultdict(list)
    for agency in agencies.values():
        for service in agency.services.all():
            runners[service.pk].append(agency)
    others = [
        s for s in services.values() if s.slug not in ("clear", "drive-cardiff") and not s.agencies.exists()
    ]
    snapshots = _triage_snapshots(by_agency["cardiff-childrens-services"][0])
    now = timezone.now()
    referrals: list[Referral] = []
    events: list[ReferralEvent] = []
    access: set[tuple[Any, Any]] = set()
    paths: list[tuple[str, ...]] = []

    def add(referral: Referral, path: tuple[str, ...], agency: Agency | None) -> None:
        start = now - datetime.timedelta(days=rng.randint(5, 730), minutes=rng.randint(0, 1440))
        referrals.append(referral)
        paths.append(path)
        for k, status in enumerate(path):
            at = min(start + datetime.timedelta(days=k * rng.randint(1, 9)), now)
            events.append(ReferralEvent(referral=referral, status=status, at=at, agency=agency))
        for owner in [agency, *runners.get(referral.service_id, [])]:
            if owner is not None:
                access.add((referral.person_id, owner.pk))

    sent_to_programmes: list[tuple[Referral, int]] = []
    for n in range(REFERRALS):
        index = int(PERPETRATORS * rng.random() ** 1.5)
        person = perpetrators[index]
        agency, route = rng.choice(referrers)
        draw = rng.random()
        if draw < 0.40:
            service: Service | None = services["clear"]
        elif draw < 0.55:
            service = services["drive-cardiff"]
        elif draw < 0.75:
            service = rng.choice(others)
        else:
            service = None
        path = _statuses(rng) if service else (("received",) if draw < 0.95 else ("received", "unmet_need"))
        referral = Referral(
            reference=f"PW-L{n:07d}",
            person=person,
            partner=partner_of.get(index),
            route=route,
            referring_agency=agency,
            reason=rng.choice(["Police attended a domestic incident.", "Controlling behaviour disclosed."]),
            risk_level=rng.choice(["standard", "medium", "high", "not_known"]),
            children_in_family=index in with_children,
            status=path[-1],
            service=service,
            triage=rng.choice(snapshots) if service else {},
            tier_needed="medium_risk" if path[-1] == "unmet_need" else "",
        )
        add(referral, path, agency)
        if service is not None and service.slug in ("clear", "drive-cardiff") and index in partner_of:
            sent_to_programmes.append((referral, index))
    rng.shuffle(sent_to_programmes)
    for n, (linked, index) in enumerate(sent_to_programmes[:PARTNER_REFERRALS]):
        support = services["rise-cardiff" if linked.service.slug == "clear" else "rise-drive-idva"]  # type: ignore[union-attr]
        path = _statuses(rng)
        referral = Referral(
            reference=f"PW-S{n:07d}",
            kind="partner_support",
            person=partner_of[index],
            route=linked.route,
            referring_agency=linked.referring_agency,
            reason="Partner support offered with the programme.",
            risk_level=linked.risk_level,
            status=path[-1],
            service=support,
            linked_referral=linked,
        )
        add(referral, path, linked.referring_agency)
    Referral.objects.bulk_create(referrals, batch_size=2000)
    ReferralEvent.objects.bulk_create(events, batch_size=5000)
    PersonAccess.objects.bulk_create(
        [PersonAccess(person_id=p, agency_id=a, reason="referral") for p, a in access],
        batch_size=5000,
        ignore_conflicts=True,
    )
    with connection.cursor() as cursor:
        # When each referral was made and last changed, from its history (bulk_create stamps "now").
        cursor.execute(
            "UPDATE referrals_referral AS r SET created_at = e.first, modified_at = e.last FROM "
            "(SELECT referral_id, min(at) AS first, max(at) AS last FROM referrals_referralevent "
            "GROUP BY referral_id) AS e WHERE r.id = e.referral_id"
        )

    # Assessments: DASH by the victim service's IDVAs on partners, and by CLEAR on the men it works with.
    rise_user, clear_user = by_agency["rise-cardiff"][0], by_agency["clear-cardiff"][0]
    _insert_assessments(
        _assessment_rows(rng, 5000, partners, agencies["rise-cardiff"], rise_user, "completed")
    )
    clear_people = list(
        {r.person_id: r.person for r in referrals if r.service_id == services["clear"].pk}.values()
    )
    _insert_assessments(
        _assessment_rows(rng, 3000, clear_people, agencies["clear-cardiff"], clear_user, "completed")
    )

    _panels(rng, agencies, by_agency, perpetrators, partners)
    _police_and_rfg(region, areas)
    _audit_history(users)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return staff


def _triage_snapshots(user: Any) -> list[dict[str, Any]]:
    """A few triage records as the app makes them (through create_referral and triage), to copy."""
    from django.db import transaction

    from pathways.core.policy import Actor
    from pathways.directory.models import Area
    from pathways.people.services import PersonInput
    from pathways.referrals import services

    actor = Actor(user=user, membership=user.memberships.select_related("agency").get())
    snapshots = []
    for n, (risk, route) in enumerate(
        [
            ("standard", "childrens_services"),
            ("medium", "police"),
            ("high", "probation"),
            ("not_known", "self"),
        ]
    ):
        with transaction.atomic():
            referral = services.referral_create(
                actor=actor,
                data=services.ReferralInput(
                    route=route,
                    reason="Sample for triage records.",
                    risk_level=risk,
                    person=PersonInput(
                        given_name="Sample",
                        family_name=f"Triage{n}",
                        gender_identity="man",
                        area=Area.objects.get(slug="cardiff"),
                    ),
                ),
            )
        result, ruleset = services.referral_triage(referral=referral)
        snapshots.append({**result.snapshot(), "rules_version": ruleset.version})
    return snapshots


def _panels(
    rng: random.Random,
    agencies: dict[str, Any],
    by_agency: dict[str, list[Any]],
    perpetrators: list[Any],
    partners: list[Any],
) -> None:
    """Seats held by the staff, a year of meetings of every panel with decided items and actions."""
    from django.utils import timezone

    from pathways.panels.models import Action, AgendaItem, Attendance, Decision, Meeting, Panel, PanelMember

    today = timezone.localdate()
    roles = {"panel_chair": "chair", "panel_coordinator": "coordinator"}
    for panel in Panel.objects.filter(is_active=True):
        perpetrator_panel = panel.kind in ("matac", "dapp")
        seated: list[Any] = []
        for slug, users in by_agency.items():
            agency = agencies[slug]
            if agency.type in ("commissioner", "other") and slug != "marac-cardiff":
                continue
            if slug == "marac-cardiff" and perpetrator_panel:
                continue
            for user in users:
                role = user.memberships.get().role
                if role == "panel_coordinator" and (slug == "marac-cardiff") == perpetrator_panel:
                    continue
                seated.append(
                    PanelMember(panel=panel, agency=agency, user=user, role=roles.get(role, "member"))
                )
        PanelMember.objects.bulk_create(seated)
        meetings = [
            Meeting(
                panel=panel,
                held_on=today - datetime.timedelta(days=14 * k),
                status="closed" if k > 2 else "held",
                agenda_built_at=timezone.now(),
            )
            for k in range(1, 27)
        ] + [Meeting(panel=panel, held_on=today + datetime.timedelta(days=14 * k)) for k in (0, 1)]
        Meeting.objects.bulk_create(meetings)
        pool = perpetrators if perpetrator_panel else partners
        items, attendance = [], []
        for meeting in meetings:
            if meeting.held_on >= today:
                continue
            attendance += [Attendance(meeting=meeting, member=m, present=True) for m in seated]
            for position, person in enumerate(rng.sample(pool, 12), start=1):
                items.append(
                    AgendaItem(
                        meeting=meeting,
                        person=person,
                        position=position,
                        reason="rfg" if perpetrator_panel else "marac_criteria",
                    )
                )
        Attendance.objects.bulk_create(attendance, batch_size=5000)
        AgendaItem.objects.bulk_create(items, batch_size=2000)
        decisions = Decision.objects.bulk_create(
            [
                Decision(item=i, outcome=rng.choice(["support", "disrupt", "safety_plan"]), reasons="Agreed.")
                for i in items
            ],
            batch_size=2000,
        )
        present = sorted({m.agency_id for m in seated})
        through = Decision.decided_by.through
        through.objects.bulk_create(
            [through(decision_id=d.pk, agency_id=a) for d in decisions for a in present], batch_size=5000
        )
        Action.objects.bulk_create(
            [
                Action(
                    item=i,
                    description="Share the safety plan with the agencies working with the family.",
                    agency=(member := rng.choice(seated)).agency,
                    owner=member.user,
                    due_on=i.meeting.held_on + datetime.timedelta(days=28),
                    status="open" if i.meeting.held_on > today - datetime.timedelta(days=90) else "done",
                )
                for i in items
            ],
            batch_size=2000,
        )


def _police_and_rfg(region: Any, areas: dict[str, Any]) -> None:
    from django.db import connection

    from pathways.police.models import PoliceExtract
    from pathways.police.rfg import score_region

    extract = PoliceExtract.objects.create(region=region, name="load.csv", file_sha256="load")
    extract_id = PoliceExtract._meta.get_field("id").get_db_prep_value(extract.pk, connection)
    area_ids = [areas["cardiff"].pk, areas["vale-of-glamorgan"].pk]
    _insert_police_records(_police_rows(POLICE_RECORDS, 20250607, region.pk, area_ids, extract_id))
    score_region(region=region, end=RFG_END)


def _audit_history(users: dict[str, Any]) -> None:
    """A million earlier entries, written in one statement: a log as a few weeks of a region's use leave it
    (every read of personal data is an entry), so that appending to it and searching it cost what they
    will. They are not chained (the benchmark never verifies the chain); the head is moved to the newest,
    so that new entries follow on."""
    from django.conf import settings
    from django.db import connection

    from pathways.audit.models import AuditChainHead

    first = AuditChainHead.objects.get(id=1).last_sequence + 1
    names = [u.get_username() for u in users.values()]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditentry (sequence, at, actor_username, agency_name, role, action, "
            "record_type, record_id, purpose, details, previous_hash, entry_hash, key_id) "
            "SELECT s, now() - make_interval(secs => (%(last)s - s) * 2), "
            "(%(names)s::text[])[1 + s %% %(n)s], '', 'practitioner', 'record.viewed', 'referral', "
            "md5(s::text), '', '{}', "
            "md5((s - 1)::text) || md5(s::text), md5(s::text) || md5((s + 1)::text), %(key)s "
            "FROM generate_series(%(first)s, %(last)s) AS s",
            {
                "first": first,
                "last": first + AUDIT_HISTORY - 1,
                "names": names,
                "n": len(names),
                "key": settings.AUDIT_CHAIN_KEYS[0][0],
            },
        )
        cursor.execute(
            "UPDATE audit_auditchainhead SET last_sequence = e.sequence, last_hash = e.entry_hash "
            "FROM (SELECT sequence, entry_hash FROM audit_auditentry ORDER BY sequence DESC LIMIT 1) AS e "
            "WHERE id = 1"
        )


def plan_pages(staff: list[Staff], rng: random.Random) -> None:
    """The pages each member of staff visits, chosen from what their role and agency may see (asked of the
    app's own selectors, so that the policy decides)."""
    from pathways.accounts.models import User
    from pathways.assessments.models import Assessment
    from pathways.core.policy import Actor
    from pathways.directory.models import Service
    from pathways.panels.models import AgendaItem, Meeting, PanelMember
    from pathways.people.selectors import people_for
    from pathways.referrals.selectors import referrals_for

    services = list(Service.objects.values_list("slug", flat=True)[:40])
    trivial = [("trivial: account page", "/en/account/")]
    for s in staff:
        user = User.objects.get(username=s.username)
        actor = Actor(user=user, membership=user.memberships.select_related("agency").get())
        pages: list[tuple[str, str]] = trivial * 3
        if (
            s.role in ("practitioner", "panel_coordinator", "panel_chair")
            and s.agency != "pathways-governance"
        ):
            referrals = list(
                referrals_for(actor=actor).order_by("-created_at").values_list("pk", "person_id")[:300]
            )
            visible = set(
                people_for(actor=actor).filter(pk__in=[p for _, p in referrals]).values_list("pk", flat=True)
            )
            assessed = set(
                Assessment.objects.filter(person__in=visible).values_list("person_id", flat=True).distinct()
            )
            pages += [("referral list", "/en/referrals/"), ("referral list", "/en/referrals/")]
            pages += [("API referral list", "/api/v1/referrals/")]
            pages += [
                ("referral", f"/en/referrals/{r}/") for r, _ in rng.sample(referrals, min(6, len(referrals)))
            ]
            people = rng.sample(sorted(visible, key=str), min(4, len(visible)))
            pages += [("person", f"/en/people/{p}/") for p in people]
            with_assessments = rng.sample(sorted(assessed, key=str), min(3, len(assessed)))
            pages += [("assessment history", f"/en/assessments/people/{p}/") for p in with_assessments]
            pages += [
                ("API person assessments", f"/api/v1/people/{p}/assessments/") for p in with_assessments
            ]
            pages += [("API assessment list", "/api/v1/assessments/")]
        if s.role == "practitioner":
            pages += [("tasks: re-assessments due", "/en/referrals/due/")]
        if s.role in ("practitioner", "panel_coordinator", "panel_chair"):
            seats = list(PanelMember.objects.filter(user=user).values_list("panel_id", "panel__kind"))
            if seats:
                pages += [("panel list", "/en/panels/"), ("actions list", "/en/panels/actions/")]
            for panel_id, kind in seats:
                pages += [("panel", f"/en/panels/{panel_id}/")]
                if kind == "matac":
                    pages += [("RFG ranking", f"/en/panels/{panel_id}/rfg/")]
                meetings = list(
                    Meeting.objects.filter(panel_id=panel_id, items__isnull=False)
                    .distinct()
                    .order_by("-held_on")
                    .values_list("pk", flat=True)[:3]
                )
                for meeting in meetings[:2]:
                    pages += [("meeting agenda", f"/en/panels/meetings/{meeting}/")]
                pages += [("minutes", f"/en/panels/meetings/{meetings[0]}/minutes/")] if meetings else []
                if s.role != "practitioner" or s.agency in ("south-wales-police", "probation-cardiff-vale"):
                    item = AgendaItem.objects.filter(meeting__in=meetings).order_by("?").first()
                    pages += [("agenda item", f"/en/panels/items/{item.pk}/")] if item else []
        if s.role == "commissioner":
            pages += [("gap map", "/en/insights/gap-map/"), ("figures", "/en/insights/referrals/")]
            pages += [("API gap map", "/api/v1/gap-map/"), ("API service list", "/api/v1/services/")]
            pages += [("service", f"/en/services/{slug}/") for slug in rng.sample(services, 3)]
        if s.role == "auditor":
            pages += [
                ("audit search", "/en/audit/"),
                ("audit search", "/en/audit/?" + urlencode({"user": s.username})),
            ]
            pages += [("audit search", "/en/audit/?action=record_viewed&page=3")]
        pages += [("service list", "/en/services/"), ("gap map", "/en/insights/gap-map/")]
        s.pages = pages


# --- the client ----------------------------------------------------------------------------------------


class Session:
    """One browser: its cookies, and every request through a new connection with the headers nginx adds."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict[str, str] | None = None) -> tuple[int, str, str]:
        headers = {
            "Host": f"{HOST}:{self.port}",
            "X-Forwarded-Proto": "https",
            "X-Real-IP": HOST,
            "Accept-Language": "en",
            "User-Agent": "pathways-load-benchmark",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://{HOST}:{self.port}"
        connection = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for cookie in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = cookie.partition("=")
                value = rest.split(";", 1)[0]
                if "max-age=0" in cookie.lower() or value in ("", '""'):
                    self.cookies.pop(name.strip(), None)
                else:
                    self.cookies[name.strip()] = value
            return response.status, response.headers.get("Location", ""), text
        finally:
            connection.close()


TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _code(key: str) -> str:
    from django_otp.oath import totp

    return f"{totp(bytes.fromhex(key), step=30, t0=0, digits=6):06d}"


def sign_in(session: Session, staff: Staff) -> list[float]:
    """Password, then code, as a person does; returns the time of each of the four requests."""
    times = []

    def timed(method: str, path: str, body: dict[str, str] | None = None) -> tuple[int, str, str]:
        start = time.perf_counter()
        answer = session.request(method, path, body)
        times.append(time.perf_counter() - start)
        return answer

    _status, _, page = timed("GET", "/en/sign-in/")
    token = TOKEN.search(page)
    assert token, "no form on the sign-in page"
    status, where, _ = timed(
        "POST",
        "/en/sign-in/",
        {"csrfmiddlewaretoken": token.group(1), "username": staff.username, "password": PASSWORD},
    )
    assert status == 302 and where.endswith("/sign-in/code/"), f"password step: {status} {where}"
    _status, _, page = timed("GET", "/en/sign-in/code/")
    token = TOKEN.search(page)
    assert token, "no form on the code page"
    status, where, _ = timed(
        "POST", "/en/sign-in/code/", {"csrfmiddlewaretoken": token.group(1), "code": _code(staff.key)}
    )
    assert status == 302 and "/sign-in/" not in where, f"code step: {status} {where}"
    return times


@dataclass
class Results:
    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    sign_ins: list[float] = field(default_factory=list)
    password_steps: list[float] = field(default_factory=list)
    sign_in_failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Set once everyone has signed in: requests are measured from then, for the time asked.
    measure_from: float = float("inf")
    stop_at: float = float("inf")


def browse(
    staff: Staff,
    port: int,
    results: Results,
    *,
    start_at: float,
    think: float,
    seed: int,
) -> None:
    rng = random.Random(seed)
    time.sleep(max(0.0, start_at - time.monotonic()))
    session = Session(port)
    try:
        begun = time.perf_counter()
        steps = sign_in(session, staff)
        took = time.perf_counter() - begun
        with results.lock:
            results.sign_ins.append(took)
            results.password_steps.append(steps[1])
    except (AssertionError, OSError, http.client.HTTPException) as error:
        with results.lock:
            results.sign_in_failures.append(f"{staff.username}: {error}")
        return
    while time.monotonic() < results.stop_at:
        name, path = rng.choice(staff.pages)
        began = time.monotonic()
        try:
            start = time.perf_counter()
            status, where, _ = session.request("GET", path)
            seconds = time.perf_counter() - start
            problem = "" if status == 200 else f"{status} {path} {where}"
        except (OSError, http.client.HTTPException) as error:
            seconds, problem = time.perf_counter() - start, f"{type(error).__name__} {path}"
        if results.measure_from <= began < results.stop_at:
            with results.lock:
                results.samples[name].append(seconds)
                if problem:
                    results.errors[name].append(problem)
        time.sleep(max(0.0, min(rng.uniform(think * 0.75, think * 1.25), results.stop_at - time.monotonic())))


# --- gunicorn and the measurements around it -----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def gunicorn(model: str, environment: dict[str, str], log: Path) -> Iterator[int]:
    kind, _, rest = model.partition(":")
    reuse = rest.endswith("+reuse")
    workers, _, threads = rest.removesuffix("+reuse").partition("x")
    port = _free_port()
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "pathways.wsgi",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        workers,
        "--worker-class",
        kind,
        "--timeout",
        "60",
        "--error-logfile",
        str(log),
    ]
    if threads:
        command += ["--threads", threads]
    env = {**os.environ, **environment, "DATABASE_CONN_MAX_AGE": "60" if reuse else "0"}
    process = subprocess.Popen(  # noqa: S603 - our own gunicorn, arguments built here
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped; see {log}:\n{log.read_text()[-3000:]}")
            try:
                status, _, _ = Session(port).request("GET", "/en/sign-in/")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer within 60 s")
            time.sleep(0.3)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class LockWatch:
    """Samples pg_stat_activity ten times a second: backends of this database busy on a query, waiting for
    a lock at all, and waiting for a lock while writing the audit chain's head."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.connection = psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)
        self.samples: list[tuple[int, int, int]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        sql = (
            "SELECT count(*) FILTER (WHERE state = 'active'), "
            "count(*) FILTER (WHERE wait_event_type = 'Lock'), "
            "count(*) FILTER (WHERE wait_event_type = 'Lock' AND query ILIKE '%%audit_auditchainhead%%') "
            "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        while not self.stop.wait(0.1):
            row = self.connection.execute(sql).fetchone()
            if row is not None:
                self.samples.append((int(row[0]), int(row[1]), int(row[2])))

    def __enter__(self) -> LockWatch:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self.connection.close()

    def summary(self) -> str:
        if not self.samples:
            return "no samples"
        n = len(self.samples)
        active = statistics.mean(s[0] for s in self.samples)
        waiting = sum(1 for s in self.samples if s[1]) / n
        head = sum(1 for s in self.samples if s[2]) / n
        head_mean = statistics.mean(s[2] for s in self.samples)
        return (
            f"database: {active:.2f} queries running on average; a lock waited for in {waiting:.0%} of "
            f"{n} samples, the audit chain's head in {head:.0%} ({head_mean:.2f} waiting on average)"
        )


def _cpu() -> tuple[int, int]:
    with open("/proc/stat") as stat:
        parts = [int(v) for v in stat.readline().split()[1:]]
    idle = parts[3] + parts[4]
    return sum(parts) - idle, sum(parts)


def run_model(
    model: str, staff: list[Staff], environment: dict[str, str], url: str, args: argparse.Namespace, log: Path
) -> bool:
    from django.db import connection

    from pathways.audit.models import AuditEntry

    with connection.cursor() as cursor:
        # Each code is accepted once per device; the previous model's sign-ins used this step's codes.
        cursor.execute("UPDATE otp_totp_totpdevice SET last_t = -1")
        cursor.execute("DELETE FROM django_session")
    audit_before = AuditEntry.objects.count()
    results = Results()
    print(f"-- {model}: machine load average before it {os.getloadavg()[0]:.1f}", flush=True)
    with gunicorn(model, environment, log) as port:
        now = time.monotonic()
        threads = [
            threading.Thread(
                target=browse,
                args=(s, port, results),
                kwargs={"start_at": now + args.ramp * n / len(staff), "think": args.think, "seed": n},
                daemon=True,
            )
            for n, s in enumerate(staff)
        ]
        for thread in threads:
            thread.start()
        deadline = now + args.ramp + 120
        while (
            len(results.sign_ins) + len(results.sign_in_failures) < len(staff) and time.monotonic() < deadline
        ):
            time.sleep(0.2)
        signed_in = time.monotonic() - now
        results.measure_from = time.monotonic() + 2
        results.stop_at = results.measure_from + args.seconds
        time.sleep(2)
        busy, total = _cpu()
        with LockWatch(url) as watch:
            time.sleep(max(0.0, results.stop_at - time.monotonic()))
        busy, total = _cpu()[0] - busy, _cpu()[1] - total
        for thread in threads:
            thread.join(timeout=REQUEST_TIMEOUT + 5)
    written = AuditEntry.objects.count() - audit_before
    return report(model, results, watch, busy / max(total, 1), written, signed_in, args)


def report(
    model: str,
    results: Results,
    watch: LockWatch,
    cpu: float,
    audit_written: int,
    signed_in: float,
    args: argparse.Namespace,
) -> bool:
    every = [s for samples in results.samples.values() for s in samples]
    errors = sum(len(e) for e in results.errors.values()) + len(results.sign_in_failures)
    if not every:
        print(f"== {model}: no requests measured; sign-in failures: {results.sign_in_failures[:5]}")
        return False
    p50, p95, p99 = (percentile(every, q) * 1000 for q in (0.5, 0.95, 0.99))
    trivial = results.samples.get("trivial: account page") or [float("nan")]
    base = statistics.median(trivial)
    print(
        f"== {model}: {len(results.sign_ins)} users signed in, {len(every):,} requests in {args.seconds} s "
        f"({len(every) / args.seconds:.1f}/s), CPU {cpu:.0%} busy, {audit_written:,} audit entries written"
    )
    met = p95 < TARGET_P95_MS and errors == 0
    print(
        f"   all pages: p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms, {errors} errors "
        f"(target: p95 under {TARGET_P95_MS} ms with no errors: {verdict(met)})"
    )
    if results.sign_ins:
        times, password = results.sign_ins, results.password_steps
        print(
            f"   sign-in, {len(times)} users over {args.ramp:.0f} s, all in after {signed_in:.0f} s: "
            f"4 requests median {statistics.median(times) * 1000:.0f} ms, "
            f"slowest {max(times) * 1000:.0f} ms; the password step alone median "
            f"{statistics.median(password) * 1000:.0f} ms"
        )
    print(f"   {watch.summary()}")
    print(f"   {'page':<28} {'requests':>8} {'median':>8} {'p95':>8} {'x trivial':>9} errors")
    for name in sorted(results.samples, key=lambda k: -statistics.median(results.samples[k])):
        samples = results.samples[name]
        median, p95_page = statistics.median(samples), percentile(samples, 0.95)
        print(
            f"   {name:<28} {len(samples):>8} {median * 1000:>6.0f}ms {p95_page * 1000:>6.0f}ms "
            f"{median / base:>9.1f} {len(results.errors.get(name, []))}"
        )
    for name, problems in results.errors.items():
        print(f"   errors on {name}: {problems[:3]}")
    for failure in results.sign_in_failures[:5]:
        print(f"   sign-in failed: {failure}")
    sys.stdout.flush()
    return met


def _out_of_time(*_: object) -> None:
    raise TimeoutError("--max-minutes reached")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models", default=",".join(MODELS), help=f"comma-separated ({','.join(MODELS)})")
    parser.add_argument("--seconds", type=int, default=60, help="measured time per model (60)")
    parser.add_argument("--think", type=float, default=2.0, help="mean seconds between a user's requests (2)")
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds over which the users sign in (10)")
    parser.add_argument("--max-minutes", type=float, default=30.0, help="stop after this long in all (30)")
    args = parser.parse_args()
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    for model in models:
        if not re.fullmatch(r"(sync|gthread):\d+(x\d+)?(\+reuse)?", model):
            parser.error(f"{model!r}: expected KIND:WORKERS[xTHREADS][+reuse], e.g. sync:3 or gthread:2x4")
    if not 1 <= args.seconds <= 600:
        parser.error("--seconds must be between 1 and 600")
    # The whole run is bounded: an alarm ends it (and its gunicorn, through the context managers).
    signal.signal(signal.SIGALRM, _out_of_time)
    signal.alarm(int(args.max_minutes * 60))

    with (
        tempfile.TemporaryDirectory(prefix="pathways-load-") as folder,
        throwaway_database("postgres") as url,
    ):
        static_root = Path(folder) / "static"
        environment = _production_environment(static_root)
        os.environ.update(environment)
        start = time.perf_counter()
        _setup_django(url)
        from django.core.management import call_command

        call_command("collectstatic", "--no-input", verbosity=0)
        rng = random.Random(20250610)
        staff = build_region(rng)
        plan_pages(staff, rng)
        from pathways.people.models import Person
        from pathways.referrals.models import Referral

        print(
            f"load: region built in {time.perf_counter() - start:.0f} s: {Person.objects.count():,} people, "
            f"{Referral.objects.count():,} referrals, {len(staff)} users; think time {args.think} s",
            flush=True,
        )
        met = [m for m in models if run_model(m, staff, environment, url, args, Path(folder) / f"{m}.log")]
        signal.alarm(0)
    # Figures are reported, not asserted (as for every benchmark): a model that misses the target says so
    # above, and the run still succeeds.
    print(f"load: target met by {', '.join(met) or 'no model'} of {', '.join(models)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
