"""Python's cyclic garbage collector held off while ``muster run`` starts up.

Before its simulation starts, ``muster run`` imports some 1,200 modules (pandas, pyarrow,
SciPy, pydantic and the engine) and reads its World, creating a few hundred thousand
objects that all live until the process ends. With the collector on, the allocations
trigger collections that walk them again and again (young ones every 700, and full
ones) and find almost nothing to free: about 10 % of the import time. A
:class:`StartUpCollector` switches the collector off for that phase and back on (as it
was) when the simulation begins, where :func:`musterpoint.sim.des.run_until` takes over
the collector's settings. Nothing changes in what is computed (the collector frees
memory; it computes nothing).

Switched back on as it is, the collector would at once walk every object made while it
was off (they are all in its young generation: 30 ms on the default scenario); they are
moved to its oldest generation instead (:func:`gc.freeze` then :func:`gc.unfreeze`, which
moves no memory), walked only by a full collection, as they would have been after two
young ones. That is done only when no object is frozen (nobody else froze any for their
own reasons): then none is frozen after it either.

The output process is forked with the collector on, as it was before.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

__all__ = ["StartUpCollector"]


class StartUpCollector:
    """Holds the garbage collector off from :meth:`pause` to :meth:`resume`.

    Use as a context manager: leaving it resumes the collector whatever happened. Only a
    collector that was on when the context was entered is switched off and on again.
    """

    def __init__(self) -> None:
        self._owned = False

    def __enter__(self) -> StartUpCollector:
        self._owned = gc.isenabled()
        return self

    def pause(self) -> None:
        """Switch the collector off (if this object owns it)."""
        if self._owned:
            gc.disable()

    def resume(self) -> None:
        """Switch the collector back on (if this object owns it and it is off), the objects
        made while it was off in its oldest generation."""
        if self._owned and not gc.isenabled():
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()

    @contextmanager
    def paused(self) -> Iterator[None]:
        """The collector off inside the ``with`` block, on after it."""
        self.pause()
        try:
            yield
        finally:
            self.resume()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.resume()
