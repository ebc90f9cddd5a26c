"""Real travel exports from other public bodies' tools, against those tools' own figures.

See ../shared/realdata/README.md (travel section) for origin, licence and quirks of each file.
Each test says where our method matches the peer's (and reproduces its figures) and where it
differs (and why the figures then differ).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from travel_fixtures import trips_frame

from spendanalys.travel.distances import great_circle_km
from spendanalys.travel.factors import load_travel_factor_set
from spendanalys.travel.trips import trip_emissions

pytestmark = pytest.mark.realdata

# TESAcarbon (duplisea/TESAcarbon, R/carbon.r): t CO2 per km plane 6.507e-5 (+0.0114 t per
# participant, a fixed term), car 0.000283 per vehicle-km shared by car.sharing, hotel 0.064 per
# night, meals 0.0162 × 0.5. Written as a user factor file in our format:
TESA_FACTORS = """mode,band,cabin,factor,unit,source
flight,,,0.06507,kg CO2e/pkm,TESAcarbon carbon.params C.plane 6.507e-5 t/km
car,,,0.283,kg CO2e/vkm,TESAcarbon carbon.params C.car 0.000283 t/km
hotel,,,64,kg CO2e/night,TESAcarbon carbon.params C.hotel 0.064 t/night
rail,,,0.058,kg CO2e/pkm,TESAcarbon carbon.params C.bustrain 5.8e-5 t/km
"""
TESA_PLANE_FIXED_KG = 11.4  # C.plane intercept, per participant (every row, flying or not)
TESA_MEAL_KG = 16.2 * 0.5  # meals are outside this tool's scope (not travel)


@pytest.fixture
def tesa_factors(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "tesa.csv"
    path.write_text(TESA_FACTORS, encoding="utf-8")
    return load_travel_factor_set(path)


def test_tesa_worked_example(tesa_factors) -> None:  # type: ignore[no-untyped-def]
    """TESAcarbon README: 5 hotel nights, 1,200 km plane, 40 km solo car, 15 meals = 0.542304 t.

    Method match: per-km and per-night factors. Our engine prices the plane, car and hotel parts
    (1,200 km given as flown, no uplift; the car's 40 km are vehicle-km); the peer's fixed plane
    term and its meals are not travel emissions in this tool and are added here by hand.
    """
    trips = trips_frame(
        [
            {"date": "2020-01-15", "mode": "flight", "distance_km": 1200},
            {"date": "2020-01-15", "mode": "car", "distance_km": 40},
            {"date": "2020-01-15", "mode": "hotel", "hotel_nights": 5},
        ]
    )
    lines, rejected = trip_emissions(trips, tesa_factors)
    assert rejected == []
    total_kg = lines["kg_co2e"].sum() + TESA_PLANE_FIXED_KG + 15 * TESA_MEAL_KG
    assert total_kg / 1000 == pytest.approx(0.542304, abs=1e-9)


def test_dfo_flying_distances(realdata_dir: Path) -> None:
    """DFO TESA flying distances (city centres, geosphere::distGeo on world.cities) against our
    great circles between the cities' airports.

    Matches within 1.2 % for 21 of 29 pairs; the differences are city centre vs airport. Two
    short pairs differ by more than 1.2 % but under 25 km for the same reason (Halifax–Moncton,
    Nanaimo–Vancouver). Four peer entries are not great circles at all (Ottawa–Winnipeg is
    1,040 in the peer file but 1,689 km; Halifax–Mont-Joli 1,323 vs 548; Moncton–Mont-Joli
    563 vs 384; Mont-Joli–St John's 2,140 vs 1,151): they look hand-entered, and we do not
    reproduce them.
    """
    matrix = pd.read_csv(realdata_dir / "travel" / "dfo_tesa_flying_distances.csv", index_col=0)
    airports = {
        "Halifax": "YHZ",
        "Moncton": "YQM",
        "MontJoli": "YYY",
        "Nanaimo": "YCD",
        "Ottawa": "YOW",
        "StJohns": "YYT",
        "Vancouver": "YVR",
        "Winnipeg": "YWG",
        "Victoria": "YYJ",
    }
    not_great_circles = {
        ("Halifax", "MontJoli"),
        ("Moncton", "MontJoli"),
        ("MontJoli", "StJohns"),
        ("Ottawa", "Winnipeg"),
    }
    checked = 0
    for o, oc in airports.items():
        for d, dc in airports.items():
            peer = matrix.at[o, d]
            if o >= d or pd.isna(peer) or peer == 0:
                continue
            ours = great_circle_km(oc, dc)
            if (o, d) in not_great_circles:
                assert abs(ours - peer) > 150
            else:
                assert abs(ours - peer) <= max(25.0, 0.012 * peer), (o, d, peer, ours)
            checked += 1
    assert checked == 29


def test_dfo_totals_per_activity(realdata_dir: Path, tesa_factors) -> None:  # type: ignore[no-untyped-def]
    """DFO TESA 2019/20 totals per activity (t CO2), with the peer's own factors.

    Rows are participants; plane, car and hotel go through our engine (flight distance from the
    peer's matrix, given as flown, round trip; a shared car's vehicle-km divided by car.sharing,
    since each row is one participant's share); the fixed plane term and meals are added.

    Reproduced: Rtools (online: only the fixed term) exactly, 0.992 t. Differs: the other four
    activities come out 8–31 % below the peer file and its participant counts are lower by 1–2
    (rows whose origin is not in its city database were dropped: Montreal, Gainesville,
    Wellington, Seattle). The expected file was generated from an earlier state of the data and
    parameters than the committed trip file, so only the bounds are checked.
    """
    raw = pd.read_csv(realdata_dir / "travel" / "dfo_tesa_travel_2019-20.csv")
    matrix = pd.read_csv(realdata_dir / "travel" / "dfo_tesa_flying_distances.csv", index_col=0)
    key = lambda s: re.sub(r"[^A-Za-z]", "", s.replace("Saint", "St"))  # noqa: E731
    raw = raw[
        ~raw["origin"].isin(["Montreal", "Gainesville", "Wellington", "Seattle"])
    ].reset_index(drop=True)
    km = [
        matrix.at[key(o), key(d)] if key(o) in matrix.index else float("nan")
        for o, d in zip(raw["origin"], raw["destination"], strict=True)
    ]
    rows = []
    for i, r in raw.iterrows():
        if r["flying"] == 1:
            rows.append(
                {
                    "date": "2020-01-01",
                    "mode": "flight",
                    "distance_km": km[i],
                    "round_trip": True,
                    "unit": r["activity.name"],
                }
            )
        if r["car.distance"] > 0:
            rows.append(
                {
                    "date": "2020-01-01",
                    "mode": "car",
                    "distance_km": r["car.distance"] / max(r["car.sharing"], 1),
                    "round_trip": True,
                    "unit": r["activity.name"],
                }
            )
        if r["hotel.nights"] > 0:
            rows.append(
                {
                    "date": "2020-01-01",
                    "mode": "hotel",
                    "hotel_nights": r["hotel.nights"],
                    "unit": r["activity.name"],
                }
            )
    lines, rejected = trip_emissions(trips_frame(rows), tesa_factors)
    assert rejected == []
    ours = lines.groupby("unit")["kg_co2e"].sum()
    fixed = (
        raw.groupby("activity.name").size() * TESA_PLANE_FIXED_KG
        + raw.groupby("activity.name")["meals"].sum() * TESA_MEAL_KG
    )
    total_t = (ours.reindex(fixed.index, fill_value=0.0) + fixed) / 1000
    expected = pd.read_csv(
        realdata_dir / "travel" / "dfo_tesa_totals_2019-20_expected.csv"
    ).set_index("Activity")["Total.CO2"]
    names = {
        "Rtools": "Rtools",
        "Geostatistics": "Geostatistics",
        "Introduction": "Introduction to Stock Assessment",
        "DataLimited": "Data-limited Stock Assessment",
        "Risk": "Risk",
    }
    assert total_t[names["Rtools"]] == pytest.approx(expected["Rtools"], abs=0.0005)
    for peer, ours_name in names.items():
        assert 0.65 * expected[peer] <= total_t[ours_name] <= expected[peer] + 0.0005, peer


def test_cnrs_lmd_missions(realdata_dir: Path, tmp_path: Path) -> None:
    """CNRS LMD "Moulinette" output for MIS_2022_extrait: km and kg CO2e per mission.

    The peer's method: plane = 2 × (gcd + 95 km) × 0.258 (< 1,000 km) / 0.187 (< 3,500 km) /
    0.152 (longer) kg/km; French train = gcd × 1.2 × 0.003 kg/km; "Distance totale" is the
    great circle × legs. Matches once written as our inputs: a flight leg's distance given as
    gcd + 95 km (used as given, no uplift), round trip from A/R, and a user factor set with the
    peer's factors (rail 0.003 × 1.2 = 0.0036 per great-circle km). All eight missions are
    reproduced within the peer's rounding (whole km, 0.1 kg). Differs: the peer bands 1,000–3,500 km at 0.187; our bands
    are domestic / short (≤ 3,700 km) / long, so one 'short' factor cannot price both its short
    bands — none of these missions falls in that range. The peer picks one mode out of
    multimodal strings ("Avion,Bus"); we take its choice (column "Transport utilisé pour
    calcul") rather than parse them.
    """
    peer = pd.read_excel(
        realdata_dir / "travel" / "peer_expected_cnrs_lmd_MIS_2022_extrait_CO2.xlsx",
        engine="openpyxl",
    )
    factors = tmp_path / "cnrs.csv"
    factors.write_text(
        "mode,band,cabin,factor,unit,source\n"
        "flight,short,,0.258,kg CO2e/pkm,Moulinette_missions EmissionsCalculator plane < 1000 km\n"
        "flight,long,,0.152,kg CO2e/pkm,Moulinette_missions EmissionsCalculator plane > 3500 km\n"
        "rail,,,0.0036,kg CO2e/pkm,Moulinette_missions train FR 0.003 × detour 1.2\n",
        encoding="utf-8",
    )
    legs = peer["A/R"].str.lower().eq("oui").map({True: 2, False: 1})
    gcd = peer["Distance totale (km)"] / legs
    plane = peer["Transport utilisé pour calcul"].str.startswith("plane")
    trips = trips_frame(
        [
            {
                "date": str(d.date()),
                "mode": "flight" if p else "rail",
                "distance_km": g + 95 if p else g,
                "round_trip": legs_ == 2,
            }
            for d, p, g, legs_ in zip(
                pd.to_datetime(peer["Départ (date)"]), plane, gcd, legs, strict=True
            )
        ]
    )
    lines, rejected = trip_emissions(trips, load_travel_factor_set(factors), home_country="FR")
    assert rejected == []
    # The peer rounds distances to whole km and kg to 0.1: within 0.05 % (0.1 kg on 414 kg).
    assert lines["kg_co2e"].tolist() == pytest.approx(
        peer["CO2e emissions (kg)"].tolist(), rel=5e-4, abs=0.06
    )


def test_barret_distance_curve(realdata_dir: Path) -> None:
    """Didier Barret's km → kg CO2e curve (mean of DEFRA, ADEME and myclimate, RF × 2, no
    distance overhead) against DESNZ 2025 economy with RF (× 1.08 uplift), one passenger.

    Matches in shape: kg per km falls from short to long flights in both. Differs in level:
    ours is 0.43–0.67 of the peer's mean (lowest for short flights), because DESNZ's RF is 1.7 (not 2), and ADEME and
    myclimate, in the peer's mean, carry higher per-km values (ADEME 0.117 combustion alone for
    < 1,000 km, before RF) and myclimate adds aircraft production and airports.
    """
    curve = pd.read_csv(
        realdata_dir / "travel" / "peer_expected_barret_km_to_co2.csv",
        comment="#",
        header=None,
        names=["km", "kg", "kg_per_km"],
    )
    curve = curve[curve["km"] >= 500].sort_values("km")
    desnz = load_travel_factor_set("desnz_2025")
    trips = trips_frame(
        [
            {"date": "2024-01-01", "mode": "flight", "distance_km": km * 1.08, "cabin": "economy"}
            for km in curve["km"]
        ]
    )
    lines, rejected = trip_emissions(trips, desnz)
    assert rejected == []
    ratio = lines["kg_co2e"].to_numpy() / curve["kg"].to_numpy()
    assert ((ratio > 0.40) & (ratio < 0.75)).all(), ratio
    ours_per_km = lines["kg_co2e"].to_numpy() / curve["km"].to_numpy()
    assert (
        ours_per_km[0] > ours_per_km[-1]
        and curve["kg_per_km"].iloc[0] > curve["kg_per_km"].iloc[-1]
    )


def test_mpia_city_names_are_rejected_not_guessed(realdata_dir: Path) -> None:
    """MPIA SAP export: destination city names (German, misspelt: 'Peking', 'Göteburg'), no
    airports, no distances. The peer geocodes names; we do not guess airports from names, so
    every row is rejected with the name in the reason (the user maps names to IATA codes, or
    exports with codes)."""
    raw = pd.read_csv(
        realdata_dir / "travel" / "mpia_travel_list_reduced.csv", skipinitialspace=True
    )
    raw.columns = [c.lstrip("# ").strip() for c in raw.columns]
    trips = trips_frame(
        [
            {
                "date": f"{y}-{m:02d}-01",
                "mode": "Flyg",
                "origin": "FRA",
                "destination": city,
                "round_trip": True,
            }
            for y, m, city in zip(raw["year"], raw["month"], raw["Zielort_der_Reise"], strict=True)
        ]
    )
    lines, rejected = trip_emissions(trips, load_travel_factor_set())
    assert lines.empty
    assert len(rejected) == 7
    assert any("'Peking' is not a known IATA airport or city code" in r.reason for r in rejected)


def test_cnrs_mission_export_through_the_readers(realdata_dir: Path) -> None:
    """A raw French mission-order export read with an explicit column mapping: every row is
    accounted for, and nothing is guessed. 'Avion' is a known mode but the places are city
    names, not IATA codes, so those rows are rejected naming the city; multimodal strings
    ('Rer,Taxi,Train') are rejected as modes; empty transport cells are rejected as well."""
    from spendanalys.io import read_trips

    read = read_trips(
        realdata_dir / "travel" / "cnrs_lmd_missions_MIS_2021.xlsx",
        columns={
            "date": "Date de départ",
            "origin": "Ville de départ",
            "destination": "Ville de destination",
            "mode": "Moyens de transport",
        },
    )
    lines, rejected = trip_emissions(read.table, load_travel_factor_set())
    assert len(read.table) + len(read.rejected) == 122
    accounted = set(lines["source_row"]) | {r.row for r in rejected}
    assert accounted == set(read.table["source_row"])
    reasons = " | ".join(r.reason for r in rejected)
    assert "is not a known IATA airport or city code" in reasons
    assert "is not a known travel mode" in reasons
