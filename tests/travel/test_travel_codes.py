"""Text columns encoded once (travel/rows.py: TextCodes, LineCodes, group_sums; pricing.py:
FactorKeys): every analysis given the codes answers exactly what it answers making its own, and
what the plain pandas calls the codes replace answer, on a realistic mix of trips."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pandas as pd
import pytest
from travel_fixtures import fte_frame, trips_frame

from spendanalys.travel.analysis import (
    TravelAnalysis,
    TravelSettings,
    analyse_travel,
    priced_years,
    reprice,
)
from spendanalys.travel.breakdowns import breakdowns
from spendanalys.travel.factors import load_travel_factor_set
from spendanalys.travel.gender import gender_perspective
from spendanalys.travel.naturvardsverket import categorise, naturvardsverket_table
from spendanalys.travel.notes import flight_notes
from spendanalys.travel.places import country_region, place_airports
from spendanalys.travel.pricing import FactorKeys, line_factors, price_lines
from spendanalys.travel.routes import agency_costs, route_key
from spendanalys.travel.rows import LineCodes, TextCodes, group_sums
from spendanalys.travel.variants import hotel_variant, variant_notes
from spendanalys.travel.yearly import fte_per_year, per_year

SWEDISH = load_travel_factor_set()
DESNZ = load_travel_factor_set("desnz_2025")

# A mix as agencies export it: flights by code (one with a retired code, one by city code),
# rail by city names, cars with fuels (one not known), a taxi known only by its cost, hotel
# rows in several countries (one place not known, one blank) and hotel nights on travel rows,
# genders written several ways, units, a blank unit.
TRIPS = [
    {"date": "2019-02-01", "mode": "Flyg", "origin": "ARN", "destination": "GOT",
     "round_trip": True, "cabin": "Ekonomi", "unit": "IT", "gender": "Kvinna",
     "cost_sek": 3000, "hotel_nights": 1},
    {"date": "2019-02-03", "mode": "Flyg", "origin": "GOT", "destination": "BMA",
     "travellers": 2, "unit": "IT", "gender": "M", "cost_sek": 3200},
    {"date": "2019-03-01", "mode": "Flyg", "origin": "ARN", "destination": "JFK",
     "cabin": "Business", "unit": "Analys", "gender": "man", "hotel_nights": 3},
    {"date": "2020-03-02", "mode": "Flyg", "origin": "ARN", "destination": "SXF",
     "unit": "IT", "gender": "Kvinna", "cost_sek": 2500},
    {"date": "2020-04-01", "mode": "flyg", "origin": "STO", "destination": "LON",
     "round_trip": True, "unit": "Analys", "gender": "kvinna", "cost_sek": 4100},
    {"date": "2019-05-01", "mode": "Tåg", "origin": "Stockholm", "destination": "Göteborg",
     "distance_km": 455, "round_trip": True, "unit": "IT", "gender": "Kvinna",
     "cost_sek": 1000, "hotel_nights": 2},
    {"date": "2020-05-02", "mode": "Tåg", "origin": "Göteborg", "destination": "Stockholm",
     "distance_km": 455, "travellers": 3, "unit": "", "gender": "annat", "cost_sek": 1800},
    {"date": "2020-05-03", "mode": "tåg", "origin": "Malmö", "destination": "Köpenhamn",
     "distance_km": 40, "unit": "IT", "cost_sek": 150},
    {"date": "2019-06-01", "mode": "Egen bil", "origin": "Uppsala", "destination": "Gävle",
     "distance_km": 110, "unit": "IT", "gender": "Man"},
    {"date": "2020-06-02", "mode": "Hyrbil", "origin": "Umeå", "destination": "Luleå",
     "distance_km": 265, "round_trip": True, "unit": "Analys", "gender": "Kvinna"},
    {"date": "2020-06-03", "mode": "Taxi", "origin": "Arlanda", "destination": "Stockholm",
     "cost_sek": 650, "unit": "IT", "gender": "K"},
    {"date": "2020-06-04", "mode": "Buss", "origin": "Göteborg", "destination": "Oslo",
     "distance_km": 290, "travellers": 4, "unit": "Analys", "gender": "Man"},
    {"date": "2019-07-01", "mode": "Hotell", "destination": "Köpenhamn", "hotel_nights": 2,
     "unit": "IT", "gender": "Kvinna"},
    {"date": "2020-07-02", "mode": "Hotell", "destination": "New York", "hotel_nights": 4,
     "unit": "Analys", "gender": "Man"},
    {"date": "2020-07-03", "mode": "Hotell", "destination": "Atlantis", "hotel_nights": 1,
     "unit": "IT", "gender": "Kvinna"},
    {"date": "2020-07-04", "mode": "Hotell", "destination": "", "hotel_nights": 1,
     "unit": "IT"},
]  # fmt: skip


def _trips() -> pd.DataFrame:
    frame = trips_frame(TRIPS * 3)
    fuels = ["bensin", "el", "vätgas", None, "diesel"]
    frame["fuel"] = pd.array([fuels[i % len(fuels)] for i in range(len(frame))], dtype="string")
    return frame


@pytest.fixture(scope="module")
def analysis() -> TravelAnalysis:
    settings = TravelSettings(baseline_year=2019, target_year=2025)
    return analyse_travel(_trips(), fte_frame({2019: 10, 2020: 12}), SWEDISH, settings)


@pytest.mark.parametrize("values", [["b", "a", None, "c", "a"], ["rail", "flight", "flight"]])
def test_text_codes_number_texts_in_sorted_order(values: list[str | None]) -> None:
    column = pd.Series(values, dtype=object)
    codes = TextCodes(column)
    assert list(codes.uniques) == sorted(v for v in set(values) if v is not None)
    assert list(codes.texts(codes.codes)) == values
    picked = codes.take(np.array([True, False, True, False, True][: len(values)]))
    assert list(picked.texts(picked.codes)) == values[::2]
    assert list(picked.index) == list(column.index[::2])


@pytest.mark.parametrize("years", [[2019, 2024, 2019, 2020], [1, 10**9, 1, 5]])
def test_group_sums_answer_as_groupby_sum(years: list[int]) -> None:
    """Both key encodings (a narrow range offset, a wide one sorted) give pandas' own sums."""
    rng = np.random.default_rng(7)
    n = 400
    keys = {
        "year": np.asarray(years * (n // len(years)), dtype=np.int64),
        "label": rng.integers(0, 5, n),
    }
    values = {"kg": rng.random(n) * 1e3, "trips": rng.integers(0, 3, n).astype(float)}
    expected = pd.DataFrame({**keys, **values}).groupby(list(keys), as_index=False).sum()
    pd.testing.assert_frame_equal(group_sums(keys, values), expected, check_exact=True)


def test_analysis_keeps_the_codes_of_its_lines_outside_its_fields(
    analysis: TravelAnalysis,
) -> None:
    """The cache stores the fields; the codes are made again from them when read back."""
    names = {f.name for f in dataclasses.fields(TravelAnalysis)}
    assert not names & {"line_codes", "activity_codes", "factor_keys"}
    codes = analysis.line_codes
    assert codes.fits(analysis.trips)
    for column, text in (("mode", codes.mode), ("component", codes.component)):
        assert list(text.texts(text.codes)) == analysis.trips[column].tolist()
    fresh = LineCodes(analysis.trips)
    assert np.array_equal(fresh.unit.codes, codes.unit.codes)
    # a pickled analysis (a background job's result) leaves them out and makes them again
    copy = pickle.loads(pickle.dumps(analysis))
    assert "line_codes" not in copy.__dict__ and "factor_keys" not in copy.__dict__
    assert np.array_equal(copy.line_codes.mode.codes, codes.mode.codes)
    pd.testing.assert_frame_equal(priced_years(copy, DESNZ), priced_years(analysis, DESNZ))


def test_follow_ups_with_the_codes_answer_as_without(analysis: TravelAnalysis) -> None:
    lines, fte = analysis.trips, analysis.fte
    codes = analysis.line_codes
    for given in (codes, None):
        pd.testing.assert_frame_equal(
            per_year(lines, fte_per_year(fte), codes=given),
            analysis.years,
            check_exact=True,
        )
    pairs = [
        (breakdowns(lines, fte, 2, codes=codes), breakdowns(lines, fte, 2)),
        (gender_perspective(lines, fte, min_group=2, codes=codes),
         gender_perspective(lines, fte, min_group=2)),
        (naturvardsverket_table(lines, codes=codes), naturvardsverket_table(lines)),
        (agency_costs(lines, codes), agency_costs(lines)),
    ]  # fmt: skip
    for got, expected in pairs:
        if isinstance(got, dict):
            assert got.keys() == expected.keys()
            for key in got:
                pd.testing.assert_frame_equal(got[key], expected[key], check_exact=True)
        else:
            pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert variant_notes(lines, "x", codes) == variant_notes(lines, "x")
    notes = flight_notes(lines, codes)
    assert notes == flight_notes(lines)
    assert any("SXF → BER ×3" in note for note in notes)  # a retired code, counted
    # codes of other lines are not used: they are made again
    other = lines.iloc[::2]
    pd.testing.assert_frame_equal(
        naturvardsverket_table(other, codes=codes), naturvardsverket_table(other)
    )


def test_hotels_out_takes_the_codes_without_the_hotel_lines(analysis: TravelAnalysis) -> None:
    lines = analysis.trips
    kept = ~analysis.line_codes.mode.mask("hotel")
    headline = lines[kept]
    codes = analysis.line_codes.take(kept, headline.index)
    assert codes.fits(headline)
    pd.testing.assert_frame_equal(
        gender_perspective(headline, analysis.fte, min_group=1, codes=codes),
        gender_perspective(headline, analysis.fte, min_group=1),
        check_exact=True,
    )


def test_categories_from_codes_match_categorise(analysis: TravelAnalysis) -> None:
    lines = analysis.trips
    table = naturvardsverket_table(lines)
    expected = (
        pd.DataFrame({"year": lines["year"], "category": categorise(lines), "kg": lines["kg_co2e"]})
        .groupby(["year", "category"])["kg"]
        .sum()
    )
    got = table.set_index(["year", "category"])["kg_co2e"]
    assert got[got != 0].sort_index().to_dict() == pytest.approx(
        expected[expected != 0].sort_index().to_dict()
    )


def test_factor_keys_price_each_set_as_a_fresh_match(analysis: TravelAnalysis) -> None:
    """One factorization serves both sets; hotel lines are matched by the variant each set
    prices them by (its own country row, its region's row or the default row)."""
    activity = analysis.activity
    assert activity is not None
    keys = FactorKeys(activity, LineCodes(activity))
    for factors in (SWEDISH, DESNZ):
        pd.testing.assert_series_equal(
            line_factors(activity, factors, keys=keys), line_factors(activity, factors)
        )
        got, got_rejected = price_lines(activity, factors, keys=keys)
        expected, expected_rejected = price_lines(activity, factors)
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
        assert got_rejected == expected_rejected
    other = priced_years(analysis, DESNZ)
    pd.testing.assert_frame_equal(other, reprice(analysis, DESNZ).years[other.columns])


def test_hotel_variant_is_the_country_its_region_or_the_default(
    analysis: TravelAnalysis,
) -> None:
    activity = analysis.activity
    assert activity is not None
    rows = set(DESNZ.table.loc[DESNZ.table["mode"] == "hotel", "variant"])

    def expected(mode: str, country: str) -> str:
        if mode != "hotel":
            return country
        region = country_region(country) if country else ""
        return country if country in rows else region if region in rows else ""

    got = hotel_variant(activity, DESNZ)
    assert got.tolist() == [
        expected(m, v) for m, v in zip(activity["mode"], activity["variant"], strict=True)
    ]


def test_agency_costs_answer_as_per_row_route_keys(analysis: TravelAnalysis) -> None:
    """The reference: each row's route from its airports (flights) or its places' airports
    (rail), then the median per route and mode."""
    lines = analysis.trips
    used = lines[
        (lines["component"] == "travel")
        & lines["mode"].isin(["flight", "rail"])
        & (lines["cost_sek"] > 0)
    ]
    flight = used["mode"] == "flight"
    origin = (
        used["origin_airport"]
        .astype(object)
        .where(flight, pd.Series(place_airports(used["origin"]), index=used.index, dtype=object))
    )
    destination = (
        used["destination_airport"]
        .astype(object)
        .where(
            flight, pd.Series(place_airports(used["destination"]), index=used.index, dtype=object)
        )
    )
    frame = pd.DataFrame(
        {
            "route": route_key(origin, destination).to_numpy(),
            "mode": used["mode"].to_numpy(),
            "cost": (used["cost_sek"] / (used["legs"] * used["travellers"])).to_numpy(),
        }
    ).dropna(subset=["route"])
    expected = (
        frame.groupby(["route", "mode"])["cost"].agg(cost_sek="median", n="count").reset_index()
    )
    got = agency_costs(lines)
    assert len(got) >= 3
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_the_file_rule_counts_round_trips_per_file() -> None:
    """a.csv writes its five checkable rail round trips Stockholm–Göteborg at 900 km (2.3 × the
    394 km great circle): they cover the return, so its round trip between places without a
    code is halved too. b.csv has only that unchecked row: used as written."""
    from spendanalys.travel.distance_check import BASIS_FILE, BASIS_GIVEN, BASIS_HALVED
    from spendanalys.travel.trips import activity_lines

    checked = {"date": "2023-03-01", "mode": "Tåg", "origin": "Stockholm",
               "destination": "Göteborg", "distance_km": 900, "round_trip": True}  # fmt: skip
    unchecked = {"date": "2023-03-02", "mode": "Tåg", "origin": "Ödeshög",
                 "destination": "Gränna", "distance_km": 60, "round_trip": True}  # fmt: skip
    trips = pd.concat(
        [trips_frame([checked] * 5 + [unchecked], "a.csv"), trips_frame([unchecked], "b.csv")],
        ignore_index=True,
    )
    lines, rejected = activity_lines(trips)
    assert not rejected
    assert lines["distance_basis"].tolist() == [BASIS_HALVED] * 5 + [BASIS_FILE, BASIS_GIVEN]
    assert lines["distance_km"].tolist() == [450.0] * 5 + [30.0, 60.0]
