"""Header recognition: which row is the header, and which header becomes which field.

Headers are compared after *folding*: Unicode compatibility form, diacritics dropped, lower case,
and everything that is not a letter or digit removed ("Leverantörens org.nr" -> "leverantorensorgnr").
The synonyms are data (``header_synonyms.csv``, format in ``FORMAT.md``); a user's explicit mapping
(``--column FIELD=Header``) wins over them.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from spendanalys.errors import ConfigurationError
from spendanalys.schema import KINDS, SCHEMAS, Kind

_NOT_ALNUM = re.compile(r"[\W_]+", re.UNICODE)

# Words that mark a total row when they are the first non-empty cell of a row (folded).
TOTAL_WORDS = frozenset(
    {
        "summa",
        "totalt",
        "total",
        "totals",
        "grandtotal",
        "totalsumma",
        "summatotalt",
        "slutsumma",
        "totalsum",
        "overalltotal",
    }
)

# A row is taken as the header when it names at least this many distinct fields.
MIN_HEADER_FIELDS = 2
# How many rows from the top are searched for the header.
HEADER_SEARCH_ROWS = 60


def fold(text: object) -> str:
    """The comparison key of a header or keyword: no case, diacritics, spaces or punctuation."""
    if text is None:
        return ""
    return _fold_text(str(text))


@lru_cache(maxsize=65_536)
def _fold_text(text: str) -> str:
    """Cached: a header search past the first rows folds the same supplier names again and again."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_ALNUM.sub("", stripped.casefold())


@dataclass(frozen=True)
class Synonyms:
    """Folded header -> field, per kind, in priority order (lower rank wins)."""

    by_kind: dict[Kind, dict[str, tuple[str, int]]]


def _synonym_rows(path: Path | None) -> list[dict[str, str]]:
    if path is None:
        text = resources.files("spendanalys.io").joinpath("header_synonyms.csv").read_text("utf-8")
        name = "header_synonyms.csv (built in)"
    else:
        text = Path(path).read_text(encoding="utf-8-sig")
        name = str(path)
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    reader = csv.DictReader(lines)
    if reader.fieldnames is None or not {"field", "header"} <= set(reader.fieldnames):
        raise ConfigurationError(f"{name}: a synonym file needs the columns field,header[,kinds]")
    return [dict(row) for row in reader]


@lru_cache(maxsize=8)
def load_synonyms(path: Path | None = None) -> Synonyms:
    """Read a synonym file (the built-in one when ``path`` is None) into lookup tables."""
    by_kind: dict[Kind, dict[str, tuple[str, int]]] = {k: {} for k in KINDS}
    for rank, row in enumerate(_synonym_rows(path)):
        field_name = (row.get("field") or "").strip()
        header = (row.get("header") or "").strip()
        kinds_text = (row.get("kinds") or "").strip()
        if not field_name or not header:
            continue
        requested = kinds_text.split() if kinds_text else list(KINDS)
        unknown = [k for k in requested if k not in KINDS]
        if unknown:
            raise ConfigurationError(f"synonym {header!r}: unknown kind(s) {', '.join(unknown)}")
        if not any(field_name in SCHEMAS[k].names for k in KINDS):
            raise ConfigurationError(f"synonym {header!r}: {field_name!r} is not a canonical field")
        for kind in (k for k in KINDS if k in requested):
            if field_name in SCHEMAS[kind].names:
                by_kind[kind].setdefault(fold(header), (field_name, rank))
    return Synonyms(by_kind)


@dataclass(frozen=True)
class HeaderMatch:
    """Which cell of the header row became which field."""

    fields: dict[str, int]  # canonical field -> column index
    headers: list[str]  # the header cells as written (stripped)
    ignored: list[str]  # recognised headers that lost to a higher-priority synonym

    @property
    def score(self) -> int:
        return len(self.fields)


def match_header(
    cells: Sequence[object], kind: Kind, explicit: Mapping[str, str] | None = None
) -> HeaderMatch:
    """Map a candidate header row to fields: explicit mapping first, then synonyms by priority."""
    headers = ["" if c is None else str(c).strip() for c in cells]
    folded = [fold(h) for h in headers]
    fields: dict[str, int] = {}
    taken: set[int] = set()
    for field_name, header in (explicit or {}).items():
        key = fold(header)
        exact = [i for i, h in enumerate(headers) if h == header.strip()]
        loose = [i for i, f in enumerate(folded) if f and f == key]
        hits = exact or loose
        if hits:
            fields[field_name] = hits[0]
            taken.add(hits[0])
    table = load_synonyms().by_kind[kind]
    best: dict[str, tuple[int, int]] = {}
    ignored: list[str] = []
    for i, key in enumerate(folded):
        if i in taken or key not in table:
            continue
        field_name, rank = table[key]
        if field_name in fields:
            ignored.append(headers[i])
            continue
        if field_name not in best or rank < best[field_name][0]:
            if field_name in best:
                ignored.append(headers[best[field_name][1]])
            best[field_name] = (rank, i)
        else:
            ignored.append(headers[i])
    fields.update({f: i for f, (_, i) in best.items()})
    return HeaderMatch(fields=fields, headers=headers, ignored=ignored)


