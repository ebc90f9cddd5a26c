"""The gender perspective: trips and kg CO2e per traveller, mode shares and kg CO2e per FTE per
gender and year, small groups hidden."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from travel_fixtures import fte_frame, trips_frame

from spendanalys.io import read_fte
from spendanalys.travel.analysis import TravelSettings, analyse_travel
from spendanalys.travel.factors import load_travel_factor_set
from spendanalys.travel.gender import NO_IDENTITY, fte_per_gender, gender_perspective
from spendanalys.travel.summary import summarise_travel, travel_payload
from spendanalys.travel.vocab import normalise_gender
from spendanalys.travel.yearly import fte_per_year

SWEDISH = load_travel_factor_set()

ROWS = [
    {"date": "2023-02-01", "mode": "Flyg", "origin": "ARN", "destination": "GOT",
     "gender": "Kvinna", "traveller_id": "A"},
    {"date": "2023-02-02", "mode": "Tåg", "distance_km": 455, "gender": "K",
     "traveller_id": "A"},
    {"date": "2023-02-03", "mode": "Tåg", "distance_km": 455, "round_trip": True,
     "gender": "kvinna", "traveller_id": "B"},
    {"date": "2023-02-04", "mode": "Bil", "distance_km": 100, "travellers": 2, "gender": "Man",
     "traveller_id": "C"},
    {"date": "2023-02-05", "mode": "Taxi", "distance_km": 20, "gender": "M",
     "traveller_id": "D"},
]  # fmt: skip


def _trips(rows: list[dict[str, object]]) -> pd.DataFrame:
    frame = trips_frame(rows)
    frame["traveller_id"] = pd.array([r.get("traveller_id") for r in rows], dtype="string")
    return frame


def _fte_by_gender() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": pd.array([2023, 2023], dtype="Int64"),
            "fte": [6.0, 4.0],
            "unit": pd.array([None, None], dtype="string"),
            "gender": pd.array(["Kvinna", "Man"], dtype="string"),
        }
    )


def test_hand_worked_year() -> None:
    """Swedish default set. Women: A flies ARN–GOT one way (425.37 pkm × 0.26278 = 111.78 kg)
    and takes the train 455 km (3.185 kg); B takes the train 455 km both ways (6.37 kg): 3
    traveller-trips by 2 travellers = 1.5 trips each; 121.34 kg, 60.67 per traveller, 40.45 per
    trip; flight 1/3, rail 2/3, car 0. Men: C drives 100 km with a colleague (16.70 kg, 2
    traveller-trips, C plus one companion), D takes a taxi 20 km (4.16 kg): 3 traveller-trips
    by 3 travellers; 20.86 kg, 6.95 per traveller; car 2/3 (taxi is not car). FTE 6 women and
    4 men: 20.22 and 5.22 kg CO2e per FTE."""
    a = analyse_travel(_trips(ROWS), _fte_by_gender(), SWEDISH, TravelSettings(baseline_year=2023))
    assert a.years["fte"].iloc[0] == 10.0  # the gender rows sum to the organisation's FTE
    g = gender_perspective(a.trips, a.fte, min_group=1).set_index("gender")
    women, men = g.loc["woman"], g.loc["man"]
    assert (women["travellers"], women["traveller_trips"]) == (2, 3)
    assert women["trips_per_traveller"] == pytest.approx(1.5)
    assert women["kg_co2e"] == pytest.approx(121.34, abs=0.01)
    assert women["kg_co2e_per_traveller"] == pytest.approx(60.67, abs=0.01)
    assert women["kg_co2e_per_traveller_trip"] == pytest.approx(40.45, abs=0.01)
    assert (women["share_flight"], women["share_rail"], women["share_car"]) == pytest.approx(
        (1 / 3, 2 / 3, 0.0)
    )
    assert women["kg_co2e_per_fte"] == pytest.approx(20.22, abs=0.01)
    assert (men["travellers"], men["traveller_trips"]) == (3, 3)
    assert men["kg_co2e_per_traveller"] == pytest.approx(6.95, abs=0.01)
    assert men["share_car"] == pytest.approx(2 / 3)
    assert men["kg_co2e_per_fte"] == pytest.approx(5.22, abs=0.01)
    assert list(g["note"]) == ["", ""]


def test_small_groups_are_hidden_with_the_next_smallest() -> None:
    """Threshold 3: women (2 travellers) are hidden; the only other group (men, 3) is hidden
    too, or it would give the women's figure as the total minus the men."""
    table = gender_perspective(
        analyse_travel(
            _trips(ROWS), fte_frame({2023: 10}), SWEDISH, TravelSettings(baseline_year=2023)
        ).trips,
        min_group=3,
    )
    assert table["suppressed"].all()
    assert table[["kg_co2e", "travellers", "share_flight"]].isna().all().all()
    assert set(table["gender"]) == {"woman", "man"}  # labels stay
    assert set(table["note"]) == {"suppressed (fewer than 3 travellers)"}


