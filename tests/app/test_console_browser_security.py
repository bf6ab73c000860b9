"""The drill console against hostile pages and data, in headless Chromium (Playwright).

A page on another origin (``http://localhost:<other port>``) tries every write a web page
can make without the server's consent: ``fetch(..., {mode: "no-cors"})`` POSTs with a
``text/plain``, a form and a multipart body, the request-smuggling body of the review's
S1 (a whole ``POST /api/decide`` inside a refused request), a CORS JSON POST (which needs
a preflight), and a cross-site form submission. The loopback console must record nothing.
Then a road whose id is HTML (S6) is closed: its tooltip shows the id as text.
"""

from __future__ import annotations

import http.server
import json
import logging
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from musterpoint.console import DrillServer
from musterpoint.sim.drill import DrillSession
from tests.helpers.scenario_factory import make_scenario

pytestmark = pytest.mark.browser

EVIL_ID = '<img src=x onerror="window.pwned=1">L5'

EVIL_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>evil</title></head><body>
<iframe name="sink" style="display:none"></iframe>
<form id="f" method="post" enctype="text/plain" target="sink" action="TARGET/api/note">
<input name='{"text":"FORM-SUBMIT","x":"' value='"}'></form>
<script>
(async () => {
  const target = 'TARGET';
  const decision = JSON.stringify({kind: 'close_links', args: {links: ['L1']},
                                   rationale: 'BROWSER-CSRF', actor: 'evil page'});
  const n = new TextEncoder().encode(decision).length;
  const smuggled = 'POST /api/decide HTTP/1.1\\r\\nHost: HOSTPORT\\r\\n' +
    'Content-Type: application/json\\r\\nContent-Length: ' + n + '\\r\\n\\r\\n' + decision;
  const multipart = new FormData();
  multipart.append('text', 'MULTIPART-CSRF');
  const attempts = [
    ['/api/decide', {body: decision, headers: {'Content-Type': 'text/plain'}}],
    ['/api/note', {body: new URLSearchParams({text: 'FORM-CSRF'})}],
    ['/api/note', {body: multipart}],
    ['/api/note', {body: smuggled, headers: {'Content-Type': 'text/plain'}}],
    ['/api/decide', {body: decision, headers: {'Content-Type': 'application/json'}}],
  ];
  const results = [];
  for (const [path, opts] of attempts) {
    try {
      await fetch(target + path, {method: 'POST', mode: 'no-cors', ...opts});
      results.push('no-cors sent');
    } catch (e) { results.push('no-cors failed: ' + e); }
  }
  try {
    const r = await fetch(target + '/api/decide', {method: 'POST', body: decision,
      headers: {'Content-Type': 'application/json'}});
    results.push('cors answered ' + r.status);
  } catch (e) { results.push('cors blocked'); }
  document.getElementById('f').submit();
  await new Promise((ok) => setTimeout(ok, 1000));
  window.results = results;
})();
</script></body></html>
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No request log on stderr."""


@pytest.fixture
def evil_origin(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A plain static web server on another port: the foreign origin."""
    root = tmp_path / "evil"
    root.mkdir()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, int(httpd.server_address[1])
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def console(tmp_path: Path) -> Iterator[DrillServer]:
    scenario = make_scenario(tmp_path / "grid")
    links = scenario.parent / "links.csv"
    links.write_text(links.read_text().replace("\nL5,", f"\n{EVIL_ID},"))
    session = DrillSession.create(tmp_path / "drill.sqlite", scenario, "late", 3)
    srv = DrillServer(session, "127.0.0.1", 0, tiles=None, tick_s=0.1)
    srv.start()
    yield srv
    srv.shutdown()


def test_a_page_on_another_origin_records_nothing(browser: Any, console: DrillServer,
                                                  evil_origin: tuple[Path, int],
                                                  caplog: pytest.LogCaptureFixture) -> None:
    """no-cors text/plain, form, multipart and smuggled POSTs, a CORS POST and a form
    submission from http://localhost:<other port> all reach the console and are refused."""
    caplog.set_level(logging.INFO, logger="musterpoint.console.security")
    root, port = evil_origin
    target = f"http://127.0.0.1:{console.port}"
    (root / "evil.html").write_text(EVIL_PAGE.replace("TARGET", target).replace(
        "HOSTPORT", f"127.0.0.1:{console.port}"), encoding="utf-8")
    page = browser.new_page()
    page.goto(f"http://localhost:{port}/evil.html")
    page.wait_for_function("() => Array.isArray(window.results)", timeout=20000)
    results = page.evaluate("window.results")
    # the no-cors answers are refusals behind Cross-Origin-Resource-Policy: same-origin,
    # so the page sees a network error; the server's log shows the requests arrived
    assert len(results) == 6 and results[5] == "cors blocked", results
    page.close()
    assert console.session.records() == []
    refused = [r.getMessage() for r in caplog.records if r.getMessage().startswith("refused")]
    # five no-cors POSTs and the form submission arrived and were refused (the CORS POST
    # stops at its preflight, which gets no CORS grant)
    assert len([m for m in refused if m.startswith("refused POST")]) == 6, refused
    assert all(" 415 " in m or " 403 " in m for m in refused), refused


def test_a_road_id_holding_html_shows_as_text_in_its_tooltip(browser: Any,
                                                             console: DrillServer) -> None:
    """S6: a closed road's tooltip holds its id as text; no element is made from it."""
    with console.lock:
        console.session.inject("close_links", {"links": [EVIL_ID]}, title="closure")
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"http://127.0.0.1:{console.port}/", wait_until="load")
    page.wait_for_function("() => window.drillConsole && window.drillConsole.ready")
    page.wait_for_function(
        "(id) => window.drillConsole.closedManual().includes(id)", arg=EVIL_ID)
    path = page.locator("path.closed-link.manual").first
    assert path.get_attribute("data-link") == EVIL_ID
    path.dispatch_event("mouseover")
    tip = page.locator(".leaflet-tooltip")
    tip.wait_for(state="attached")
    assert tip.inner_text() == EVIL_ID
    assert page.evaluate("document.querySelectorAll('.leaflet-tooltip img').length") == 0
    assert page.evaluate("window.pwned === undefined")
    assert errors == []
    assert json.loads(json.dumps(console.session.snapshot()["closed_manual"])) == [EVIL_ID]
    page.close()
