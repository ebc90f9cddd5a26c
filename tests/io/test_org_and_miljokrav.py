"""Organisation numbers of foreign suppliers and Miljökrav as agencies write it
(spendanalys/io/values.py, spendanalys/io/requirement_words.csv)."""

from __future__ import annotations

import csv
from importlib import resources

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spendanalys.io.headers import fold
from spendanalys.io.values import (
    REQUIREMENT_LEVELS,
    parse_booleans,
    parse_org_numbers,
    parse_requirements,
)
from spendanalys.spend.linking import normalise_org_number
from spendanalys.vocabulary import NO_WORDS, YES_WORDS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Equinor ASA, Brønnøysundregistrene: 923 609 016 (mod-11 check digit 6)
        ("NO 923 609 016 MVA", "NO923609016"),
        ("923609016MVA", "NO923609016"),
        ("NO923609016", "NO923609016"),
        # Nokia Oyj, Y-tunnus 0112038-9 (check digit 9)
        ("0112038-9", "FI01120389"),
        ("FI01120389", "FI01120389"),
        ("FI 0112038-9", "FI01120389"),
        ("DK 12 34 56 78", "DK12345678"),
        ("EE10000356", "EE10000356"),
        ("GB123456789", "GB123456789"),
        ("UK 123 4567 89", "GB123456789"),
        ("GB SC123456", "GBSC123456"),
        ("FR40303265045", "FR303265045"),  # VAT: key 40 + SIREN 303 265 045
        ("FR 303 265 045", "FR303265045"),
        ("DE123456789", "DE123456789"),
        ("SE556677889901", "5566778899"),
        ("556677-8899", "5566778899"),
    ],
)
def test_foreign_identifiers_keep_their_country(text: str, expected: str) -> None:
    parsed = parse_org_numbers(pd.Series([text], dtype=str))
    assert parsed.errors.iloc[0] is None
    assert parsed.values.iloc[0] == expected
    # The linker compares the same key, whether it gets the text or the canonical form.
    assert normalise_org_number(pd.Series([text, expected], dtype="string")).tolist() == [
        expected,
        expected,
    ]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("NO923609017", "check digit"),
        ("0112038-8", "check digit"),
        ("123456789", "country code"),
        ("DK1234567", "8 digits"),
        ("XX123456", "country code"),
    ],
)
def test_bad_foreign_identifiers_say_why(text: str, why: str) -> None:
    parsed = parse_org_numbers(pd.Series([text], dtype=str))
    assert pd.isna(parsed.values.iloc[0])
    assert why in str(parsed.errors.iloc[0]) and repr(text) in str(parsed.errors.iloc[0])


@given(st.integers(min_value=0, max_value=99_999_999))
def test_any_well_formed_norwegian_number_is_kept(base: int) -> None:
    """Every 8-digit base with its mod-11 check digit (remainder 1 has none) is accepted."""
    digits = f"{base:08d}"
    total = sum(int(d) * w for d, w in zip(digits, (3, 2, 7, 6, 5, 4, 3, 2), strict=True)) % 11
    if total == 1:
        return
    number = digits + str(0 if total == 0 else 11 - total)
    parsed = parse_org_numbers(pd.Series([f"NO {number} MVA"], dtype=str))
    assert parsed.values.iloc[0] == "NO" + number


