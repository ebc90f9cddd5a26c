"""``spendanalys factors build``: from pymrio's bundled test system, and from a plain table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spendanalys.cli import build_parser, main
from spendanalys.errors import ConfigurationError, FactorError
from spendanalys.services.factor_build import table_product_factors
from spendanalys.spend.factors import load_spend_factor_set

pymrio = pytest.importorskip("pymrio")


def run_build(argv: list[str]) -> int:
    """The command's function itself, so that its error reaches the test unformatted."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


CONCORDANCE = (
    "category_id,product,weight,note\n"
    "food_beverages,food,,the test system's food sector\n"
    "electricity,electricity,,\n"
    "construction_works,construction,,\n"
    "other_services,other,1,\n"
    "other_services,trade,3,\n"
)


@pytest.fixture()
def built(tmp_path: Path) -> Path:
    (tmp_path / "conc.csv").write_text(CONCORDANCE, encoding="utf-8")
    out = tmp_path / "test_mrio_set.csv"
    argv = ["factors", "build", "--mrio", "test", "--region", "reg2"]
    argv += ["--stressor", "emission_type1", "--year", "2021", "--price-year", "2022"]
    argv += ["--concordance", str(tmp_path / "conc.csv"), "--licence", "pymrio test data"]
    assert main([*argv, "--out", str(out)]) == 0
    return out


def test_build_from_pymrio_test_system_recomputed(built: Path) -> None:
    # The test system's total multiplier M (kg per Mill USD), region reg2, recomputed with
    # pymrio itself; then by hand: ÷ 10⁶ (per USD) ÷ 8.5815 SEK/USD (2021 average,
    # exchange_rates.csv) × KPI 2021/2022 = 343.19/371.91 (kpi.csv).
    system = pymrio.load_test()
    system.calc_all()
    m = system.emissions.M.loc[("emission_type1", "air"), "reg2"]
    expected = {
        "food_beverages": m["food"],
        "electricity": m["electricity"],
        "other_services": 0.25 * m["other"] + 0.75 * m["trade"],
    }
    fs = load_spend_factor_set(built)
    got = fs.factors.set_index("category_id")["kg_co2e_per_sek"]
    for category, per_mill_usd in expected.items():
        by_hand = per_mill_usd / 1e6 / 8.5815 * 343.19 / 371.91
        assert got[category] == pytest.approx(by_hand, rel=1e-5), category
    assert set(fs.factors["price_year"]) == {2022}
    assert fs.licence == "pymrio test data"


def test_built_set_loads_with_factors(built: Path, sample_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "spend.json"
    argv = ["spend", "--contracts", str(sample_dir / "avtalsforteckning.xlsx")]
    argv += ["--invoices", str(sample_dir / "leverantorsfakturor_2024.csv")]
    argv += ["--as-of", "2025-01-01", "--factors", str(built), "--format", "json"]
    assert main([*argv, "--out", str(out)]) == 0
    doc = json.loads(out.read_text("utf-8"))
    names = [s["name"] for s in doc["factor_sets"]]
    assert names == ["test_mrio_set", "factors_epa_v1.3_sek", "factors_exiobase3_no_2019_sek"]
    food = [a for a in doc["agreements"] if a["category_id"] == "food_beverages" and a["kg_co2e"]]
    assert food and all(a["kg_co2e_range"][0] <= a["kg_co2e_range"][1] for a in food)


def test_unknown_region_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["factors", "build", "--mrio", "test", "--region", "SE", "--stressor"]
    argv += ["emission_type1", "--year", "2021", "--out", str(tmp_path / "x.csv")]
    assert main(argv) == 2
    assert "region 'SE' not in the system (reg1, reg2" in capsys.readouterr().err


def test_a_stressor_not_there_names_the_candidates(tmp_path: Path) -> None:
    argv = ["factors", "build", "--mrio", "test", "--region", "reg1", "--year", "2021"]
    with pytest.raises(ConfigurationError, match="'GHG emissions AR5 \\(GWP100\\)' is in no"):
        run_build([*argv, "--out", str(tmp_path / "x.csv")])


def test_build_from_a_per_product_table(tmp_path: Path) -> None:
    # A plain table in g CO2e per EUR of 2019 through the shipped EXIOBASE concordance's
    # product names: rail 336.4 g/EUR = 0.3364 kg/EUR, as the Norwegian EXIOBASE row, must
    # give the built-in set's rail factor (0.3364 / 10.5892 × 334.26 / 371.91 = 0.0285522).
    rows = ["product,factor,unit,currency,year"]
    rows.append("Railway transportation services,336.4,g CO2e/EUR,EUR,2019")
    (tmp_path / "table.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "conc.csv").write_text(
        "category_id,product,weight,note\nrail_travel,Railway transportation services,1,\n",
        encoding="utf-8",
    )
    out = tmp_path / "set.csv"
    argv = ["factors", "build", "--table", str(tmp_path / "table.csv")]
    assert main([*argv, "--concordance", str(tmp_path / "conc.csv"), "--out", str(out)]) == 0
    factor = load_spend_factor_set(out).factors.set_index("category_id")["kg_co2e_per_sek"]
    assert factor["rail_travel"] == pytest.approx(0.0285522, abs=5e-7)


def test_a_bad_table_row_is_named(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("product,factor,unit,currency,year\nx,1,kg CO2e/kWh,EUR,2019\n", "utf-8")
    with pytest.raises(FactorError) as caught:
        table_product_factors(path)
    assert caught.value.row == 2 and "is not per EUR" in caught.value.reason
