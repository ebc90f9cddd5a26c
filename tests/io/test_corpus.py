"""Every corpus file (tests/corpus/README.md) ends as its README says (issue 7, item 2).

The outcome is either a clean InputFormatError naming the file, or a partial import in which
every non-empty data row is accounted for: accepted + rejected == the README's N + M, each row
once. Never an unhandled exception, never a silent loss.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from spendanalys.errors import InputFormatError
from spendanalys.io import read_input
from spendanalys.io.result import ReadResult
from spendanalys.io.upload_guard import check_upload, reject_control_characters

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
_PARTIAL = re.compile(r"partial: (\d+) accepted, (\d+) rejected")
_REJECTED = re.compile(r"rejected: (.+)")

# Corpus cases that fail because of a reader bug (file -> what goes wrong). Strict xfail: the
# readers' fix turns them into passes, and then this entry must go.
KNOWN_READER_BUGS: dict[str, str] = {}


@dataclass(frozen=True)
class Expected:
    file: str
    kind: str
    tests: str
    outcome: str


def _cells(line: str) -> list[str]:
    parts = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    return [p.strip().replace("\\|", "|") for p in parts]


def load_readme() -> list[Expected]:
    lines = (CORPUS / "README.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| file |"))
    return [Expected(*_cells(line)) for line in lines[start + 2 :] if line.startswith("|")]


CASES = load_readme()


def _params() -> list[object]:
    params = []
    for case in CASES:
        marks = []
        if case.file in KNOWN_READER_BUGS:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_READER_BUGS[case.file]))
        params.append(pytest.param(case, id=case.file, marks=marks))
    return params


def upload_path(path: Path, kind: str) -> ReadResult:
    """What an upload goes through: the guard, the reader, the control-character policy."""
    check_upload(path.name, path.read_bytes())
    return reject_control_characters(read_input(path, kind))  # type: ignore[arg-type]


def assert_accounted(result: ReadResult, expected_rows: int | None = None) -> None:
    """Each data row once: accepted or rejected, never both, never twice."""
    # A row is its origin (the file, with the sheet when several were read) and its number.
    accepted = list(zip(result.table["source_file"], result.table["source_row"], strict=True))
    rejected = [(r.file, r.row) for r in result.rejected]
    assert len(set(accepted)) == len(accepted), "an accepted row appears twice"
    assert len(set(rejected)) == len(rejected), "a rejected row appears twice"
    assert not set(accepted) & set(rejected), "a row is both accepted and rejected"
    for bad in result.rejected:
        assert bad.reason, f"row {bad.row} rejected without a reason"
    for column in result.table.select_dtypes("float64").columns:
        values = result.table[column].dropna()
        assert np.isfinite(values).all(), f"{column}: a non-finite number was accepted"
    if expected_rows is not None:
        assert len(accepted) + len(rejected) == expected_rows, (
            f"{len(accepted)} accepted + {len(rejected)} rejected != {expected_rows} data rows"
        )


def test_corpus_is_big_and_small():
    files = sorted(p.name for p in (CORPUS / "files").iterdir())
    assert len(CASES) >= 50
    assert sorted(c.file for c in CASES) == files, "README and files/ disagree: re-run make_corpus"
    for name in files:
        assert (CORPUS / "files" / name).stat().st_size < 50 * 1024, name


@pytest.mark.parametrize("case", _params())
def test_corpus_file(case: Expected):
    path = CORPUS / "files" / case.file
    partial = _PARTIAL.fullmatch(case.outcome)
    if partial:
        result = upload_path(path, case.kind)
        accepted, rejected = int(partial.group(1)), int(partial.group(2))
        assert (result.rows_accepted, result.rows_rejected) == (accepted, rejected), (
            f"expected {accepted}/{rejected}, got {result.rows_accepted}/{result.rows_rejected}: "
            f"{[(r.row, r.column, r.reason) for r in result.rejected]}"
        )
        assert_accounted(result, accepted + rejected)
        assert all(Path(f).name.split(" [")[0] == case.file for f in result.table["source_file"])
        return
    reason = _REJECTED.fullmatch(case.outcome)
    assert reason, f"unknown expected outcome {case.outcome!r}"
    with pytest.raises(InputFormatError) as caught:
        upload_path(path, case.kind)
    assert Path(caught.value.file).name == case.file
    assert reason.group(1) in caught.value.reason, caught.value.reason


@pytest.mark.parametrize("case", _params())
def test_reader_alone_never_crashes(case: Expected):
    """Without the guard (the CLI path) a file still ends cleanly: refused, or every row
    accounted for."""
    path = CORPUS / "files" / case.file
    try:
        result = read_input(path, case.kind)  # type: ignore[arg-type]
    except InputFormatError as exc:
        assert Path(exc.file).name == case.file
        assert exc.reason
        return
    partial = _PARTIAL.fullmatch(case.outcome)
    expected_rows = int(partial.group(1)) + int(partial.group(2)) if partial else None
    assert_accounted(result, expected_rows)
