"""Build a scenario folder from a district's own files (``muster new``)."""

__all__: list[str] = []
