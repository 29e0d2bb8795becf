from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from pathways.accounts.models import User
from pathways.assessments.services import instruments_load
from pathways.cases.services import casework_rules_load
from pathways.core.policy import Actor
from pathways.demo.cast import DEMO_PASSWORD, load_demo_accounts, load_demo_api_clients
from pathways.demo.police import load_demo_police_data
from pathways.demo.region import DEFAULT_PEOPLE, DEFAULT_SEED, load_demo_region
from pathways.demo.standards import load_demo_standards
from pathways.demo.workforce import load_demo_workforce
from pathways.directory.models import Region
from pathways.directory.services import region_load
from pathways.police.rfg import load_rfg_model
from pathways.referrals.services import triage_rules_load

DEMO_REGION = Path(settings.BASE_DIR) / "regions" / "cardiff-and-vale" / "region.yaml"


class Command(BaseCommand):
    help = (
        "Load the Cardiff and Vale region, the demo accounts and the demo's families (people, referrals, "
        "assessments, panel meetings and a police extract), then print the demo logins. Safe to run again: "
        "the region, accounts and police extract are brought up to date, and the families are written only "
        "into a database that holds no referral yet (they are never duplicated or cleared)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--people",
            type=int,
            default=DEFAULT_PEOPLE,
            help=f"about how many people the families hold (default {DEFAULT_PEOPLE})",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"the same seed, the same families (default {DEFAULT_SEED})",
        )

    def handle(self, *args: Any, people: int, seed: int, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("Demo data is only loaded with PATHWAYS_DEMO on, never in production.")
        if people < 1:
            raise CommandError("--people must be 1 or more.")
        region_load(path=DEMO_REGION)
        triage_rules_load(path=DEMO_REGION.with_name("triage.yaml"))
        instruments_load(paths=[Path(settings.BASE_DIR) / "instruments", DEMO_REGION.parent])
        load_rfg_model(path=DEMO_REGION.with_name("rfg.yaml"))
        casework_rules_load(path=DEMO_REGION.with_name("casework.yaml"))
        users = load_demo_accounts()
        load_demo_workforce(today=timezone.localdate())
        load_demo_standards(today=timezone.localdate())
        summary = load_demo_region(people=people, seed=seed)
        if summary.skipped:
            # The families are already there; the made-up police extract still moves with today's date.
            coordinator = User.objects.get(username="matac")
            actor = Actor(user=coordinator, membership=coordinator.memberships.select_related("agency").get())
            load_demo_police_data(Region.objects.get(slug="cardiff-and-vale"), actor)
            self.stdout.write("Demo families already loaded: left as they are.")
        else:
            self.stdout.write(
                f"Demo families: {summary.families} families, {summary.people} people, {summary.referrals} "
                f"referrals, {summary.assessments} assessments, {summary.meetings} panel meetings "
                f"({summary.seconds:.1f} s)."
            )
        self.stdout.write(self.style.SUCCESS("Pathways demo: Cardiff and the Vale of Glamorgan"))
        self.stdout.write(
            f"Open http://127.0.0.1:8000/ and sign in with any of these (password for all: {DEMO_PASSWORD}):"
        )
        for user in users:
            self.stdout.write(f"  {user.username:<13} {user.role:<18} {user.full_name}")
        token = load_demo_api_clients()
        self.stdout.write(
            "The API (http://127.0.0.1:8000/api/v1/docs/) as the police case system:\n"
            f"  curl -H 'Authorization: Bearer {token}' http://127.0.0.1:8000/api/v1/referrals/"
        )
        self.stdout.write(
            "Second factor: the demo accounts share no phone, so print a user's current code with\n"
            "  .venv/bin/python manage.py demo_code USERNAME\n"
            "(commissioner needs none: commissioners see no personal data)."
        )
