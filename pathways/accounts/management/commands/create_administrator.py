import getpass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from pathways.accounts.models import Agency, Membership, User
from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.access import AgencyType, Role


class Command(BaseCommand):
    help = (
        "Create one of the first administrators of a new installation, in a new or existing agency. Create "
        "two: what gives access needs a second administrator's approval. The password is asked for on the "
        "terminal; the administrator sets up a second factor at first sign-in."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("agency_slug", help="an existing agency, or a new one of type 'other'")
        parser.add_argument("--agency-name", default="", help="name for a new agency")

    def handle(self, *args: Any, username: str, agency_slug: str, agency_name: str, **options: Any) -> None:
        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user called {username!r} already exists.")
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The passwords do not match. Nothing was created.")
        try:
            validate_password(password, User(username=username))
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages) + " Nothing was created.") from None
        with transaction.atomic():
            agency, _ = Agency.objects.get_or_create(
                slug=agency_slug,
                defaults={
                    "name_en": agency_name or agency_slug,
                    "name_cy": agency_name or agency_slug,
                    "type": AgencyType.OTHER,
                },
            )
            user = User.objects.create_user(username=username, password=password)
            Membership.objects.create(user=user, agency=agency, role=Role.ADMINISTRATOR)
            audit.entry_record(
                action=AuditAction.RECORD_CREATED,
                username="manage.py",
                record_type="user",
                record_id=user.pk,
                details={"role": Role.ADMINISTRATOR, "agency": agency.slug},
            )
        self.stdout.write(self.style.SUCCESS(f"Administrator {username} created in {agency}."))
