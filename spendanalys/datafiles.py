"""Reading the project's own data tables (category rules, factor sets, KPI, exchange rates).

These are small, documented CSV files (UTF-8, a header row) that may begin with ``#`` lines
carrying provenance. They are read as text; each loader converts and validates its own columns
and reports a bad row by its line number in the file, as an editor shows it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path

import pandas as pd

from spendanalys.errors import InputFormatError

# Built-in tables: the spend/ folder of the installed data package emission_factors (a real
# folder on disk, as pandas and read_bytes need; a wheel installs it beside spendanalys).
DEFAULT_DATA_DIR = Path(str(files("emission_factors") / "spend"))

LINE = "_line"  # column holding each row's physical line number in the file
# "Set version: epa-v1.3-sek-1.0." or "Version: 2025." in a data file's leading '#' lines.
_VERSION_RE = re.compile(r"\bversion(?::\s*|\s+)([0-9A-Za-z][\w.+-]*?)\.?(?=[\s,;()]|$)", re.I)


def stated_version(lines: Iterable[str]) -> str | None:
    """The version a data file states in its leading ``#`` lines, if any (reading stops at the
    first line that is not a comment): how reports name a factor set, never by its path."""
    for line in lines:
        if not line.lstrip().startswith("#"):
            break
        if match := _VERSION_RE.search(line):
            return match.group(1)
    return None


def read_data_csv(path: str | Path, required: tuple[str, ...]) -> pd.DataFrame:
    """The rows of a data CSV as stripped text (empty cell = ""), plus ``_line``.

    Leading lines that start with ``#`` (provenance notes) and blank lines before the header are
    skipped. Header names are compared lower-cased and stripped. A missing file, an undecodable
    file or a missing required column raises InputFormatError naming the file.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputFormatError(str(path), "the file does not exist") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputFormatError(str(path), "the file is not UTF-8 text") from None
    lines = text.splitlines()
    skipped = 0
    while skipped < len(lines) and (
        lines[skipped].lstrip().startswith("#") or not lines[skipped].strip()
    ):
        skipped += 1
    if skipped >= len(lines):
        raise InputFormatError(str(path), "the file has no header row")
    body = "\n".join(lines[skipped:])
    try:
        rows = list(csv.reader(io.StringIO(body)))
    except csv.Error as exc:
        raise InputFormatError(str(path), f"not a readable CSV file ({exc})") from None
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in required if c not in header]
    if missing:
        raise InputFormatError(
            str(path),
            f"missing column(s) {', '.join(missing)}; the header is {', '.join(header)}",
            row=skipped + 1,
        )
    data = []
    numbers = []
    for i, row in enumerate(rows[1:], start=skipped + 2):
        if not any(cell.strip() for cell in row) or row[0].lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in row] + [""] * (len(header) - len(row))
        data.append(cells[: len(header)])
        numbers.append(i)
    frame = pd.DataFrame(data, columns=header, dtype=object)
    frame[LINE] = numbers
    return frame


def data_path(name: str, data_dir: str | Path | None = None) -> Path:
    """The built-in table ``name`` in ``data_dir`` (default ``emission_factors/spend``)."""
    return Path(data_dir or DEFAULT_DATA_DIR) / name
