"""Travel exports of other systems (issue 13): their words, booking classes, airport codes and
distances, and the reasons shown when most of a file is rejected.

The small files are tests/corpus/files/trips_*.csv (tests/corpus/make_corpus.py, travel block);
the real ones are in ../shared/realdata/travel (README there: origin, licence, quirks).
Hand-worked figures use the Swedish default set (spendanalys/travel/data, rows named below),
RF on, uplift 0.08, and great circles from airportsdata's coordinates.
"""

from __future__ import annotations

import json
import string
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from travel_fixtures import fte_frame, trips_frame

from spendanalys.errors import ConfigurationError
from spendanalys.i18n.notes import worded
from spendanalys.io.rejections import reason_counts, top_reasons
from spendanalys.io.result import RejectedRow
from spendanalys.io.values import parse_booleans
from spendanalys.travel.analysis import TravelSettings, analyse_travel, run_travel
from spendanalys.travel.distance_check import BASIS_HALVED
from spendanalys.travel.distances import airport_table, great_circle_km, resolve_codes
from spendanalys.travel.vocab import CABINS, booking_classes, normalise_cabin

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "files"
ROOT = Path(__file__).resolve().parents[2]
SETTINGS = TravelSettings(baseline_year=2019, target_year=2025)


@pytest.fixture
def fte_file(tmp_path: Path) -> Path:
    path = tmp_path / "arsarbetskrafter.csv"
    path.write_text("År;Årsarbetskrafter\n2019;100\n2020;100\n", encoding="utf-8")
    return path


def run(trips: Path, fte: Path) -> object:
    return run_travel([trips], [fte], settings=SETTINGS)


# --- booking classes -------------------------------------------------------------------------


def test_every_booking_class_of_the_data_file_is_a_cabin() -> None:
    table = booking_classes()
    assert set(table.values()) <= set(CABINS)
    assert {table["B"], table["P"], table["Y"], table["C"], table["J"], table["W"]} == {
        "economy",
        "first",
        "business",
        "premium",
    }
    assert (table["B"], table["P"]) == ("economy", "first")  # rejected before issue 13


@pytest.mark.parametrize(
    ("written", "cabin"),
    [
        ("B", "economy"),
        ("p", "first"),
        ("Y-Klasse", "economy"),
        ("Classe affaires", "business"),
        ("Erste Klasse", "first"),
        ("Premium économique", "premium"),
        ("Q2", None),
    ],
)
def test_cabin_words_and_letters(written: str, cabin: str | None) -> None:
    assert normalise_cabin(written) == cabin


def test_booking_classes_file(fte_file: Path) -> None:
    """trips_booking_classes.csv: seven letters priced by their cabin, Q2 rejected, counted."""
    a = run(CORPUS / "trips_booking_classes.csv", fte_file)
    flights = a.trips[a.trips["mode"] == "flight"]  # type: ignore[attr-defined]
    assert flights["cabin"].tolist() == [
        "economy", "first", "economy", "first", "business", "business", "premium",
    ]  # fmt: skip
    assert not flights["cabin_assumed"].any()
    [bad] = a.rejected  # type: ignore[attr-defined]
    assert bad.column == "cabin" and "'Q2'" in bad.reason
    assert any(n.startswith("1 flight row with a cabin class not known rejected, not priced as "
                            "economy (1 row: cabin class 'Q2' is not known") for n in a.notes)  # type: ignore[attr-defined]  # fmt: skip


