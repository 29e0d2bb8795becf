"""The queueing simulation of a drafted service: the same assumptions always give the same figures, more
places mean shorter waits and emptier places, and what it counts adds up."""

from __future__ import annotations

import pytest

from pathways.insights.simulation import Assumptions, simulate, simulate_capacities

# A medium-risk programme of 26 weeks for about two men a week, a third of whom leave part way.
DVPP = Assumptions(arrivals_per_week=2.0, programme_weeks=26, patience_weeks=12, drop_out_during=0.33)


def test_the_same_assumptions_give_the_same_figures() -> None:
    assert simulate(assumptions=DVPP, places=40) == simulate(assumptions=DVPP, places=40)
    other = Assumptions(**{**DVPP.__dict__, "seed": 7})
    assert simulate(assumptions=other, places=40) != simulate(assumptions=DVPP, places=40)


def test_more_places_mean_shorter_waits_and_emptier_places() -> None:
    few, some, many = simulate_capacities(assumptions=DVPP, capacities=[60, 20, 40])
    assert (few.places, some.places, many.places) == (20, 40, 60)
    assert few.mean_wait_weeks > some.mean_wait_weeks > many.mean_wait_weeks
    assert few.gave_up_waiting > many.gave_up_waiting
    assert 0 < many.occupancy < some.occupancy <= few.occupancy <= 1
    # About 208 arrive in two years; with 20 places and 26 weeks each, many give up waiting.
    assert 180 < few.arrived < 240 and few.gave_up_waiting > 50
    for r in (few, some, many):
        assert r.mean_wait_weeks <= r.p90_wait_weeks or r.mean_wait_weeks == 0


def test_what_is_counted_adds_up() -> None:
    everyone_stays = Assumptions(arrivals_per_week=1, programme_weeks=10, patience_weeks=0, drop_out_during=0)
    result = simulate(assumptions=everyone_stays, places=100)
    assert result.gave_up_waiting == 0 and result.dropped_out == 0 and result.mean_wait_weeks == 0
    assert result.started == result.arrived
    # Still in the programme when the two years end: started, neither completed nor dropped out.
    assert result.completed < result.started


@pytest.mark.parametrize(
    "changes",
    [{"arrivals_per_week": -1}, {"programme_weeks": 0}, {"drop_out_during": 1.5}, {"runs": 0}],
)
def test_impossible_assumptions_are_refused(changes: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Assumptions(**{**DVPP.__dict__, **changes})
