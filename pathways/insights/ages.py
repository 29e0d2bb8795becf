"""Age bands: how the region groups ages wherever its figures count people by age (the outcomes page's
rows, the evaluation extract's column), from the youngest age of each band in its casework file, so that
the two never band the same person differently."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from pathways.cases.rulesfile import AGE_BANDS_FROM
from pathways.cases.selectors.rules import CaseworkNotLoaded, casework_rules_for
from pathways.people.models import age_on


@dataclass(frozen=True)
class AgeBand:
    """Ages from `youngest` to `oldest` (None: no bound), `key` for rows and extracts alike."""

    youngest: int | None
    oldest: int | None
    key: str

    @property
    def label(self) -> str:
        """The band in the reader's words: "Under 18", "18 to 24", "55 and over"."""
        if self.youngest is None:
            return _("Under %(age)s") % {"age": (self.oldest or 0) + 1}
        return ages_label(youngest=self.youngest, oldest=self.oldest)

    @property
    def short(self) -> str:
        """The band as a data file writes it, the same in every language: "0-17", "18-24", "55+"."""
        if self.oldest is None:
            return f"{self.youngest}+"
        return f"{self.youngest or 0}-{self.oldest}"


def age_bands(*, starts: Sequence[int]) -> list[AgeBand]:
    """The bands that begin at `starts` (ascending), with one below the first for anyone younger."""
    bands = [AgeBand(None, starts[0] - 1, f"under_{starts[0]}")]
    for low, high in zip(starts, [*starts[1:], None], strict=True):
        if high is None:
            bands.append(AgeBand(low, None, f"{low}_over"))
        else:
            bands.append(AgeBand(low, high - 1, f"{low}_{high - 1}"))
    return bands


def age_bands_for(*, region_id: object) -> list[AgeBand]:
    """The region's bands, from its casework file (the first bands before it has one)."""
    try:
        starts = casework_rules_for(region_id=region_id).file.outcomes.age_bands_from
    except CaseworkNotLoaded:
        starts = list(AGE_BANDS_FROM)
    return age_bands(starts=starts)


def ages_label(*, youngest: int, oldest: int | None) -> str:
    """A range of ages in the reader's words: "18 to 24", "55 and over"."""
    if oldest is None:
        return _("%(youngest)s and over") % {"youngest": youngest}
    return _("%(youngest)s to %(oldest)s") % {"youngest": youngest, "oldest": oldest}


def age_band_of(*, bands: Sequence[AgeBand], born: datetime.date | None, on: datetime.date) -> AgeBand | None:
    """The band of someone born on `born` on the day `on`; None when the date of birth is not known."""
    age = age_on(born=born, day=on)
    if age is None:
        return None
    return next(b for b in reversed(bands) if b.youngest is None or age >= b.youngest)