def test_three_business_legs_with_a_class_column_of_another_system(tmp_path: Path) -> None:
    """Three ARN–JFK business legs whose class column is headed "Buchungsklasse" (C, J, D).

    Hand-worked: great circle ARN–JFK 6,291.96 km × 1.08 = 6,795.32 km one way; business long
    haul 0.41077 kg/pkm (default set, row 19): 2,791.31 kg per leg, 8,373.94 kg for three. As
    economy (row 15, 0.14165) they would be 2,887.67 kg: the bug of issue 13 (44,644 → 15,395 kg)
    had the same 2.9× ratio.
    """
    path = tmp_path / "flights.csv"
    rows = ["Reisedatum;Verkehrsmittel;Von;Nach;Buchungsklasse"]
    rows += [f"2019-05-0{i};Flug;ARN;JFK;{c}" for i, c in enumerate("CJD", start=1)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    fte = tmp_path / "fte.csv"
    fte.write_text("Year;FTE\n2019;10\n", encoding="utf-8")
    columns = {"origin": "Von", "destination": "Nach"}
    a = run_travel([path], [fte], columns=columns, settings=SETTINGS)
    assert a.rejected == []
    assert a.trips["cabin"].tolist() == ["business"] * 3
    assert a.trips["kg_co2e"].sum() == pytest.approx(8373.94, abs=0.01)


def test_flights_without_a_cabin_are_economy_with_a_note() -> None:
    trips = trips_frame([{"date": "2019-05-01", "mode": "flight", "origin": "ARN",
                          "destination": "JFK"}] * 3)  # fmt: skip
    a = analyse_travel(trips, fte_frame({2019: 10.0}), settings=SETTINGS)
    assert a.trips["kg_co2e"].sum() == pytest.approx(3 * 6795.32 * 0.14165, rel=1e-5)
    assert any(n.startswith("3 flight rows without a cabin class: priced as economy")
               for n in a.notes)  # fmt: skip


# --- round-trip and yes/no words --------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "round_trip"),
    [
        ("Hin- und Rückflug", True), ("Hin und zurück", True), ("Einfach", False),
        ("aller-retour", True), ("Aller simple", False), ("A/R", True),
        ("One-way", False), ("Round trip", True), ("Return", True),
        ("Tur och retur", True), ("T/R", True), ("Enkel", False),
        ("OUI", True), ("Non", False), ("Nein", False), ("Ja", True),
    ],
)  # fmt: skip
def test_round_trip_words(word: str, round_trip: bool) -> None:
    parsed = parse_booleans(pd.Series([word], dtype=object))
    assert parsed.errors.isna().all() and bool(parsed.values.iloc[0]) is round_trip


@given(
    st.sampled_from(["Hin- und Rückflug", "aller-retour", "One-way", "OUI", "NON"]),
    st.sampled_from(["", " ", "  "]),
    st.booleans(),
)
@settings(max_examples=60, deadline=None)
def test_round_trip_words_ignore_case_spaces_and_accents(word: str, pad: str, upper: bool) -> None:
    written = pad + (word.upper() if upper else word.lower()) + pad
    [expected] = parse_booleans(pd.Series([word], dtype=object)).values
    [got] = parse_booleans(pd.Series([written], dtype=object)).values
    assert got == expected


def test_round_trip_words_file(fte_file: Path) -> None:
    """trips_roundtrip_words_de_fr.csv: 2, 1, 2, 1, 2, 1 legs."""
    a = run(CORPUS / "trips_roundtrip_words_de_fr.csv", fte_file)
    assert a.rejected == []  # type: ignore[attr-defined]
    assert a.trips["legs"].tolist() == [2, 1, 2, 1, 2, 1]  # type: ignore[attr-defined]


# --- airport codes ---------------------------------------------------------------------------


@given(
    st.sampled_from(sorted(airport_table().index[:2000])),
    st.sampled_from(["'", "", " ", "' ", '"']),
    st.sampled_from([str.upper, str.lower, str.title]),
)
@settings(max_examples=80, deadline=None)
def test_a_code_resolves_whatever_excel_wrote_around_it(code: str, prefix: str, case) -> None:  # type: ignore[no-untyped-def]
    plain = resolve_codes(pd.Series([code]))["airport"].iloc[0]
    written = resolve_codes(pd.Series([prefix + case(code) + " "]))["airport"].iloc[0]
    assert written == plain


def test_apostrophes_and_retired_codes(fte_file: Path) -> None:
    """'FRA is FRA; SXF (Schönefeld, withdrawn 2020) is measured from BER, with a note."""
    a = run(CORPUS / "trips_apostrophe_codes.csv", fte_file)
    assert a.rejected == []  # type: ignore[attr-defined]
    lines = a.trips  # type: ignore[attr-defined]
    assert lines["destination_airport"].tolist() == ["FRA", "BER", "ARN"]
    assert lines["origin_airport"].tolist() == ["ARN", "ARN", "GOT"]
    assert any("SXF → BER ×1" in n for n in a.notes)  # type: ignore[attr-defined]


