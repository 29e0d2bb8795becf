"""Keeping the victim side's sealed details out of what is typed where the perpetrator side reads it.

A partner's address, a child's school or a victim's phone number typed into a referral's reason, a note, a
panel's decision or an action would reach the services working with the person who harms them, however
carefully the sealed fields themselves are kept. Every such free-text field is checked when it is typed
(`sealed_details_refuse`: refused with a message naming the field, and the attempt audited) and again
when it is shown (`sealed_details_withhold`), since a detail may be sealed on a record after the text
that holds it was typed. The comparison itself is pathways.core.sealedtext's.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, TypeVar

from django.db.models import Model
from django.utils.translation import gettext as _

from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.access import Side
from pathways.core.crypto import SealedValueUnreadable, unseal
from pathways.core.fields import Sealed
from pathways.core.policy import can_see_sealed, has_sealed_need
from pathways.core.readlog import unnoted
from pathways.core.sealedtext import Marker, markers_from, mentions
from pathways.people.choices import PARTNER_KINDS, RelationshipKind
from pathways.people.models import SEALED_FIELDS, Person, Relationship

if TYPE_CHECKING:
    from pathways.core.policy import Actor


class SealedDetailError(Exception):
    """Typed text that holds a protected person's sealed details; `field` names the form field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def protected_ids_for(person_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, set[uuid.UUID]]:
    """For each person, the people whose sealed details must stay out of text about them: their partners
    and ex-partners (whichever way the relationship was recorded) and their children, and the person
    themself when they are on the victim side. Two queries, whatever the number of people."""
    wanted = {pk for pk in person_ids if pk is not None}
    found: dict[uuid.UUID, set[uuid.UUID]] = {pk: set() for pk in wanted}
    if not wanted:
        return found
    for person_id, other_id, kind in Relationship.objects.filter(person_id__in=wanted).values_list(
        "person_id", "other_id", "kind"
    ):
        if kind in PARTNER_KINDS or kind == RelationshipKind.PARENT_OF:
            found[person_id].add(other_id)
    for person_id, other_id in Relationship.objects.filter(
        other_id__in=wanted, kind__in=PARTNER_KINDS
    ).values_list("person_id", "other_id"):
        found[other_id].add(person_id)
    for pk in Person.objects.filter(pk__in=wanted, side=Side.VICTIM).values_list("pk", flat=True):
        found[pk].add(pk)
    return found


def markers_for(people: Iterable[Person]) -> list[Marker]:
    """The people's sealed contact details and location, as markers. Read on the server only to keep them
    out of typed text: never shown, returned or logged, and not a reveal."""
    markers: list[Marker] = []
    for person in people:
        plain: dict[str, str] = {}
        for name in SEALED_FIELDS:
            value = getattr(person, name)
            if not isinstance(value, Sealed):
                continue
            try:
                plain[name] = unseal(value.token)
            except SealedValueUnreadable as exc:
                raise SealedDetailError(
                    _("The details this is checked against cannot be read just now. Try again later.")
                ) from exc
        markers += markers_from(**plain)
    return list(dict.fromkeys(markers))


K = TypeVar("K")


def markers_of(protected: Mapping[K, set[uuid.UUID]]) -> dict[K, list[Marker]]:
    """For each key, the markers of the people protected under it. One query, whatever the number."""
    everyone = {pk for ids in protected.values() for pk in ids}
    # Read to compare, never shown: not a read by the person typing.
    with unnoted():
        people = list(Person.objects.filter(pk__in=everyone).only("pk", *SEALED_FIELDS))
    each = {person.pk: markers_for([person]) for person in people}
    return {
        key: list(dict.fromkeys(m for pk in ids for m in each.get(pk, []))) for key, ids in protected.items()
    }


def markers_by_person(person_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, list[Marker]]:
    """For each person, the markers of everyone protected in text about them. A few queries in all."""
    return markers_of(protected_ids_for(person_ids))


def sealed_details_refuse(
    *,
    fields: Mapping[str, str],
    markers: list[Marker],
    actor: Actor | None,
    record_type: str,
    record_id: object = "",
    error: Callable[[str, str], Exception] = SealedDetailError,
) -> None:
    """Refuse, with nothing saved, typed text that holds a protected person's sealed details.

    `fields` maps each form field's name to what was typed in it. The first field that matches is named
    in the error, made by `error(message, field)` (each app raises its own); the attempt is audited as a
    glimpse of sealed details (being told the text matched is one), so that anyone probing for an address
    shows in the log. The message never repeats the detail. Call it before anything is written: the
    audit entry is part of the caller's transaction.
    """
    if not markers:
        return
    for name, text in fields.items():
        found = mentions(text or "", markers)
        if not found:
            continue
        audit.entry_record(
            action=AuditAction.SEALED_VIEWED,
            actor=actor,
            record_type=record_type,
            record_id=record_id,
            purpose="typed text refused: it held a protected person's contact details or location",
            details={"refused": sorted(found), "field": name},
        )
        raise error(
            _(
                "This holds the contact details or location of a partner, a victim or a child. Those are "
                "sealed and never go where the services working with the person who harms them can read "
                "them: remove them and say what needs to be known."
            ),
            name,
        )


def sealed_details_withhold(text: str, markers: list[Marker]) -> str | None:
    """The text, or None when it holds a protected person's sealed details (checked again when shown)."""
    if markers and text and mentions(text, markers):
        return None
    return text


def sealed_details_shown(text: str, markers: list[Marker]) -> str:
    """The text as shown where the people it concerns are protected: withheld, with a message saying so,
    if it has come to hold one of their sealed details since it was typed."""
    checked = sealed_details_withhold(text, markers)
    return withheld_message() if checked is None else checked


def withheld_message() -> str:
    return _("Withheld: it holds a partner's, victim's or child's contact details or location.")


def sealed_reveal(
    *,
    actor: Actor,
    record: Model,
    value: Sealed | None,
    field: str,
    purpose: str,
    allowed: bool | None = None,
) -> str | None:
    """The plain text of a sealed field, for an actor with a stated need; every reveal is audited.

    Returns None when there is nothing to show or the actor may not see it, so that a page shows the same
    thing whether the value is hidden or absent. `allowed` is for a reveal the policy has already decided
    in another way (sealed papers at a meeting, see `policy.may_reveal_at_meeting`).
    """
    if value is None or not (can_see_sealed(actor, record) if allowed is None else allowed):
        return None
    if isinstance(record, Person) and record.side == Side.PERPETRATOR and not has_sealed_need(actor):
        # His own details, shown to the services working with him, but never one that is also his
        # partner's or child's (a shared address after she has left): withheld as if it were not there.
        protected = markers_by_person([record.pk]).get(record.pk, [])
        if sealed_details_withhold(value._plain_text(), protected) is None:
            return None
    audit.entry_record(
        action=AuditAction.SEALED_VIEWED,
        actor=actor,
        record_type=type(record).__name__.lower(),
        record_id=getattr(record, "pk", ""),
        purpose=purpose,
        details={"field": field},
    )
    return value._plain_text()
