"""Random streams: one seed per run, one independent named stream per random process.

Each random process (household sizes, car ownership, departure delays, ...) draws from its
own generator, made from the run's seed and a stable key derived from the process name.
Two plans run on the same seed therefore draw the same numbers for the same processes
(common random numbers), and adding a new process never shifts the draws of another.
The keys play the role of ``SeedSequence.spawn`` children, but are named rather than
positional so that they do not depend on the order in which processes are created.
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["RandomStreams"]


class RandomStreams:
    """Factory of named, independent random generators for one run.

    Parameters
    ----------
    seed : int
        The run's seed (a non-negative integer).
    """

    def __init__(self, seed: int) -> None:
        if seed < 0:
            raise ValueError("seed must be a non-negative integer")
        self.seed = int(seed)

    def stream(self, name: str) -> np.random.Generator:
        """A fresh generator for the random process ``name``.

        The same ``(seed, name)`` always gives the same sequence.
        """
        key = zlib.crc32(name.encode("utf-8"))
        return np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=(key,)))
        )
