"""The reports' words and numbers (issue 16): engine notes in Swedish through engine_messages.json,
coded values through the catalogue, figures rounded as their format shows."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spendanalys.i18n.figures import UNITS, figure, rounded
from spendanalys.i18n.notes import translate, translated
from spendanalys.i18n.sheets import code


@pytest.mark.parametrize(
    "english, swedish",
    [
        # spend/linking.py's reasons an invoice line stays unlinked
        ("org number 5592011372 belongs to 2 agreements", "org.nr 5592011372 hör till 2 avtal"),
        (
            "supplier name 'västsvenska fastighetsservice' belongs to 2 agreements",
            "leverantörsnamnet ”västsvenska fastighetsservice” hör till 2 avtal",
        ),
        (
            "agreement id 'AVT-9' is not in the register",
            "avtalsnummer AVT-9 finns inte i avtalsförteckningen",
        ),
        # several reasons of one line, joined by "; "
        (
            "agreement id 'X1' is not in the register; org number 5560000001 belongs to 3 agreements",
            "avtalsnummer X1 finns inte i avtalsförteckningen; org.nr 5560000001 hör till 3 avtal",
        ),
        # spend/pricing.py's KPI note, as the engine writes it
        (
            "KPI has no index for 2025 (the table covers 2015–2024): spend of 2025 (3 lines, 1 200 "
            "SEK) is brought to the factors' price year with the latest index, 2024, as if its "
            "prices were 2024's; these lines and their agreements are marked kpi_substituted",
            "KPI saknar index för 2025 (tabellen täcker 2015–2024): utgift från 2025 (3 rader, "
            "1 200 kr) räknas om till faktorernas prisår med det senaste index, 2024, som om "
            "priserna vore från 2024; raderna och deras avtal är markerade (KPI-år ersatt)",
        ),
        # travel notes, a nested phrase translated too
        (
            "radiative forcing (high-altitude effect): included",
            "Höghöjdseffekt (flygets utsläpp på hög höjd): inkluderad",
        ),
        (
            "43 hotel line(s) in countries without a hotel row of their own in sweden_default_2025 "
            "('KE' ×43): priced with its rest-of-the-world row",
            "43 hotellrad(er) i länder utan egen hotellrad i sweden_default_2025 ('KE' ×43): "
            "beräknade med dess rad för övriga världen",
        ),
        (
            "median of the agency's 101 rail trip(s) on the route",
            "medianen av myndighetens 101 resor med tåg på sträckan",
        ),
        (
            "route table (measured, 2024): KTH Järnvägsgruppen and SJ",
            "rutt-tabellen (uppmätt, 2024): KTH Järnvägsgruppen and SJ",  # the source as quoted
        ),
        (
            "no accepted trips for year(s) 2020, 2021: no figure",
            "Inga godkända resor för år 2020, 2021: inget värde",
        ),
    ],
)
def test_engine_notes_in_swedish(english, swedish):
    assert translate(english, "sv") == swedish


@pytest.mark.parametrize(
    "english, swedish",
    [
        # io/options.reader_notes: each reader note named by its file (and sheet)
        (
            "leverantorsfakturor_2024.csv: skipped total row 29818 ('Summa')",
            "leverantorsfakturor_2024.csv: summarad 29818 ('Summa') hoppades över",
        ),
        (
            "bok.xlsx [Apr 18]: ignored 3 empty rows",
            "bok.xlsx [Apr 18]: 3 tomma rader hoppades över",
        ),
        (
            "avtal.csv: header 'Belopp' not used: another column already gives that field",
            "avtal.csv: rubriken 'Belopp' används inte: en annan kolumn ger redan det fältet",
        ),
        (
            "resor.csv: column 7 has no header: its values in 12 rows were not read",
            "resor.csv: kolumn 7 saknar rubrik: dess värden på 12 rader lästes inte",
        ),
        # a note no pattern knows keeps its file and its words
        ("avtal.csv: a note no pattern knows", "avtal.csv: a note no pattern knows"),
    ],
)
def test_reader_notes_named_by_their_file_in_swedish(english, swedish):
    assert translate(english, "sv") == swedish
    assert translate(english, "en") == english


@pytest.mark.parametrize(
    "english",
    [
        "org number 5592011372 belongs to 2 agreements",
        "supplier name matches agreement A-1 but the org numbers differ",
        "no FTE for year(s) 2021: no per-FTE figure",
        "the flights' own cost (3 of 5 rows), else your route file",
    ],
)
def test_english_messages_say_what_the_engine_said(english):
    assert translate(english, "en") == english


def test_an_unknown_text_is_shown_as_written_and_non_text_passes():
    assert translate("a note no pattern knows", "sv") == "a note no pattern knows"
    assert translate(None, "sv") is None and translate(3.5, "sv") == 3.5


def test_a_frame_column_is_translated_on_a_copy():
    import pandas as pd

    frame = pd.DataFrame({"link_note": ["org number 1 belongs to 2 agreements", None]})
    out = translated(frame, "link_note", "sv")
    assert out["link_note"][0] == "org.nr 1 hör till 2 avtal" and pd.isna(out["link_note"][1])
    assert frame["link_note"][0].startswith("org number")
    assert translated(frame, "absent", "sv") is frame


@pytest.mark.parametrize(
    "value, vocabulary, sv, en",
    [
        ("short", "band", "kort", "short"),
        ("economy", "cabin", "ekonomi", "economy"),
        ("unknown", "gender", "Okänt", "Unknown"),
        ("rail", "mode", "Tåg", "Rail"),
        ("supplier_name", "link_rule", "leverantörsnamn", "supplier name"),
        ("agreement_cpv", "category_rule", "avtalets CPV-kod", "the agreement's CPV code"),
        ("above the path", "status", "över linjen", "above the path"),
        (
            "supplier; category",
            "factor_kind",
            "leverantörsspecifik; kategori",
            "supplier-specific; category",
        ),
        (True, "yes_no", "Ja", "Yes"),
        (None, "yes_no", "Okänt", "Unknown"),
        ("a_new_code", "band", "a_new_code", "a_new_code"),  # unknown: as written, not guessed
    ],
)
def test_coded_values_in_words(value, vocabulary, sv, en):
    assert code(value, vocabulary, "sv") == sv
    assert code(value, vocabulary, "en") == en


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False), st.sampled_from(sorted(UNITS)))
def test_a_cell_holds_what_its_format_shows(value, unit):
    u = UNITS[unit]
    cell = rounded(value, unit)
    assert cell == round(value * u.scale, u.decimals)
    shown_decimals = len(u.excel_format.rstrip("%").split(".")[1]) if "." in u.excel_format else 0
    extra = 2 if u.excel_format.endswith("%") else 0  # a share 0.243 shows as 24.3 %
    assert shown_decimals + extra == u.decimals


def test_figures_as_a_report_prints_them():
    assert figure(6_457_881.27, "t", "sv") == "6\u00a0457,9\u00a0t CO2e"
    assert figure(0.0077, "g_per_sek", "sv") == "7,7\u00a0g CO2e per kr"
    assert figure(0.0081, "g_per_sek", "sv") == "8,1\u00a0g CO2e per kr"  # no longer both 0.008
    assert figure(436_863_280.42, "msek", "sv") == "436,9\u00a0MSEK"
    assert figure(0.24285714, "share", "sv") == "24,3\u00a0%"
    assert figure(295.4889, "kg", "en") == "295.5\u00a0kg CO2e"
    assert figure(None, "t", "sv") == "–"
