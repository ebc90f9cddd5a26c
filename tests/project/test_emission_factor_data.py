"""Consistency of the committed spend factor data (emission_factors/spend/), without the engine.

The files are data with a documented format (emission_factors/spend/README.md); these tests are
the contract the loaders rely on: ids resolve, every category is priced exactly once, CPV prefixes
cover the CPV 2008 list, account ranges resolve unambiguously, units parse with the one unit
registry, and the build script reproduces the committed factor file from the EPA reference.
"""

from __future__ import annotations

import importlib.util
import io
import re
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from spendanalys.units import emission_factor_to_kg_per_sek

SPEND = Path(__file__).resolve().parents[2] / "emission_factors" / "spend"
MAPS_WITH_CATEGORY = (
    "cpv_map.csv",
    "account_map.csv",
    "account_map_bas2025.csv",
    "keyword_map.csv",
    "category_aliases.csv",
    "supplier_map.csv",
    "naics_by_category.csv",
)
ACCOUNT_MAPS = ("account_map.csv", "account_map_bas2025.csv")
SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


def read(name: str) -> pd.DataFrame:
    """A data file as the loaders read it: leading '#' lines skipped, every cell text."""
    lines = (SPEND / name).read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    assert not any(line.startswith("#") for line in lines[start:]), f"{name}: '#' after header"
    return pd.read_csv(io.StringIO("".join(lines[start:])), dtype=str, keep_default_na=False)


def load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name.removesuffix(".py"), SPEND / name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def records(table: pd.DataFrame) -> list[dict[str, str]]:
    """Rows as plain dicts of text (every cell was read as str)."""
    return [{str(k): str(v) for k, v in row.items()} for row in table.to_dict("records")]


def fold(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


@pytest.fixture(scope="module")
def category_ids() -> list[str]:
    return read("categories.csv")["category_id"].tolist()


@pytest.fixture(scope="module")
def factors() -> pd.DataFrame:
    return read("factors_epa_v1.3_sek.csv")


def test_category_tree_shape(category_ids: list[str]) -> None:
    tree = read("categories.csv")
    assert list(tree.columns) == [
        "category_id", "group_id", "group_sv", "group_en", "name_sv", "name_en", "description_en",
    ]  # fmt: skip
    assert len(set(category_ids)) == len(category_ids)
    assert all(SNAKE.match(c) for c in category_ids), [
        c for c in category_ids if not SNAKE.match(c)
    ]
    assert 40 <= len(category_ids) <= 65
    assert 12 <= tree["group_id"].nunique() <= 18
    # One Swedish and one English name per group id.
    assert (tree.groupby("group_id")[["group_sv", "group_en"]].nunique() == 1).all().all()
    assert (tree[["name_sv", "name_en", "description_en"]] != "").all().all()


def test_every_category_has_exactly_one_factor(
    category_ids: list[str], factors: pd.DataFrame
) -> None:
    counts = factors["category"].value_counts()
    assert sorted(counts.index) == sorted(category_ids)
    assert (counts == 1).all(), counts[counts != 1]


def test_factor_rows_carry_provenance(factors: pd.DataFrame) -> None:
    required = ["category", "factor", "unit", "price_year", "source"]  # the minimal user columns
    assert set(required) <= set(factors.columns)
    for column in ["gwp", "licence", "price_basis", "derivation", "data_quality", "naics"]:
        assert (factors[column].str.strip() != "").all(), column
    assert (factors["price_year"] == "2022").all()
    assert factors["derivation"].str.contains("SEK/USD").all()


def test_factor_units_parse_with_the_unit_registry(factors: pd.DataFrame) -> None:
    for row in records(factors):
        value = float(row["factor"])
        assert emission_factor_to_kg_per_sek(value, row["unit"]) == pytest.approx(value)
        # A gross-error guard: a missing currency division or a g/kg slip lands outside this.
        assert 0.001 < value < 0.5, (row["category"], value)


@pytest.mark.parametrize("name", MAPS_WITH_CATEGORY)
def test_every_mapped_category_exists(name: str, category_ids: list[str]) -> None:
    table = read(name)
    used = {c for c in table["category_id"] if c != ""}
    assert used <= set(category_ids), used - set(category_ids)


def test_cpv_prefixes_are_digit_text_and_unique() -> None:
    cpv = read("cpv_map.csv")
    assert cpv["cpv_prefix"].str.fullmatch(r"\d{2,8}").all()
    assert cpv["cpv_prefix"].is_unique
    assert (cpv["category_id"] != "").all()


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("09134100", "fuels"),  # diesel: division 09
        ("09310000", "electricity"),  # 0931 beats 09
        ("09320000", "district_heating"),  # 0932
        ("34110000", "vehicles"),
        ("45233120", "civil_engineering"),  # road construction, 4523 beats 45
        ("72222300", "it_consulting"),
        ("72500000", "it_operations"),
        ("79710000", "security_guarding"),
        ("79711000", "security_equipment"),  # 79711 beats 797
        ("79620000", "recruitment_staffing"),
        ("79530000", "translation_interpreting"),
        ("79810000", "printing"),
        ("60120000", "taxi"),
        ("55110000", "hotels_conference"),
        ("90911200", "cleaning"),
        ("85147000", "occupational_health"),
        ("03221000", "food_beverages"),
    ],
)
def test_longest_cpv_prefix_wins(code: str, expected: str) -> None:
    script = load_script("check_cpv_coverage.py")
    assert script.category_for(code, script.read_cpv_map(SPEND / "cpv_map.csv")) == expected


