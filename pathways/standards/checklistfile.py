"""The schema of a standards file (standards/<slug>.yaml): a set of service standards and the checklists a
service is reviewed against, keyed to the standards' numbered sub-items. National data, in English and
Welsh, loaded as numbered versions: a review keeps the version it was made under."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+([-_][a-z0-9]+)*$", max_length=60)]
ItemId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=60)]
Ref = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,2}(\.[ivx]+(\.[a-z])?)?$", max_length=20)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]

# The figures from the record that can stand beside an item (see `standards.selectors.evidence`): a file
# may name only these.
EVIDENCE_KEYS = frozenset(
    {
        "referral_routes",
        "self_referral",
        "eligibility_in_triage",
        "consent_recorded",
        "staff_training",
        "mi_skills",
        "reassessment",
        "deselection",
        "reengagement",
        "drop_out",
        "supervision",
        "confidential_support",
        "information_sharing",
        "children_services",
        "partner_links",
    }
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Name(Strict):
    en: ShortText
    cy: ShortText


class Text(Strict):
    en: LongText
    cy: LongText


class EvidenceSource(Strict):
    slug: Slug
    name: Name


class Standard(Strict):
    number: int = Field(ge=1, le=99)
    name: Name


class Item(Strict):
    id: ItemId
    standard: int | None = Field(
        default=None, description="the number of the standard the item belongs to (full checklists)"
    )
    refs: list[Ref] = Field(default_factory=list)
    question: Text
    evidence: list[str] = Field(default_factory=list)

    @field_validator("evidence")
    @classmethod
    def _known_evidence(cls, keys: list[str]) -> list[str]:
        unknown = sorted(set(keys) - EVIDENCE_KEYS)
        if unknown:
            raise ValueError(
                f"no figures from the record are called {', '.join(unknown)}; "
                f"use one of {', '.join(sorted(EVIDENCE_KEYS))}"
            )
        return keys


class Checklist(Strict):
    slug: Slug
    name: Name
    summary: Text
    items: list[Item] = Field(min_length=1)

    @field_validator("items")
    @classmethod
    def _unique_items(cls, items: list[Item]) -> list[Item]:
        ids = [i.id for i in items]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"each item needs its own id; repeated: {', '.join(repeated)}")
        return items


class StandardsFile(Strict):
    slug: Slug
    version: ShortText
    title: Name
    source: Text
    licence: Text
    evidence_sources: list[EvidenceSource] = Field(min_length=1)
    standards: list[Standard] = Field(min_length=1)
    checklists: list[Checklist] = Field(min_length=1)

    def checklist(self, slug: str) -> Checklist | None:
        return next((c for c in self.checklists if c.slug == slug), None)

    def standard(self, number: int) -> Standard | None:
        return next((s for s in self.standards if s.number == number), None)

    def source_name(self, slug: str) -> Name | None:
        return next((s.name for s in self.evidence_sources if s.slug == slug), None)
