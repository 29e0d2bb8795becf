"""The RFG ranking page of a panel: per area of the panel, the latest run's highest scores with their parts.

Only agencies with a seat on the panel see it (anyone else gets 404, as for a panel that does not
exist), and every view is audited as a read of personal data. A person's name is shown only to an agency
that may see that person's record; otherwise the row names the police reference alone.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from pathways.core.policy import actor_for
from pathways.directory.models import Area
from pathways.panels import selectors
from pathways.people.selectors import people_for
from pathways.police import rfg
from pathways.police.models import RfgScore

# Rows shown per area: the agenda's share and enough below it to see who is close.
SHOWN_PER_AREA = 20


@dataclass(frozen=True)
class RankedRow:
    score: RfgScore
    band: str
    name: str | None
    on_agenda: bool


@dataclass(frozen=True)
class AreaRanking:
    area: Area
    rows: list[RankedRow]
    scored: int


def rfg_ranking(request: HttpRequest, panel_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    panel = selectors.panel_get(actor=actor, panel_id=panel_id)
    run = rfg.latest_run(panel.region)
    areas = list(panel.areas.all())
    rankings: list[AreaRanking] = []
    model = None
    if run is not None:
        model = rfg.model_of(run.model)
        welsh = get_language() == "cy"
        top_n = panel.top_n
        shown = max(SHOWN_PER_AREA, top_n)
        scores = {
            area.pk: list(rfg.ranking(run, area.pk, limit=shown).select_related("person")) for area in areas
        }
        person_ids = {s.person_id for rows in scores.values() for s in rows if s.person_id is not None}
        visible = set(people_for(actor=actor).filter(pk__in=person_ids).values_list("pk", flat=True))
        for area in areas:
            rows = []
            for score in scores[area.pk]:
                band = model.band(score.score)
                name = score.person.display_name if score.person and score.person_id in visible else None
                rows.append(RankedRow(score, band.cy if welsh else band.en, name, score.rank <= top_n))
            rankings.append(AreaRanking(area, rows, run.scores.filter(area=area).count()))
    return render(
        request,
        "panels/rfg.html",
        {"panel": panel, "run": run, "model": model, "rankings": rankings},
    )
