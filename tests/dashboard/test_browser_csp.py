"""The Content-Security-Policy in a real browser, and the demo mode against DNS rebinding.

The real app (``python app.py``) in demo mode (no users, loopback) on an empty database, driven
in headless Chromium (Debian's build):

- every page renders, uploads, the ranking grid, the charts and the Excel download work, and the
  browser reports no CSP violation (``securitypolicyviolation`` events and console messages);
- Chromium resolves ``rebind.evil.example`` to 127.0.0.1 (``--host-resolver-rules``, no DNS
  query), as after a rebinding attack: the page, the layout and a same-origin callback request
  from that page get 421 and none of the data.

Skipped with the reason when /usr/bin/chromium is absent.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from access_app import FILES
from app_process import free_port, headless_chromium, require_chromium, wait_healthy

pytestmark = pytest.mark.browser

REBIND = "rebind.evil.example"
RESOLVE_REBIND = f"--host-resolver-rules=MAP {REBIND} 127.0.0.1"
TIMEOUT_MS = 60_000
# Runs before the page's own scripts (injected by the browser, so the policy does not apply).
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || ''));
});
"""


@pytest.fixture(scope="module")
def demo_server(repo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``python app.py`` on a free port, no users: the demo mode."""
    require_chromium()
    folder = tmp_path_factory.mktemp("csp")
    (folder / "no-samples").mkdir()
    env = {
        **os.environ,
        "SPENDANALYS_DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite'}",
        "SPENDANALYS_SAMPLE_DIR": str(folder / "no-samples"),
    }
    port = free_port()
    with (folder / "app.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, str(repo_dir / "app.py"), "--port", str(port)],
            cwd=folder,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_healthy(f"http://127.0.0.1:{port}", process)
            yield str(port)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="module")
def browser_page(demo_server: str) -> Iterator[tuple[Any, list[str]]]:
    """A page that records CSP violations; with the console's CSP messages beside it."""
    console: list[str] = []
    with headless_chromium([RESOLVE_REBIND]) as browser:
        context = browser.new_context(
            viewport={"width": 1400, "height": 1000}, accept_downloads=True
        )
        context.add_init_script(RECORD_VIOLATIONS)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on(
            "console",
            lambda m: console.append(m.text) if "Content Security Policy" in m.text else None,
        )
        yield page, console
        context.close()


# Small exports: the access tests' contracts and invoices, trips and FTE for the default goal's
# baseline year (2019) and a later one, so the travel page has a path to draw.
TRAVEL = {
    "trips": FILES["trips"] + "2019-03-05;Flyg;ARN;LLA;;1;Ekonomi;Ja;A;Man;3000;1\n",
    "fte": "År;Årsarbetskrafter\n2019;90\n2024;100\n",
}


def _upload(page: Any, kind: str, folder: Path) -> None:
    path = folder / f"{kind}.csv"
    path.write_text(TRAVEL.get(kind, FILES[kind]), encoding="utf-8")
    page.locator(f"#upload-{kind} input[type=file]").set_input_files(str(path))
    page.wait_for_selector(f"#upload-{kind}-preview, #upload-{kind}-error")
    if page.locator(f"#upload-{kind}-confirm").count():  # staged: confirm it
        page.click(f"#upload-{kind}-confirm")
    page.wait_for_selector(f"#upload-{kind}-done, #upload-{kind}-error")
    assert page.locator(f"#upload-{kind}-error").count() == 0, page.inner_text(
        f"#upload-{kind}-result"
    )


def _violations(page: Any, console: list[str]) -> list[str]:
    return [*page.evaluate("window.__csp || []"), *console]


def test_every_page_works_under_the_policy_without_a_violation(
    browser_page: tuple[Any, list[str]], demo_server: str, tmp_path: Path
) -> None:
    page, console = browser_page
    base = f"http://127.0.0.1:{demo_server}"
    response = page.goto(base + "/inkop")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self' 'nonce-" in policy and "unsafe-eval" not in policy
    page.wait_for_selector("#demo-banner")
    _upload(page, "contracts", tmp_path)
    _upload(page, "invoices", tmp_path)
    page.wait_for_selector("#ranking-grid .ag-row")
    page.wait_for_selector("#pareto-chart .main-svg")
    page.locator("#ranking-grid .ag-row").first.click()
    page.wait_for_selector("#drilldown-lines .ag-row")
    with page.expect_download() as info:
        page.click("#report-button")
    assert info.value.suggested_filename.endswith(".xlsx")
    assert _violations(page, console) == []

    page.click("text=Resor")
    page.wait_for_selector("#upload-trips")
    _upload(page, "trips", tmp_path)
    _upload(page, "fte", tmp_path)
    page.wait_for_selector("#travel-chart .main-svg")
    assert _violations(page, console) == []
    for path, ready in (("/", "#overview-top"), ("/faktorer-och-metod", "#method-text")):
        page.goto(base + path)
        page.wait_for_selector(ready)
        assert _violations(page, console) == [], path


def test_a_rebound_name_gets_nothing_from_the_demo(
    browser_page: tuple[Any, list[str]], demo_server: str
) -> None:
    """After rebinding, the attacker's page is same-origin with the app: it may read whatever
    the app answers, so the app must answer nothing."""
    page, _console = browser_page
    evil = f"http://{REBIND}:{demo_server}"
    for path in ("/", "/inkop", "/_dash-layout", "/_dash-dependencies"):
        response = page.goto(evil + path)
        assert response is not None and response.status == 421, path
        text = page.inner_text("body")
        assert "Demo mode answers on this machine only" in text and "Spendanalys" not in text
    status = page.evaluate(
        """async () => (await fetch('/_dash-update-component', {method: 'POST',
             headers: {'Content-Type': 'application/json'}, body: '{}'})).status"""
    )
    assert status == 421
    # The same browser on the loopback name still has its demo.
    response = page.goto(f"http://localhost:{demo_server}/inkop")
    assert response is not None and response.status == 200
    page.wait_for_selector("#demo-banner")
