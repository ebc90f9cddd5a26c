"""Every error a user can meet is worded in Swedish by default and English on request, through the
engine-message table (``spendanalys/i18n/engine_messages.json``), with the file, sheet, row and
column it names kept exactly.

The errors are the real ones: every file of the hostile corpus (tests/corpus/README.md) and of
../shared/realdata read as each kind through the upload guard and the readers, as the CLI reads
a path and the dashboard an upload's bytes; the refused corpus files through the whole upload
(``services.import_upload``, what the dashboard's upload job runs); a malformed upload, a bad
"fixed value" in the upload form, and the settings and route checks of the travel analysis.

An error counts as worded when its message after the place it names is one of the table's
(``matching``), its Swedish differs from the English, its English is the text as raised, and the
Swedish keeps the file name, the sheet and column as written and the row number. A new error an
engine starts to raise fails here with its text, to add to the table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest

from spendanalys import services
from spendanalys.errors import FactorError, InputFormatError, SpendanalysError
from spendanalys.i18n.notes import matching, translate
from spendanalys.io import read_input
from spendanalys.io.upload_guard import check_upload, reject_control_characters
from spendanalys.schema import KINDS, Kind
from spendanalys.store.database import Store
from spendanalys.travel.analysis import TravelSettings
from spendanalys.travel.routes import parse_routes

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
FILES = sorted(p for p in (CORPUS / "files").iterdir() if p.is_file())
# A corpus row the upload refuses: "| file | kind | what it tests | rejected: <text> |".
_REFUSED = re.compile(r"\|\s*(?P<file>[^|]+?)\s*\|\s*(?P<kind>\w+)\s*\|.*\| rejected:")


def _refused_cases() -> list[tuple[str, str]]:
    lines = (CORPUS / "README.md").read_text(encoding="utf-8").splitlines()
    return [(m["file"], m["kind"]) for m in map(_REFUSED.match, lines) if m]


def _raised(call: Callable[[], object]) -> Iterator[SpendanalysError]:
    try:
        call()
    except SpendanalysError as exc:
        yield exc


def _read_errors(path: Path) -> Iterator[SpendanalysError]:
    """What reading ``path`` as each kind raises: the guard and the readers on the upload's
    bytes (the dashboard), the readers on the path (the command line)."""
    content = path.read_bytes()
    yield from _raised(lambda: check_upload(path.name, content))
    sources: tuple[tuple[Path | bytes, str | None], ...] = ((path, None), (content, path.name))
    for kind in KINDS:
        for source, name in sources:
            yield from _raised(partial(_read, source, kind, name))


def _read(source: Path | bytes, kind: Kind, name: str | None) -> object:
    return reject_control_characters(read_input(source, kind, name=name))


def _unworded(text: str, error: SpendanalysError | None = None) -> str | None:
    """Why ``text`` (an error's message) is not worded, or None when it is."""
    reason = error.reason if isinstance(error, InputFormatError | FactorError) else text
    swedish = str(translate(text, "sv"))
    # The message itself, or (a text without its error) what follows the name it opens with.
    after_names = [reason[m.end() :] for m in re.finditer(": ", reason)] if error is None else []
    if not any(matching(m) for m in [reason, *after_names]):
        return f"no entry of the table matches {reason!r}"
    if swedish == text:
        return "the Swedish is the English"
    if translate(text, "en") != text:
        return f"the English is not the text raised: {translate(text, 'en')!r}"
    if isinstance(error, InputFormatError | FactorError):
        if not swedish.startswith(error.file):
            return f"the file {error.file!r} is not kept: {swedish!r}"
        if error.row is not None and f"rad {error.row}" not in swedish:
            return f"row {error.row} is not kept: {swedish!r}"
    if isinstance(error, InputFormatError):
        for part, value in (("blad", error.sheet), ("kolumn", error.column)):
            if value and f"{part} {value!r}" not in swedish:
                return f"{part} {value!r} is not kept: {swedish!r}"
    return None


def _failures(errors: Iterator[SpendanalysError]) -> dict[str, str]:
    found = {str(e): e for e in errors}
    why = {text: _unworded(text, error) for text, error in found.items()}
    return {text: reason for text, reason in why.items() if reason is not None}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_corpus_read_errors_are_worded(path: Path) -> None:
    assert _failures(_read_errors(path)) == {}


@pytest.mark.realdata
def test_realdata_read_errors_are_worded(realdata_dir: Path) -> None:
    paths = sorted(p for p in realdata_dir.rglob("*") if p.is_file())
    errors = [e for path in paths for e in _read_errors(path)]
    assert errors, "no real-data file was refused"
    assert _failures(iter(errors)) == {}


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path / 'store.sqlite'}") as opened:
        yield opened