class Mapped(dict[str, str]):
    """{field: header} as the user mapped it. ``optional`` fields came without a kind prefix
    (``--column unit=DIVISION``): they apply to the inputs that have the header (DESIGN §5),
    so an input without it is no error; the others must be in the file."""

    optional: frozenset[str] = frozenset()


def with_optional(mapping: Mapping[str, str], optional: Iterable[str]) -> Mapped:
    result = Mapped(mapping)
    result.optional = frozenset(optional) & set(mapping)
    return result


def wanted_fields(explicit: Mapping[str, str] | None) -> set[str]:
    """The mapped fields a header must have (the optional ones need not)."""
    return set(explicit or {}) - getattr(explicit, "optional", frozenset())


def maps_given(match: HeaderMatch, field_name: str, header: str) -> bool:
    """Does ``field_name`` come from the header the user gave (not from a synonym)?"""
    position = match.fields.get(field_name)
    return position is not None and fold(match.headers[position]) == fold(header)


def has_mapped(match: HeaderMatch, explicit: Mapping[str, str] | None) -> bool:
    """Every required mapped header is in this row, at the field it was given for."""
    wanted = wanted_fields(explicit)
    return bool(wanted) and all(maps_given(match, f, (explicit or {})[f]) for f in wanted)


def is_strong(match: HeaderMatch, explicit: Mapping[str, str] | None = None) -> bool:
    """A header row for sure: ``MIN_HEADER_FIELDS`` distinct fields, or every mapped header."""
    return match.score >= MIN_HEADER_FIELDS or has_mapped(match, explicit)


def find_header(
    rows: Iterable[Sequence[object]],
    kind: Kind,
    explicit: Mapping[str, str] | None = None,
    limit: int | None = HEADER_SEARCH_ROWS,
) -> tuple[int, HeaderMatch] | None:
    """The first row holding every mapped header; else the first naming enough fields
    (:func:`is_strong`); else the best-scoring row of the first ``limit`` rows (all when None);
    None if nothing matched.

    With a mapping, a row that merely names two fields (a parameter line above the table) does
    not hide the row holding the mapped headers further down. Rows past ``limit`` count only
    when strong: a header below a long preamble or on the last line is found, at the cost of
    folding the rows in between.
    """
    wanted = wanted_fields(explicit)
    best: tuple[int, HeaderMatch] | None = None
    first_strong: tuple[int, HeaderMatch] | None = None
    for index, cells in enumerate(rows):
        if limit is not None and index >= limit and first_strong is not None:
            break
        match = match_header(cells, kind, explicit)
        if match.score == 0:
            continue
        if wanted and has_mapped(match, explicit):
            return index, match
        if first_strong is None and match.score >= MIN_HEADER_FIELDS:
            first_strong = (index, match)
            if not wanted:
                return first_strong
        if (limit is None or index < limit) and (best is None or match.score > best[1].score):
            best = (index, match)
    return first_strong or best


def header_texts(kind: Kind, extra: Iterable[str] = ()) -> frozenset[str]:
    """Header cells as exports write them (synonyms in their own, lower and upper case, plus
    ``extra``): a cheap exact-text test that picks the rows worth matching as a header."""
    texts = set(_written_synonyms(kind))
    texts.update(h.strip() for h in extra if h and h.strip())
    return frozenset(texts | {t.lower() for t in texts} | {t.upper() for t in texts})


@lru_cache(maxsize=8)
def _written_synonyms(kind: Kind) -> tuple[str, ...]:
    rows = _synonym_rows(None)
    return tuple(
        (row.get("header") or "").strip()
        for row in rows
        if (row.get("header") or "").strip()
        and (row.get("field") or "").strip() in SCHEMAS[kind].names
        and (not (row.get("kinds") or "").strip() or kind in (row.get("kinds") or "").split())
    )


def is_total_label(cell: object) -> bool:
    """True for "Summa", "Totalt", "Grand Total" and the like (case and punctuation ignored)."""
    return fold(cell) in TOTAL_WORDS
