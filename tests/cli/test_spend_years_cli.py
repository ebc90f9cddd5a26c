"""``spendanalys spend`` on an agency's own exports: two yearly invoice files, its own factor
vocabulary, a supplier-specific factor file, gross amounts, and trips beside the spend (issue 14).

Built-in rules, KPI and VAT table. Hand-worked figures (the agency's factors are at 2024 prices,
so 2024 spend needs no KPI step; 2023 spend is brought to 2024 prices with the built-in KPI,
emission_factors/spend/kpi.csv: 2023 = 403.70, 2024 = 415.01):

- ``IT-tjänster`` 0.010 kg/SEK and ``Lokalvård och fastighetsservice`` (the agency's names;
  the second is the tree's *group* name, not a category) 0.030 kg/SEK.
- A1 "IT-tjänster": 2024 invoices 100 000 SEK → 1 000 kg; 2023 20 000 SEK × 415.01/403.70
  = 20 560.32 SEK₂₀₂₄ × 0.010 = 205.60 kg. A2 "Lokalvård och
  fastighetsservice": 2024 invoices 40 000 SEK → 1 200 kg. Every agreement priced.
- With ``Belopp inkl. moms`` instead: A1's gross 125 000 SEK (IT, an own category: the normal
  rate 25 %) is 100 000 SEK net.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spendanalys.cli import main

REGISTER = """Avtalsnummer;Avtalsnamn;Leverantör;Organisationsnummer;Inköpskategori
A1;Systemförvaltning;Konsult AB;556000-0001;IT-tjänster
A2;Städ huvudkontor;Städ AB;556000-0002;Lokalvård och fastighetsservice
"""
AGENCY = """category,factor,unit,price_year,price_basis,source,data_quality
IT-tjänster,0.010,kg CO2e/SEK,2024,exkl. moms,Myndighetens tabell,3: svensk IO-tabell
Lokalvård och fastighetsservice,0.030,kg CO2e/SEK,2024,exkl. moms,Myndighetens tabell,3
"""
INVOICES_2024 = """Fakturanummer;Fakturadatum;Organisationsnummer;Belopp exkl. moms;Kategori;Fakturatext
1;2024-02-01;5560000001;60 000,00;;Förvaltning feb
2;2024-03-01;5560000001;40 000,00;;Förvaltning mar
3;2024-03-05;5560000002;40 000,00;;Städning mars
4;2024-04-01;5569999999;5 000,00;IT-tjänster;Timmar april
"""
INVOICES_2023 = """Fakturanummer;Fakturadatum;Organisationsnummer;Belopp exkl. moms;Kategori;Fakturatext
9;2023-11-01;5560000001;20 000,00;;Förvaltning nov
"""


def _files(tmp_path: Path) -> dict[str, Path]:
    files = {
        "register": ("avtal.csv", REGISTER),
        "agency": ("myndighetens_faktorer.csv", AGENCY),
        "2024": ("fakturor_2024.csv", INVOICES_2024),
        "2023": ("fakturor_2023.csv", INVOICES_2023),
    }
    out = {}
    for key, (name, text) in files.items():
        out[key] = tmp_path / name
        out[key].write_text(text, encoding="utf-8")
    return out


def _spend(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    assert main(["spend", "--format", "json", "--as-of", "2025-01-01", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_agencys_own_factor_file_prices_every_agreement_by_year(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = _files(tmp_path)
    out = _spend(
        [
            "--contracts", str(f["register"]),
            "--invoices", str(f["2023"]), "--invoices", str(f["2024"]),
            "--factors", str(f["agency"]),
            "--column", "invoices.category=Kategori",
        ],
        capsys,
    )  # fmt: skip
    agreements = {a["agreement_id"]: a for a in out["agreements"]}
    assert all(a["kg_co2e"] is not None for a in agreements.values())
    assert agreements["A2"]["kg_co2e"] == pytest.approx(1_200)
    assert agreements["A1"]["category"] == "IT-tjänster"
    assert agreements["A1"]["by_year"]["2024"] == {
        "spend_sek": pytest.approx(100_000),
        "kg_co2e": pytest.approx(1_000),
    }
    assert agreements["A1"]["by_year"]["2023"] == {
        "spend_sek": pytest.approx(20_000),
        "kg_co2e": pytest.approx(205.6032, abs=1e-3),
    }
    assert out["totals"]["by_year"]["2024"]["spend_sek"] == pytest.approx(145_000)
    assert out["totals"]["by_year"]["2023"]["spend_sek"] == pytest.approx(20_000)
    explicit = next(c for c in out["categories"] if c["category_id"] == "own:ittjänster")
    assert explicit["spend_sek"] == pytest.approx(125_000)  # A1's 120 000 and line 4's 5 000
    assert out["rejected_rows"] == []


def test_year_ranks_one_year(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = _files(tmp_path)
    out = _spend(
        [
            "--contracts", str(f["register"]),
            "--invoices", str(f["2023"]), "--invoices", str(f["2024"]),
            "--factors", str(f["agency"]), "--year", "2023",
        ],
        capsys,
    )  # fmt: skip
    assert out["totals"]["spend_sek"] == pytest.approx(20_000)
    assert list(out["totals"]["by_year"]) == ["2023"]


def test_a_supplier_specific_file_layers_on_the_built_in_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The supplier's own figure, 0.002 kg/SEK, prices Konsult AB's 100 000 SEK of 2024 (200 kg);
    Städ AB keeps the built-in factor of its category instead of ``kg_co2e: null``."""
    f = _files(tmp_path)
    supplier = tmp_path / "leverantorsfaktorer.csv"
    supplier.write_text(
        "category,org_number,factor,unit,price_year,source\n"
        ",556000-0001,0.002,kg CO2e/SEK,2024,Konsult AB:s klimatredovisning 2024\n",
        encoding="utf-8",
    )
    register = tmp_path / "avtal_inbyggda.csv"
    register.write_text(REGISTER.replace("IT-tjänster", "IT-konsulttjänster").replace(
        "Lokalvård och fastighetsservice", "Lokalvård"), encoding="utf-8")  # fmt: skip
    out = _spend(
        ["--contracts", str(register), "--invoices", str(f["2024"]), "--factors", str(supplier)],
        capsys,
    )
    agreements = {a["agreement_id"]: a for a in out["agreements"]}
    assert agreements["A1"]["kg_co2e"] == pytest.approx(200)
    assert agreements["A1"]["factor_kind"] == "supplier"
    assert agreements["A2"]["kg_co2e"] is not None and agreements["A2"]["kg_co2e"] > 0
    assert any("layered on factors_epa_v1.3_sek" in n for n in out["notes"])


