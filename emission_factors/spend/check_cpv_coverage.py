"""Prove that ``cpv_map.csv`` gives every CPV 2008 code a purchase category.

Reads the CPV list (``cpv_2008_codes.csv`` of the shared reference data, or a path given as the
first argument), applies the map with the rule the engine uses (the longest prefix of the 8-digit
code wins) and prints the coverage: codes and divisions covered, and codes per category.
Exit status 0 when every code is covered, 1 otherwise, 2 when a file is missing.

    python emission_factors/spend/check_cpv_coverage.py [CPV_CSV]
"""

from __future__ import annotations

import csv
import io
import os
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SHARED = Path(os.environ.get("SPENDANALYS_SHARED", REPO.parent / "shared"))
DEFAULT_CPV = SHARED / "reference" / "data" / "cpv_2008_codes.csv"


def read_rows(path: Path) -> list[dict[str, str]]:
    """CSV rows after any leading ``#`` provenance lines (all values as text)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        lines = handle.readlines()
    start = next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))
    return list(csv.DictReader(io.StringIO("".join(lines[start:]))))


def read_cpv_map(path: Path = HERE / "cpv_map.csv") -> dict[str, str]:
    """Prefix -> category id, prefixes kept as text (leading zeros matter)."""
    return {row["cpv_prefix"].strip(): row["category_id"].strip() for row in read_rows(path)}


def category_for(code: str, prefixes: Mapping[str, str]) -> str | None:
    """The category of the longest prefix of ``code`` (first 8 digits) in ``prefixes``."""
    digits = code.strip()[:8]
    for length in range(len(digits), 1, -1):
        found = prefixes.get(digits[:length])
        if found is not None:
            return found
    return None


def coverage(codes: Iterable[str], prefixes: Mapping[str, str]) -> tuple[Counter[str], list[str]]:
    """Codes per category and the codes no prefix matches."""
    per_category: Counter[str] = Counter()
    uncovered: list[str] = []
    for code in codes:
        found = category_for(code, prefixes)
        if found is None:
            uncovered.append(code)
        else:
            per_category[found] += 1
    return per_category, uncovered


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    cpv_path = Path(args[0]) if args else DEFAULT_CPV
    if not cpv_path.is_file():
        print(f"check_cpv_coverage: CPV list not found: {cpv_path}", file=sys.stderr)
        return 2
    codes = [row["CPV_ID"].strip() for row in read_rows(cpv_path)]
    prefixes = read_cpv_map()
    per_category, uncovered = coverage(codes, prefixes)
    divisions = {c[:2] for c in codes}
    covered_divisions = {c[:2] for c in codes if c not in set(uncovered)}
    share = (len(codes) - len(uncovered)) / len(codes) if codes else 0.0
    print(f"CPV codes: {len(codes)}; covered {len(codes) - len(uncovered)} ({share:.2%})")
    print(f"divisions: {len(divisions)}; covered {len(covered_divisions)}")
    print(f"categories used: {len(per_category)}")
    for category, count in per_category.most_common():
        print(f"  {category:28s} {count:5d}")
    if uncovered:
        print(f"uncovered ({len(uncovered)}): {', '.join(uncovered[:20])}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
