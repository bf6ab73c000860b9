"""Page layout of the map pages: a title block above the map, the time slider and a compact
legend below it, the layer control collapsed in a corner, and the base map.

Nothing is laid over the data but Leaflet's small corner controls (zoom, the collapsed
layer control, scale, attribution): the title block is a header above the map and the
slider, legend and data credits are a footer below it, so they can never cover a zone, a
shelter or each other. The initial view is fitted to the data with a margin that keeps
it clear of the corner controls.

The base map is either tiles from a URL the user gives (``muster run --tiles URL
--tiles-attribution TEXT``, checked by :mod:`musterpoint.tiles_args`; nothing is
hard-wired) or, by default, the road network itself drawn from the run's links
(:mod:`musterpoint.maps.geometry`), so streets show offline.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import folium
from branca.element import MacroElement
from folium.map import Layer
from folium.utilities import JsCode
from jinja2 import Template

from musterpoint.display.html import CJK_FONT_STACK, esc
from musterpoint.maps.geometry import PACK_SCALE, ROAD_STYLE, ROADS_JS
from musterpoint.maps.offline import defer_text

__all__ = [
    "BIND_POPUP",
    "FIT_PADDING_PX",
    "PageLayout",
    "RoadLayer",
    "add_base_map",
    "data_bounds",
    "legend_group",
    "page_footer",
    "page_header",
    "popup",
    "swatch",
]

#: Margin (px) kept between the fitted data and the map's edges, clear of the corner controls.
FIT_PADDING_PX = (56, 40)

_CSS = f"""
html, body {{ display: flex; flex-direction: column; }}
body > .folium-map {{ flex: 1 1 auto; height: auto !important; min-height: 200px; }}
#musterpoint-title {{ order: -1; flex: none; padding: 6px 12px; background: #263238;
  color: #fff; font: 13px/1.35 {CJK_FONT_STACK}; }}
#musterpoint-title h1 {{ font-size: 16px; margin: 0 0 2px; font-weight: 600; }}
#musterpoint-title .mp-sub {{ color: #cfd8dc; }}
#musterpoint-title .mp-summary {{ margin-top: 2px; }}
#musterpoint-footer {{ order: 1; flex: none; padding: 4px 10px 6px; background: #fafafa;
  border-top: 1px solid #cfd8dc; font: 12px/1.4 {CJK_FONT_STACK}; }}
#musterpoint-legend {{ display: flex; flex-wrap: wrap; gap: 2px 18px; align-items: baseline; }}
#musterpoint-legend .mp-group b {{ margin-right: 6px; }}
#musterpoint-legend .mp-item {{ margin-right: 10px; white-space: nowrap; }}
#musterpoint-legend .mp-sw {{ display: inline-block; width: 14px; height: 10px;
  margin-right: 3px; vertical-align: baseline; }}
#musterpoint-footer .mp-credits {{ color: #607d8b; font-size: 11px; margin-top: 2px; }}
#musterpoint-footer .leaflet-timeline-control {{ width: auto; margin: 0 0 4px; float: none;
  display: flex; align-items: center; gap: 10px; text-align: left; background: none;
  box-shadow: none; border: 0; padding: 0; }}
#musterpoint-footer .leaflet-timeline-control .sldr-ctrl-container {{ float: none; width: auto;
  display: flex; align-items: center; gap: 8px; }}
