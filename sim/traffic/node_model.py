"""The node model's draw: which waiting approach a link with room serves next.

When a link has room and the heads of several of its incoming links (and departures at
its start node) wait for it, the traffic core serves one of them, chosen at random in
proportion to the approaches' flow capacities, and repeats while room remains. This is
the rule of MATSim's QSim node (``QNodeImpl.moveNode``: incoming links are visited in a
random order weighted by capacity), applied in continuous time to the heads waiting at
one moment: over many services a saturated link's inflow is shared in proportion to the
capacities of the approaches that queue for it, and no approach starves.

The draws come from the run's named stream :data:`NODE_STREAM`, so they are
deterministic for a seed and independent of every other random process; they are taken
in batches (one NumPy call per :data:`BATCH` draws) and only when two or more approaches
compete, so an uncontested network draws nothing.
"""

from __future__ import annotations

import numpy as np

from musterpoint.sim.rng import RandomStreams

__all__ = ["BATCH", "NODE_STREAM", "CapacityDraw"]

#: Name of the random stream of the node model (see :class:`~musterpoint.sim.rng.RandomStreams`).
NODE_STREAM = "traffic.node_model"

#: Uniform numbers drawn per NumPy call.
BATCH = 4096


class CapacityDraw:
    """Choose among competing approaches with probability proportional to their weights.

    Parameters
    ----------
    rng : numpy.random.Generator, optional
        The stream to draw from; by default the :data:`NODE_STREAM` of seed 0 (for a
        traffic model built outside a run, e.g. in tests).
    """

    def __init__(self, rng: np.random.Generator | None = None) -> None:
        self.rng = rng if rng is not None else RandomStreams(0).stream(NODE_STREAM)
        self._u: list[float] = []
        self._i = 0
        self.draws = 0

    def uniform(self) -> float:
        """The next uniform number in ``[0, 1)`` of the stream."""
        if self._i >= len(self._u):
            self._u = self.rng.random(BATCH).tolist()
            self._i = 0
        u = self._u[self._i]
        self._i += 1
        self.draws += 1
        return u

    def pick(self, weights: list[float]) -> int:
        """Index of the chosen approach: ``k`` with probability ``weights[k] / sum``.

        Parameters
        ----------
        weights : list of float
            Positive weights (flow capacities), at least two.

        Returns
        -------
        int
            The chosen index.
        """
        target = self.uniform() * sum(weights)
        acc = 0.0
        last = len(weights) - 1
        for k in range(last):
            acc += weights[k]
            if target < acc:
                return k
        return last
