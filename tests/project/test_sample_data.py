"""The committed sample exports: reproducible from the generator, and realistic in proportion.

The files are read with pandas directly (not through the project's readers) so that these tests
check the sample itself; the last tests then read every file through ``spendanalys.io``.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

FILES = (
    "avtalsforteckning.xlsx",
    "avtalsforteckning.csv",
    "leverantorsfakturor_2024.csv",
    "leverantorsfakturor_2024.xlsx",
    "resor_2019_2024.csv",
    "arsarbetskrafter.csv",
)
CONTRACT_HEADER = [
    "Avtalsnummer", "Avtalsnamn", "Leverantör", "Organisationsnummer", "Inköpskategori",
    "CPV-kod", "Startdatum", "Slutdatum", "Avtalsvärde per år (kr)", "Miljökrav",
]  # fmt: skip
INVOICE_HEADER = [
    "Fakturanummer", "Fakturadatum", "Leverantör", "Organisationsnummer", "Konto",
    "Belopp exkl. moms", "Avtalsnummer", "Fakturatext",
]  # fmt: skip
TRIP_HEADER = [
    "Resedatum", "Färdsätt", "Från", "Till", "Avstånd (km)", "Antal resenärer", "Klass",
    "Tur och retur", "Enhet", "Kön", "Kostnad (kr)", "Hotellnätter",
]  # fmt: skip
METRO = {"STO": "ARN", "LON": "LHR", "PAR": "CDG"}


def swedish_to_float(values: pd.Series) -> pd.Series:
    """'-12 345,50' -> -12345.5 (the format the sample writes)."""
    return values.str.replace(" ", "", regex=False).str.replace(",", ".", regex=False).astype(float)


def org_digits(values: pd.Series) -> pd.Series:
    """'556677-8899', '5566778899', 'SE556677889901' -> '5566778899'; blank stays blank."""
    digits = values.str.replace(r"\D", "", regex=True)
    return digits.where(digits.str.len() != 12, digits.str[:10])


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(number):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return total % 10 == 0


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Path:
    out = tmp_path_factory.mktemp("sample")
    subprocess.run(
        [sys.executable, str(sample_dir / "generate.py"), "--out", str(out)],
        check=True,
        timeout=300,
    )
    return out


@pytest.fixture(scope="module")
def contracts(sample_dir: Path) -> pd.DataFrame:
    return pd.read_csv(
        sample_dir / "avtalsforteckning.csv", sep=";", encoding="utf-8-sig", dtype=str,
        keep_default_na=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def invoices(sample_dir: Path) -> pd.DataFrame:
    """Data lines only (title row skipped, Summa row dropped), as text."""
    table = pd.read_csv(
        sample_dir / "leverantorsfakturor_2024.csv", sep=";", encoding="cp1252", skiprows=1,
        dtype=str, keep_default_na=False,
    )  # fmt: skip
    return table[table["Fakturanummer"] != "Summa"]


@pytest.fixture(scope="module")
def trips(sample_dir: Path) -> pd.DataFrame:
    return pd.read_csv(
        sample_dir / "resor_2019_2024.csv", sep=";", encoding="utf-8", dtype=str,
        keep_default_na=False,
    )  # fmt: skip


# --- reproducibility -------------------------------------------------------------------------


@pytest.mark.parametrize("name", [f for f in FILES if f.endswith(".csv")])
def test_committed_csv_is_exactly_what_the_generator_writes(
    name: str, generated: Path, sample_dir: Path
) -> None:
    assert (generated / name).read_bytes() == (sample_dir / name).read_bytes()


@pytest.mark.parametrize("name", [f for f in FILES if f.endswith(".xlsx")])
def test_committed_workbook_has_the_generated_content(
    name: str, generated: Path, sample_dir: Path
) -> None:
    # Compare the uncompressed parts: independent of the zlib build, but sensitive to any
    # timestamp in docProps or change in a cell.
    with zipfile.ZipFile(generated / name) as new, zipfile.ZipFile(sample_dir / name) as old:
        assert sorted(new.namelist()) == sorted(old.namelist())
        for part in new.namelist():
            assert new.read(part) == old.read(part), part
            assert new.getinfo(part).date_time == old.getinfo(part).date_time


# --- contract register -----------------------------------------------------------------------


def test_register_size_and_miljokrav_share(contracts: pd.DataFrame) -> None:
    assert list(contracts.columns) == CONTRACT_HEADER
    assert 330 <= len(contracts) <= 370
    assert contracts["Avtalsnummer"].is_unique
    share_yes = (contracts["Miljökrav"] == "Ja").mean()
    assert 0.20 <= share_yes <= 0.28
    assert set(contracts["Miljökrav"]) == {"Ja", "Nej", ""}  # blank = unknown
    assert 0 < (contracts["Miljökrav"] == "").sum() <= 15


def test_register_org_numbers_mixed_formats_and_shared_suppliers(contracts: pd.DataFrame) -> None:
    raw = contracts["Organisationsnummer"]
    assert raw.str.fullmatch(r"\d{6}-\d{4}").any()
    assert raw.str.fullmatch(r"\d{10}").any()
    assert raw.str.fullmatch(r"SE\d{12}").any()
    digits = org_digits(raw)
    assert digits.str.fullmatch(r"\d{10}").all()
    assert all(luhn_ok(d) for d in digits)
    per_org = digits.value_counts()
    assert 2 <= (per_org == 2).sum() <= 5  # org-number linking is ambiguous for these
    assert per_org.max() == 2


def test_register_dates_and_heavy_tailed_values(contracts: pd.DataFrame) -> None:
    start = pd.to_datetime(contracts["Startdatum"], format="%Y-%m-%d")
    end = pd.to_datetime(contracts["Slutdatum"], format="%Y-%m-%d")
    assert (start < end).all()
    assert (start <= "2024-12-31").all()  # all ongoing on 2025-01-01
    assert set(end.dt.year) == {2025, 2026, 2027, 2028}
    assert 0.15 <= (end < "2026-01-01").mean() <= 0.45  # "ending within 12 months" picks some
    value = swedish_to_float(contracts["Avtalsvärde per år (kr)"])
    assert 3 <= ((value >= 20e6) & (value <= 80e6)).sum() <= 8
    assert value.median() < 1.5e6
    assert value.mean() > 1.5 * value.median()


def test_register_cpv_codes_exist(contracts: pd.DataFrame, reference_dir: Path) -> None:
    cpv = contracts["CPV-kod"]
    assert cpv.str.fullmatch(r"\d{8}-\d").any()
    assert cpv.str.fullmatch(r"\d{8}").any()
    assert cpv.str.match(r"\d{8} \D").any()
    known = set(pd.read_csv(reference_dir / "data" / "cpv_2008_codes.csv", dtype=str)["CPV_ID"])
    assert set(cpv.str[:8]) <= known


def test_register_workbook_layout_matches_csv(sample_dir: Path, contracts: pd.DataFrame) -> None:
    ws = openpyxl.load_workbook(sample_dir / "avtalsforteckning.xlsx")["Avtal"]
    assert [str(r) for r in ws.merged_cells.ranges] == ["A1:J1"]
    assert ws["A1"].value.startswith("Avtalsförteckning")
    assert all(c.value is None for c in ws[2])
    assert [c.value for c in ws[3]] == CONTRACT_HEADER
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    assert len(rows) == len(contracts)
    first = contracts.iloc[0]
    assert rows[0][0] == first["Avtalsnummer"]
    assert rows[0][6].date().isoformat() == first["Startdatum"]
    assert isinstance(rows[0][8], int)


# --- supplier invoices -----------------------------------------------------------------------


def test_invoice_csv_format(sample_dir: Path) -> None:
    data = (sample_dir / "leverantorsfakturor_2024.csv").read_bytes()
    assert data.count(b"\r\n") == data.count(b"\n")  # CRLF throughout
    text = data.decode("cp1252")
    lines = text.split("\r\n")
    assert lines[0].startswith("Leverantörsfakturor 2024")
    assert lines[1].split(";") == INVOICE_HEADER
    assert lines[-2].startswith("Summa;")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really cp1252, not UTF-8


def test_invoice_proportions(invoices: pd.DataFrame, sample_dir: Path) -> None:
    amount = swedish_to_float(invoices["Belopp exkl. moms"])
    assert 28_000 <= len(invoices) <= 32_000
    assert 0.01 <= (amount < 0).mean() <= 0.03  # credit notes
    assert 300e6 <= amount.sum() <= 600e6
    assert 0.25 <= (invoices["Avtalsnummer"] != "").mean() <= 0.40
    assert 0.02 <= (invoices["Organisationsnummer"] == "").mean() <= 0.15
    assert invoices["Konto"].str.fullmatch(r"\d{4}").all()
    assert {"5011", "5891", "7711"} <= set(invoices["Konto"])  # outside the purchase boundary
    assert pd.to_datetime(invoices["Fakturadatum"], format="%Y-%m-%d").dt.year.eq(2024).all()
    summa = (sample_dir / "leverantorsfakturor_2024.csv").read_text("cp1252").splitlines()[-1]
    assert swedish_to_float(pd.Series([summa.split(";")[5]]))[0] == pytest.approx(
        amount.sum(), abs=0.005
    )


def test_invoices_link_to_the_register(invoices: pd.DataFrame, contracts: pd.DataFrame) -> None:
    assert set(invoices["Avtalsnummer"]) - {""} <= set(contracts["Avtalsnummer"])
    register_orgs = set(org_digits(contracts["Organisationsnummer"]))
    ledger_orgs = org_digits(invoices["Organisationsnummer"])
    unknown = invoices[(ledger_orgs != "") & ~ledger_orgs.isin(register_orgs)]
    assert 100 <= len(unknown) <= 1_000  # hotels, restaurants, landlords... without agreement
    assert (ledger_orgs[ledger_orgs != ""].str.len() == 10).all()

    # Supplier names differ in spelling between register and ledger for some suppliers.
    def fold(name: str) -> str:
        return " ".join(name.upper().replace("AKTIEBOLAG", "AB").split())

    register_names = set(contracts["Leverantör"])
    folded = {fold(n) for n in register_names}
    respelled = [n for n in set(invoices["Leverantör"]) - register_names if fold(n) in folded]
    assert len(respelled) >= 20


def test_invoice_workbook_matches_csv(sample_dir: Path, invoices: pd.DataFrame) -> None:
    calamine = pytest.importorskip("python_calamine")  # openpyxl needs ~10 s for this sheet
    book = calamine.CalamineWorkbook.from_path(str(sample_dir / "leverantorsfakturor_2024.xlsx"))
    assert book.sheet_names == ["Fakturor"]
    rows = book.get_sheet_by_name("Fakturor").to_python()
    assert str(rows[0][0]).startswith("Leverantörsfakturor 2024")
    assert list(rows[1]) == INVOICE_HEADER
    data, summa = rows[2:-1], rows[-1]
    assert len(data) == len(invoices)
    amounts = np.array([r[5] for r in data])
    assert amounts == pytest.approx(swedish_to_float(invoices["Belopp exkl. moms"]).to_numpy())
    assert summa[0] == "Summa" and summa[5] == pytest.approx(amounts.sum(), abs=0.005)
    assert [d[1].isoformat() for d in data[:50]] == invoices["Fakturadatum"].head(50).tolist()
    assert all(float(r[4]).is_integer() for r in data)  # Konto is a number cell


# --- travel and FTE --------------------------------------------------------------------------


def test_trips_vocabulary_and_years(trips: pd.DataFrame) -> None:
    assert list(trips.columns) == TRIP_HEADER
    year = trips["Resedatum"].str[:4].astype(int)
    assert set(year) == {2019, 2022, 2023, 2024}
    assert all(300 <= n <= 2_500 for n in year.value_counts())
    assert set(trips["Färdsätt"]) == {"Flyg", "Tåg", "Bil", "Hyrbil", "Taxi", "Buss", "Hotell"}
    flights = trips[trips["Färdsätt"] == "Flyg"]
    assert (flights["Från"] != flights["Till"]).all()
    assert set(flights["Klass"]) == {"Ekonomi", "Business"}
    assert (flights["Klass"] == "Ekonomi").mean() > 0.85
    assert 0 < (flights["Avstånd (km)"] != "").mean() < 0.1  # mostly blank for flights
    assert {"STO", "LON", "PAR"} & (set(flights["Från"]) | set(flights["Till"]))
    ground = trips[trips["Färdsätt"].isin(["Tåg", "Bil", "Hyrbil", "Buss"])]
    assert (ground["Avstånd (km)"] != "").all()
    hotels = trips[trips["Färdsätt"] == "Hotell"]
    assert (hotels["Hotellnätter"].astype(int) > 0).all()
    assert set(trips["Kön"]) == {"Kvinna", "Man", ""}
    assert trips["Antal resenärer"].astype(int).between(1, 4).all()


def test_travel_trend_shows_progress_but_is_off_track(
    trips: pd.DataFrame, sample_dir: Path
) -> None:
    """Flight passenger-km per FTE (business counted twice): below 2019, short of -25 % in 2024."""
    airportsdata = pytest.importorskip("airportsdata")
    airports = airportsdata.load("IATA")
    flights = trips[trips["Färdsätt"] == "Flyg"]

    def coords(codes: pd.Series) -> np.ndarray:
        return np.radians(
            [(airports[METRO.get(c, c)]["lat"], airports[METRO.get(c, c)]["lon"]) for c in codes]
        )

    (la1, lo1), (la2, lo2) = coords(flights["Från"]).T, coords(flights["Till"]).T
    h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    km = 2 * 6371.0088 * np.arcsin(np.sqrt(h))
    weight = (
        flights["Antal resenärer"].astype(int).to_numpy()
        * np.where(flights["Tur och retur"] == "Ja", 2, 1)
        * np.where(flights["Klass"] == "Business", 2, 1)
    )
    pkm = pd.Series(km * weight).groupby(flights["Resedatum"].str[:4].astype(int).to_numpy()).sum()
    fte = pd.read_csv(sample_dir / "arsarbetskrafter.csv", sep=";", dtype=str)
    fte_by_year = pd.Series(
        swedish_to_float(fte["Årsarbetskrafter"]).to_numpy(), fte["År"].astype(int)
    )
    change = (pkm / fte_by_year[pkm.index]) / (pkm[2019] / fte_by_year[2019]) - 1
    assert change[2022] == change.min()
    assert -0.25 < change[2024] < -0.05


def test_fte_file(sample_dir: Path) -> None:
    text = (sample_dir / "arsarbetskrafter.csv").read_text("utf-8")
    assert text.splitlines()[0] == "År;Årsarbetskrafter"
    fte = pd.read_csv(sample_dir / "arsarbetskrafter.csv", sep=";", dtype=str)
    assert fte["År"].astype(int).tolist() == list(range(2019, 2025))
    values = swedish_to_float(fte["Årsarbetskrafter"])
    assert values.between(1_300, 1_700).all()
    assert fte["Årsarbetskrafter"].str.contains(" ").all()  # space as thousands separator


# --- through the project's readers -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind", "rows"),
    [
        ("avtalsforteckning.csv", "contracts", None),
        ("avtalsforteckning.xlsx", "contracts", None),
        ("leverantorsfakturor_2024.csv", "invoices", None),
        ("leverantorsfakturor_2024.xlsx", "invoices", None),
        ("resor_2019_2024.csv", "trips", None),
        ("arsarbetskrafter.csv", "fte", 6),
    ],
)
def test_readers_accept_every_sample_row(
    name: str, kind: str, rows: int | None, sample_dir: Path, invoices: pd.DataFrame,
    contracts: pd.DataFrame, trips: pd.DataFrame,
) -> None:  # fmt: skip
    spendanalys_io = pytest.importorskip("spendanalys.io")
    result = spendanalys_io.read_input(sample_dir / name, kind)
    assert result.rejected == []
    expected = (
        rows or {"contracts": len(contracts), "invoices": len(invoices), "trips": len(trips)}[kind]
    )
    assert result.rows_accepted == expected
    if kind == "invoices":
        total = swedish_to_float(invoices["Belopp exkl. moms"]).sum()
        assert result.table["amount_sek"].sum() == pytest.approx(total, abs=0.01)
        assert result.table["org_number"].dropna().str.fullmatch(r"\d{10}").all()
    if kind == "contracts":
        assert (
            result.table["environmental_requirements"].isna().sum()
            == (contracts["Miljökrav"] == "").sum()
        )
