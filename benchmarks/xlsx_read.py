"""Read an invoice workbook with one engine and print the time inside the process.

Engines: ``ours`` (``spendanalys.io.read_invoices``: the canonical table with every cell parsed
and validated), ``openpyxl`` (read-only mode, iterating every cell value — the issue's baseline),
``calamine`` (python-calamine's raw rows, no parsing: the floor for context).
Prints rows read and ``{"inner_seconds": s}`` as the last line (imports excluded).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def read_ours(path: Path) -> int:
    from spendanalys.io import read_invoices

    result = read_invoices(path)
    return len(result.table)


def read_openpyxl(path: Path) -> int:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = 0
    for row in workbook.worksheets[0].iter_rows(values_only=True):
        for _value in row:
            pass
        rows += 1
    workbook.close()
    return rows


def read_calamine(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    return len(workbook.get_sheet_by_index(0).to_python())


ENGINES = {"ours": read_ours, "openpyxl": read_openpyxl, "calamine": read_calamine}


def main(argv: list[str]) -> int:
    engine, path = argv[0], Path(argv[1])
    # Import outside the timed part: we measure reading, not interpreter start-up.
    if engine == "ours":
        import spendanalys.io  # noqa: F401
    elif engine == "openpyxl":
        import openpyxl  # noqa: F401
    start = time.perf_counter()
    rows = ENGINES[engine](path)
    seconds = time.perf_counter() - start
    print(f"{engine}: {rows} rows")
    print(json.dumps({"inner_seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
