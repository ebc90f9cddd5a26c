"""The second built-in set (EXIOBASE 3, Norway 2019) and the sensitivity every run shows."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from spendanalys.cli import main
from spendanalys.datafiles import DEFAULT_DATA_DIR, read_data_csv
from spendanalys.errors import ConfigurationError, FactorError
from spendanalys.settings import FACTOR_SET_NAMES, headline_factor_set
from spendanalys.spend.categories import load_category_rules
from spendanalys.spend.factor_building import concord, concordance_table
from spendanalys.spend.factors import load_spend_factor_set
from spendanalys.spend.sensitivity import (
    BUILTIN_SETS,
    agreement_sensitivity,
    factor_set_plan,
    round_to_significant,
)

EXIO_FILE = DEFAULT_DATA_DIR / BUILTIN_SETS["exiobase-no"]


def _factor(category: str) -> float:
    frame = read_data_csv(EXIO_FILE, ("category", "factor"))
    return float(frame.loc[frame["category"] == category, "factor"].iloc[0])


def test_rail_row_recomputed_by_hand() -> None:
    # Source: ../shared/reference/data/exiobase3_2019_via_oefdb_NO_DE_GB_US.csv, row
    # transport_services-type_railway_transportation_services, region NO: 0.3364 kg CO2e/EUR
    # (AR5, basic price, 2019). Rate: exchange_rates.csv 2019 EUR 10.5892 SEK. KPI (SCB,
    # kpi.csv) 2019 334.26, 2022 371.91. By hand: 0.3364 / 10.5892 = 0.0317682 kg/SEK2019;
    # × 334.26 / 371.91 = 0.0285522 kg/SEK at 2022 prices.
    assert _factor("rail_travel") == pytest.approx(0.0285522, abs=5e-7)


def test_electricity_mix_recomputed_by_hand() -> None:
    # Same source, Norway: hydro 0.0487, wind 0.0559, transmission 0.0542, distribution
    # 0.0455 kg/EUR, weighted 0.55/0.15/0.10/0.20 (exiobase_by_category.csv) = 0.04969 kg/EUR;
    # ÷ 10.5892 × 334.26/371.91 = 0.0042175 kg/SEK2022, about a thirteenth of the EPA set's
    # steam proxy (0.057089).
    assert _factor("electricity") == pytest.approx(0.0042175, abs=5e-7)


def test_committed_set_is_a_fresh_build(reference_dir: Path, repo_dir: Path) -> None:
    source = reference_dir / "data" / "exiobase3_2019_via_oefdb_NO_DE_GB_US.csv"
    sys.path.insert(0, str(repo_dir / "emission_factors" / "spend"))
    try:
        import build_exiobase_factors as build
    finally:
        sys.path.pop(0)
    assert build.main([str(source), "--check"]) == 0


def test_set_is_named_a_proxy_with_its_licence_and_price_basis() -> None:
    fs = load_spend_factor_set(EXIO_FILE)
    header = "".join(line for line in EXIO_FILE.read_text("utf-8").splitlines() if line[:1] == "#")
    assert "NORDIC/EUROPEAN PROXY, NOT A SWEDISH SET" in header
    assert fs.licence == "CC BY-SA 4.0"
    assert set(fs.factors["price_basis"]) == {
        "basic price excl. VAT (no trade and transport margins)"
    }
    assert not fs.factors["source"].str.contains("Swed", case=False).any()
    tree = load_category_rules().tree["category_id"].drop_duplicates()
    assert set(fs.factors["category_id"]) == set(tree)


def test_energy_and_rail_carry_a_stated_reason_in_both_sets() -> None:
    for file in BUILTIN_SETS.values():
        factors = load_spend_factor_set(DEFAULT_DATA_DIR / file).factors.set_index("category_id")
        for category in ("electricity", "rail_travel", "district_heating"):
            grade, _, reason = str(factors.loc[category, "data_quality"]).partition(": ")
            assert grade in {"4", "5"} and len(reason) > 30, (file, category)


def test_concordance_names_are_exiobase_products() -> None:
    pymrio = pytest.importorskip("pymrio")
    sectors = Path(pymrio.__file__).parent / "mrio_models" / "exio3_pxp" / "sectors.tsv"
    with sectors.open(encoding="utf-8") as handle:
        names = {(r["ExioCode"], r["ExioName"]) for r in csv.DictReader(handle, delimiter="\t")}
    rows = read_data_csv(DEFAULT_DATA_DIR / "exiobase_by_category.csv", ("exiobase_code",))
    used = set(zip(rows["exiobase_code"], rows["exiobase_product"], strict=True))
    assert used <= names, used - names


def test_concordance_refuses_a_product_the_source_lacks() -> None:
    table = concordance_table(
        pd.DataFrame({"category_id": ["taxi"], "product": ["Taxi rides"], "weight": [""]}), "c.csv"
    )
    with pytest.raises(FactorError, match="1 products not in the source: Taxi rides"):
        concord({"Other land transportation services": 0.3}, table, ["taxi"], file="c.csv")


@pytest.mark.parametrize(
    ("requested", "headline", "plan"),
    [
        ([], "epa", ["epa", "exiobase-no"]),
        ([], "exiobase-no", ["exiobase-no", "epa"]),
        (["default"], "epa", ["epa", "exiobase-no"]),
        (["mine.csv"], "epa", ["mine.csv", "epa", "exiobase-no"]),
        (["exiobase-no", "default"], "epa", ["exiobase-no", "epa"]),
        (["EPA", "epa"], "epa", ["epa", "exiobase-no"]),
        ([str(DEFAULT_DATA_DIR / BUILTIN_SETS["epa"])], "exiobase-no", ["epa", "exiobase-no"]),
    ],
)
def test_factor_set_plan(requested: list[str], headline: str, plan: list[str]) -> None:
    assert [str(p) for p in factor_set_plan(requested, headline)] == plan


def test_headline_setting() -> None:
    assert set(FACTOR_SET_NAMES) == set(BUILTIN_SETS)
    assert headline_factor_set({}) == "epa"
    assert headline_factor_set({"SPENDANALYS_FACTOR_SET": "EXIOBASE-NO"}) == "exiobase-no"
    with pytest.raises(ConfigurationError, match="SPENDANALYS_FACTOR_SET='swedish'"):
        headline_factor_set({"SPENDANALYS_FACTOR_SET": "swedish"})


def test_rank_robust_by_hand() -> None:
    # Four agreements, two sets, top 1, Pareto 80 %:
    # set a: 70, 20, 8, 2 → ranks 1-4; Pareto: A (before 0 %), B (before 70 %) → high A, B
    # set b: 20, 70, 8, 2 → ranks 2,1,3,4; Pareto: B, A → high A, B; rank moves 1, 1, 0, 0
    # With threshold 0, A and B move too far (not robust); C and D are high under neither.
    comparison = pd.DataFrame(
        {
            "agreement_id": ["A", "B", "C", "D"],
            "kg_co2e__a": [70.0, 20, 8, 2],
            "rank__a": pd.array([1, 2, 3, 4], dtype="Int64"),
            "kg_co2e__b": [20.0, 70, 8, 2],
            "rank__b": pd.array([2, 1, 3, 4], dtype="Int64"),
            "max_rank_move": pd.array([1, 1, 0, 0], dtype="Int64"),
        }
    )
    strict = agreement_sensitivity(
        comparison, ["a", "b"], pareto_share=0.8, top_n=1, rank_move_threshold=0
    )
    assert strict["rank_robust"].tolist() == [False, False, True, True]
    assert strict["high_impact_sets"].tolist() == [2, 2, 0, 0]
    assert strict[["kg_co2e_low", "kg_co2e_high"]].to_numpy().tolist()[0] == [20.0, 70.0]
    loose = agreement_sensitivity(
        comparison, ["a", "b"], pareto_share=0.8, top_n=1, rank_move_threshold=1
    )
    assert loose["rank_robust"].tolist() == [True, True, True, True]
    # B drops out of set b's Pareto set when it shrinks to C's level: high under one set only.
    comparison.loc[1, "kg_co2e__b"] = 1.0
    comparison["rank__b"] = pd.array([1, 4, 2, 3], dtype="Int64")
    mixed = agreement_sensitivity(
        comparison, ["a", "b"], pareto_share=0.8, top_n=1, rank_move_threshold=5
    )
    assert mixed["high_impact_sets"].tolist()[:2] == [2, 1]
    assert mixed["rank_robust"].tolist()[:2] == [True, False]


@pytest.mark.parametrize(
    ("value", "shown"), [(686281.93, 690000.0), (27169.2, 27000.0), (0.0042175, 0.0042), (0.0, 0.0)]
)
def test_two_significant_figures(value: float, shown: float) -> None:
    assert round_to_significant(value) == pytest.approx(shown)


@pytest.fixture(scope="module")
def sample_json(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:  # type: ignore[type-arg]
    out = tmp_path_factory.mktemp("spend") / "spend.json"
    argv = ["spend", "--contracts", str(sample_dir / "avtalsforteckning.xlsx")]
    argv += ["--invoices", str(sample_dir / "leverantorsfakturor_2024.csv")]
    argv += ["--as-of", date(2025, 1, 1).isoformat(), "--format", "json", "--out", str(out)]
    assert main(argv) == 0
    return json.loads(out.read_text("utf-8"))  # type: ignore[no-any-return]


def test_sample_ranks_with_both_sets_and_reports_ranges(sample_json: dict) -> None:  # type: ignore[type-arg]
    assert [s["file"] for s in sample_json["factor_sets"]] == list(BUILTIN_SETS.values())
    for row in sample_json["agreements"]:
        low, high = row["kg_co2e_range"]
        assert low <= row["kg_co2e"] <= high
        assert isinstance(row["rank_robust"], bool)
    first = sample_json["agreements"][0]
    assert first["agreement_id"] == "AVT-2021-267" and first["rank_robust"] is True
    # The electricity agreements with miljökrav: ranks 3 and 4 under the US steam proxy, far
    # lower under the Nordic mix, so their rank is not robust.
    power = [
        a for a in sample_json["agreements"] if a["category_id"] == "electricity" and a["rank"] < 10
    ]
    assert [a["rank"] for a in power] == [3, 4]
    assert all(a["rank_robust"] is False and a["requirements"] == "yes" for a in power)
    assert all(a["by_factor_set"]["factors_exiobase3_no_2019_sek"]["rank"] > 30 for a in power)
    low, high = sample_json["totals"]["kg_co2e_range"]
    assert low < sample_json["totals"]["kg_co2e"] == high
    assert any("basic price" in note for note in sample_json["notes"])
    assert sample_json["totals"]["basic_price_sets"] == ["factors_exiobase3_no_2019_sek"]
    assert all("kg_co2e_range" in p and "rank_robust" in p for p in sample_json["priority"])


def test_sample_categories_state_each_sets_factor_and_reason(sample_json: dict) -> None:  # type: ignore[type-arg]
    rail = next(c for c in sample_json["categories"] if c["category_id"] == "electricity")
    by_set = rail["by_factor_set"]
    assert by_set["factors_epa_v1.3_sek"]["kg_co2e_per_sek"] == pytest.approx(0.057089)
    assert "proxy" in by_set["factors_epa_v1.3_sek"]["data_quality"]
    assert "REASON" in by_set["factors_exiobase3_no_2019_sek"]["data_quality"]
    assert rail["kg_co2e_range"][0] < rail["kg_co2e_range"][1]


def test_workbook_shows_the_range_and_robustness(sample_dir: Path, tmp_path: Path) -> None:
    import openpyxl

    out = tmp_path / "rapport.xlsx"
    argv = ["spend", "--contracts", str(sample_dir / "avtalsforteckning.xlsx")]
    argv += ["--invoices", str(sample_dir / "leverantorsfakturor_2024.csv")]
    assert main([*argv, "--as-of", "2025-01-01", "--format", "xlsx", "--out", str(out)]) == 0
    book = openpyxl.load_workbook(out, read_only=True)
    try:
        rows = [list(r) for r in book["Avtal"].iter_rows(values_only=True)]
    finally:
        book.close()
    header_at = next(i for i, r in enumerate(rows) if "Rang" in r)
    header = rows[header_at]
    robust = header.index("Rangen håller med alla faktoruppsättningar")
    low = header.index("Utsläpp lägst, alla faktoruppsättningar (kg CO2e)")
    by_rank = {r[header.index("Rang")]: r for r in rows[header_at + 1 :] if r and r[0]}
    assert by_rank[1][robust] == "Ja" and by_rank[3][robust] == "Nej"
    # Rank 3, El – Elhandel: 7 189 429 SEK of 2024 × KPI 371.91/415.01 × 0.0042175 kg/SEK
    # (the Nordic mix above) ≈ 27 170 kg: its low end.
    assert by_rank[3][low] == pytest.approx(27170, rel=1e-3)


def test_the_headline_set_is_a_setting(
    sample_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPENDANALYS_FACTOR_SET", "exiobase-no")
    out = tmp_path / "spend.json"
    argv = ["spend", "--contracts", str(sample_dir / "avtalsforteckning.xlsx"), "--format"]
    assert main([*argv, "json", "--as-of", "2025-01-01", "--out", str(out)]) == 0
    doc = json.loads(out.read_text("utf-8"))
    assert [s["file"] for s in doc["factor_sets"]] == list(BUILTIN_SETS.values())[::-1]
    assert all(
        a["kg_co2e"] == a["kg_co2e_range"][0] or a["kg_co2e"] == a["kg_co2e_range"][1]
        for a in doc["agreements"]
        if a["kg_co2e_range"]
    )