def test_cpv_map_covers_every_division_of_the_reference_list(reference_dir: Path) -> None:
    script = load_script("check_cpv_coverage.py")
    codes = pd.read_csv(reference_dir / "data" / "cpv_2008_codes.csv", dtype=str)["CPV_ID"]
    prefixes = script.read_cpv_map(SPEND / "cpv_map.csv")
    assert set(codes.str[:2]) <= set(prefixes), set(codes.str[:2]) - set(prefixes)
    per_category, uncovered = script.coverage(codes, prefixes)
    assert uncovered == []
    assert sum(per_category.values()) == len(codes) == 9454


@pytest.mark.parametrize("name", ACCOUNT_MAPS)
def test_account_ranges_resolve_unambiguously(name: str) -> None:
    table = read(name)
    start = table["account_from"].astype(int)
    end = table["account_to"].astype(int)
    assert table["account_from"].str.fullmatch(r"\d{4}").all()
    assert table["account_to"].str.fullmatch(r"\d{4}").all()
    assert (start <= end).all()
    assert table["exclude"].isin(["yes", "no"]).all()
    excluded = table["exclude"] == "yes"
    assert (table.loc[excluded, "category_id"] == "").all()
    assert (table.loc[~excluded, "category_id"] != "").all()
    ranges = list(zip(start, end, strict=True))
    for i, (a0, a1) in enumerate(ranges):
        for b0, b1 in ranges[i + 1 :]:
            if a1 < b0 or b1 < a0:
                continue  # disjoint
            nested = (a0 <= b0 and b1 <= a1) or (b0 <= a0 and a1 <= b1)
            assert nested, f"{name}: {a0}-{a1} and {b0}-{b1} cross"
            assert (a1 - a0) != (b1 - b0), f"{name}: {a0}-{a1} and {b0}-{b1} tie on width"


def test_default_account_map_excludes_the_non_purchase_boundary() -> None:
    table = read("account_map.csv")

    def rule(account: int) -> dict[str, str]:
        """The narrowest range containing ``account``."""
        hit = [
            row
            for row in records(table)
            if int(row["account_from"]) <= account <= int(row["account_to"])
        ]
        return min(hit, key=lambda row: int(row["account_to"]) - int(row["account_from"]))

    for account in (4011, 4111, 5011, 5911, 6911, 7711, 8999):  # salaries, rent, finance, ...
        assert rule(account)["exclude"] == "yes", account
    assert rule(4713)["category_id"] == "occupational_health"  # narrow purchase inside class 4
    assert rule(5721)["category_id"] == "it_operations"
    assert rule(6551)["category_id"] == "architecture_engineering"  # narrowest wins over 6550-6559


