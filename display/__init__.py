"""Display helpers shared by the map, report and console writers: bilingual labels and
time formatting. Nothing in the engine uses them; they sit between :mod:`musterpoint.sim`
and the writers (:mod:`musterpoint.maps`, :mod:`musterpoint.reports`, the ``muster``
command), which are siblings and may not import each other.
"""

__all__: list[str] = []
