"""The preview takes an upload's table for its rows read back (``frames.as_read_back``) only
when reading back would give exactly that frame: checked on every hostile corpus file and
every real public export that reads, not only on generated tables."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from spendanalys import io as readers
from spendanalys.errors import SpendanalysError
from spendanalys.store.database import Store
from spendanalys.store.frames import as_read_back

HERE = Path(__file__).resolve().parents[1]
CORPUS = HERE / "corpus"
REALDATA = HERE.parents[1] / "shared" / "realdata"
REAL_KINDS = {"contracts": "contracts", "fte": "fte", "travel": "trips"}


def _corpus_files() -> list[tuple[Path, str]]:
    """The corpus README's table: file and kind, for the files expected to read (partial)."""
    rows = re.findall(
        r"^\| (\S+) \| (\w+) \| .* \| partial:",
        (CORPUS / "README.md").read_text(encoding="utf-8"),
        flags=re.M,
    )
    return [(CORPUS / "files" / name, kind) for name, kind in rows]


def _real_files() -> list[tuple[Path, str]]:
    files = []
    for folder, kind in (*REAL_KINDS.items(), ("invoices_se", "invoices")):
        for path in sorted((REALDATA / folder).glob("*")):
            if path.suffix.lower() in (".csv", ".xlsx", ".txt"):
                files.append((path, kind))
    return files


def test_an_imported_table_is_taken_only_as_it_reads_back(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    files = _corpus_files() + _real_files()
    assert len(files) > 60
    taken = 0
    for n, (path, kind) in enumerate(files):
        try:
            result = readers.read_input(path, kind)  # type: ignore[arg-type]
        except SpendanalysError:
            continue  # a file that does not read is never imported
        if result.table.empty:
            continue
        version_id = store.import_dataset(
            kind,
            result,
            file_name=path.name,
            checksum=f"{n:064x}",
            user="anna",  # type: ignore[arg-type]
        )
        back = as_read_back(kind, result.table)  # type: ignore[arg-type]
        if back is None:
            continue
        taken += 1
        stored = store.version_table(version_id)
        pd.testing.assert_frame_equal(back, stored, check_exact=True, obj=str(path.name))
    assert taken > 40  # the check is not vacuous: most tables are taken as they are