def _file_words() -> list[tuple[str, str, str]]:
    text = resources.files("spendanalys.io").joinpath("requirement_words.csv").read_text("utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return [(r["word"], r["requirements"], r["level"]) for r in csv.DictReader(lines)]


MEANING = {"yes": True, "no": False, "unknown": None}


@pytest.mark.parametrize(("word", "means", "level"), _file_words())
def test_every_word_of_the_vocabulary_file(word: str, means: str, level: str) -> None:
    for spelling in (word, word.upper(), word.capitalize()):
        parsed = parse_requirements(pd.Series([spelling], dtype=object))
        value = parsed.values.iloc[0]
        assert (None if pd.isna(value) else bool(value)) == MEANING[means], spelling
        assert (None if pd.isna(parsed.level.iloc[0]) else parsed.level.iloc[0]) == (level or None)
        assert parsed.notes == ()


@pytest.mark.parametrize(
    ("text", "flag", "level"),
    [
        ("Basnivå", True, "bas"),
        ("Avancerad nivå", True, "avancerad"),
        ("Spjutspetsnivå", True, "spjutspets"),
        ("Spjutspets", True, "spjutspets"),
        ("Ja, delvis", True, None),
        ("JA", True, None),
        ("X", True, None),
        ("1", True, None),
        ("Nej", False, None),
        ("0", False, None),
        ("True", True, None),  # Upphandlingsmyndigheten's register via okfse
        ("Uppgift saknas", None, None),
        ("", None, None),
    ],
)
def test_miljokrav_as_agencies_write_it(text: str, flag: bool | None, level: str | None) -> None:
    parsed = parse_requirements(pd.Series([text], dtype=object))
    value = parsed.values.iloc[0]
    assert (None if pd.isna(value) else bool(value)) == flag
    assert (None if pd.isna(parsed.level.iloc[0]) else parsed.level.iloc[0]) == level


def test_workbook_cells_and_the_yes_no_words() -> None:
    cells = [True, False, 1.0, 0.0, 1, None, float("nan"), *sorted(YES_WORDS), *sorted(NO_WORDS)]
    parsed = parse_requirements(pd.Series(cells, dtype=object))
    expected = [True, False, True, False, True, None, None]
    expected += [True] * len(YES_WORDS) + [False] * len(NO_WORDS)
    assert [None if pd.isna(v) else bool(v) for v in parsed.values] == expected
    assert parsed.notes == ()


def test_an_unknown_value_is_one_note_with_its_count_never_an_error() -> None:
    cells = ["kanske", "Kanske", "KANSKE ", "Ja", "enligt bilaga", None]
    parsed = parse_requirements(pd.Series(cells, dtype=object), "Miljökrav ställda")
    assert parsed.errors.isna().all()
    assert [None if pd.isna(v) else bool(v) for v in parsed.values] == [
        None, None, None, True, None, None
    ]  # fmt: skip
    assert parsed.notes == (
        "Miljökrav ställda: 'kanske' is not a known miljökrav value (see requirement_words.csv): "
        "3 rows counted as unknown",
        "Miljökrav ställda: 'enligt bilaga' is not a known miljökrav value (see "
        "requirement_words.csv): 1 row counted as unknown",
    )
    # The generic yes/no parser stays strict: "kanske" is an error there.
    assert parse_booleans(pd.Series(["kanske"], dtype=str)).errors.iloc[0] is not None


@given(
    st.lists(st.one_of(st.text(max_size=12), st.none(), st.booleans(), st.floats()), max_size=20)
)
def test_miljokrav_never_rejects_and_notes_every_unknown(cells: list) -> None:
    parsed = parse_requirements(pd.Series(cells, dtype=object))
    assert parsed.errors.isna().all()
    assert len(parsed.values) == len(cells) == len(parsed.level)
    assert set(parsed.level.dropna()) <= set(REQUIREMENT_LEVELS)
    noted = sum(int(n.rsplit(": ", 1)[1].split()[0]) for n in parsed.notes)
    known = {fold(w) for w, _, _ in _file_words()} | {fold(w) for w in YES_WORDS | NO_WORDS}
    texts = [_as_written(c) for c in cells]
    assert noted == sum(1 for t in texts if t and fold(t) not in known)


def _as_written(cell: object) -> str:
    """A cell as a user reads it: True -> "1", 2.0 -> "2", NaN/None -> ""."""
    if cell is None or (isinstance(cell, float) and cell != cell):
        return ""
    if isinstance(cell, bool) or (isinstance(cell, float) and cell.is_integer()):
        return str(int(cell))
    return str(cell).strip()


def test_a_register_with_a_level_column_beside_miljokrav(tmp_path) -> None:
    """Kravnivå gives the level; with no Miljökrav column a named level is miljökrav as well."""
    from spendanalys.io import read_contracts

    both = tmp_path / "both.csv"
    both.write_text(
        "Avtalsnummer;Miljökrav;Kravnivå\nA;Ja;Avancerad nivå\nB;Nej;\nC;;Spjutspets\n",
        encoding="utf-8",
    )
    table = read_contracts(both).table
    levels = [None if pd.isna(v) else v for v in table["requirement_level"]]
    flags = [None if pd.isna(v) else bool(v) for v in table["environmental_requirements"]]
    assert levels == ["avancerad", None, "spjutspets"]
    assert flags == [True, False, True]  # a named level is miljökrav where the column is blank
    only_level = tmp_path / "level.csv"
    only_level.write_text("Avtalsnummer;Kravnivå\nA;Basnivå\nB;\n", encoding="utf-8")
    table = read_contracts(only_level).table
    assert [None if pd.isna(v) else v for v in table["requirement_level"]] == ["bas", None]
    assert [None if pd.isna(v) else bool(v) for v in table["environmental_requirements"]] == [
        True,
        None,
    ]
