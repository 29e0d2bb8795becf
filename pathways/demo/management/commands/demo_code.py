import time
from binascii import unhexlify
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import totp

from pathways.demo.cast import USERS, demo_totp_key


class Command(BaseCommand):
    help = "Print the current second-factor code of a demo account. Demo mode only."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("Demo codes exist only with PATHWAYS_DEMO on.")
        if username not in {u.username for u in USERS}:
            raise CommandError(
                f"{username!r} is not a demo account; try one of {', '.join(u.username for u in USERS)}."
            )
        code = totp(unhexlify(demo_totp_key(username)), t0=0, step=30, digits=6)
        remaining = 30 - int(time.time()) % 30
        self.stdout.write(f"{code:06d}  (valid for {remaining} more seconds)")
