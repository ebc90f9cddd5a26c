"""Category rules and factor sets: matching, user extension and refusal of bad rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from spend_fixtures import write_rule_files

from spendanalys.errors import FactorError, InputFormatError
from spendanalys.spend.categories import (
    category_from_account,
    category_from_alias,
    category_from_cpv,
    category_from_keywords,
    category_from_supplier,
    excluded_account,
    load_category_rules,
)
from spendanalys.spend.factors import (
    load_exchange_rate_table,
    load_kpi,
    load_spend_factor_set,
    price_year_factor,
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_rule_files(tmp_path / "rules")


@pytest.fixture
def rules(folder: Path):
    return load_category_rules(data_dir=folder)


def _s(*values):
    return pd.Series(list(values), dtype="string")


def _list(series: pd.Series):
    return [None if pd.isna(v) else v for v in series]


def test_cpv_longest_prefix_wins(rules):
    got = category_from_cpv(
        _s("45210000", "45000000", "90910000-9", "90911200", "72000000 IT", "99", None), rules
    )
    assert _list(got) == [
        "office",
        "construction",
        "cleaning",
        "cleaning",
        "it_consulting",
        None,
        None,
    ]


def test_account_narrowest_range_wins_and_exclusion(rules):
    accounts = _s("4010", "4500", "6545", "5000 Övrigt", "7010", "9999", None)
    assert _list(category_from_account(accounts, rules)) == [
        "food",
        "office",
        "it_consulting",
        "office",
        None,
        None,
        None,
    ]
    assert list(excluded_account(accounts, rules)) == [
        False,
        False,
        False,
        False,
        True,
        False,
        False,
    ]


def test_keywords_match_word_beginnings_and_the_longest_wins(rules):
    texts = _s(
        "Städning kontor",
        "Ny kaffemaskin",
        "kaffe och kaffemaskin",
        "lokalstäd",
        "IT-konsulter",
        None,
    )
    assert _list(category_from_keywords(texts, rules)) == [
        "cleaning",
        "office",
        "office",
        None,
        "it_consulting",
        None,
    ]


def test_aliases_and_names_fold_case_space_and_punctuation(rules):
    names = _s("it tjänster", "LOKALVÅRD", "Cleaning", "food", "städning!", "okänd")
    assert _list(category_from_alias(names, rules)) == [
        "it_consulting",
        "cleaning",
        "cleaning",
        "food",
        "cleaning",
        None,
    ]


def test_user_files_extend_and_win(folder: Path, tmp_path: Path):
    user = tmp_path / "my_cpv.csv"
    user.write_text("cpv_prefix,category_id,note\n15,office,mine\n77,food,new\n", encoding="utf-8")
    extended = load_category_rules(cpv_map=user, data_dir=folder)
    assert _list(category_from_cpv(_s("15000000", "77000000", "72000000"), extended)) == [
        "office",
        "food",
        "it_consulting",
    ]
    replaced = load_category_rules(cpv_map=user, extend=False, data_dir=folder)
    assert _list(category_from_cpv(_s("72000000"), replaced)) == [None]
    # By file name: the sources go into reports, which never name a path on the machine.
    assert extended.sources["cpv_map.csv"] == "my_cpv.csv + cpv_map.csv (data folder)"
    assert replaced.sources["cpv_map.csv"] == "my_cpv.csv"
    assert load_category_rules().sources["cpv_map.csv"] == "cpv_map.csv (built-in)"


def test_supplier_map_by_org_number_then_name(folder: Path):
    rules = load_category_rules(
        data_dir=write_rule_files(
            folder,
            {
                "supplier_map.csv": "org_number,supplier,category_id,note\n556677-8899,Städ AB,cleaning,\n,Kaffe & Co AB,food,\n"
            },
        )
    )
    got = category_from_supplier(
        _s("SE556677889901", None, None), _s("x", "KAFFE & CO", "y"), rules
    )
    assert _list(got) == ["cleaning", "food", None]


@pytest.mark.parametrize(
    ("file", "text", "reason"),
    [
        ("cpv_map.csv", "cpv_prefix,category_id\n72,nonexistent\n", "not in the category tree"),
        ("cpv_map.csv", "cpv_prefix,category_id\n7a,food\n", "digits"),
        (
            "account_map.csv",
            "account_from,account_to,category_id,exclude\n10,20,food,maybe\n",
            "yes or no",
        ),
        (
            "account_map.csv",
            "account_from,account_to,category_id,exclude\n20,10,food,no\n",
            "greater",
        ),
        ("keyword_map.csv", "wrong,header\n", "missing column"),
    ],
)
def test_bad_rule_files_are_refused_with_the_line(folder: Path, tmp_path: Path, file, text, reason):
    bad = tmp_path / file
    bad.write_text("# provenance\n" + text, encoding="utf-8")
    key = {
        "cpv_map.csv": "cpv_map",
        "account_map.csv": "account_map",
        "keyword_map.csv": "keyword_map",
    }[file]
    with pytest.raises(InputFormatError, match=reason) as info:
        load_category_rules(**{key: bad}, data_dir=folder)
    assert info.value.file == str(bad)
    assert info.value.row in (2, 3)


def test_factor_units_are_converted_once_at_load(folder: Path, rules):
    fs = load_spend_factor_set(data_dir=folder, rules=rules).factors.set_index("category_id")
    assert fs.loc["it_consulting", "kg_co2e_per_sek"] == pytest.approx(0.020)  # 20 g/SEK
    assert fs.loc["cleaning", "kg_co2e_per_sek"] == pytest.approx(
        0.030
    )  # 30 t/MSEK, named "Lokalvård"
    assert fs.loc["food", "kg_co2e_per_sek"] == pytest.approx(0.100)  # 100 kg/kSEK
    assert fs.loc["cleaning", "unit_as_written"] == "t CO2e/MSEK"


def test_factor_per_euro_uses_the_rate_of_its_currency_year(folder: Path, rules, tmp_path: Path):
    """0.5 kg CO2e/EUR at 2022 prices, 10 SEK/EUR in 2022 → 0.05 kg/SEK; 2024 (11 SEK) → 0.04545."""
    path = tmp_path / "eur.csv"
    path.write_text(
        "category,factor,unit,price_year,source,org_number\n"
        "food,0.5,kg CO2e/EUR,2022,eu,\nfood,0.5,kg CO2e/EUR,2024,eu,5566778899\n",
        encoding="utf-8",
    )
    fs = load_spend_factor_set(
        path, rules=rules, rate_table=load_exchange_rate_table(data_dir=folder)
    )
    assert list(fs.factors["kg_co2e_per_sek"]) == pytest.approx([0.05, 0.5 / 11])
    assert fs.supplier_specific["org_number"].tolist() == ["5566778899"]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("food,abc,kg CO2e/SEK,2022,s", "not a number"),
        ("food,-1,kg CO2e/SEK,2022,s", "negative"),
        ("food,1,kg CO2e/kg,2022,s", "unit"),
        ("food,1,furlongs,2022,s", "unit"),
        ("food,1,kg CO2e/SEK,20x2,s", "not a year"),
        ("food,1,kg CO2e/SEK,2022,", "source is empty"),
        ("Lokalvård,1,kg CO2e/SEK,2022,s", "earlier row"),
    ],
)
def test_bad_factor_rows_are_refused_with_file_and_row(rules, tmp_path: Path, row, reason):
    path = tmp_path / "mine.csv"
    path.write_text(
        f"# my set\ncategory,factor,unit,price_year,source\ncleaning,1,kg CO2e/SEK,2022,s\n{row}\n",
        encoding="utf-8",
    )
    with pytest.raises(FactorError, match=reason) as info:
        load_spend_factor_set(path, rules=rules)
    assert info.value.row in (3, 4)
    assert info.value.file == str(path)


def test_kpi_and_price_year_factor(folder: Path):
    kpi = load_kpi(data_dir=folder)
    assert kpi.attrs["source"] == "test fixture"
    assert price_year_factor(2024, 2022, kpi) == pytest.approx(400 / 440)
    assert price_year_factor(2022, 2022, kpi) == 1.0
