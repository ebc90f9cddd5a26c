"""End to end, issue 17: look before it goes live, keep every year, undo anything.

The real app (``python app.py``) in a subprocess, seeded with the sample exports on first
start, driven in Debian's headless Chromium as an administrator, in file order:

1. the invoice export dropped into the contract box is stopped, saying it looks like an
   invoice export, and nothing changes;
2. a register with bad rows gets a preview (reasons with counts, the change), is confirmed
   and is current;
3. rolling back to the previous register on the data page brings back the old figures on
   the overview;
4. a second year of trips (2025) is added beside 2019–2024: both years on the travel page;
5. a mistyped supplier factor puts its agreement at rank 1; withdrawing it on the data page
   brings the ranking back.

Skipped with the reason when /usr/bin/chromium is absent.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from app_process import headless_chromium, require_chromium, served_app

from spendanalys import services
from spendanalys.store.database import Store

pytestmark = pytest.mark.browser

USER, PASSWORD = "data_admin", "ett-långt-lösenord-för-data"
TIMEOUT_MS = 60_000
SEEN: dict[str, str] = {}  # figures read by one test, compared by a later one (file order)


@pytest.fixture(scope="module")
def app_server(
    samples: Path, repo_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """The real app on a free port; the sample data is imported on its first start."""
    require_chromium()
    folder = tmp_path_factory.mktemp("browser_data")
    url = f"sqlite:///{folder / 'd.sqlite'}"
    Store(url).add_user(USER, PASSWORD, "admin")
    env = {**os.environ, "SPENDANALYS_DATABASE_URL": url, "SPENDANALYS_SAMPLE_DIR": str(samples)}
    with served_app(repo_dir, folder, env) as base:
        yield base, url


@pytest.fixture(scope="module")
def page(app_server: tuple[str, str]) -> Iterator[Any]:
    with headless_chromium() as browser:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(app_server[0] + "/login")
        page.fill("#login-name", USER)
        page.fill("#login-password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_selector("nav")
        yield page
        context.close()


def _store(app_server: tuple[str, str]) -> Store:
    return Store(app_server[1])


def _drop(page: Any, kind: str, path: Path) -> None:
    page.locator(f"#upload-{kind} input[type=file]").set_input_files(str(path))
    page.wait_for_selector(f"#upload-{kind}-preview, #upload-{kind}-error")


def _confirm(page: Any, kind: str) -> str:
    page.click(f"#upload-{kind}-confirm")
    page.wait_for_selector(f"#upload-{kind}-done, #upload-{kind}-error")
    text = page.inner_text(f"#upload-{kind}-result")
    assert page.locator(f"#upload-{kind}-error").count() == 0, text
    return str(text)


def _choose(page: Any, dropdown: str, label_part: str) -> None:
    """Pick the option whose label contains ``label_part`` in a dcc.Dropdown."""
    page.click(f"#{dropdown}")
    page.get_by_role("option").filter(has_text=label_part).first.click()


def _requirements_card(page: Any, server: str) -> str:
    page.goto(server + "/")
    page.wait_for_selector("#card-requirements")
    return str(page.inner_text("#card-requirements .card-value"))


def _top_agreement(page: Any, server: str) -> str:
    page.goto(server + "/")
    page.wait_for_selector("#overview-top tbody tr")
    return str(page.inner_text("#overview-top tbody tr:first-child td:nth-child(2)"))


def test_the_invoice_export_in_the_contract_box_is_stopped(
    page: Any, app_server: tuple[str, str], samples: Path, artifacts: Path
) -> None:
    store = _store(app_server)
    before = (len(store.versions()), store.state_token())
    page.goto(app_server[0] + "/inkop")
    page.wait_for_selector("#upload-contracts")
    _drop(page, "contracts", samples / "leverantorsfakturor_2024.csv")
    text = page.inner_text("#upload-contracts-error")
    assert "ser ut att vara en fakturaexport, inte en avtalsförteckning" in text, text
    assert "inget har ändrats" in text
    assert page.locator("#upload-contracts-confirm").count() == 0
    assert (len(store.versions()), store.state_token()) == before  # nothing stored, nothing moved
    page.locator("#upload-contracts-result").screenshot(path=str(artifacts / "stopped_kind.png"))


def test_a_register_with_bad_rows_is_previewed_confirmed_and_current(
    page: Any, app_server: tuple[str, str], samples: Path, tmp_path: Path, artifacts: Path
) -> None:
    server = app_server[0]
    old_share = SEEN["share"] = _requirements_card(page, server)
    lines = (samples / "avtalsforteckning.csv").read_text(encoding="utf-8-sig").splitlines()
    header, rows = lines[0], lines[1:]
    # Every agreement with miljökrav ("Ja"), and three rows broken: two without an agreement
    # number, one with an impossible start date.
    fixed = [";".join([*r.split(";")[:-1], "Ja"]) for r in rows]
    fixed[5] = ";" + fixed[5].split(";", 1)[1]
    fixed[6] = ";" + fixed[6].split(";", 1)[1]
    cells = fixed[7].split(";")
    cells[6] = "2023-13-45"
    fixed[7] = ";".join(cells)
    register = tmp_path / "avtal_rattad.csv"
    register.write_text("\n".join([header, *fixed]) + "\n", encoding="utf-8")

    page.goto(server + "/inkop")
    page.wait_for_selector("#upload-contracts")
    _drop(page, "contracts", register)
    preview = page.inner_text("#upload-contracts-preview")
    assert f"{len(rows) - 3} rader godtas, 3 avvisas" in preview, preview
    reasons = page.locator("#upload-reasons tbody tr")
    assert reasons.count() == 2  # grouped: 2 × no agreement number, 1 × bad date
    assert "2" in reasons.first.inner_text()
    change = page.inner_text("#upload-contracts-change")
    assert "350" in change and str(len(rows) - 3) in change, change
    page.locator("#upload-contracts-preview").screenshot(path=str(artifacts / "preview.png"))
    store = _store(app_server)
    staged = store.versions("contracts").iloc[-1]
    assert (staged["status"], bool(staged["is_current"])) == ("staged", False)

    text = _confirm(page, "contracts")
    assert "avtal_rattad.csv används nu" in text
    current = store.current_version("contracts")
    assert current is not None and current["file_name"] == "avtal_rattad.csv"
    assert _requirements_card(page, server) != old_share


def test_rolling_back_brings_the_old_figures_back(
    page: Any, app_server: tuple[str, str], artifacts: Path
) -> None:
    server = app_server[0]
    store = _store(app_server)
    first = store.versions("contracts")
    first = first[first["file_name"] == "avtalsforteckning.xlsx"].iloc[0]
    page.goto(server + "/lang/sv")
    page.goto(server + "/data")
    page.wait_for_selector("#dm-versions-table")
    assert "avtal_rattad.csv" in page.inner_text("#dm-versions-table")
    assert "set_current" in page.inner_text("#dm-audit-table")
    _choose(page, "dm-version", f"{first['id']}: ")
    page.click("#dm-use")
    page.wait_for_selector("#dm-version-done, #dm-version-error")
    assert page.locator("#dm-version-error").count() == 0, page.inner_text("#dm-version-result")
    page.screenshot(path=str(artifacts / "data_page.png"), full_page=True)
    assert store.current_version("contracts")["id"] == first["id"]
    # The overview shows the miljökrav share of the sample register again, as before the upload.
    assert _requirements_card(page, server) == SEEN["share"]


def test_a_second_year_of_trips_is_added_beside_the_others(
    page: Any, app_server: tuple[str, str], samples: Path, tmp_path: Path, artifacts: Path
) -> None:
    server = app_server[0]
    lines = (samples / "resor_2019_2024.csv").read_text(encoding="utf-8").splitlines()
    year_2025 = [line.replace("2024-", "2025-", 1) for line in lines[1:] if line[:5] == "2024-"]
    trips = tmp_path / "resor_2025.csv"
    trips.write_text("\n".join([lines[0], *year_2025]) + "\n", encoding="utf-8")
    fte = tmp_path / "arsarbetskrafter_2019_2025.csv"
    fte.write_text(
        (samples / "arsarbetskrafter.csv").read_text(encoding="utf-8").rstrip("\n")
        + "\n2025;1 530,0\n",
        encoding="utf-8",
    )
    page.goto(server + "/resor")
    page.wait_for_selector("#upload-trips")
    _drop(page, "trips", trips)
    preview = page.inner_text("#upload-trips-preview")
    assert "lägger till åren 2025" in preview, preview
    assert "ersätter" not in preview
    _confirm(page, "trips")
    _drop(page, "fte", fte)
    _confirm(page, "fte")
    store = _store(app_server)
    years = store.current_table("trips")["date"].dt.year
    assert {2024, 2025} <= set(years)  # 2019–2024 kept, 2025 added
    page.goto(server + "/resor")
    page.wait_for_selector("#travel-chart .main-svg .xtick")
    ticks = page.locator("#travel-chart .xtick text").all_text_contents()  # SVG: no innerText
    assert "2024" in ticks and "2025" in ticks, ticks
    assert "2025" in page.inner_text("#travel-latest")
    page.screenshot(path=str(artifacts / "resor_two_years.png"), full_page=True)


def test_withdrawing_a_supplier_factor_brings_the_ranking_back(
    page: Any, app_server: tuple[str, str]
) -> None:
    server = app_server[0]
    store = _store(app_server)
    view = services.spend_view(store)
    assert view is not None
    ranked = view.analysis.agreements.sort_values("rank")
    low = ranked.iloc[30]  # an agreement well down the list
    top_before = _top_agreement(page, server)
    assert top_before == str(ranked.iloc[0]["agreement_id"])

    page.goto(server + "/inkop")
    page.wait_for_selector("#factor-org")
    page.fill("#factor-org", str(low["org_number"]))
    page.fill("#factor-value", "25")  # mistyped: 25 kg CO2e per krona
    page.fill("#factor-source", "EPD (felskriven)")
    page.click("#factor-save")
    page.wait_for_selector("#factor-result .message")
    assert "Analysen är uppdaterad" in page.inner_text("#factor-result")
    assert _top_agreement(page, server) != top_before

    page.goto(server + "/data")
    page.wait_for_selector("#dm-adjustments-table")
    assert str(low["org_number"]) in page.inner_text("#dm-adjustments-table")
    _choose(page, "dm-adjustment", "factor-")
    page.click("#dm-remove")
    page.wait_for_selector("#dm-adjust-done, #dm-adjust-error")
    assert page.locator("#dm-adjust-error").count() == 0, page.inner_text("#dm-adjust-result")
    assert store.supplier_factors().empty
    assert _top_agreement(page, server) == top_before
