"""The engines' English messages worded in Swedish on the dashboard (``i18n.notes.worded``, the
words the reports print), the overview's verdicts (``brief``) and the drill-down's labels and
price-index step (``page_data.labelled_lines``).

Each message below is one the engines write today, copied from their source or from the sample
data's analysis (sample_data/, issue 18's list of English on the Swedish pages)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from spendanalys.dashboard import brief
from spendanalys.dashboard.components import rejected_table
from spendanalys.dashboard.page_data import labelled_lines, worded_notes
from spendanalys.i18n import catalogue
from spendanalys.i18n.notes import Message, messages, translate, worded
from spendanalys.i18n.sheets import Col, value_maps

MESSAGES = [
    ("org number 5592011372 belongs to 2 agreements", "org.nr 5592011372 hör till 2 avtal"),
    (
        "supplier name 'bergqvists kodverkstad' belongs to 2 agreements",
        "leverantörsnamnet ”bergqvists kodverkstad” hör till 2 avtal",
    ),
    ("skipped total row 3001 ('Summa')", "summarad 3001 ('Summa') hoppades över"),
    ("'2024-13-45' is not a valid calendar date", "'2024-13-45' är inget giltigt datum"),
    ("'55667' is not a Swedish organisation number (10 digits)", "'55667' är inget svenskt"),
    ("no value for Belopp", "inget värde för Belopp"),
    ("factor set: sweden_default_2025", "Faktoruppsättning: sweden_default_2025"),
    ("radiative forcing (high-altitude effect): included", "Höghöjdseffekt"),
    (
        "flight distance: great circle × 1.08; distances written in the file used as given",
        "Flygsträcka: storcirkelavstånd × 1.08",
    ),
    (
        "43 hotel line(s) in countries without a hotel row of their own in sweden_default_2025 "
        "('KE' ×43): priced with its rest-of-the-world row",
        "43 hotellrad(er) i länder utan egen hotellrad i sweden_default_2025 ('KE' ×43): "
        "beräknade med dess rad för övriga världen",
    ),
    (
        "no accepted trips for year(s) 2020, 2021: no figure",
        "Inga godkända resor för år 2020, 2021",
    ),
    (
        "the baseline year must be a year from 2000 to 2100",
        "Basår måste vara ett år från 2000 till 2100",
    ),
    ("the factor must be a positive number", "Faktorn måste vara ett positivt tal"),
]


@pytest.mark.parametrize(("english", "swedish"), MESSAGES)
def test_engine_messages_are_worded_in_swedish(english: str, swedish: str) -> None:
    assert worded(english, "sv").startswith(swedish)
    assert worded(english, "en") == english  # English stays as the engine wrote it


def test_a_message_of_unknown_shape_is_shown_as_written() -> None:
    assert worded("a new engine message", "sv") == "a new engine message"


EXAMPLES = [
    pytest.param(m, example, id=f"{m.key}:{i}")
    for m in messages()
    for i, example in enumerate(m.examples)
]


@pytest.mark.parametrize(("message", "example"), EXAMPLES)
def test_the_dashboard_and_the_reports_print_the_same_swedish(message: Message, example: str):
    """Every shape's real message, through the dashboard's edges (a page's note, a notes column,
    the rejected rows' reasons) and the reports' (a workbook's note column, a document's notes):
    one Swedish text, from the table's own key, placeholders filled."""
    report = translate(example, "sv")
    workbook_cell = value_maps([Col("note", "col.note", values="note")], "sv")["note"](example)
    page = worded(example, "sv")
    column = worded_notes(pd.DataFrame({"note": [example]}), "note", "sv")["note"][0]
    table = rejected_table(pd.DataFrame({"reason": [example]}), "sv")
    assert page == report == workbook_cell == column, (page, report)
    assert report in _texts(table)
    assert report != example and "{" not in report, report
    if message.source.startswith("io/"):  # a reader's note keeps its file in front on both sides
        named = f"resor.csv [Blad1]: {example}"
        assert worded(named, "sv") == translate(named, "sv") == f"resor.csv [Blad1]: {report}"


def _texts(component: object) -> list[str]:
    """The strings of a Dash component tree (its children, depth first)."""
    children = getattr(component, "children", component)
    if isinstance(children, str):
        return [children]
    if isinstance(children, list | tuple):
        return [text for child in children for text in _texts(child)]
    return [] if children is None or children is component else _texts(children)


def test_catalogues_stay_sorted_and_alike(repo_dir: object) -> None:
    from pathlib import Path

    folder = Path(str(repo_dir)) / "spendanalys" / "i18n"
    for lang in ("sv", "en"):
        keys = list(json.loads((folder / f"{lang}.json").read_text(encoding="utf-8")))
        assert keys == sorted(keys)
    assert set(catalogue("sv")) == set(catalogue("en"))


class _Analysis:
    """The parts of a TravelAnalysis the verdict reads, with the sample data's figures."""

    def __init__(self, forecast: float | None) -> None:
        self.path = pd.DataFrame(
            {
                "year": [2019, 2020, 2021, 2022, 2023, 2024, 2025],
                "path_kg_co2e_per_fte": [295.49, 283.18, 270.86, 258.55, 246.24, 233.93, 221.62],
                "kg_co2e_per_fte": [295.49, None, None, 196.68, 234.23, 250.64, None],
            }
        )
        self.path["gap_to_path"] = self.path["kg_co2e_per_fte"] - self.path["path_kg_co2e_per_fte"]
        self.baseline = {"year": 2019, "kg_co2e_per_fte": 295.49}
        self.target = {"year": 2025, "reduction": 0.25, "kg_co2e_per_fte": 221.62}
        self.forecast = (
            None
            if forecast is None
            else {"kg_co2e_per_fte": forecast, "years_used": [2022, 2023, 2024]}
        )


def test_travel_verdict_of_the_sample_is_off_track_with_the_gap_years_named() -> None:
    verdict = brief.travel_verdict(_Analysis(forecast=281.14))
    assert verdict is not None
    assert (verdict.year, verdict.status) == (2024, brief.OFF_TRACK)
    assert verdict.gap_kg == pytest.approx(250.64 - 233.93)
    assert verdict.forecast_status == brief.OFF_TRACK
    assert verdict.years_without_data == (2020, 2021)  # 2025 is ahead, not a gap
    assert brief.year_span(verdict.years_without_data) == "2020–2021"


def test_forecast_at_or_under_the_target_is_on_course() -> None:
    verdict = brief.travel_verdict(_Analysis(forecast=200.0))
    assert verdict is not None and verdict.forecast_status == brief.ON_TRACK
    without = brief.travel_verdict(_Analysis(forecast=None))
    assert without is not None and without.forecast_status == brief.UNKNOWN


def test_drilldown_lines_show_labels_and_a_price_index_step_that_adds_up() -> None:
    """The sample's top line (AVT-2021-267, invoice 428380): 953 367.39 kr, factor 0.021868
    kg CO2e/kr, 18 683.09 kg: so 854 357 kr at the factor's price year, ratio 0.896."""
    lines = pd.DataFrame(
        {
            "category_id": ["construction_works"],
            "category_rule": ["agreement_category"],
            "link_rule": ["org_number"],
            "spend_sek": [953367.39],
            "kg_co2e_per_sek": [0.021868],
            "kg_co2e": [18683.087699],
        }
    )
    shown = labelled_lines(lines, "sv").iloc[0]
    assert shown["category_name"] == "Byggentreprenader (avtalets kategori)"
    assert shown["link_rule"] == "organisationsnummer"
    assert shown["spend_sek_factor_year"] * shown["kg_co2e_per_sek"] == pytest.approx(18683.087699)
    assert shown["price_index_ratio"] == pytest.approx(0.896, abs=5e-4)


@pytest.mark.parametrize(
    ("asked", "goes_to"),
    [
        ("/inkop", "/inkop"),
        ("/resor?x=1", "/resor?x=1"),
        (None, "/"),
        ("//evil.example/inkop", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("/login?next=/inkop", "/"),
        ("inkop", "/"),
    ],
)
def test_login_goes_back_to_the_page_asked_for_on_this_site_only(
    asked: object, goes_to: str
) -> None:
    from spendanalys.dashboard.components import safe_next

    assert safe_next(asked) == goes_to


def test_train_table_sources_are_worded() -> None:
    assert (
        worded("median of the agency's 101 rail trip(s) on the route", "sv")
        == "medianen av myndighetens 101 resor med tåg på sträckan"
    )
