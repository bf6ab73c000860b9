"""Extract, update, compile and check the message catalogs (needs Babel: ``pip install -e
".[test]"``).

The msgids are the English texts marked in the code (keywords in :data:`KEYWORDS`, files in
``babel.cfg``); each language's catalog is ``display/locale/<lang>/LC_MESSAGES/
musterpoint.po``, compiled to ``musterpoint.mo`` next to it (both committed; the ``.mo`` is
what runs).

Usage::

    python tools/i18n_catalog.py update    # add new msgids (empty) to every .po, drop gone ones
    python tools/i18n_catalog.py compile   # write each .mo from its .po
    python tools/i18n_catalog.py check     # exit 1 and say what is stale (the test runs this)

After ``update``, translate the new (empty) entries in the ``.po`` (use the terms of
``docs/glossary.md``), then ``compile``.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE_DIR = ROOT / "display" / "locale"
DOMAIN = "musterpoint"
LANGUAGES = ("zh",)
#: Marker -> positions of its msgid arguments (``(1, "c")``: the gettext context).
KEYWORDS: dict[str, tuple[object, ...] | None] = {
    "_": None,
    "N_": None,
    "ngettext": (1, 2),
    "tr": (2,),
    "ntr": (2, 3),
    "P_": ((1, "c"), 2),
}


def po_path(lang: str) -> Path:
    """The ``.po`` file of a language."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def extract() -> Catalog:
    """Every msgid marked in the code, as a template catalog."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fp:
        method_map, options_map = parse_mapping_cfg(fp)
    template = Catalog(project="musterpoint", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True):
        template.add(message, None, [(filename, lineno)], auto_comments=comments,
                     context=context)
    return template


def read(lang: str) -> Catalog:
    """The ``.po`` catalog of a language."""
    with po_path(lang).open("rb") as fp:
        return read_po(fp, locale=lang, domain=DOMAIN)


def write(catalog: Catalog, lang: str) -> None:
    """Write a language's ``.po`` (sorted by msgid, no line numbers, so diffs stay small)."""
    path = po_path(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fp:
        write_po(fp, catalog, width=100, sort_output=True, omit_header=False,
                 include_lineno=False, ignore_obsolete=True)


def compiled(catalog: Catalog) -> bytes:
    """The ``.mo`` bytes of a catalog."""
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


def new_catalog(lang: str) -> Catalog:
    """An empty catalog for a new language, with the project's header."""
    return Catalog(locale=lang, domain=DOMAIN, project="musterpoint", version="0.1",
                   copyright_holder="the musterpoint authors", fuzzy=False,
                   header_comment=f"# {lang} messages of musterpoint (see docs/glossary.md).",
                   last_translator="musterpoint maintainers",
                   language_team="musterpoint maintainers",
                   msgid_bugs_address="the musterpoint issue tracker")


def update() -> None:
    """Add the code's new msgids to every ``.po`` (untranslated) and drop those gone."""
    template = extract()
    for lang in LANGUAGES:
        catalog = read(lang) if po_path(lang).is_file() else new_catalog(lang)
        catalog.update(template, no_fuzzy_matching=True)
        write(catalog, lang)


def compile_all() -> None:
    """Write every ``.mo`` from its ``.po``."""
    for lang in LANGUAGES:
        po_path(lang).with_suffix(".mo").write_bytes(compiled(read(lang)))


def _key(message: object, context: str | None) -> tuple[str, str | None]:
    return (message[0] if isinstance(message, (tuple, list)) else str(message), context)


def problems() -> list[str]:
    """What is stale: msgids in the code missing from a ``.po``, msgids no longer used,
    fuzzy or empty translations, a ``.mo`` that is not the ``.po`` compiled."""
    template = extract()
    wanted = {_key(m.id, m.context) for m in template if m.id}
    out: list[str] = []
    for lang in LANGUAGES:
        if not po_path(lang).is_file():
            return [f"{po_path(lang)} is missing: run 'python tools/i18n_catalog.py update'"]
        catalog = read(lang)
        have = {_key(m.id, m.context): m for m in catalog if m.id}
        out += [f"{lang}: {k[0]!r} (context {k[1]}) is in the code but not in the catalog"
                for k in sorted(wanted - have.keys(), key=str)]
        out += [f"{lang}: {k[0]!r} (context {k[1]}) is in the catalog but no longer in the code"
                for k in sorted(have.keys() - wanted, key=str)]
        for k, m in sorted(have.items(), key=lambda kv: str(kv[0])):
            if m.fuzzy:
                out.append(f"{lang}: {k[0]!r} is marked fuzzy: review it")
            strings: Iterable[str] = (m.string if isinstance(m.string, (tuple, list))
                                      else [m.string])
            if not all(strings):
                out.append(f"{lang}: {k[0]!r} has no translation")
        mo = po_path(lang).with_suffix(".mo")
        if not mo.is_file() or mo.read_bytes() != compiled(catalog):
            out.append(f"{mo} is not {po_path(lang).name} compiled: run "
                       "'python tools/i18n_catalog.py compile'")
    return out


def main(argv: list[str]) -> int:
    """Run one command (``update``, ``compile`` or ``check``); return the exit code."""
    command = argv[0] if argv else "check"
    if command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command == "check":
        found = problems()
        for line in found:
            print(line, file=sys.stderr)
        return 1 if found else 0
    else:
        print(f"unknown command {command!r}: use update, compile or check", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