def test_a_gross_amount_column_is_made_net(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = _files(tmp_path)
    gross = tmp_path / "brutto.csv"
    gross.write_text(
        "Fakturadatum;Organisationsnummer;Belopp inkl. moms\n2024-02-01;5560000001;125 000,00\n",
        encoding="utf-8",
    )
    out = _spend(
        [
            "--contracts",
            str(f["register"]),
            "--invoices",
            str(gross),
            "--factors",
            str(f["agency"]),
        ],
        capsys,
    )
    assert out["totals"]["spend_sek"] == pytest.approx(100_000)
    assert any("incl. VAT" in n for n in out["notes"])


OWN_NAMES = {
    "RAM-1": "IT-tjänster",
    "AV-2": "Datorer och skärmar",
    "AV-3": "Städservice",
    "AV-4": "Trycksaker och tryck",
    "AV-5": "Mötesarrangemang",
    "AV-6": "Resetjänster",
}
OWN_FACTORS = """category,factor,unit,price_year,price_basis,source,data_quality
IT-tjänster,0.010,kg CO2e/SEK,2024,exkl. moms,Myndighetens tabell,3
Datorer och skärmar,0.020,kg CO2e/SEK,2024,exkl. moms,Myndighetens tabell,3
Städservice,0.030,kg CO2e/SEK,2024,exkl. moms,Myndighetens tabell,3
Trycksaker och tryck,0.040,kg CO2e/SEK,2024,exkl. moms,Myndighetens tabell,3
Mötesarrangemang,0.050,kg CO2e/SEK,2024,exkl. moms,Myndighetens tabell,3
Resetjänster,0.060,kg CO2e/SEK,2024,exkl. moms,Myndighetens tabell,3
"""


def test_done_when_register_priced_by_the_agencys_own_factor_file_year_by_year(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 14's done-when, the parts of this branch: the register of tests/spend/
    test_frameworks.py (a framework agreement of three suppliers, criteria levels, two yearly
    exports overlapping by F5) with an Inköpskategori column in the agency's own names and its
    own factor file (all at 2024 prices; 2025 spend takes the latest KPI, 2024's, so its ratio
    is 1 and a note says so). Hand-worked:

    - 2024: RAM-1 F1+F2+F3 = 180 000 × 0.010 = 1 800 kg; AV-2 20 000 × 0.020 = 400; AV-3
      10 000 × 0.030 = 300 → 210 000 SEK, 2 500 kg.
    - 2025: RAM-1 F8+F9 = 30 000 × 0.010 = 300; AV-4 40 000 × 0.040 = 1 600; AV-5 5 000 ×
      0.050 = 250 → 75 000 SEK, 2 150 kg (F5 counted once, in 2024).
    - Every agreement priced (AV-6 has no invoices: 0 kg, not null).
    """
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "frameworks_done_when", Path(__file__).parents[1] / "spend" / "test_frameworks.py"
    )
    assert spec is not None and spec.loader is not None
    frameworks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(frameworks)
    INVOICES_2024, INVOICES_2025 = frameworks.INVOICES_2024, frameworks.INVOICES_2025

    lines = frameworks.REGISTER.splitlines()
    register = [lines[0] + ";Inköpskategori"]
    register += [f"{row};{OWN_NAMES[row.split(';')[0]]}" for row in lines[1:]]
    files = {
        "avtal.csv": "\n".join(register) + "\n",
        "fakturor_2024.csv": INVOICES_2024,
        "fakturor_2025.csv": INVOICES_2025,
        "faktorer.csv": OWN_FACTORS,
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    out = _spend(
        [
            "--contracts", str(tmp_path / "avtal.csv"),
            "--invoices", str(tmp_path / "fakturor_2024.csv"),
            "--invoices", str(tmp_path / "fakturor_2025.csv"),
            "--factors", str(tmp_path / "faktorer.csv"),
        ],
        capsys,
    )  # fmt: skip
    agreements = {a["agreement_id"]: a for a in out["agreements"]}
    assert all(a["kg_co2e"] is not None for a in agreements.values())
    assert all(a["category_id"].startswith("own:") for a in agreements.values())
    assert agreements["AV-5"]["category"] == "Mötesarrangemang"
    assert out["totals"]["by_year"] == {
        "2024": {"spend_sek": pytest.approx(210_000), "kg_co2e": pytest.approx(2_500)},
        "2025": {"spend_sek": pytest.approx(75_000), "kg_co2e": pytest.approx(2_150)},
    }
    assert agreements["RAM-1"]["by_year"] == {
        "2024": {"spend_sek": pytest.approx(180_000), "kg_co2e": pytest.approx(1_800)},
        "2025": {"spend_sek": pytest.approx(30_000), "kg_co2e": pytest.approx(300)},
    }
    assert out["totals"]["spend_without_factor_sek"] == 0
