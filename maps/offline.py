"""Make a rendered folium page work offline: inline its JS and CSS from ``maps/vendor/``.

folium writes ``<script src="https://cdn...">`` and ``<link rel="stylesheet" href="...">``
tags for Leaflet, jQuery, Bootstrap, Font Awesome, Leaflet.awesome-markers and each
plugin. :func:`inline_cdn_assets` rewrites the rendered HTML:

* an asset vendored in ``maps/vendor/`` (Leaflet, Leaflet.timeline) is inlined as a
  ``<script>`` or ``<style>`` block; images that a stylesheet refers to become
  ``data:`` URIs, and Leaflet's default marker icon is pointed at inlined images too;
* an asset folium always links but this page does not use (jQuery, Bootstrap, the icon
  fonts and awesome-markers, moment.js) is dropped, unless the page's own code calls it,
  in which case its link stays and a warning is logged;
* any other external asset stays linked, with a warning.

Tile URLs and links in attributions are data, not tags, and are left alone. See
``maps/vendor/PROVENANCE.md`` for where each vendored file comes from.

:func:`write_offline_page` keeps the big data of a page (the timelines' GeoJSON, the
packed road network: most of its megabytes) out of folium's rendering: an element that
asks :func:`defer_text` renders a short token instead, and the text takes its place once
the page is rendered and inlined. branca would otherwise compile each rendered script as a
jinja template (tokenising megabytes of JSON) and the asset scan would read it all: that
was a third of writing the default run's map. The page is the same (folium's element ids
are random either way); the asset scan now reads the page's own code only, so data that
happen to contain ``jQuery`` or ``$(`` no longer keep a CDN link.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import mimetypes
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["VENDOR_DIR", "defer_text", "inline_cdn_assets", "write_offline_page"]

logger = logging.getLogger(__name__)

#: Folder of the vendored assets (shipped as package data).
VENDOR_DIR = Path(__file__).with_name("vendor")

_SCRIPT_TAG = re.compile(r'<script\s+src="(?P<url>(?:https?:)?//[^"]+)"\s*>\s*</script>', re.I)
_CSS_TAG = re.compile(r'<link\s+rel="stylesheet"\s+href="(?P<url>(?:https?:)?//[^"]+)"\s*/?>', re.I)
_CSS_URL = re.compile(r"""url\(\s*(?P<q>['"]?)(?P<ref>[^'")]+)(?P=q)\s*\)""")
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_AWESOME = re.compile(r"AwesomeMarkers|glyphicon|\bfa-")


@dataclass(frozen=True)
class _Asset:
    """One kind of asset folium links, recognised by the end of its URL.

    ``file`` is the vendored replacement under :data:`VENDOR_DIR`, or None when it is
    not vendored; such an asset is dropped unless ``needed`` matches the page's own code.
    """

    url: re.Pattern[str]
    file: str | None = None
    needed: re.Pattern[str] | None = None


_ASSETS = (
    _Asset(re.compile(r"/leaflet@[\d.]+/dist/leaflet\.js$"), "leaflet/leaflet.js"),
    _Asset(re.compile(r"/leaflet@[\d.]+/dist/leaflet\.css$"), "leaflet/leaflet.css"),
    _Asset(
        re.compile(r"/leaflet\.timeline@[\d.]+/dist/leaflet\.timeline(\.min)?\.js$"),
        "leaflet.timeline/leaflet.timeline.js",
    ),
    _Asset(re.compile(r"/jquery-[\d.]+(\.min)?\.js$"), needed=re.compile(r"\$\(|jQuery")),
    _Asset(re.compile(r"/moment(\.min)?\.js$"), needed=re.compile(r"\bmoment\(")),
    _Asset(re.compile(r"/bootstrap(\.bundle)?(\.min)?\.(js|css)$")),
    _Asset(re.compile(r"/bootstrap-glyphicons\.css$"), needed=_AWESOME),
    _Asset(re.compile(r"/fontawesome-free@[\d.]+/css/all(\.min)?\.css$"), needed=_AWESOME),
    _Asset(re.compile(r"/leaflet\.awesome-markers(\.min)?\.(js|css)$"), needed=_AWESOME),
    _Asset(re.compile(r"/leaflet\.awesome\.rotate(\.min)?\.css$"), needed=_AWESOME),
)

#: Leaflet's default marker images; its icon-path detection fails on inlined CSS.
_DEFAULT_ICON = {
    "iconUrl": "leaflet/images/marker-icon.png",
    "iconRetinaUrl": "leaflet/images/marker-icon-2x.png",
    "shadowUrl": "leaflet/images/marker-shadow.png",
}


def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _inline_css_urls(css: str, base: Path) -> str:
    """Replace relative ``url(...)`` references that exist under ``base`` by data URIs."""

    def repl(match: re.Match[str]) -> str:
        ref = match.group("ref").strip()
        if ref.startswith(("data:", "#", "http:", "https:", "//")):
            return match.group(0)
        target = (base / ref).resolve()
        if VENDOR_DIR.resolve() not in target.parents or not target.is_file():
            logger.warning("Vendored CSS refers to missing file %s", ref)
            return match.group(0)
        return f'url("{_data_uri(target)}")'

    return _CSS_URL.sub(repl, css)


@functools.cache
def _vendored(file: str) -> str:
    """The inline block for one vendored file (cached: the files never change at run time)."""
    path = VENDOR_DIR / file
    text = path.read_text(encoding="utf-8")
    note = f"/* {file}: vendored copy, see maps/vendor/PROVENANCE.md */\n"
    if path.suffix == ".css":
        css = _inline_css_urls(_CSS_COMMENT.sub("", text), path.parent)
        css = re.sub(r"</style", r"<\\/style", css, flags=re.I)
        return f"<style>{note}{css}</style>"
    if file == "leaflet/leaflet.js":
        icons = {key: _data_uri(VENDOR_DIR / rel) for key, rel in _DEFAULT_ICON.items()}
        text += f"\nL.Icon.Default.mergeOptions({json.dumps(icons)});\n"
    js = re.sub(r"</script", r"<\\/script", text, flags=re.I).replace("<!--", "<\\!--")
    return f"<script>{note}{js}</script>"


def _asset(url: str) -> _Asset | None:
    return next((a for a in _ASSETS if a.url.search(url.split("?", 1)[0])), None)


def inline_cdn_assets(page: str) -> str:
    """Rewrite a rendered folium page so that it loads no JS or CSS from the network.

    Parameters
    ----------
    page : str
        The HTML that folium rendered (``fmap.get_root().render()``).

    Returns
    -------
    str
        The page with vendored assets inlined and unused CDN assets removed. Each
        vendored asset is inlined once, at the place of its first tag.

    Notes
    -----
    An asset that the page needs but that is not vendored keeps its CDN link and a
    warning is logged, so the page still works online; tests assert that the pages
    musterpoint writes keep no such link.
    """
    own_code = _CSS_TAG.sub("", _SCRIPT_TAG.sub("", page))
    done: set[str] = set()
    uses: dict[re.Pattern[str], bool] = {}  # one scan of the (large) page per pattern

    def used(pattern: re.Pattern[str]) -> bool:
        if pattern not in uses:
            uses[pattern] = pattern.search(own_code) is not None
        return uses[pattern]

    def repl(match: re.Match[str]) -> str:
        url = match.group("url")
        asset = _asset(url)
        if asset is None:
            logger.warning("Map links an unknown external asset %s; left as is", url)
            return match.group(0)
        if asset.file is None:
            if asset.needed is not None and used(asset.needed):
                logger.warning("Map needs %s, which is not vendored; left linked", url)
                return match.group(0)
            return ""
        if asset.file in done:
            return ""
        done.add(asset.file)
        return _vendored(asset.file)

    return _CSS_TAG.sub(repl, _SCRIPT_TAG.sub(repl, page))


#: Attribute of a figure while :func:`write_offline_page` renders it: its deferred texts.
_DEFERRED = "_musterpoint_deferred"


@dataclass
class _Deferred:
    """The texts deferred while one page renders: token as rendered -> text."""

    nonce: str
    texts: dict[str, str]


def defer_text(element: Any, text: Callable[[], str], quoted: bool = False) -> str | None:
    """A token for ``element`` to render in place of ``text()``, or None (render it).

    While :func:`write_offline_page` renders the page holding ``element``, the token goes
    through folium's templates instead of ``text`` and is replaced by ``text`` in the
    finished page; otherwise (any other rendering) there is no token.

    Parameters
    ----------
    element : branca.element.Element
        An element of the page being rendered.
    text : callable
        Makes what the page must show where the token is (called only for a token).
    quoted : bool
        The template writes the token as a JSON string (``tojson``): the quotes around
        it are replaced too.

    Returns
    -------
    str or None
        The token (letters, digits and ``_``), or None when the page is not being
        written by :func:`write_offline_page`.
    """
    slots = getattr(element.get_root(), _DEFERRED, None)
    if not isinstance(slots, _Deferred):
        return None
    token = f"__musterpoint_deferred_{slots.nonce}_{len(slots.texts)}__"
    slots.texts[json.dumps(token) if quoted else token] = text()
    return token


def _fill(page: str, slots: _Deferred) -> str:
    """``page`` with each deferred token replaced by its text (one pass)."""
    if not slots.texts:
        return page
    marks = re.compile("|".join(re.escape(t) for t in sorted(slots.texts, key=len,
                                                             reverse=True)))
    return marks.sub(lambda m: slots.texts[m.group(0)], page)


def write_offline_page(fmap: Any, path: Path) -> Path:
    """Render a folium map, inline its assets and write it to ``path`` (folders made).

    Elements that :func:`defer_text` put their big texts in after rendering and
    inlining (the same page, written faster).

    Parameters
    ----------
    fmap : folium.Map
        The map to write.
    path : Path
        Output ``.html`` file.

    Returns
    -------
    Path
        ``path``, once written.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    root = fmap.get_root()
    slots = _Deferred(secrets.token_hex(8), {})
    setattr(root, _DEFERRED, slots)
    try:
        page = root.render()
    finally:
        delattr(root, _DEFERRED)
    out.write_text(_fill(inline_cdn_assets(page), slots), encoding="utf-8")
    return out