#musterpoint-footer .leaflet-timeline-control .button-container {{ display: flex; gap: 2px; }}
#musterpoint-footer .leaflet-timeline-control .button-container button {{ width: 28px; }}
#musterpoint-footer .time-text {{ white-space: nowrap; font-weight: 600; }}
#musterpoint-footer .leaflet-timeline-control input[type="range"] {{ flex: 1 1 auto; }}
.leaflet-container {{ font-family: {CJK_FONT_STACK}; }}
.leaflet-popup-content th {{ text-align: left; padding-right: 8px; vertical-align: top; }}
.leaflet-popup-content .mp-note {{ color: #546e7a; font-size: 11px; max-width: 280px; }}
"""

#: ``on_each_feature`` that binds the feature's ``popup`` and ``tooltip`` (escaped HTML).
BIND_POPUP = JsCode(
    "function(feature, layer) {"
    " if (feature.properties.popup) { layer.bindPopup(feature.properties.popup); }"
    " if (feature.properties.tooltip) { layer.bindTooltip(feature.properties.tooltip); } }"
)

def swatch(colour: str, label: str, shape: str = "box") -> str:
    """One legend item: a coloured box (or ``line``, ``dot``) and its escaped label."""
    style = {"box": "", "line": "height:3px;vertical-align:middle;",
             "dot": "width:10px;border-radius:50%;"}[shape]
    return (f'<span class="mp-item"><span class="mp-sw" style="{style}background:{colour}">'
            f"</span>{esc(label)}</span>")


def popup(rows: Sequence[tuple[str, Any]], notes: Sequence[str] = ()) -> str:
    """An escaped popup table, with notes that explain its terms below it."""
    cells = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    foot = "".join(f'<div class="mp-note">{esc(n)}</div>' for n in notes)
    return f"<table>{cells}</table>{foot}"


def legend_group(title: str, items: Sequence[str]) -> str:
    """A titled group of :func:`swatch` items (the title is escaped)."""
    return f'<span class="mp-group"><b>{esc(title)}</b>{"".join(items)}</span>'


def page_header(title: str, sub: str, summary: str = "") -> str:
    """The title block above the map; ``summary`` is already-escaped HTML."""
    extra = f'<div class="mp-summary">{summary}</div>' if summary else ""
    return (f'<header id="musterpoint-title"><h1>{esc(title)}</h1>'
            f'<div class="mp-sub">{esc(sub)}</div>{extra}</header>')


def page_footer(legend: Sequence[str], credits: Sequence[str]) -> str:
    """The footer below the map: a slot for the time slider, the legend, the data credits."""
    line = " · ".join(esc(c) for c in credits if c)
    return ('<footer id="musterpoint-footer"><div id="musterpoint-slider-slot"></div>'
            f'<div id="musterpoint-legend">{"".join(legend)}</div>'
            f'<div class="mp-credits">{line}</div></footer><style>{_CSS}</style>')


class RoadLayer(Layer):
    """The road network as one canvas polyline, below every other layer (an overlay).

    Parameters
    ----------
    packed : list of list of int
        :func:`musterpoint.maps.geometry.pack_road_lines` output.
    name : str
        Name in the layer control.
    show : bool
        Whether it is on when the page opens.
    """

    _template = Template(
        "{% macro script(this, kwargs) %}" + ROADS_JS +
        "var {{ this.get_name() }} = musterRoads({{ this._parent.get_name() }},"
        " {{ this.packed }}, {{ this.scale }}, {{ this.style }}, 'musterpoint-roads');"
        "{% endmacro %}"
    )

    def __init__(self, packed: list[list[int]], name: str, show: bool = True) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "RoadLayer"
        self.packed = json.dumps(packed, separators=(",", ":"))
        self.scale = PACK_SCALE
        self.style = json.dumps(ROAD_STYLE)

    def render(self, **kwargs: Any) -> Any:
        """Render; the packed lines are put in after rendering when the page allows
        (:func:`~musterpoint.maps.offline.defer_text`)."""
        packed = self.packed
        token = defer_text(self, lambda: packed)
        if token is not None:
            self.packed = token
        try:
            return super().render(**kwargs)  # type: ignore[no-untyped-call]
        finally:
            self.packed = packed


def add_base_map(fmap: folium.Map, tiles: str | None, attribution: str | None,
                 roads: list[list[int]], roads_name: str) -> None:
    """Add the tiles (when a URL is given) and the road network (on unless tiles are).

    Parameters
    ----------
    fmap : folium.Map
        The map.
    tiles, attribution : str or None
        Tile URL template and its credit (see
        :func:`musterpoint.tiles_args.check_tiles`); None for no tiles.
    roads : list of list of int
        Packed road lines; empty for none.
    roads_name : str
        The road layer's name in the layer control.
    """
    if tiles:
        folium.TileLayer(tiles, attr=esc(attribution or ""), name=attribution or tiles,
                         max_zoom=19, control=False).add_to(fmap)
    if roads:
        RoadLayer(roads, roads_name, show=not tiles).add_to(fmap)


class PageLayout(MacroElement):
    """Moves the time slider into the footer, pulls the extensions' legends
    (``<div id="musterpoint-NAME-legend">``) into its legend, and fits
    the view to ``bounds`` clear of the corner controls. Add it to the map last.

    Parameters
    ----------
    bounds : list or None
        ``[[south, west], [north, east]]`` of the data, or None to leave the view alone.
    slider : str or None
        The JS name of the time slider control, or None when there is none.
    controls : dict or None
        CSS selector -> label of Leaflet's controls in the page's language (and the scale
        in metres only), from :func:`musterpoint.maps.control_text.control_labels`; None
        leaves them as Leaflet writes them (English, metres and feet).
    """

    _template = Template(
        "{% macro script(this, kwargs) %}(function () {"
        " var map = {{ this._parent.get_name() }};"
        " var foot = document.getElementById('musterpoint-footer');"
        " {% if this.slider %}var ctl = {{ this.slider }}.getContainer ?"
        " {{ this.slider }}.getContainer() : {{ this.slider }}.container;"
        " if (ctl) { document.getElementById('musterpoint-slider-slot').appendChild(ctl); }"
        " {% endif %}"
        " var legend = document.getElementById('musterpoint-legend');"
        " document.querySelectorAll('body > div[id^=\"musterpoint-\"][id$=\"-legend\"]')"
        ".forEach(function (el) { legend.appendChild(el); });"
        " {% if this.controls %}var lab = {{ this.controls }};"
        " Object.keys(lab).forEach(function (sel) {"
        " document.querySelectorAll(sel).forEach(function (el) {"
        " ['title', 'aria-label'].forEach(function (a) {"
        " if (el.hasAttribute(a)) { el.setAttribute(a, lab[sel]); } }); }); });"
        " document.querySelectorAll('.leaflet-control-scale-line + .leaflet-control-scale-line')"
        ".forEach(function (el) { el.remove(); });{% endif %}"
        " map.invalidateSize(false);"
        " {% if this.bounds %}map.fitBounds({{ this.bounds }}, {paddingTopLeft:"
        " {{ this.pad }}, paddingBottomRight: {{ this.pad }}});{% endif %}"
        "})();{% endmacro %}"
    )

    def __init__(self, bounds: list[list[float]] | None, slider: str | None,
                 controls: dict[str, str] | None = None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "PageLayout"
        self.bounds = json.dumps(bounds) if bounds else None
        self.slider = slider
        self.controls = json.dumps(controls, ensure_ascii=False) if controls else None
        self.pad = json.dumps(list(FIT_PADDING_PX))


def data_bounds(fmap: Any) -> list[list[float]] | None:
    """The map's data bounds from folium, or None when it has none."""
    bounds = fmap.get_bounds()
    if all(v is not None for corner in bounds for v in corner):
        return [[float(v) for v in corner] for corner in bounds]
    return None
