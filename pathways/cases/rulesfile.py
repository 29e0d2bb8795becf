"""The schema of a region's casework file (regions/<region>/casework.yaml): what a case's work is made of
in that region. The catalogue of plan activities, the first-contact target, each service's programme
(its sessions, minimum attendance and follow-ups), how often cases are reviewed, and the rules that guard
a case's ending. Every number is the region's: a missing one stops loading, never a default in the code."""

from __future__ import annotations

import itertools
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from pathways.core.access import AgencyType

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=60)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]

ActivityKind = Literal["disrupt", "support", "change", "safety"]
SessionFormat = Literal["one_to_one", "group"]
EndState = Literal["completed", "deselected", "dropped_out", "moved_away", "transferred"]
# Who is told when a case ends: the police, the chair of the panel the case came from, the partner's
# support service.
Told = Literal["police", "panel_chair", "partner_service"]
RiskLevel = Literal["standard", "medium", "high"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Name(Strict):
    en: ShortText
    cy: ShortText


def _unique(values: list[str], what: str) -> None:
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise ValueError(f"each {what} needs its own slug; repeated: {', '.join(repeated)}")


class FirstContact(Strict):
    target_days: int = Field(
        ge=1, le=365, description="days from the case opening to the first contact, for example 10"
    )
    partner_view_required: bool = Field(
        description="true: where the partner has a support worker, their view must be recorded before "
        "anyone judges that contact will not increase risk"
    )


class Activity(Strict):
    slug: Slug
    kind: ActivityKind = Field(
        description="disrupt, support or change (activities); safety or support (safety_activities)"
    )
    name: Name
    owner: AgencyType = Field(
        description="the type of agency that usually does it: police, probation, housing, health, "
        "childrens_services, adult_services, victim_service, perpetrator_service or other"
    )
    # Disrupt work goes on without the person's knowledge: it never needs his consent.
    needs_consent: bool = Field(description="true if the person must have consented before it starts")


class Module(Strict):
    slug: Slug
    name: Name


class Session(Strict):
    slug: Slug
    name: Name
    format: SessionFormat = Field(description="one_to_one or group")
    module: Slug | None = Field(default=None, description="the slug of the programme's module it is part of")


class FollowUp(Strict):
    slug: Slug
    name: Name
    weeks_after_end: int = Field(ge=1, le=260, description="weeks after the case ends, for example 6")


class Programme(Strict):
    service: Slug = Field(description="the service slug from region.yaml that runs the programme")
    name: Name
    modules: list[Module] = Field(default_factory=list)
    sessions: list[Session] = Field(min_length=1)
    minimum_attendance: int = Field(
        ge=1, description="sessions attended (late counts) needed to complete, for example 7"
    )
    follow_ups: list[FollowUp] = Field(default_factory=list)

    @model_validator(mode="after")
    def _attendance_within_sessions(self) -> Programme:
        _unique([s.slug for s in self.sessions], "session")
        _unique([f.slug for f in self.follow_ups], "follow-up")
        _unique([m.slug for m in self.modules], "module")
        modules = {m.slug for m in self.modules}
        unknown = sorted({s.module for s in self.sessions if s.module and s.module not in modules})
        if unknown:
            raise ValueError(f"sessions name modules not listed in modules: {', '.join(unknown)}")
        if self.minimum_attendance > len(self.sessions):
            raise ValueError(
                f"minimum_attendance is {self.minimum_attendance} but the programme has only "
                f"{len(self.sessions)} sessions; lower it or add sessions"
            )
        return self


class Reviews(Strict):
    internal_every_days: dict[str, int] = Field(
        description="days between internal case reviews per service slug, with a default, e.g. default: 42"
    )
    multi_agency_every_days: dict[str, int] = Field(
        description="days between multi-agency reviews per service slug, with a default, e.g. default: 90"
    )
    post_intervention_review: bool = Field(
        description="true: a case that came from a panel goes back on that panel's agenda when it ends"
    )

    @field_validator("internal_every_days", "multi_agency_every_days")
    @classmethod
    def _default_and_range(cls, days: dict[str, int]) -> dict[str, int]:
        if "default" not in days:
            raise ValueError("add default: the days for services not listed (for example 90)")
        wrong = sorted(slug for slug, n in days.items() if not 1 <= n <= 3660)
        if wrong:
            raise ValueError(f"days for {', '.join(wrong)} must be from 1 to 3660")
        return days


class Ending(Strict):
    state: EndState
    name: Name
    other_agencies_input: bool = Field(
        description="true: other agencies' views must be recorded before a case can end this way"
    )
    manager_decision: bool = Field(description="true: only the service's manager may end a case this way")
    # Dis-engagement does not end disrupt activity (Drive's standard 9): such endings leave it open.
    ends_disrupt: bool = Field(description="true: open disrupt activities end with the case")


class Closure(Strict):
    high_risk: list[RiskLevel] = Field(
        min_length=1,
        description="risk levels at which a case may not close until another agency has accepted its "
        "management, for example [high]",
    )
    tell: list[Told] = Field(description="who is told when a case ends: police, panel_chair, partner_service")


# The age bands of a file loaded before the region was asked for its own.
AGE_BANDS_FROM = (18, 25, 35, 45, 55)


class Outcomes(Strict):
    police_months: list[int] = Field(
        min_length=1, description="months before and after a case ends to count police records, e.g. [6, 12]"
    )
    # Required in a file (casework_rules_load says what to add); the defaults only read a version loaded
    # before they were asked for, whose outcomes counted no engagement and banded ages as these do.
    engaged_sessions: int = Field(
        default=1,
        ge=1,
        le=100,
        description="sessions attended (late counts) after which a case counts as engaged, e.g. 1",
    )
    engaged_at_first_contact: list[Slug] = Field(
        default_factory=list,
        description=(
            "the slugs of services whose work is case management rather than sessions, engaged once the "
            "first contact is made (e.g. [drive-cardiff]; [] for none)"
        ),
    )

    age_bands_from: list[int] = Field(
        default_factory=lambda: list(AGE_BANDS_FROM),
        min_length=1,
        max_length=12,
        description=(
            "the youngest age of each band in which figures count people by age, ascending, e.g. "
            "[18, 25, 35, 45, 55] (anyone younger than the first is in a band of their own)"
        ),
    )

    @field_validator("age_bands_from")
    @classmethod
    def _ascending(cls, starts: list[int]) -> list[int]:
        if any(not 10 <= age <= 99 for age in starts):
            raise ValueError("each age must be from 10 to 99")
        if any(b <= a for a, b in itertools.pairwise(starts)):
            raise ValueError("list the ages youngest first, each once, e.g. [18, 25, 35, 45, 55]")
        return starts

    @field_validator("police_months")
    @classmethod
    def _in_range(cls, months: list[int]) -> list[int]:
        if any(not 1 <= m <= 60 for m in months):
            raise ValueError("each period must be from 1 to 60 months")
        return sorted(set(months))


class JointMeetingRule(Strict):
    slug: Slug
    name: Name
    perpetrator_service: Slug = Field(description="the slug of the service working with men who use abuse")
    support_service: Slug = Field(description="the slug of the service supporting their partners")
    every_days: int = Field(ge=1, le=365, description="days between meetings, for example 14 for fortnightly")

    @model_validator(mode="after")
    def _two_services(self) -> JointMeetingRule:
        if self.perpetrator_service == self.support_service:
            raise ValueError("a joint meeting is between two services: name two different slugs")
        return self


class CaseworkFile(Strict):
    region: Slug
    first_contact: FirstContact
    activities: list[Activity] = Field(min_length=1)
    programmes: list[Programme]
    reviews: Reviews
    endings: list[Ending] = Field(min_length=1)
    closure: Closure
    outcomes: Outcomes
    # Required in the file (the load says so when it is missing); versions loaded before it existed have
    # none.
    joint_meetings: list[JointMeetingRule] = Field(default_factory=list)
    # The catalogue of the support and safety plan on the case of someone being harmed. Required in the
    # file, as joint_meetings is.
    safety_activities: list[Activity] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_entries(self) -> CaseworkFile:
        _unique([a.slug for a in (*self.activities, *self.safety_activities)], "activity")
        wrong = sorted(a.slug for a in self.activities if a.kind == "safety")
        if wrong:
            raise ValueError(f"safety is a kind for safety_activities; move {', '.join(wrong)} there")
        wrong = sorted(a.slug for a in self.safety_activities if a.kind not in ("safety", "support"))
        if wrong:
            raise ValueError(f"safety_activities are of kind safety or support; check {', '.join(wrong)}")
        _unique([j.slug for j in self.joint_meetings], "joint meeting")
        _unique([p.service for p in self.programmes], "programme's service")
        states = [e.state for e in self.endings]
        repeated = sorted({s for s in states if states.count(s) > 1})
        if repeated:
            raise ValueError(f"list each ending once; repeated: {', '.join(repeated)}")
        return self

    def catalogue(self, side: str) -> list[Activity]:
        """The activities a plan on a case on this side of the family is made from."""
        return self.safety_activities if side == "victim" else self.activities
