"""The engines' English says one row, line or category when it counts one (not "1 rows"), and the
table still words both counts; the sample exports with one row changed drive the real readers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from spendanalys.i18n.notes import translate
from spendanalys.io import read_input
from spendanalys.io.upload_guard import reject_control_characters
from spendanalys.spend.breakdowns import missing_factor_note


def _with_lines(source: Path, target: Path, changed: dict[int, str]) -> Path:
    """``source`` with the lines numbered in ``changed`` (0 = the header) replaced."""
    lines = source.read_text(encoding="utf-8-sig").splitlines()
    for number, text in changed.items():
        lines[number] = text
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def _notes(path: Path, kind: str) -> list[str]:
    return list(reject_control_characters(read_input(path, kind)).info.notes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("blank", "english", "swedish"),
    [
        ([5], "ignored 1 empty row", "1 tom rad hoppades över"),
        ([5, 9], "ignored 2 empty rows", "2 tomma rader hoppades över"),
    ],
)
def test_empty_rows_are_counted_in_the_right_number(
    samples: Path, tmp_path: Path, blank: list[int], english: str, swedish: str
) -> None:
    path = _with_lines(
        samples / "avtalsforteckning.csv", tmp_path / "avtal.csv", dict.fromkeys(blank, ";;;;;;;;;")
    )
    assert english in _notes(path, "contracts")
    assert translate(english, "sv") == swedish


def test_a_row_with_control_characters_is_one_row(samples: Path, tmp_path: Path) -> None:
    source = samples / "avtalsforteckning.csv"
    third = source.read_text(encoding="utf-8-sig").splitlines()[3]
    path = _with_lines(source, tmp_path / "avtal.csv", {3: third.replace(" – ", " \x1b ", 1)})
    notes = _notes(path, "contracts")
    assert "rejected 1 row with control characters" in notes
    assert translate("rejected 1 row with control characters", "sv") == (
        "1 rad med styrtecken avvisades"
    )


@pytest.mark.parametrize(("years_only", "says"), [(1, "1 row gives"), (2, "2 rows give")])
def test_a_year_only_date_is_counted_in_the_right_number(
    samples: Path, tmp_path: Path, years_only: int, says: str
) -> None:
    source = samples / "resor_2019_2024.csv"
    lines = source.read_text(encoding="utf-8-sig").splitlines()
    changed = {n: "2019" + lines[n][len("2019-01-01") :] for n in range(1, years_only + 1)}
    notes = _notes(_with_lines(source, tmp_path / "resor.csv", changed), "trips")
    note = next(n for n in notes if "a year only" in n)
    assert f"('Resedatum'): {says} a year only" in note
    swedish = str(translate(note, "sv"))
    assert swedish != note and f"{years_only} rad" in swedish


def test_the_categories_without_a_factor_are_listed_in_swedish() -> None:
    """The list after the note's colon: kronor as Swedish prints them and 'och N till'."""
    spend = [12_000.0, 300.0, 200.0, 150.0, 120.0, 110.0, 100.0]
    lines = pd.DataFrame(
        {
            "category_id": [f"own_{i}" for i in range(len(spend))],
            "spend_sek": spend,
            "kg_co2e": [float("nan")] * len(spend),
            "excluded": [False] * len(spend),
        }
    )
    note = missing_factor_note(lines, "exiobase-no")
    assert note is not None and note.endswith("and 2 more")
    swedish = str(translate(note, "sv"))
    assert "(12\u00a0980 kr, kg CO2e okänt): own_0 (12\u00a0000 kr); own_1 (300 kr)" in swedish
    assert swedish.endswith("own_4 (120 kr) och 2 till")
    assert "SEK" not in swedish and " more" not in swedish
    assert translate(note, "en") == note