# Words common on Swedish invoices that name no purchase: no keyword may start them, since a
# keyword matches at the start of any word ("el" would put every "eller" under electricity).
COMMON_WORDS = (
    "eller", "elev", "elektronisk", "själv", "sjön", "bokning", "reklamation", "eventuellt",
    "postadress", "poster", "avser", "enligt", "period", "faktura", "fakturanummer", "belopp",
    "avtal", "avtalet", "order", "referens", "kundnummer", "datum", "månad", "kvartal", "januari",
    "mars", "maj", "augusti", "oktober", "summa", "totalt", "moms", "exkl", "inkl", "kreditering",
    "avdelning", "projekt", "leverans", "delbetalning", "och", "med", "för", "till", "från",
)  # fmt: skip


def test_keywords_are_clean_and_miss_common_words() -> None:
    keywords = read("keyword_map.csv")
    assert 150 <= len(keywords) <= 300
    words = keywords["keyword"]
    assert (words == words.str.lower()).all()
    assert words.is_unique
    # Loaders strip cells, so a keyword must not rely on surrounding spaces.
    assert (words == words.str.strip()).all()
    assert (words.str.len() >= 3).all(), words[words.str.len() < 3].tolist()
    hits = {w: [k for k in words if w.startswith(k)] for w in COMMON_WORDS}
    assert not any(hits.values()), {w: k for w, k in hits.items() if k}


def test_aliases_fold_uniquely_and_agree_with_category_names() -> None:
    aliases = read("category_aliases.csv")
    folded = aliases.assign(key=aliases["alias"].map(fold))
    assert (folded.groupby("key")["category_id"].nunique() == 1).all()
    tree = read("categories.csv")
    names = {
        fold(row[column]): row["category_id"]
        for row in records(tree)
        for column in ("category_id", "name_sv", "name_en")
    }
    clashes = folded[
        folded["key"].map(names).fillna(folded["category_id"]) != folded["category_id"]
    ]
    assert clashes.empty, clashes
    for required in ("IT-konsulttjänster", "Lokalvård", "Fjärrvärme", "Företagshälsovård", "El"):
        assert fold(required) in set(folded["key"]), required


def test_supplier_map_is_header_only() -> None:
    table = read("supplier_map.csv")
    assert list(table.columns) == ["org_number", "supplier", "category_id", "note"]
    assert table.empty


def test_kpi_table() -> None:
    kpi = read("kpi.csv")
    years = kpi["year"].astype(int)
    values = kpi["kpi"].astype(float)
    assert years.is_unique and years.is_monotonic_increasing
    assert set(range(2015, 2025)) <= set(years)
    assert (kpi["base"] == "1980=100").all()
    assert values.is_monotonic_increasing  # true for 2015-2024; a deflation year would need a look
    assert kpi.set_index("year").loc["2022", "kpi"] == "371.91"
    assert (kpi["source"].str.contains("SCB")).all()


def test_exchange_rates_table() -> None:
    rates = read("exchange_rates.csv")
    assert rates["currency"].isin(["USD", "EUR"]).all()
    assert not rates.duplicated(["year", "currency"]).any()
    assert (
        (rates["sek_per_unit"].astype(float) > 5) & (rates["sek_per_unit"].astype(float) < 15)
    ).all()
    usd_2022 = rates[(rates["year"] == "2022") & (rates["currency"] == "USD")]
    assert usd_2022["sek_per_unit"].tolist() == ["10.1245"]


def test_naics_mapping_weights_parse(category_ids: list[str]) -> None:
    mapping = read("naics_by_category.csv")
    assert sorted(mapping["category_id"]) == sorted(category_ids)
    for row in records(mapping):
        codes = row["naics_codes"].split(";")
        assert all(re.fullmatch(r"\d{6}", c) for c in codes), row["category_id"]
        if row["weights"]:
            assert len(row["weights"].split(";")) == len(codes), row["category_id"]


def test_build_script_reproduces_the_committed_factor_file(reference_dir: Path) -> None:
    build = load_script("build_factors.py")
    epa = reference_dir / "data" / build.EPA_NAME
    if not epa.is_file():
        pytest.skip(f"{epa} is absent")
    committed = (SPEND / "factors_epa_v1.3_sek.csv").read_text(encoding="utf-8")
    assert build.build_text(epa, SPEND) == committed


def test_build_script_without_reference_exits_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build = load_script("build_factors.py")
    status = build.main([str(tmp_path / "absent.csv"), "--out", str(tmp_path / "out.csv")])
    assert status == 2
    assert "reference file not found" in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists()
