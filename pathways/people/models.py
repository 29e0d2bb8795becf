from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pathways.core.access import Ownership, Side
from pathways.core.fields import SealedTextField
from pathways.core.models import TimeStampedModel
from pathways.core.readlog import PersonalData
from pathways.people.choices import (
    PARTNER_KINDS,
    Ethnicity,
    GenderIdentity,
    PreferredLanguage,
    RelationshipKind,
    SexualOrientation,
    WorkPattern,
)

if TYPE_CHECKING:
    from pathways.directory.models import Region

SEALED_FIELDS = ("address", "phone", "email", "school")


def age_on(*, born: datetime.date | None, day: datetime.date) -> int | None:
    """Whole years on `day` of someone born on `born`; None when the date of birth is not known. Also for
    rows read without their Person (triage over a period's referrals)."""
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class Person(PersonalData, TimeStampedModel):
    """Someone a referral is about: the person referred, a partner or ex-partner, a child.

    The sealed fields are the ones that, in the wrong hands, let someone find a victim or a child; they are
    encrypted and shown only through `pathways.people.sealed.sealed_reveal`.
    """

    ACCESS = Ownership(agencies=("agencies",), side="side")

    # Which side of the family the person is on, set when the record is made: the person referred for
    # their behaviour, or a partner, ex-partner, victim or child.
    side = models.CharField(_("side of the family"), max_length=12, choices=Side.choices)
    given_name = models.CharField(_("first name"), max_length=100)
    family_name = models.CharField(_("last name"), max_length=100)
    known_as = models.CharField(_("how they want to be referred to"), max_length=100, blank=True)
    pronouns = models.CharField(_("pronouns"), max_length=50, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    gender_identity = models.CharField(
        _("gender identity"), max_length=20, choices=GenderIdentity.choices, default=GenderIdentity.NOT_KNOWN
    )
    gender_self_described = models.CharField(_("gender, in their words"), max_length=100, blank=True)
    # Asked only when the person is willing: the MARAC return counts victims by both.
    ethnicity = models.CharField(
        _("ethnic group"), max_length=24, choices=Ethnicity.choices, default=Ethnicity.NOT_KNOWN, blank=True
    )
    sexual_orientation = models.CharField(
        _("sexual orientation"),
        max_length=24,
        choices=SexualOrientation.choices,
        default=SexualOrientation.NOT_KNOWN,
        blank=True,
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=PreferredLanguage.choices,
        default=PreferredLanguage.ENGLISH,
    )
    other_language = models.CharField(_("other language"), max_length=100, blank=True)
    interpreter_needed = models.BooleanField(_("needs an interpreter"), default=False)
    has_disability = models.BooleanField(_("disabled or has access needs"), null=True, blank=True)
    access_needs = models.TextField(_("disabilities and access needs"), blank=True, max_length=2000)
    work_pattern = models.CharField(
        _("work pattern"), max_length=20, choices=WorkPattern.choices, default=WorkPattern.NOT_KNOWN
    )
    area = models.ForeignKey(
        "directory.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("area of residence"),
    )
    police_reference = models.CharField(_("police reference"), max_length=50, blank=True, db_index=True)
    nhs_number = models.CharField(_("NHS number"), max_length=10, blank=True, db_index=True)
    social_services_reference = models.CharField(
        _("social services reference"), max_length=50, blank=True, db_index=True
    )
    address = SealedTextField(_("address"), null=True, blank=True)
    phone = SealedTextField(_("phone"), null=True, blank=True)
    email = SealedTextField(_("email"), null=True, blank=True)
    school = SealedTextField(_("school"), null=True, blank=True)
    # How and when it is safe to contact them: for the person who uses abuse, so that a call or a letter
    # does not reach a partner first. Typed text on his side, so checked for his family's sealed details.
    contact_arrangements = models.TextField(_("how and when to contact them"), blank=True, max_length=1000)
    agencies = models.ManyToManyField(
        "accounts.Agency",
        through="PersonAccess",
        related_name="people",
        verbose_name=_("agencies working with"),
    )

    class Meta:
        ordering = ["family_name", "given_name"]
        indexes = [models.Index(fields=["family_name", "given_name", "date_of_birth"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(side__in=Side.values), name="person_has_a_side")
        ]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("people:detail", kwargs={"person_id": self.pk})

    @property
    def display_name(self) -> str:
        return f"{self.known_as or self.given_name} {self.family_name}".strip()

    def age_on(self, day: datetime.date) -> int | None:
        """Whole years on `day`; None when the date of birth is not known."""
        return age_on(born=self.date_of_birth, day=day)

    def is_child_on(self, day: datetime.date) -> bool:
        """Under 18 on `day`, or of unknown age: a child's safety is not left out for want of a date."""
        age = self.age_on(day)
        return age is None or age < 18

    @property
    def age(self) -> int | None:
        return self.age_on(timezone.localdate())

    @property
    def region(self) -> Region | None:
        """The region of the area the person lives in; None when the area is not known."""
        return self.area.region if self.area is not None else None

    def partners(self) -> models.QuerySet[Person]:
        """Current and ex-partners, whichever of the two the relationship was recorded from."""
        recorded = Relationship.objects.filter(kind__in=PARTNER_KINDS)
        return Person.objects.filter(
            models.Q(pk__in=recorded.filter(person=self).values("other_id"))
            | models.Q(pk__in=recorded.filter(other=self).values("person_id"))
        )


class PersonAccess(models.Model):
    """An agency working with a person, and why: the record is shared with it from then on."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="access")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=200)
    since = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "agency"], name="one_access_per_agency")]

    def __str__(self) -> str:
        return f"{self.agency} - {self.person_id}"


class Relationship(PersonalData):
    """`person` is `kind` of `other`: "A is the current partner of B", "A is the parent of C"."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relationships")
    other = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relationships_to")
    kind = models.CharField(_("relationship"), max_length=20, choices=RelationshipKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "other", "kind"], name="relationship_once"),
            models.CheckConstraint(
                condition=~models.Q(person=models.F("other")), name="relationship_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.other_id}"
