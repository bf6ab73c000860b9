"""Names of a package imported from its modules on first use (:pep:`562`).

A package whose ``__init__`` imports its engine-side modules makes every import of one of
its light modules (an output schema, say) pay for the engine. With
``__getattr__ = lazy_names(__name__, {...})`` the package's public names are still there,
imported from their module when first asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_names"]


def lazy_names(package: str, where: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    where : Mapping[str, str]
        Each public name and the module of the package (its last part) that defines it.

    Returns
    -------
    callable
        ``__getattr__(name)``: the name from its module; AttributeError for any other.
    """

    def __getattr__(name: str) -> Any:
        if name in where:
            return getattr(importlib.import_module(f"{package}.{where[name]}"), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
