"""Hotels by city: a place resolves to a country before the hotel factor is chosen; a place that
cannot be resolved is reported with its count."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from travel_fixtures import fte_frame, trips_frame

from spendanalys.io import read_trips
from spendanalys.travel.analysis import TravelSettings, analyse_travel
from spendanalys.travel.factors import load_travel_factor_set
from spendanalys.travel.places import fold, resolve_places

SWEDISH = load_travel_factor_set()
DESNZ = load_travel_factor_set("desnz_2025")


@pytest.mark.parametrize(
    ("written", "country", "how"),
    [("Stockholm", "SE", "place table"), ("GÖTEBORG", "SE", "place table"),
     ("Köpenhamn", "DK", "place table"), ("Bryssel", "BE", "place table"),
     ("Genève", "CH", "place table"), ("Helsingfors", "FI", "place table"),
     ("Paris", "FR", "place table"), ("Nairobi", "KE", "place table"),
     ("FRA", "DE", "IATA code"), ("STO", "SE", "IATA code"), ("de", "DE", "country code"),
     ("Tyskland", "DE", "country name"), ("Kenya", "KE", "country name"),
     ("Malmö, Sverige", "SE", "place table"), ("Tampere", "FI", "place table"),
     ("Springfield", "US", "airportsdata city"), ("Ingenstans", "", ""), ("", "", "")],
)  # fmt: skip
def test_resolution_order(written: str, country: str, how: str) -> None:
    got = resolve_places(pd.Series([written]))
    assert (got["country"].iloc[0], got["resolved_by"].iloc[0]) == (country, how)


def test_folding_ignores_case_diacritics_and_punctuation() -> None:
    assert fold("Göteborg") == fold("GOTEBORG") == fold("göte-borg") == "goteborg"


def _hotels(places: list[str | None], nights: float = 1) -> pd.DataFrame:
    return trips_frame(
        [{"date": "2023-05-01", "mode": "Hotell", "destination": p, "hotel_nights": nights}
         for p in places]
    )  # fmt: skip


def test_country_rows_region_rows_and_the_default() -> None:
    """Swedish set, per room-night: Sweden 6.8 (Klimatsmart semester, Nordic hotels); Belgium
    12.2 (DESNZ); Kenya has no row: rest of the world 27; Poland (EU) has none: rest of the EU
    13; a place that cannot be resolved: the default row 10.4, with a note and the count."""
    trips = _hotels(["Stockholm", "Bryssel", "Nairobi", "Warszawa", "Ingenstans", "Ingenstans"])
    a = analyse_travel(trips, fte_frame({2023: 1}), SWEDISH, TravelSettings(baseline_year=2023))
    assert list(a.trips["kg_co2e"]) == pytest.approx([6.8, 12.2, 27.0, 13.0, 10.4, 10.4])
    assert list(a.trips["variant"]) == ["SE", "BE", "KE", "PL", "", ""]
    assert list(a.trips["factor_variant"]) == [
        "SE", "BE", "rest_of_world", "rest_of_eu", "", "",
    ]  # fmt: skip
    notes = [n for n in a.notes if "hotel" in n and ("resolved" in n or "row of their own" in n)]
    assert notes == [
        "2 hotel line(s) whose place could not be resolved to a country ('Ingenstans' ×2): "
        "priced with the factor set's default hotel row",
        "1 hotel line(s) in countries without a hotel row of their own in sweden_default_2025 "
        "('KE'): priced with its rest-of-the-world row",
        "1 hotel line(s) in countries without a hotel row of their own in sweden_default_2025 "
        "('PL'): priced with its rest-of-the-EU row",
    ]


def test_a_set_without_the_country_or_region_uses_its_default_with_a_note() -> None:
    a = analyse_travel(
        _hotels(["Stockholm", "FRA", None]),
        fte_frame({2023: 1}),
        DESNZ,
        TravelSettings(baseline_year=2023),
    )
    assert list(a.trips["kg_co2e"]) == pytest.approx([10.4, 13.2, 10.4])
    assert (
        "1 hotel line(s) without a place: priced with the factor set's default hotel row" in a.notes
    )
    assert (
        "1 hotel line(s) in countries without a hotel row of their own in desnz_2025 ('SE'): "
        "priced with its default hotel row"
    ) in a.notes


def test_nights_on_a_flight_row_take_the_destination_airports_country() -> None:
    trips = trips_frame(
        [{"date": "2023-05-01", "mode": "Flyg", "origin": "ARN", "destination": "CPH",
          "hotel_nights": 2}]
    )  # fmt: skip
    a = analyse_travel(trips, fte_frame({2023: 1}), SWEDISH, TravelSettings(baseline_year=2023))
    hotel = a.trips[a.trips["mode"] == "hotel"].iloc[0]
    assert (hotel["variant"], hotel["kg_co2e"]) == ("DK", pytest.approx(13.6))


def test_the_sample_hotels_get_their_countrys_factor(sample_dir: Path) -> None:
    """Every hotel row of the sample names a city; each resolves to a country, and none is
    priced by the default (UK placeholder) row."""
    path = sample_dir / "resor_2019_2024.csv"
    if not path.is_file():
        pytest.skip("sample data not generated yet")
    a = analyse_travel(
        read_trips(path).table,
        fte_frame({2019: 1, 2022: 1, 2023: 1, 2024: 1}),
        SWEDISH,
        TravelSettings(),
    )
    hotels = a.trips[a.trips["mode"] == "hotel"]
    assert len(hotels) == 1888
    assert (hotels["variant"] != "").all()
    assert (hotels["factor_variant"] != "").all()
    by_city = hotels.groupby("destination")[["variant", "kg_co2e_per_unit"]].first()
    expected = {
        "Stockholm": ("SE", 6.8), "Göteborg": ("SE", 6.8), "Köpenhamn": ("DK", 6.8),
        "Bryssel": ("BE", 12.2), "Helsingfors": ("FI", 6.8), "Genève": ("CH", 6.6),
        "Frankfurt": ("DE", 13.2), "London": ("GB", 10.4), "New York": ("US", 16.1),
        "Bangkok": ("TH", 43.4), "Nairobi": ("KE", 27.0), "Visby": ("SE", 6.8),
    }  # fmt: skip
    for city, (country, factor) in expected.items():
        assert by_city.at[city, "variant"] == country, city
        assert by_city.at[city, "kg_co2e_per_unit"] == pytest.approx(factor), city
    assert not any("could not be resolved" in n for n in a.notes)