def test_without_traveller_ids_the_per_traveller_figures_are_unknown() -> None:
    rows = [{k: v for k, v in r.items() if k != "traveller_id"} for r in ROWS]
    a = analyse_travel(
        trips_frame(rows), fte_frame({2023: 10}), SWEDISH, TravelSettings(baseline_year=2023)
    )
    g = gender_perspective(a.trips, a.fte, min_group=1).set_index("gender")
    assert g[["travellers", "trips_per_traveller", "kg_co2e_per_traveller"]].isna().all().all()
    assert g.at["woman", "kg_co2e_per_traveller_trip"] == pytest.approx(40.45, abs=0.01)
    assert g["fte"].isna().all()  # the FTE file has no gender
    assert set(g["note"]) == {NO_IDENTITY}


@pytest.mark.parametrize(
    ("written", "gender"),
    [("Kvinna", "woman"), ("KVINNOR", "woman"), ("female", "woman"), ("Man", "man"),
     ("män", "man"), ("M", "man"), ("Annat", "Annat"), ("", "unknown"), (None, "unknown")],
)  # fmt: skip
def test_gender_words(written: str | None, gender: str) -> None:
    assert normalise_gender(pd.Series([written], dtype="object")).iloc[0] == gender


def test_fte_per_gender_from_a_file_with_a_gender_column(tmp_path: Path) -> None:
    path = tmp_path / "aa.csv"
    path.write_text(
        "År;Kön;Enhet;Årsarbetskrafter\n2023;Kvinna;;6\n2023;Man;;4\n"
        "2024;Kvinna;Analys;3\n2024;Kvinna;IT;2\n2024;Man;IT;5\n",
        encoding="utf-8",
    )
    fte = read_fte(path).table
    by_gender = fte_per_gender(fte).set_index(["year", "gender"])["fte"]
    assert by_gender.to_dict() == {
        (2023, "man"): 4.0, (2023, "woman"): 6.0, (2024, "man"): 5.0, (2024, "woman"): 5.0,
    }  # fmt: skip
    assert fte_per_year(fte).to_dict() == {2023: 10.0, 2024: 10.0}


def test_a_total_row_wins_over_gender_rows() -> None:
    fte = pd.DataFrame(
        {
            "year": pd.array([2023, 2023, 2023], dtype="Int64"),
            "fte": [10.0, 6.0, 4.5],
            "unit": pd.array([None, None, None], dtype="string"),
            "gender": pd.array([None, "Kvinna", "Man"], dtype="string"),
        }
    )
    assert fte_per_year(fte).to_dict() == {2023: 10.0}


def test_in_the_payload_with_the_threshold() -> None:
    a = analyse_travel(
        _trips(ROWS),
        _fte_by_gender(),
        SWEDISH,
        TravelSettings(baseline_year=2023, min_group_travellers=2),
    )
    doc = travel_payload(summarise_travel(a))["gender_perspective"]
    assert doc["min_group"] == 2 and doc["hotels"] == "included"
    years = {r["gender"]: r for r in doc["years"]}
    assert years["woman"]["kg_co2e_per_fte"] == pytest.approx(20.22, abs=0.01)
    assert years["man"]["travellers"] == 3
