"""The acting user of a management command that records things (`--username`, `--membership-agency`).

A command such as `import_dash` or `import_referrals` acts as a named user, under their membership at the
agency given, or under their only active membership, so that what it records is owned by that agency and
named in the audit log. Every refusal (no such user or membership, a role that may not record, a file
rejected by the import) says that nothing was changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError, CommandParser

from pathways.accounts.models import User
from pathways.accounts.selectors import memberships_active, memberships_usable
from pathways.core.csvimport import ImportFailed
from pathways.core.policy import Actor


def add_actor_arguments(parser: CommandParser, what: str) -> None:
    """Add `--username` (required) and `--membership-agency SLUG`; `what` is what the command records,
    e.g. "referrals", for the help text."""
    parser.add_argument(
        "--username", required=True, help=f"the user recording the {what} (named in the audit log)"
    )
    parser.add_argument(
        "--membership-agency",
        default="",
        metavar="SLUG",
        help="the agency the user acts for; needed only when they are active in more than one",
    )


def actor_from_options(username: str, agency_slug: str) -> Actor:
    """The active user called `username`, acting under their active membership at `agency_slug`, or under
    their only active membership when no agency is given; a CommandError saying why if there is none."""
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"There is no active user called {username!r}. Nothing was changed.")
    # The same memberships the pages allow: an administrator acts under none that reaches personal data.
    found = memberships_usable(memberships=memberships_active(user=user))
    if agency_slug:
        found = [m for m in found if m.agency.slug == agency_slug]
    if not found:
        at = f" at {agency_slug!r}" if agency_slug else ""
        raise CommandError(f"{username} has no active membership{at}. Nothing was changed.")
    if len(found) > 1:
        slugs = ", ".join(sorted(m.agency.slug for m in found))
        raise CommandError(
            f"{username} acts for more than one agency ({slugs}); choose one with --membership-agency. "
            "Nothing was changed."
        )
    return Actor(user=user, membership=found[0])


@contextmanager
def import_refusals(file: Path, actor: Actor, username: str, what: str) -> Iterator[None]:
    """Turn an import's refusal into a CommandError saying that nothing was changed: a rejected file,
    with every problem listed, or a role that does not let the user record `what` (e.g. "referrals")."""
    try:
        yield
    except ImportFailed as exc:
        raise CommandError(
            f"{file} was not imported: {len(exc.problems)} problem(s). Nothing was changed.\n{exc}"
        ) from None
    except PermissionDenied:
        raise CommandError(
            f"{username}'s role ({actor.role}) at {actor.agency} does not let them record {what}. "
            "Nothing was changed."
        ) from None