def test_letters_that_are_no_code_are_still_rejected() -> None:
    assert pd.isna(resolve_codes(pd.Series(["'QQZ"]))["airport"].iloc[0])


# --- distances checked -----------------------------------------------------------------------


def test_distance_that_covers_the_return_is_not_doubled(fte_file: Path) -> None:
    """trips_distance_covers_return.csv, great circle FRA–ARN 1,224.53 km:

    - 2,449 km on a round trip (2.0×): there and back; 1,224.5 km one way, 2,449 pkm;
    - 1,290 km on a round trip (1.05×): one way as written; 2,580 pkm;
    - 3,900 km one way (3.2×): far from the great circle, used as written (3,900 pkm), noted.
    pkm_by_mode.flight = 2,449 + 2,580 + 3,900 = 8,929 (doubling the first would give 11,378).
    """
    assert great_circle_km("FRA", "ARN") == pytest.approx(1224.53, abs=0.01)
    a = run(CORPUS / "trips_distance_covers_return.csv", fte_file)
    lines = a.trips  # type: ignore[attr-defined]
    assert lines["distance_km"].tolist() == [1224.5, 1290.0, 3900.0]
    assert lines["distance_basis"].iloc[0] == BASIS_HALVED
    assert a.years.loc[a.years["year"] == 2019, "pkm_flight"].iloc[0] == 8929.0  # type: ignore[attr-defined]
    notes = " ".join(a.notes)  # type: ignore[attr-defined]
    assert "1 round-trip row whose written distance is 1.75–2.8 times" in notes
    assert "1 flight row whose written distance is outside 0.8–1.5 times" in notes


@pytest.mark.realdata
def test_cnrs_output_sheet_keeps_its_own_km(realdata_dir: Path) -> None:
    """CNRS LMD "Sortie Moulinette" 2022 (realdata README): 399 missions whose "Distance
    totale (km)" is there and back on the 330 round trips (aller-retour OUI).

    The file's own total is 1,317,828 km; doubling every round trip gave 2,332,459 (×1.77, the
    bug of issue 13). 15 round trips can be checked against the great circle of their places'
    codes (all about 2×), so the file's other round trips are taken to cover the return too:
    the passenger-km used equal the file's km, and rail 243,028 km and car 23,495 km equal the
    workbook's own summary (sheet "Sorties et synthèse": Train 243.028, Voiture 23.495 thousand
    km). 9 rows without a distance and with a city that has no IATA code are rejected.
    """
    sheet = pd.read_excel(
        realdata_dir / "travel" / "cnrs_lmd_calcul_empreinte_2022_workbook.xlsx",
        sheet_name="Sortie Moulinette",
        usecols=range(13),
        engine="openpyxl",
    )
    sheet.columns = [str(c).strip() for c in sheet.columns]
    sheet = sheet.dropna(subset=["Distance totale (km)"])
    mode = sheet["transport majoritaire pour CO2"].str.split(" ").str[0]
    rows = [
        {"date": "2022-06-01", "mode": {"plane": "flight", "train": "rail"}.get(m, m),
         "origin": o, "destination": d, "distance_km": km, "round_trip": str(r).upper() == "OUI"}
        for m, o, d, km, r in zip(
            mode, sheet["ville départ"], sheet["ville arrivée"], sheet["Distance totale (km)"],
            sheet["aller-retour"], strict=True,
        )
    ]  # fmt: skip
    a = analyse_travel(
        trips_frame(rows),
        fte_frame({2022: 100.0}),
        settings=TravelSettings(baseline_year=2022, target_year=2025),
    )
    year = a.years.iloc[0]
    assert sheet["Distance totale (km)"].sum() == 1_317_828
    assert year["pkm_flight"] + year["pkm_rail"] + year["vkm_car"] == pytest.approx(1_317_828)
    assert (year["pkm_rail"], year["vkm_car"]) == (243_028.0, 23_495.0)
    assert len({(r.file, r.row) for r in a.rejected}) <= 9


# --- reasons in the summary ------------------------------------------------------------------


