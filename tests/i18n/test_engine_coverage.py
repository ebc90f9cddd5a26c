"""Every note and rejection reason the engines write on realistic inputs has a shape in the table
(``spendanalys/i18n/engine_messages.json``), so a Swedish report never shows it in English.

The inputs: the sample data through the spend and travel analyses; every file of the hostile
corpus (tests/corpus/README.md) and of ../shared/realdata through the readers and the check
the analysis of its kind runs (``services.assembly.analysis_check``); the corpus trip files
through the travel analysis (round trips written there and back, unknown booking classes,
retired airport codes, city names). A message counts as worded when its Swedish differs from
the English (``translate(text, "sv") != text``) or it is in ``SAME_IN_SWEDISH``.

A new message shape an engine starts to write fails here with the text to add to the table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from spendanalys.errors import SpendanalysError
from spendanalys.i18n.notes import SEPARATOR, translate
from spendanalys.io import read_input
from spendanalys.io.options import reader_notes
from spendanalys.io.result import ReadResult
from spendanalys.io.upload_guard import reject_control_characters
from spendanalys.schema import Kind
from spendanalys.services.assembly import analysis_check, run_spend
from spendanalys.travel.analysis import TravelSettings, run_travel

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
# Messages whose Swedish is rightly the same text. None today: a message made only of a file
# name or a value would go here, with the reason.
SAME_IN_SWEDISH: frozenset[str] = frozenset()
# The report columns whose values are engine messages (``values="note"`` in the report columns).
NOTE_COLUMNS = ("link_note", "reason", "distance_basis", "rail_cost_source", "time_source")
# A corpus row read in part (the refused files end in an error, not in notes and reasons).
_ROW = re.compile(
    r"\|\s*(?P<file>[^|]+?)\s*\|\s*(?P<kind>contracts|invoices|trips|fte)\s*\|.*\| partial:"
)
_REALDATA_KINDS: dict[str, Kind] = {
    "contracts": "contracts",
    "invoices_uk": "invoices",
    "invoices_se": "invoices",
    "travel": "trips",
    "fte": "fte",
}


def _corpus_cases() -> list[tuple[str, Kind]]:
    lines = (CORPUS / "README.md").read_text(encoding="utf-8").splitlines()
    found = (_ROW.match(line) for line in lines)
    return [(m["file"], m["kind"]) for m in found if m]  # type: ignore[misc]


def _read(path: Path, kind: Kind) -> ReadResult | None:
    """What an upload gives (the reader, the control-character policy); None when refused."""
    try:
        return reject_control_characters(read_input(path, kind))
    except SpendanalysError:
        return None  # a refused file is an error message, not a note (tests/io/test_corpus.py)


def _messages(result: ReadResult, kind: Kind) -> Iterator[str]:
    """The notes and reasons of one read file and of the analysis' own check of its rows."""
    yield from reader_notes([result.info])
    yield from (r.reason for r in result.rejected)
    try:
        checked = analysis_check(kind, result.table)
    except SpendanalysError:
        return
    yield from checked.notes
    yield from (r.reason for r in checked.rejected)


def _column_values(frames: Iterable[object]) -> Iterator[str]:
    for frame in frames:
        if not isinstance(frame, pd.DataFrame):
            continue
        for column in NOTE_COLUMNS:
            if column in frame:
                yield from (v for v in frame[column].dropna().unique() if isinstance(v, str))


def _unworded(messages: Iterable[str]) -> list[str]:
    distinct = dict.fromkeys(m for m in messages if m and m.strip())
    return [m for m in distinct if m not in SAME_IN_SWEDISH and translate(m, "sv") == m]


@pytest.mark.parametrize(("name", "kind"), _corpus_cases())
def test_corpus_files_notes_and_reasons_are_worded(name: str, kind: Kind) -> None:
    result = _read(CORPUS / "files" / name, kind)
    assert result is not None, f"{name} is read in part (tests/corpus/README.md)"
    assert _unworded(_messages(result, kind)) == []


@pytest.mark.realdata
def test_realdata_notes_and_reasons_are_worded(realdata_dir: Path) -> None:
    messages: list[str] = []
    for path in sorted(realdata_dir.rglob("*")):
        kind = _REALDATA_KINDS.get(path.parent.name)
        if kind is None or path.suffix not in (".csv", ".xlsx"):
            continue
        result = _read(path, kind)
        if result is not None:
            messages += _messages(result, kind)
    assert messages, "no real-data file was read"
    assert _unworded(messages) == []


def test_sample_spend_analysis_is_worded(samples: Path) -> None:
    run = run_spend([samples / "avtalsforteckning.csv"], [samples / "leverantorsfakturor_2024.csv"])
    analysis = run.analysis
    messages = [*analysis.notes, *(r.reason for r in analysis.rejected)]
    messages += _column_values(vars(analysis).values())
    assert analysis.notes
    assert _unworded(messages) == []


def test_sample_travel_analysis_is_worded(samples: Path) -> None:
    analysis = run_travel([samples / "resor_2019_2024.csv"], [samples / "arsarbetskrafter.csv"])
    messages = [*analysis.notes, *analysis.reason_notes, *(r.reason for r in analysis.rejected)]
    messages += _column_values(vars(analysis).values())
    assert analysis.notes
    assert _unworded(messages) == []


TRIP_FILES = [name for name, kind in _corpus_cases() if kind == "trips"]


@pytest.mark.parametrize("name", TRIP_FILES)
def test_travel_analysis_of_corpus_trips_is_worded(name: str, samples: Path) -> None:
    """The corpus trip files through the whole travel analysis, with the sample's FTE and the
    file's first year that can be a baseline: the notes on round trips, booking classes and
    codes."""
    path = CORPUS / "files" / name
    read = _read(path, "trips")
    if read is None or not len(read.table):
        pytest.skip(f"{name}: no trips to analyse")
    years = sorted(set(pd.to_datetime(read.table["date"], errors="coerce").dt.year.dropna()))
    for year in map(int, years):  # the first year that can be a baseline
        settings = TravelSettings(baseline_year=year, target_year=year + 6)
        try:
            analysis = run_travel([path], [samples / "arsarbetskrafter.csv"], settings=settings)
            break
        except SpendanalysError:
            continue
    else:
        pytest.skip(f"{name}: no year of it can be the baseline")
    messages = [*analysis.notes, *analysis.reason_notes, *(r.reason for r in analysis.rejected)]
    messages += _column_values(vars(analysis).values())
    assert _unworded(messages) == []


def test_travel_baseline_error_is_worded_part_by_part(samples: Path) -> None:
    """The error of a baseline year without a figure (shown on the travel page) names the
    rejected rows of that year; each of its "; "-parts has Swedish words."""
    path = CORPUS / "files" / "trips_city_names.csv"
    settings = TravelSettings(baseline_year=2019, target_year=2025)
    with pytest.raises(SpendanalysError) as caught:
        run_travel([path], [samples / "arsarbetskrafter.csv"], settings=settings)
    english = str(caught.value).split(SEPARATOR)
    swedish = str(translate(str(caught.value), "sv")).split(SEPARATOR)
    assert len(english) == len(swedish) > 2
    assert [e for e, s in zip(english, swedish, strict=True) if e == s] == []
