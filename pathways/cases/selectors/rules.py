"""The casework rules in force for a case: the latest version of its region's casework file, read as the
typed schema. A region without one has no rules, and the case pages say so rather than guess."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.utils.translation import get_language

from pathways.cases.models import CaseworkRules
from pathways.cases.rulesfile import Activity, CaseworkFile, Ending, Name, Programme

if TYPE_CHECKING:
    from pathways.cases.models import Case


class CaseworkNotLoaded(LookupError):
    """The region has no casework file loaded: nothing may stand in for rules it never chose."""


def name_shown(name: Name) -> str:
    """A name from the file in the reader's language."""
    return name.cy if get_language() == "cy" else name.en


@dataclass(frozen=True)
class Rules:
    version: CaseworkRules
    file: CaseworkFile

    def activity(self, slug: str) -> Activity | None:
        return next(
            (a for a in (*self.file.activities, *self.file.safety_activities) if a.slug == slug), None
        )

    def programme(self, service_slug: str) -> Programme | None:
        return next((p for p in self.file.programmes if p.service == service_slug), None)

    def ending(self, state: str) -> Ending | None:
        return next((e for e in self.file.endings if e.state == state), None)

    def internal_review_days(self, service_slug: str) -> int:
        days = self.file.reviews.internal_every_days
        return days.get(service_slug, days["default"])

    def multi_agency_review_days(self, service_slug: str) -> int:
        days = self.file.reviews.multi_agency_every_days
        return days.get(service_slug, days["default"])


@lru_cache(maxsize=32)
def _parsed(version_id: int) -> CaseworkFile:
    # A version never changes once loaded, so its parse can be kept for the life of the process.
    return CaseworkFile.model_validate(CaseworkRules.objects.get(pk=version_id).rules)


def casework_rules_forget() -> None:
    """Forget every version read so far, as a new one is loaded."""
    _parsed.cache_clear()


def casework_rules_for(*, region_id: Any) -> Rules:
    """The rules in force in the region (a Region or its id); CaseworkNotLoaded if it has none."""
    # The file itself is read once per version (see `_parsed`), not on every page that needs its rules.
    version = CaseworkRules.objects.filter(region=region_id).defer("rules").first()
    if version is None:
        raise CaseworkNotLoaded(
            "The region's casework file is not loaded: load it with manage.py load_casework "
            "regions/<region>/casework.yaml."
        )
    return Rules(version, _parsed(version.pk))


def casework_rules_for_case(*, case: Case) -> Rules:
    return casework_rules_for(region_id=case.service.region_id)


def casework_file_version(*, version_id: Any) -> CaseworkFile:
    """The file of one loaded version, whichever is in force now: what was planned under it (a plan's
    activity) keeps its names and rules. Read once per version for the life of the process."""
    return _parsed(version_id)