def test_top_reasons_count_rows_once_and_most_first() -> None:
    rows = [RejectedRow("t.csv", r, "origin", "origin 'Paris' is not a code") for r in (2, 3, 4)]
    rows += [RejectedRow("t.csv", 2, "origin", "origin 'Paris' is not a code")]  # same row again
    rows += [RejectedRow("t.csv", 5, "round_trip", "'OUI?' is not yes/no")]
    assert reason_counts(rows) == [
        ("origin 'Paris' is not a code", 3),
        ("round_trip: 'OUI?' is not yes/no", 1),
    ]
    assert top_reasons(rows, limit=1) == "3 rows: origin 'Paris' is not a code; 1 other reason"


def test_most_of_the_baseline_year_rejected_names_the_reasons(fte_file: Path) -> None:
    """trips_city_names.csv: 4 flights Stockholm–Paris and a train without a distance in 2019
    (all rejected), one good flight in 2020."""
    with pytest.raises(ConfigurationError) as caught:
        run(CORPUS / "trips_city_names.csv", fte_file)
    text = str(caught.value)
    assert text.startswith("baseline year 2019 has no accepted trips in the input")
    assert "4 rows: origin 'Stockholm' is not a known IATA airport or city code" in text
    assert "(a place name: write its IATA code, e.g. STO, or a distance)" in text
    assert "no distance (km) for a rail trip" in text


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "spendanalys", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        check=False,
    )


def test_mostly_rejected_file_reasons_come_first(tmp_path: Path, fte_file: Path) -> None:
    """The city-name file with 2020 as baseline: 5 of its 6 rows are rejected. stderr
    (JSON) and the table output name the top reasons before any figure."""
    trips = str(CORPUS / "trips_city_names.csv")
    common = ["travel", "--trips", trips, "--fte", str(fte_file), "--baseline-year", "2020"]
    out = tmp_path / "travel.json"
    done = _cli(*common, "--format", "json", "--out", str(out), "--lang", "en")
    assert done.returncode == 0, done.stderr
    note = f"{trips}: 5 of 6 rows rejected; top reasons: 4 rows: origin 'Stockholm'"
    assert note in done.stderr
    first = json.loads(out.read_text(encoding="utf-8"))["notes"][0]
    assert first.startswith(note)  # the JSON keeps the engine's English
    table = _cli(*common, "--lang", "en").stdout
    assert table.startswith(f"WARNING: {note}")
    assert table.index("WARNING") < table.index("Business travel: emissions per FTE")
    # Swedish by default, on stderr and at the top of the table: the same note worded
    swedish = worded(first, "sv")
    assert swedish.startswith(f"{trips}: 5 av 6 rader avvisade; vanligaste orsakerna: 4 rader:")
    assert f"varning: {swedish}" in _cli(*common, "--format", "json", "--out", str(out)).stderr
    table = _cli(*common).stdout
    assert table.startswith(f"VARNING: {swedish}")
    assert table.index("VARNING") < table.index("Tjänsteresor: utsläpp per årsarbetskraft")


def test_spend_names_the_reasons_too(tmp_path: Path) -> None:
    """An invoice file of which 3 of 4 lines have no amount a reader can read."""
    invoices = tmp_path / "fakturor.csv"
    rows = ["Fakturanummer;Fakturadatum;Leverantör;Belopp exkl. moms"]
    rows += ["F-1;2024-01-10;Rent & Fint AB;1 000,00"]
    rows += [f"F-{i};2024-01-1{i};Rent & Fint AB;{string.ascii_lowercase[:3]}" for i in (2, 3, 4)]
    invoices.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "spend.json"
    done = _cli(
        "spend", "--contracts", "sample_data/avtalsforteckning.xlsx", "--invoices",
        str(invoices), "--format", "json", "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    notes = json.loads(out.read_text(encoding="utf-8"))["notes"]
    assert notes[0].startswith(f"{invoices}: 3 of 4 rows rejected; top reasons: 3 rows:")
    assert f"varning: {worded(notes[0], 'sv')}" in done.stderr  # Swedish by default
    assert worded(notes[0], "sv").startswith(f"{invoices}: 3 av 4 rader avvisade")
    done = _cli(
        "spend", "--contracts", "sample_data/avtalsforteckning.xlsx", "--invoices",
        str(invoices), "--format", "json", "--out", str(out), "--lang", "en",
    )  # fmt: skip
    assert notes[0] in done.stderr