@pytest.mark.parametrize(("name", "kind"), _refused_cases())
def test_a_refused_upload_shows_its_error_worded(store: Store, name: str, kind: str) -> None:
    """The upload job's outcome (``error`` is what the page words, services/uploads.py) for
    each corpus file the upload refuses; a file whose kind the check tells apart is stopped
    instead and worded from ``looks_like``."""
    content = (CORPUS / "files" / name).read_bytes()
    outcome = services.import_upload(
        store, kind, name, content, user="ola", role="admin", stage=True
    )
    assert not outcome.ok
    if not outcome.stopped:
        assert _unworded(outcome.error or "") is None, outcome.error
        assert str(translate(outcome.error, "sv")).startswith(name)


@pytest.mark.parametrize(
    "contents",
    [
        "hello",  # not a data URL
        "data:text/csv;charset=utf-8,Avtalsnummer",  # not base64
        "data:text/csv;base64,QUJD!!",  # not valid base64
        "data:text/csv;base64," + "QUJD" * 100,  # larger than the limit
    ],
)
def test_a_malformed_upload_is_worded(contents: str) -> None:
    errors = list(_raised(lambda: services.decode_upload(contents, 64)))
    assert errors, contents
    assert _failures(iter(errors)) == {}


@pytest.mark.parametrize(
    ("defaults", "kind"),
    [
        ("flyg", "trips"),  # no FIELD=VALUE
        ("resa.mode=flight", "trips"),  # an unknown kind
        ("färdsätt=flyg", "trips"),  # an unknown field
        ("travellers=två", "trips"),  # a value the field cannot hold
    ],
)
def test_a_bad_fixed_value_in_the_upload_form_is_worded(
    store: Store, samples: Path, defaults: str, kind: str
) -> None:
    content = (samples / "resor_2019_2024.csv").read_bytes()
    outcome = services.import_upload(
        store, kind, "resor.csv", content, user="ola", role="admin", stage=True, defaults=defaults
    )
    assert not outcome.ok and outcome.error
    assert _unworded(outcome.error) is None, outcome.error


@pytest.mark.parametrize(
    "call",
    [
        lambda: TravelSettings(reduction=1.5),
        lambda: TravelSettings(baseline_year=2025, target_year=2020),
        lambda: TravelSettings(uplift=-1.0),
        lambda: TravelSettings(min_group_travellers=0),
        lambda: parse_routes(["ARN"]),
        lambda: parse_routes(["ARN-XQZ"]),
    ],
    ids=["reduction", "target", "uplift", "group", "route-shape", "route-code"],
)
def test_travel_settings_errors_are_worded(call: Callable[[], object]) -> None:
    errors = list(_raised(call))
    assert errors
    assert _failures(iter(errors)) == {}


@pytest.mark.parametrize(
    ("english", "swedish"),
    [
        (
            "avtal.xlsx, sheet 'Avtal', row 1: contracts need a column for agreement_id; "
            "headers seen: 'Namn' (map one with --column FIELD=Header, or give a constant with "
            "--default FIELD=VALUE)",
            "avtal.xlsx, blad 'Avtal', rad 1: en fil med avtal behöver en kolumn för "
            "agreement_id; filens rubriker: 'Namn' (koppla en rubrik med --column FIELD=Header "
            "eller ange ett fast värde med --default FIELD=VALUE)",
        ),
        (
            "fakturor.csv, row 7, column 'Belopp': the file is empty",
            "fakturor.csv, rad 7, kolumn 'Belopp': filen är tom",
        ),
        (
            "bok.xlsx: no sheet holds a invoices table ('Info': no recognised invoices header; "
            "'Kort': only one recognised header ('Avtalsnummer'): not a invoices table); name "
            "the columns with --column FIELD=Header or the sheet with --sheet NAME",
            "bok.xlsx: inget blad innehåller en tabell med fakturor ('Info': ingen igenkänd "
            "rubrikrad för fakturor; 'Kort': bara en igenkänd rubrik ('Avtalsnummer'): ingen "
            "tabell med fakturor); ange kolumnerna med --column FIELD=Header eller bladet med "
            "--sheet NAME",
        ),
        (
            "zip.xlsx: the part 'xl/a.xml' is compressed 1,027 times (at most 200 allowed): "
            "refused as a possible zip bomb",
            "zip.xlsx: delen 'xl/a.xml' är komprimerad 1\u00a0027 gånger (högst 200 tillåts): "
            "avvisad som en möjlig zip-bomb",
        ),
        (
            "upload: the upload is not a data URL",
            "upload: uppladdningen är ingen data-URL",
        ),
    ],
)
def test_an_error_reads_as_swedish_would_write_it(english: str, swedish: str) -> None:
    """The place words (blad, rad, kolumn), 'eller' between field names and a number as
    Swedish prints it (no-break space between thousands, i18n.format_number)."""
    assert translate(english, "sv") == swedish
    assert translate(english, "en") == english
