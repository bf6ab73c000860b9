"""Bilingual labels: pick English or Simplified Chinese from ``(en, zh)`` pairs.

No folium, no jinja2: maps, reports and the console share it like ``timefmt``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["is_chinese", "pick_labels"]


def is_chinese(language: Any) -> bool:
    """Whether a language setting (``"zh"``, ``"zh-Hans"``, ``"en"``, None) means Chinese."""
    return str(language or "en").lower().startswith("zh")


def pick_labels(table: Mapping[str, tuple[str, str]], language: Any) -> dict[str, str]:
    """The labels of ``table`` in ``language`` (English unless it is Chinese)."""
    index = 1 if is_chinese(language) else 0
    return {key: pair[index] for key, pair in table.items()}
