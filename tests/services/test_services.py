"""The dashboard's callback logic, tested through ``spendanalys.services.uploads`` and ``views``.

Runs on the repository's sample data (``sample_data/``; $SPENDANALYS_SAMPLE_DIR points
elsewhere) stored in a temporary SQLite database, and checks that what the pages show equals
what the engines compute from the files directly.
"""

from __future__ import annotations

import base64
import io
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from spendanalys import services
from spendanalys.errors import AccessDenied, InputFormatError, UnitError
from spendanalys.store.database import Store

AS_OF = date(2025, 1, 15)


def _sample(folder: Path, kind: str) -> Path:
    return next(folder / n for n in services.SAMPLE_FILES[kind] if (folder / n).is_file())


def _copy_db(source: Path, target: Path) -> str:
    for suffix in ("", "-wal"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
    return f"sqlite:///{target}"


@pytest.fixture(scope="module")
def seeded_db(samples: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file with the sample data, imported once per module."""
    path = tmp_path_factory.mktemp("seeded") / "s.sqlite"
    store = Store(f"sqlite:///{path}")
    assert len(services.seed_sample_data(store, samples)) == 4
    store.close()
    return path


@pytest.fixture(scope="module")
def seeded(seeded_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A store with the sample data; read-only for the tests that use it."""
    return Store(_copy_db(seeded_db, tmp_path_factory.mktemp("read") / "r.sqlite"))


@pytest.fixture()
def store(seeded_db: Path, tmp_path: Path) -> Store:
    """A private copy of the sample-data store, for tests that write."""
    return Store(_copy_db(seeded_db, tmp_path / "w.sqlite"))


def _tiny_fte() -> bytes:
    return "År;Årsarbetskrafter\n2019;100\n2024;120\n".encode()


def test_seed_imports_each_sample_file_once_as_system(seeded: Store, samples: Path) -> None:
    fresh = services.freshness(seeded)
    assert list(fresh["kind"]) == ["contracts", "invoices", "trips", "fte"]
    assert set(fresh["uploaded_by"]) == {"system"}
    assert (fresh["rows_accepted"] > 0).all()
    assert services.seed_sample_data(seeded, samples) == []  # not again


def test_decode_upload_round_trip_and_limits() -> None:
    data = b"abc" * 100
    url = "data:text/csv;base64," + base64.b64encode(data).decode()
    assert services.decode_upload(url, 300) == data
    with pytest.raises(InputFormatError, match="larger"):
        services.decode_upload(url, 299)
    with pytest.raises(InputFormatError):
        services.decode_upload("data:text/csv;base64,@@@", 300)
    with pytest.raises(InputFormatError):
        services.decode_upload("not a data url", 300)


@pytest.mark.parametrize(
    ("role", "kind"),
    [("viewer", "fte"), ("procurement", "fte"), ("environment", "invoices"), (None, "contracts")],
)
def test_import_refused_for_a_role_that_may_not(store: Store, role: str | None, kind: str) -> None:
    before = len(store.versions())
    with pytest.raises(AccessDenied):
        services.import_upload(store, kind, "x.csv", _tiny_fte(), user="u", role=role)
    assert len(store.versions()) == before


def test_import_upload_stores_a_new_current_version(store: Store) -> None:
    outcome = services.import_upload(
        store, "fte", "aa.csv", _tiny_fte(), user="eva", role="environment"
    )
    assert outcome.ok and outcome.rows_accepted == 2 and outcome.rows_rejected == 0
    current = services.freshness(store).set_index("kind").loc["fte"]
    assert current["file_name"] == "aa.csv" and current["uploaded_by"] == "eva"
    assert int(current["id"]) == outcome.version_id


def test_unreadable_upload_keeps_the_previous_data(store: Store) -> None:
    before = services.current_version_ids(store)
    junk = services.import_upload(
        store, "invoices", "x.xlsx", b"\x00\x01 not a workbook", user="p", role="procurement"
    )
    assert not junk.ok and "x.xlsx" in junk.error
    wrong = services.import_upload(
        store, "invoices", "x.pdf", b"%PDF", user="p", role="procurement"
    )
    assert not wrong.ok and ".csv" in wrong.error
    assert services.current_version_ids(store) == before


def test_rejected_rows_come_back_with_row_column_reason(store: Store) -> None:
    text = "Fakturanummer;Fakturadatum;Leverantör;Belopp exkl. moms\nF1;2024-01-05;A AB;100\nF2;2024-01-06;B AB;tio\n"
    outcome = services.import_upload(
        store, "invoices", "f.csv", text.encode(), user="p", role="admin"
    )
    assert outcome.rows_accepted == 1 and outcome.rows_rejected == 1
    row = outcome.rejected.iloc[0]
    assert row["row"] == 3 and row["file"] == "f.csv" and row["reason"]
    assert len(services.latest_rejected(store, "invoices")) == 1


def test_spend_view_equals_the_engine_on_the_files(seeded: Store, samples: Path) -> None:
    """The store round trip changes nothing: same totals as run_spend on the sample files."""
    from spendanalys.services.assembly import run_spend

    view = services.spend_view(seeded, as_of=AS_OF)
    direct = run_spend([_sample(samples, "contracts")], [_sample(samples, "invoices")], as_of=AS_OF)
    for key in ("spend_sek", "kg_co2e", "unlinked_spend_sek", "agreements"):
        assert view.analysis.totals[key] == pytest.approx(direct.analysis.totals[key], rel=1e-9)
    ranked = view.analysis.agreements.sort_values("rank")["agreement_id"].head(20).tolist()
    assert (
        ranked == direct.analysis.agreements.sort_values("rank")["agreement_id"].head(20).tolist()
    )
    assert view.analysis.totals["kg_co2e"] > 0


def test_spend_view_is_cached_under_the_dataset_versions(seeded: Store) -> None:
    first = services.spend_view(seeded, as_of=AS_OF)
    ids = services.current_version_ids(seeded)
    key = f"spend:v{services.CACHE_FORMAT}:{ids['contracts']}:{ids['invoices']}:{AS_OF}"
    assert seeded.cache_get(key, seeded.state_token("spend")) is not None
    again = services.spend_view(seeded, as_of=AS_OF)
    assert again.analysis.totals == first.analysis.totals


def test_an_upload_invalidates_only_the_analysis_that_depends_on_it(
    store: Store, samples: Path
) -> None:
    """Leadership's pages stay fast while procurement and the environment unit upload: an FTE
    upload leaves the stored spend analysis valid, and an invoice upload the travel one."""

    def spend_key() -> str:
        ids = services.current_version_ids(store)
        return f"spend:v{services.CACHE_FORMAT}:{ids['contracts']}:{ids['invoices']}:{AS_OF}"

    def travel_key() -> str:
        ids = services.current_version_ids(store)
        settings = services.travel_settings(store)
        return f"travel:v{services.CACHE_FORMAT}:{ids['trips']}:{ids['fte']}:{settings!r}"

    services.spend_view(store, as_of=AS_OF)
    before = services.travel_view(store)
    services.import_upload(store, "fte", "aa.csv", _tiny_fte(), user="eva", role="environment")
    assert store.cache_get(spend_key(), store.state_token("spend")) is not None
    assert store.cache_get(travel_key(), store.state_token("travel")) is None
    after = services.travel_view(store)
    assert after.years["fte"].tolist() != before.years["fte"].tolist()
    invoices = _sample(samples, "invoices").read_bytes()
    services.import_upload(store, "invoices", "f.csv", invoices, user="per", role="procurement")
    assert store.cache_get(travel_key(), store.state_token("travel")) is not None
    assert store.cache_get(spend_key(), store.state_token("spend")) is None


def test_category_mapping_is_stored_and_applied_at_once(store: Store) -> None:
    view = services.spend_view(store, as_of=AS_OF)
    lines = view.analysis.lines
    org = lines.loc[lines["supplier_org"].notna(), "supplier_org"].value_counts().index[0]
    target = (
        "catering" if "catering" in view.rules.category_ids else sorted(view.rules.category_ids)[0]
    )
    with pytest.raises(AccessDenied):
        services.add_category_override(
            store, scope="org_number", key=org, category_id=target, user="v", role="viewer"
        )
    services.add_category_override(
        store, scope="org_number", key=org, category_id=target, user="p", role="procurement"
    )
    after = services.spend_view(store, as_of=AS_OF).analysis.lines
    mine = after[(after["supplier_org"] == org) & ~after["excluded"].astype(bool)]
    assert len(mine) and (mine["category_id"] == target).all()
    # Traceable as the user's change, with who and when, in the drill-down and the report.
    assert set(mine["category_rule"].astype(str)) == {"user_override"}
    assert mine["category_override"].astype(str).str.startswith("p, 20").all()
    assert (mine["category_override"].astype(str).str.contains(f"org_number {org}")).all()
    agreement = str(mine["linked_agreement_id"].dropna().iloc[0])
    lines = services.agreement_lines(services.spend_view(store, as_of=AS_OF), agreement)
    assert {"category_rule", "category_override"} <= set(lines.columns)
    report = openpyxl.load_workbook(
        io.BytesIO(services.spend_report_bytes(services.spend_view(store, as_of=AS_OF))),
        read_only=True,
    )
    cells = [c for row in report["Avtal"].iter_rows(values_only=True) for c in row]
    assert "ändrad av användare" in cells
    assert any(isinstance(c, str) and c.startswith("p, 20") for c in cells)


def test_supplier_factor_wins_and_is_marked(store: Store) -> None:
    view = services.spend_view(store, as_of=AS_OF)
    lines = view.analysis.lines
    org = lines.loc[lines["supplier_org"].notna(), "supplier_org"].value_counts().index[0]
    services.add_supplier_factor(
        store,
        org_number=org,
        factor=100,
        unit="g CO2e/SEK",
        price_year=2024,
        source="Leverantörens EPD 2024",
        user="p",
        role="procurement",
    )
    after = services.spend_view(store, as_of=AS_OF).analysis.lines
    mine = after[(after["supplier_org"] == org) & ~after["excluded"].astype(bool)]
    assert (mine["factor_kind"] == "supplier").all()
    assert np.allclose(mine["kg_co2e_per_sek"], 0.1)
    assert np.allclose(mine["kg_co2e"], mine["spend_sek_factor_year"] * 0.1)
    with pytest.raises(UnitError):
        services.add_supplier_factor(
            store,
            org_number=org,
            factor=1,
            unit="kg CO2e/km",
            price_year=2024,
            source="x",
            user="p",
            role="admin",
        )


def test_agreement_drill_down_lists_only_its_lines_with_rule_and_factor(seeded: Store) -> None:
    view = services.spend_view(seeded, as_of=AS_OF)
    top = view.analysis.agreements.sort_values("rank").iloc[0]
    lines = services.agreement_lines(view, top["agreement_id"], limit=50)
    assert 0 < len(lines) <= 50
    assert {"category_rule", "link_rule", "factor_source", "kg_co2e", "source_row"} <= set(
        lines.columns
    )
    all_lines = view.analysis.lines
    count = int((all_lines["linked_agreement_id"] == top["agreement_id"]).sum())
    assert len(lines) == min(count, 50)
    assert lines["kg_co2e"].is_monotonic_decreasing


def test_report_download_is_a_workbook_with_the_ranking(seeded: Store) -> None:
    view = services.spend_view(seeded, as_of=AS_OF)
    data = services.spend_report_bytes(view)
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert "Avtal" in wb.sheetnames and "Prioritet" in wb.sheetnames


def test_pareto_curve_reaches_one(seeded: Store) -> None:
    curve = services.pareto_curve(services.spend_view(seeded, as_of=AS_OF).analysis.agreements)
    assert curve["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    assert curve["kg_co2e"].is_monotonic_decreasing


def test_travel_view_equals_the_engine_on_the_files(seeded: Store, samples: Path) -> None:
    from spendanalys.travel.analysis import run_travel

    view = services.travel_view(seeded)
    direct = run_travel([_sample(samples, "trips")], [_sample(samples, "fte")])
    got = view.years.set_index("year")["kg_co2e_per_fte"].dropna()
    want = direct.years.set_index("year")["kg_co2e_per_fte"].dropna()
    pd.testing.assert_series_equal(got, want, rtol=1e-9)
    assert view.baseline["year"] == 2019


def test_goal_settings_need_the_role_and_change_the_target(store: Store) -> None:
    with pytest.raises(AccessDenied):
        services.set_goal_settings(
            store, baseline_year=2019, target_year=2030, reduction=0.5, user="p", role="procurement"
        )
    services.set_goal_settings(
        store, baseline_year=2019, target_year=2030, reduction=0.5, user="e", role="environment"
    )
    view = services.travel_view(store)
    assert view.target["year"] == 2030
    assert view.target["kg_co2e_per_fte"] == pytest.approx(view.baseline["kg_co2e_per_fte"] * 0.5)


def test_breakdowns_hide_small_groups(seeded: Store) -> None:
    view = services.travel_view(seeded)
    year = int(view.years.dropna(subset=["kg_co2e_per_fte"])["year"].max())
    for by in ("unit", "gender"):
        table = services.travel_breakdown(view, by, year)
        shown = table[~table["suppressed"]]
        assert (shown["person_trips"] >= view.settings.min_group_travellers).all()
        assert table.loc[table["suppressed"], "kg_co2e"].isna().all()
    modes = services.travel_breakdown(view, "mode", year)
    total = view.years.set_index("year").loc[year, "kg_co2e"]
    assert modes["kg_co2e"].sum() == pytest.approx(total)


def test_user_overrides_most_specific_first_with_who_and_when() -> None:
    """Agreement id beats org number beats supplier name beats account; keys are normalised."""
    from spendanalys.spend.categorising import match_user_overrides

    lines = pd.DataFrame(
        {
            "linked_agreement_id": pd.array(["A1", None, None, None], dtype="string"),
            "account": pd.array(["4010", "4010", "4010", "5410"], dtype="string"),
            "supplier": pd.array(
                ["Städ AB", "Städ AB", "Städ Aktiebolag", "IT AB"], dtype="string"
            ),
            "org_number": pd.array(["5566778899", "5566778899", None, None], dtype="string"),
        }
    )
    overrides = pd.DataFrame(
        {
            "scope": ["account", "supplier", "org_number", "agreement_id"],
            "key": ["4010", "städ ab", "556677-8899", " a1 "],
            "category_id": ["cleaning", "catering", "it_consulting", "food"],
            "created_by": ["anna", "bo", "cia", "dan"],
            "created_at": pd.to_datetime(["2026-01-02 10:00"] * 4, utc=True),
        }
    )
    found = match_user_overrides(
        lines,
        overrides,
        {
            "agreement_id": "linked_agreement_id",
            "org_number": "org_number",
            "supplier": "supplier",
            "account": "account",
        },
    )
    assert list(found["category_id"].iloc[:3]) == ["food", "it_consulting", "catering"]
    assert pd.isna(found["category_id"].iloc[3])
    assert found["category_override"].iloc[0] == "dan, 2026-01-02 10:00 UTC (agreement_id  a1 )"
    assert pd.isna(found["category_override"].iloc[3])
    assert match_user_overrides(lines, None, {"account": "account"})["category_id"].isna().all()


def test_engine_marks_a_users_mapping_on_agreements_and_their_lines() -> None:
    """The spend engine records rule ``user_override``, not ``explicit``/``agreement_category``."""
    from spendanalys.spend.analysis import analyse_spend
    from spendanalys.spend.categories import load_category_rules
    from spendanalys.spend.factors import load_kpi, load_spend_factor_set

    contracts = pd.DataFrame(
        {
            "agreement_id": pd.array(["A1", "A2"], dtype="string"),
            "name": pd.array(["Städning", "Konsulter"], dtype="string"),
            "supplier": pd.array(["Städ AB", "IT AB"], dtype="string"),
            "org_number": pd.array(["5566778899", "5560001111"], dtype="string"),
            "category": pd.array(["Städtjänster", None], dtype="string"),
        }
    )
    invoices = pd.DataFrame(
        {
            "invoice_id": pd.array(["F1", "F2"], dtype="string"),
            "date": pd.to_datetime(["2024-01-05", "2024-02-01"]),
            "agreement_id": pd.array(["A1", "A2"], dtype="string"),
            "supplier": pd.array(["Städ AB", "IT AB"], dtype="string"),
            "org_number": pd.array(["5566778899", "5560001111"], dtype="string"),
            "amount_sek": [1000.0, 2000.0],
        }
    )
    overrides = pd.DataFrame(
        {
            "scope": ["agreement_id"],
            "key": ["A1"],
            "category_id": ["catering"],
            "created_by": ["anna"],
            "created_at": pd.to_datetime(["2026-01-02 10:00"], utc=True),
        }
    )
    rules = load_category_rules()
    result = analyse_spend(
        contracts,
        invoices,
        rules,
        [load_spend_factor_set()],
        load_kpi(),
        as_of=AS_OF,
        category_overrides=overrides,
    )
    agreements = result.agreements.set_index("agreement_id")
    assert agreements.loc["A1", "category_rule"] == "user_override"
    assert agreements.loc["A1", "category_override"].startswith("anna, 2026-01-02")
    assert pd.isna(agreements.loc["A2", "category_override"])
    lines = result.lines.set_index("invoice_id")
    assert lines.loc["F1", "category_id"] == "catering"
    assert lines.loc["F1", "category_rule"] == "user_override"
    assert lines.loc["F2", "category_rule"] != "user_override"
    plain = analyse_spend(
        contracts, invoices, rules, [load_spend_factor_set()], load_kpi(), as_of=AS_OF
    )
    assert "user_override" not in set(plain.lines["category_rule"].astype(str))


def test_the_dashboard_and_the_command_line_give_the_same_spend_json(
    seeded: Store, samples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One assembly path: the dashboard's analysis of the stored sample data and
    ``spendanalys spend --format json`` on the same files agree on every figure and parameter
    (exchange rates included); only the rows the readers rejected live apart in the store."""
    import json

    from spendanalys.cli import main
    from spendanalys.spend.payload import spend_payload

    code = main(
        [
            "spend",
            "--contracts",
            str(_sample(samples, "contracts")),
            "--invoices",
            str(_sample(samples, "invoices")),
            "--as-of",
            AS_OF.isoformat(),
            "--format",
            "json",
        ]
    )
    assert code == 0
    cli = json.loads(capsys.readouterr().out)
    view = services.spend_view(seeded, as_of=AS_OF)
    payload = spend_payload(view.analysis, factor_sets=view.factor_sets)
    dashboard = json.loads(json.dumps(payload))
    fresh = services.freshness(seeded)
    spend_kinds = fresh[fresh["kind"].isin(["contracts", "invoices"])]
    stored_rejects = int(spend_kinds["rows_rejected"].sum())
    assert len(cli.pop("rejected_rows")) == len(dashboard.pop("rejected_rows")) + stored_rejects
    # The readers' notes (prefixed with the file) come with the files, not with stored rows.
    files = (str(_sample(samples, "contracts")), str(_sample(samples, "invoices")))
    cli["notes"] = [n for n in cli["notes"] if not n.startswith(files)]
    assert cli.keys() == dashboard.keys()
    for key in cli:
        assert dashboard[key] == cli[key], key


def test_one_pareto_definition_for_the_ranking_and_the_chart(seeded: Store) -> None:
    """Hand-worked: agreements of 100, 50 and −50 kg CO2e. The running share is of the
    positive emissions (150 kg), so it reads 2/3, 1, 1 in the ranking and on the chart alike
    (the chart used to divide by the net 100 kg: 1, 1.5, 1)."""
    from spendanalys.spend.ranking import _rank_and_pareto, pareto_curve

    frame = pd.DataFrame(
        {
            "agreement_id": ["A", "B", "C"],
            "kg_co2e": [100.0, 50.0, -50.0],
            "spend_sek": [1.0, 1.0, 1.0],
            "kg_co2e_per_sek": [100.0, 50.0, -50.0],
            "environmental_requirements": [None, None, None],
        }
    )
    curve = pareto_curve(_rank_and_pareto(frame, 0.8))
    assert curve["agreement_id"].tolist() == ["A", "B", "C"]
    assert curve["cumulative_share"].tolist() == pytest.approx([2 / 3, 1.0, 1.0])
    summary = services.spend_summary(seeded, as_of=AS_OF)
    ranked = services.spend_view(seeded, as_of=AS_OF).analysis.agreements
    expected = ranked.dropna(subset=["kg_co2e"]).sort_values("rank", kind="stable")
    assert summary.pareto["cumulative_share"].tolist() == pytest.approx(
        expected["cumulative_share"].tolist()
    )
