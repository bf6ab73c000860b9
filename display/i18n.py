"""Message catalogs: every user-visible text is an English msgid translated by gettext.

One catalog per language, ``display/locale/<lang>/LC_MESSAGES/musterpoint.po``, compiled to
``musterpoint.mo`` and shipped as package data; the standard library's :mod:`gettext` reads
the ``.mo`` at run time (Babel is needed only to extract, update and compile the catalogs:
``python tools/i18n_catalog.py``). English needs no catalog: the msgid is the English text.

The language is chosen per call (``tr("zh", "Shelters")``) or per context
(``with language("zh"): _("Shelters")``); the context is a :class:`contextvars.ContextVar`,
so nothing leaks from one run, thread or task to the next, and one process can render a
report in both languages.

Markers the extractor knows (see ``babel.cfg`` and ``tools/i18n_catalog.py``):

- ``_(msg)``, ``ngettext(sing, plur, n)``: the context's language;
- ``tr(lang, msg)``, ``ntr(lang, sing, plur, n)``: an explicit language;
- ``N_(msg)``: mark a msgid in a table, translated later (:func:`labels`, :func:`bilingual`);
- ``P_(context, msg)``: a msgid with a gettext context, for an English word that needs two
  translations (road ``Capacity`` is 通行能力, a shelter's is 容量).
"""

from __future__ import annotations

import gettext
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "LOCALE_DIR",
    "N_",
    "P_",
    "WORD_SPACE",
    "_",
    "bilingual",
    "current_language",
    "labels",
    "language",
    "language_code",
    "ngettext",
    "ntr",
    "tr",
    "translations",
]

logger = logging.getLogger(__name__)

#: gettext domain: the catalogs are ``<LOCALE_DIR>/<lang>/LC_MESSAGES/musterpoint.mo``.
DOMAIN = "musterpoint"
#: Where the compiled catalogs are shipped (package data of ``musterpoint.display``).
LOCALE_DIR = Path(__file__).resolve().with_name("locale")
#: Languages with a catalog, plus English (the msgids).
LANGUAGES = ("en", "zh")
#: The space between two words, (English, Chinese): none in Chinese (a catalog cannot
#: translate a text into nothing, so it is a property of the language, not a message).
WORD_SPACE = (" ", "")
#: Separator gettext puts between a context and its msgid in a compiled catalog.
_CONTEXT_SEP = "\x04"

_LANGUAGE: ContextVar[str] = ContextVar("musterpoint_language", default="en")


def language_code(language: Any) -> str:
    """The catalog for a language setting: ``"zh"`` for ``zh``, ``zh-Hans``, ``zh_CN``...,
    else ``"en"`` (also for None and unknown languages, whose text stays English)."""
    text = str(language or "en").strip().lower().replace("_", "-")
    return "zh" if text.startswith("zh") else "en"


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The (read-only, cached) translations of a language code from :func:`language_code`.

    Raises
    ------
    FileNotFoundError
        When the compiled catalog is missing (a broken installation): the message says how
        to rebuild it.
    """
    code = language_code(language)
    if code == "en":
        return gettext.NullTranslations()
    mo = LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not mo.is_file():
        raise FileNotFoundError(f"message catalog {mo} is missing: reinstall musterpoint, or "
                                "run 'python tools/i18n_catalog.py compile' in a checkout")
    with mo.open("rb") as fp:
        return gettext.GNUTranslations(fp)


def tr(lang: Any, message: str) -> str:
    """``message`` (an English msgid, or one made by :func:`P_`) in language ``lang``."""
    context, sep, msgid = message.rpartition(_CONTEXT_SEP)
    catalog = translations(language_code(lang))
    if sep:
        return catalog.pgettext(context, msgid)
    return catalog.gettext(msgid)


def ntr(lang: Any, singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n`` in language ``lang``."""
    return translations(language_code(lang)).ngettext(singular, plural, n)


def current_language() -> str:
    """The language code of the current context (``"en"`` outside any :func:`language`)."""
    return _LANGUAGE.get()


@contextmanager
def language(setting: Any) -> Iterator[str]:
    """Use ``setting``'s language for :func:`_` and :func:`ngettext` inside the block.

    Yields
    ------
    str
        The language code in force.
    """
    token = _LANGUAGE.set(language_code(setting))
    try:
        yield _LANGUAGE.get()
    finally:
        _LANGUAGE.reset(token)


def _(message: str) -> str:
    """``message`` in the current context's language (see :func:`language`)."""
    return tr(current_language(), message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form for ``n`` in the current context's language."""
    return ntr(current_language(), singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it now (tables of labels)."""
    return message


def P_(context: str, message: str) -> str:
    """Mark ``message`` with a gettext context; :func:`tr` translates it in that context."""
    return f"{context}{_CONTEXT_SEP}{message}"


def labels(table: Mapping[str, str], lang: Any) -> dict[str, str]:
    """A table of msgids (key -> ``N_(...)``) translated into language ``lang``."""
    return {key: tr(lang, message) for key, message in table.items()}


def bilingual(table: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """A table of msgids as ``(English, Chinese)`` pairs, for the writers that pick a side."""
    return {key: (tr("en", message), tr("zh", message)) for key, message in table.items()}
