"""The plausibility check reads the other kinds on the start of a long text export (issue 20:
reading a million invoice lines as trips and as FTE searched every line for a header) and
comes to the decision the whole-file readings came to."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from spendanalys import io as readers
from spendanalys import services
from spendanalys.errors import SpendanalysError
from spendanalys.schema import KINDS
from spendanalys.services import staging
from spendanalys.services.staging import START_BYTES, KindCheck, start_of

SAMPLES = (
    "leverantorsfakturor_2024.csv",
    "resor_2019_2024.csv",
    "avtalsforteckning.csv",
    "arsarbetskrafter.csv",
)


Fit = tuple[int, float] | None


@lru_cache(maxsize=8)
def _whole_file_fits(path: Path) -> dict[str, Fit]:
    """(columns recognised, share accepted) of the whole file read as each kind (None: it
    cannot be read as that kind), as the check read it before issue 20."""
    content = path.read_bytes()
    fits: dict[str, Fit] = {}
    for kind in KINDS:
        try:
            result = readers.read_input(content, kind, name=path.name)
        except (SpendanalysError, ValueError):
            fits[kind] = None
            continue
        total = result.rows_accepted + result.rows_rejected
        fits[kind] = (len(result.info.columns), result.rows_accepted / total if total else 0.0)
    return fits


def _whole_file_check(fits: dict[str, Fit], kind: str) -> KindCheck:
    """The rule on whole-file readings of every kind."""
    mine = fits[kind] or (0, 0.0)
    best: tuple[tuple[int, float], str] | None = None
    for other, theirs in fits.items():
        if other == kind or theirs is None:
            continue
        better = theirs[0] > mine[0] and theirs[1] >= mine[1] and theirs[1] > 0
        if better and (best is None or theirs > best[0]):
            best = (theirs, other)
    rejected = 1.0 - mine[1] if fits[kind] is not None else 1.0
    looks_like = best[1] if best else None
    stopped = looks_like is not None or (fits[kind] is not None and rejected > 0.5)
    return KindCheck(kind, looks_like, rejected, stopped)


def _check(content: bytes, name: str, kind: str) -> KindCheck:
    try:
        result = readers.read_input(content, kind, name=name)  # type: ignore[arg-type]
    except (SpendanalysError, ValueError):
        result = None
    return services.check_kind(content, name, kind, result)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("file", SAMPLES)
def test_the_decision_is_the_whole_file_readings_decision(
    sample_dir: Path, file: str, kind: str
) -> None:
    content = (sample_dir / file).read_bytes()
    assert _check(content, file, kind) == _whole_file_check(
        _whole_file_fits(sample_dir / file), kind
    )


def _bytes_read_per_kind(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[int]]:
    """The sizes of what the kind check hands the readers, per kind, as it reads."""
    sizes: dict[str, list[int]] = {}
    read = readers.read_input

    def counting(source: bytes, kind: str, **options: object) -> object:
        sizes.setdefault(kind, []).append(len(source))
        return read(source, kind, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(staging.readers, "read_input", counting)
    return sizes


def test_a_long_export_of_the_right_kind_is_read_as_the_others_only_at_its_start(
    sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = "leverantorsfakturor_2024.csv"  # 2.9 MB, 29,817 invoice lines
    content = (sample_dir / file).read_bytes()
    result = readers.read_input(content, "invoices", name=file)
    sizes = _bytes_read_per_kind(monkeypatch)
    found = services.check_kind(content, file, "invoices", result)
    assert (found.stopped, found.looks_like) == (False, None)
    assert sorted(sizes) == ["contracts", "fte", "trips"]
    assert all(n == [len(start_of(content))] for n in sizes.values())
    assert len(start_of(content)) < START_BYTES + 1000 < len(content)


def test_a_long_export_of_another_kind_is_stopped_on_its_whole_reading(
    sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = "resor_2019_2024.csv"  # 515 kB of trips, given as invoices
    content = (sample_dir / file).read_bytes()
    sizes = _bytes_read_per_kind(monkeypatch)
    found = services.check_kind(content, file, "invoices", None)
    assert (found.stopped, found.looks_like) == (True, "trips")
    assert sizes["trips"] == [len(start_of(content)), len(content)]


def _lines(count: int, line: bytes = b"2024-01-02;T\xe5g;Stockholm;Uppsala;70\n") -> bytes:
    return b"Resedatum;F\xe4rds\xe4tt;Fr\xe5n;Till;Avst\xe5nd (km)\n" + line * count


@pytest.mark.parametrize(
    ("content", "cut"),
    [
        pytest.param(_lines(10), False, id="shorter than the start"),
        pytest.param(_lines(5000), True, id="cp1252"),
        pytest.param(_lines(5000).decode("cp1252").encode("utf-8"), True, id="utf-8"),
        pytest.param(b"\xef\xbb\xbf" + _lines(5000).decode("cp1252").encode(), True, id="bom"),
        pytest.param(_lines(5000).decode("cp1252").encode("utf-16"), False, id="utf-16"),
        pytest.param(_lines(5000).decode("cp1252").encode("utf-16-le"), False, id="utf-16-le"),
        pytest.param(_lines(5000).replace(b"\n", b"\r"), False, id="CR line ends"),
        pytest.param(b"PK\x03\x04" + b"x" * 2 * START_BYTES, False, id="workbook"),
    ],
)
def test_the_start_is_whole_lines_or_the_whole_file(content: bytes, cut: bool) -> None:
    start = start_of(content)
    assert content.startswith(start)
    if cut:
        assert START_BYTES < len(start) < len(content) and start.endswith(b"\n")
        assert content[len(start) :].startswith(content.split(b"\n", 2)[1][:10])
    else:
        assert start is content
