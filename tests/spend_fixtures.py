"""Tiny rule and factor files for the spend tests, written into a temporary folder.

Six categories (one in the travel group), a few rules each, and a factor set whose three units differ on purpose
(``g CO2e/SEK``, ``t CO2e/MSEK``, ``kg CO2e/kSEK``) so the golden test checks the conversion.
KPI: 2022 = 400, 2023 = 420, 2024 = 440 (made-up round numbers, not SCB's).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from spendanalys.schema import PANDAS_DTYPES, SCHEMAS, canonical_columns

FILES: dict[str, str] = {
    "categories.csv": """# test fixture, not the real tree
category_id,group_id,group_sv,group_en,name_sv,name_en,description_en
it_consulting,it,IT och telekom,IT and telecom,IT-konsulter,IT consulting,IT services
cleaning,fm,Lokalvård och fastighetsservice,Cleaning and facility services,Lokalvård,Cleaning,
food,food,Livsmedel och måltider,Food and meals,Livsmedel,Food,
construction,build,Bygg och fastighet,Construction and property,Byggentreprenader,Construction works,
office,office,Kontor och förbrukning,Office and supplies,Kontorsmaterial,Office supplies,
air_travel,travel_accommodation,Resor och logi,Travel and accommodation,Flygresor,Air travel,
""",
    "cpv_map.csv": """cpv_prefix,category_id,note
72,it_consulting,IT services
909,cleaning,cleaning services
90910000,cleaning,cleaning
15,food,food
45,construction,construction work
4521,office,a deliberately odd longer prefix to test longest-prefix-wins
30,office,office machinery
""",
    "account_map.csv": """# accounts (BAS-like)
account_from,account_to,category_id,exclude,note
4000,4999,office,no,goods
4010,4019,food,no,food
5000,6999,office,no,other external costs
6540,6549,it_consulting,no,IT services
7000,7699,,yes,salaries
""",
    "keyword_map.csv": """keyword,category_id,note
städ,cleaning,
konsult,it_consulting,
it-konsult,it_consulting,
kaffe,food,
kaffemaskin,office,longer keyword wins over kaffe
flygresa,air_travel,
""",
    "category_aliases.csv": """alias,category_id
IT-tjänster,it_consulting
Städning,cleaning
""",
    "supplier_map.csv": """org_number,supplier,category_id,note
""",
    "kpi.csv": """# made-up index for tests
year,kpi,base,source
2022,400,test,test fixture
2023,420,test,test fixture
2024,440,test,test fixture
""",
    "exchange_rates.csv": """year,currency,sek_per_unit,source
2022,EUR,10.0,test fixture
2022,USD,10.5,test fixture
2024,EUR,11.0,test fixture
""",
    "factors_epa_v1.3_sek.csv": """# test factor set in mixed units
category,factor,unit,price_year,price_basis,currency_year,gwp,source,licence,naics,derivation,data_quality
it_consulting,20,g CO2e/SEK,2022,excl. VAT,,AR5,test,CC0,541512,fixture,4
Lokalvård,30,t CO2e/MSEK,2022,excl. VAT,,AR5,test,CC0,561720,fixture,4
food,100,kg CO2e/kSEK,2024,excl. VAT,,AR5,test,CC0,311,fixture,4
construction,0.05,kg CO2e/SEK,2022,excl. VAT,,AR5,test,CC0,23,fixture,4
office,0.04,kg CO2e/SEK,2022,excl. VAT,,AR5,test,CC0,339,fixture,4
air_travel,0.5,kg CO2e/SEK,2022,excl. VAT,,AR5,test,CC0,481,fixture,4
""",
}


def write_rule_files(folder: Path, overrides: dict[str, str] | None = None) -> Path:
    """Write the fixture tables into ``folder`` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in {**FILES, **(overrides or {})}.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def canonical_frame(
    kind: str, rows: list[dict[str, object]], file: str = "test.csv"
) -> pd.DataFrame:
    """A reader-shaped table: the canonical columns and dtypes, rows numbered from 2."""
    schema = SCHEMAS[kind]  # type: ignore[index]
    frame = pd.DataFrame(rows, columns=list(schema.names))
    for f in schema.fields:
        frame[f.name] = frame[f.name].astype(PANDAS_DTYPES[f.type])
    frame["source_file"] = file
    frame["source_row"] = range(2, len(frame) + 2)
    return frame[canonical_columns(kind)]  # type: ignore[arg-type]


AS_OF = date(2025, 1, 1)


def building_register() -> pd.DataFrame:
    """Three building agreements (A1-A3, CPV 45000000, "Bygg N AB"): the register of the KPI
    and pricing tests, whose invoice lines differ by spend year."""
    return canonical_frame(
        "contracts",
        [dict(agreement_id=f"A{i}", supplier=f"Bygg {i} AB", cpv="45000000") for i in (1, 2, 3)],
    )
