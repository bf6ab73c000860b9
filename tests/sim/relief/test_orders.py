"""The orders dispatch rule (the lockdown supply's): known answers by hand."""

from __future__ import annotations

from musterpoint.sim.relief.dispatch import MAX_STOPS, order_round

#: stops on a line at 0, 1, 2, ... km: driving time is the distance
LINE = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def _dist(a: int, b: int) -> float:
    return abs(LINE[a] - LINE[b])


def test_oldest_order_first_then_the_nearest_further_stop():
    queues = [[5, 6], [], [1, 7], [3], [2, 4], []]
    stops = order_round(queues, room=5, dist=_dist)
    # oldest order 1 is at stop 2; nearest stops with orders from 2: 3 (1 km) then 4
    assert stops == [(2, [1, 7]), (3, [3]), (4, [2, 4])]
    assert queues == [[5, 6], [], [], [], [], []]


def test_a_truck_takes_no_more_than_its_room_oldest_first():
    queues = [[1, 2, 3, 4], [5]]
    assert order_round(queues, room=3, dist=_dist) == [(0, [1, 2, 3])]
    assert queues == [[4], [5]]


def test_at_most_max_stops_and_ties_go_to_the_lower_stop():
    queues = [[9], [1], [10], [11], [12], [13]]
    stops = order_round(queues, room=100, dist=lambda a, b: 1.0)
    assert [s for s, _ in stops] == [1, 0, 2, 3][:MAX_STOPS]
    assert queues[4:] == [[12], [13]]


def test_nothing_waiting_is_no_round():
    assert order_round([[], []], room=10, dist=_dist) == []
