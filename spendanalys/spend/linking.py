"""Linking invoice lines to the agreements (avtal) of the contract register.

Rules, tried in order and recorded per line in ``link_rule`` (DESIGN.md §2):

1. ``agreement_id``: the agreement id on the line names an agreement of the register
   (compared after trimming, collapsing inner whitespace and casefolding);
2. ``org_number``: the supplier's organisation number belongs to exactly one agreement;
3. ``supplier_name``: the normalised supplier name belongs to exactly one agreement (and the line
   and that supplier's register row do not carry two different organisation numbers);

A register may hold several rows per agreement id (a framework agreement with several
suppliers, or lots): each row is a supplier of that agreement, so a line links by the id or by
any of its suppliers' organisation numbers or names.
4. ``unlinked``: none of the above. The line still counts in every total.

An agreement id on the line that the register does not know, and an organisation number or name
shared by several agreements, are recorded in ``link_note`` so the user can fix the export.

All functions are pure and vectorised: the rules are merges on unique keys, never a Python loop
over lines.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pandas as pd

from spendanalys.io.values import org_identifier
from spendanalys.spend.coding import (
    categorical_from_codes,
    column,
    encode,
    factorize_codes,
    map_unique,
    map_unique_strings,
    missing,
    row_groups,
    spread,
)

LINK_RULES: tuple[str, ...] = ("agreement_id", "org_number", "supplier_name", "unlinked")
# The line columns the rules read: a line's link follows from its values of these alone.
LINE_KEY_COLUMNS: tuple[str, ...] = ("agreement_id", "org_number", "supplier")

# Legal-form words stripped from supplier names, as whole words. Swedish (AB, HB, KB, ek. för.),
# Nordic (Oy, Oyj, AS, ASA, A/S, ApS) and common foreign forms (Ltd, GmbH, Inc, ...).
_LEGAL_FORMS = (
    "ab",
    "aktiebolag",
    "aktiebolaget",
    "publ",
    "hb",
    "handelsbolag",
    "kb",
    "kommanditbolag",
    "ek för",
    "ekonomisk förening",
    "ltd",
    "limited",
    "plc",
    "llc",
    "inc",
    "corp",
    "gmbh",
    "oy",
    "oyj",
    "as",
    "asa",
    "a s",
    "aps",
    "bv",
    "nv",
    "sa",
)
_LEGAL_FORM_RE = re.compile(
    r"\b(?:" + "|".join(re.escape(f).replace(r"\ ", r"\s+") for f in _LEGAL_FORMS) + r")\b"
)
_PUNCTUATION_RE = re.compile(r"[^\w\s]|_")
_SPACE_RE = re.compile(r"\s+")


# Pure functions of one string, called for the same few thousand names and org numbers by the
# register, the lines, the supplier keys and the category rules: memoised.
@functools.lru_cache(maxsize=1 << 16)
def _normalise_one_name(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).casefold()
    text = text.replace("&", " och ")
    text = _PUNCTUATION_RE.sub(" ", text)
    text = _SPACE_RE.sub(" ", text).strip()
    stripped = _SPACE_RE.sub(" ", _LEGAL_FORM_RE.sub(" ", text)).strip()
    # A name made only of a legal form ("AB") keeps its text rather than becoming empty.
    return stripped or text


def normalise_supplier_name(names: pd.Series) -> pd.Series:
    """Supplier names reduced to a comparison key; missing or empty names become <NA>.

    The key is: Unicode NFKC, casefolded; ``&`` read as ``och``; punctuation replaced by spaces
    (so ``A/S`` and ``Ek. för.`` become words); the legal-form words AB, Aktiebolag(et), (publ),
    HB, Handelsbolag, KB, Kommanditbolag, Ek. för., Ekonomisk förening, Ltd, Limited, Plc, LLC,
    Inc, Corp, GmbH, Oy, Oyj, AS, ASA, A/S, ApS, BV, NV and SA removed wherever they stand; runs of
    whitespace collapsed. Swedish letters are kept (``Å`` and ``A`` are different names).
    ``"Städbolaget Väst AB"`` and ``"STÄDBOLAGET VÄST aktiebolag"`` give ``"städbolaget väst"``.
    Computed once per distinct name.
    """
    return pd.Series(map_unique_strings(names, _name_keys_of_uniques), index=names.index)


def _name_keys(names: pd.Series) -> np.ndarray:
    return map_unique(names, _name_keys_of_uniques)


def _name_keys_of_uniques(uniques: pd.Series) -> pd.Series:
    keys = [_normalise_one_name(u) for u in uniques.to_numpy(dtype=object)]
    return pd.Series([k or None for k in keys], dtype="object")


_ORG_DIGITS_RE = re.compile(r"\D")


@functools.lru_cache(maxsize=1 << 16)
def _normalise_one_org(value: str) -> str | None:
    text = value.strip().upper()
    has_country = text.startswith("SE")
    if (text[:2].isalpha() and not has_country) or text.endswith("MVA") or "-" in text[-2:]:
        # A foreign identifier (NO923609016, FI1572860-0…): the reader's canonical form.
        foreign = org_identifier(value)
        if foreign is not None and not foreign.isdigit():
            return foreign
    digits = _ORG_DIGITS_RE.sub("", value)
    if len(digits) == 10:
        return digits
    if len(digits) == 12:
        # VAT number: SE + 10 digits + "01"; personal identity number with century: 19/20 + 10.
        if has_country or (digits.endswith("01") and digits[:2] not in ("19", "20")):
            return digits[:10]
        if digits[:2] in ("19", "20"):
            return digits[2:]
    return None


def normalise_org_number(values: pd.Series) -> pd.Series:
    """Organisation numbers as 10 digits (a foreign one as its country code and number, as the
    readers write it: ``"NO 923 609 016 MVA"`` gives ``"NO923609016"``); what cannot be one
    becomes <NA>.

    ``"556677-8899"``, ``"5566778899"``, ``"SE556677889901"`` (VAT number) and ``"SE 5566778899
    01"`` all give ``"5566778899"``; a 12-digit personal identity number with century
    (``"198001011234"``, sole traders) gives its last 10 digits. The readers already normalise;
    this makes the engine safe for frames built by hand and idempotent on normalised input.
    """
    return pd.Series(map_unique_strings(values, _org_keys_of_uniques), index=values.index)


def org_keys(values: pd.Series) -> np.ndarray:
    """:func:`normalise_org_number` as an object array (None where missing)."""
    return map_unique(values, _org_keys_of_uniques)


def _org_keys_of_uniques(uniques: pd.Series) -> pd.Series:
    return pd.Series(
        [_normalise_one_org(v) for v in uniques.to_numpy(dtype=object)], dtype="object"
    )


def normalise_agreement_id(values: pd.Series) -> pd.Series:
    """Agreement ids as a comparison key: trimmed, inner whitespace collapsed, casefolded."""
    return pd.Series(map_unique_strings(values, _id_keys_of_uniques), index=values.index)


def _id_keys(values: pd.Series) -> np.ndarray:
    return map_unique(values, _id_keys_of_uniques)


def _id_keys_of_uniques(uniques: pd.Series) -> pd.Series:
    out = [_SPACE_RE.sub(" ", u).strip().casefold() for u in uniques.to_numpy(dtype=object)]
    return pd.Series([k or None for k in out], dtype="object")


def _unique_positions(
    keys: np.ndarray, agreement_of_row: np.ndarray | None = None
) -> tuple[dict[str, int], dict[str, int]]:
    """Per key: how many distinct agreements carry it, and the position of the first.

    ``agreement_of_row`` gives each register row's agreement position when the register has
    several rows per agreement (the suppliers of a framework agreement, lots); by default
    row ``i`` is agreement ``i``."""
    counts: dict[str, int] = {}
    first: dict[str, int] = {}
    seen: set[tuple[str, int]] = set()
    for i, k in enumerate(keys):
        if k is None:
            continue
        agreement = int(agreement_of_row[i]) if agreement_of_row is not None else i
        if (k, agreement) in seen:
            continue
        seen.add((k, agreement))
        counts[k] = counts.get(k, 0) + 1
        first.setdefault(k, agreement)
    return counts, first


class _Keys(NamedTuple):
    """One key column of the lines, encoded once: per row the code of its raw value (-1 when
    missing); per distinct raw value its normalised key (None if none), the position of the
    first agreement with that key (-1 when none) and how many ``agreements`` have it."""

    codes: np.ndarray
    uniques: np.ndarray
    keys: np.ndarray
    position: np.ndarray
    agreements: np.ndarray

    def per_row(self, per_unique: np.ndarray, fill: object) -> np.ndarray:
        rows: np.ndarray = np.append(per_unique, np.array([fill], dtype=per_unique.dtype))[
            self.codes
        ]
        return rows


def _lookup(
    line_values: pd.Series,
    normalise: Callable[[pd.Series], np.ndarray],
    first: dict[str, int],
    counts: dict[str, int] | None = None,
) -> _Keys:
    """Normalise and look up the distinct values of ``line_values`` only (see :class:`_Keys`)."""
    codes, uniques = encode(line_values)
    keys = normalise(pd.Series(uniques, dtype="object")) if len(uniques) else np.array([], object)
    counts = counts if counts is not None else {}
    position = np.array([first.get(k, -1) if k is not None else -1 for k in keys], dtype=np.intp)
    count = np.array([counts.get(k, 0) if k is not None else 0 for k in keys], dtype=np.intp)
    return _Keys(codes, uniques, np.asarray(keys, dtype=object), position, count)


# A note on some lines: per row a code into the texts (-1: no note).
_Note = tuple[np.ndarray, np.ndarray]


def _note(mask: np.ndarray, codes: np.ndarray, texts: Callable[[], np.ndarray]) -> _Note:
    """The text of code ``codes[i]`` on the rows in ``mask``; texts are made only if needed."""
    if not mask.any():
        return np.full(len(mask), -1, dtype=np.intp), np.array([], dtype=object)
    return np.where(mask, codes, -1), texts()


def link_invoices_to_agreements(invoices: pd.DataFrame, contracts: pd.DataFrame) -> pd.DataFrame:
    """The invoice lines with ``linked_agreement_id``, ``link_rule`` and ``link_note`` added.

    ``invoices`` and ``contracts`` are canonical tables (``spendanalys.schema``); missing optional
    columns are treated as empty. ``linked_agreement_id`` is the agreement id as written in the
    register (missing when unlinked; as the first row of the id writes it; every row of an id
    is a supplier of that one agreement);
    ``link_rule`` is one of ``LINK_RULES``; ``link_note`` explains a fall-through (unknown
    agreement id, an org number or name shared by several agreements, a name match whose org
    number differs). The three columns are Categoricals; the input frames are not modified.
    Each key column of the lines is factorised once; the rules work on its integer codes.
    """
    n = len(invoices)
    reg_keys = _id_keys(contracts["agreement_id"])
    _, id_first = _unique_positions(reg_keys)
    keep = sorted(id_first.values())
    register = contracts.iloc[keep]
    reg_ids = register["agreement_id"].astype("object").to_numpy()
    # Every register row is a supplier of its agreement (one row per supplier of a framework
    # agreement): org numbers and names of all rows point at the agreement of their id.
    agreement_of_id = {k: i for i, k in enumerate(reg_keys[keep])}
    agreement_of_row = np.array(
        [agreement_of_id.get(k, -1) if k is not None else -1 for k in reg_keys], dtype=np.intp
    )
    row_orgs = org_keys(column(contracts, "org_number"))
    row_names = _name_keys(column(contracts, "supplier"))
    by_position = {k: i for i, k in enumerate(reg_keys[keep])}
    org_counts, org_first = _unique_positions(row_orgs, agreement_of_row)
    name_counts, name_first = _unique_positions(row_names, agreement_of_row)
    ids = _lookup(column(invoices, "agreement_id"), _id_keys, by_position)
    orgs = _lookup(column(invoices, "org_number"), org_keys, org_first, org_counts)
    names = _lookup(column(invoices, "supplier"), _name_keys, name_first, name_counts)
    # The rules below see each distinct (agreement id, org number, supplier) of the lines once
    # (a few thousand of a million lines); the lines get the result by their group's code.
    line_group, first = row_groups(invoices, LINE_KEY_COLUMNS)
    ids, orgs, names = (keys._replace(codes=keys.codes[first]) for keys in (ids, orgs, names))
    n = len(first)

    pos = np.full(n, -1, dtype=np.intp)
    rule = np.full(n, LINK_RULES.index("unlinked"), dtype=np.int8)
    notes: list[_Note] = []

    # 1. Agreement id on the line, when the register has it.
    by_id = ids.per_row(ids.position, -1)
    has_id = by_id >= 0
    pos[has_id] = by_id[has_id]
    rule[has_id] = LINK_RULES.index("agreement_id")
    unknown = ~has_id & ids.per_row(pd.notna(ids.keys), False)
    notes.append(
        _note(
            unknown,
            ids.codes,
            lambda: np.array(
                [f"agreement id {str(v).strip()!r} is not in the register" for v in ids.uniques],
                dtype=object,
            ),
        )
    )

    # 2. Organisation number belonging to exactly one agreement.
    org_pos, org_n = orgs.per_row(orgs.position, -1), orgs.per_row(orgs.agreements, 0)
    todo = ~has_id
    take = todo & (org_pos >= 0) & (org_n == 1)
    pos[take] = org_pos[take]
    rule[take] = LINK_RULES.index("org_number")
    shared_org = todo & (org_n > 1)
    notes.append(
        _note(
            shared_org,
            orgs.codes,
            lambda: np.array(
                [
                    f"org number {k} belongs to {org_counts[k]} agreements" if c > 1 else None
                    for k, c in zip(orgs.keys, orgs.agreements, strict=True)
                ],
                dtype=object,
            ),
        )
    )

    # 3. Normalised supplier name belonging to exactly one agreement, unless the org numbers of
    #    the line and of that agreement are both known and differ.
    todo &= ~take
    # The org number written beside each name (its first row), for the conflict check.
    name_org: dict[str, object] = {}
    for k, o in zip(row_names, row_orgs, strict=True):
        if k is not None:
            name_org.setdefault(k, o)
    name_pos, name_n = names.per_row(names.position, -1), names.per_row(names.agreements, 0)
    candidate = todo & (name_pos >= 0) & (name_n == 1)
    conflict = np.zeros(n, dtype=bool)
    rows = np.flatnonzero(candidate)
    if len(rows):
        org_of_name = np.array(
            [name_org.get(k) if k is not None else None for k in names.keys], dtype=object
        )
        cand_org = spread(org_of_name, names.codes[rows])
        line_org = spread(orgs.keys, orgs.codes[rows])
        differ = ~missing(cand_org) & ~missing(line_org)
        differ[differ] = cand_org[differ] != line_org[differ]
        conflict[rows] = differ
    candidate &= ~conflict
    pos[candidate] = name_pos[candidate]
    rule[candidate] = LINK_RULES.index("supplier_name")
    notes.append(
        _note(
            conflict,
            name_pos,
            lambda: np.array(
                [
                    f"supplier name matches agreement {v} but the org numbers differ"
                    for v in reg_ids
                ],
                dtype=object,
            ),
        )
    )
    shared_name = todo & ~candidate & ~conflict & (name_n > 1) & ~shared_org
    notes.append(
        _note(
            shared_name,
            names.codes,
            lambda: np.array(
                [
                    f"supplier name {k!r} belongs to {name_counts[k]} agreements" if c > 1 else None
                    for k, c in zip(names.keys, names.agreements, strict=True)
                ],
                dtype=object,
            ),
        )
    )

    out = invoices.assign(
        linked_agreement_id=pd.Categorical.from_codes(
            pos.astype(np.int32)[line_group], categories=pd.Index(reg_ids, dtype="object")
        ),
        link_rule=pd.Categorical.from_codes(  # type: ignore[call-overload]
            rule[line_group], categories=list(LINK_RULES)
        ),
        link_note=_join_notes(notes, n, line_group),
    )
    return out


def _join_notes(notes: list[_Note], n: int, rows: np.ndarray) -> pd.Categorical:
    """The notes of each of ``n`` groups joined by "; " (in rule order), as a Categorical per
    line (``rows``: each line's group). Works on the distinct combinations of notes, a handful,
    never on a million strings."""
    codes = np.full(n, -1, dtype=np.intp)
    texts = np.array([], dtype=object)
    for note_codes, note_texts in notes:
        if not (note_codes >= 0).any():
            continue
        if not len(texts):  # the first note met: its codes are the lines' codes
            codes, texts = note_codes, note_texts
            continue
        width = len(note_texts) + 1
        combined = (codes.astype(np.int64) + 1) * width + (note_codes + 1)
        inverse, pairs = factorize_codes(combined, (len(texts) + 1) * width)
        joined = []
        for pair in pairs:
            a = texts[pair // width - 1] if pair // width > 0 else None
            b = note_texts[pair % width - 1] if pair % width > 0 else None
            joined.append(f"{a}; {b}" if a is not None and b is not None else a if b is None else b)
        codes = inverse.reshape(-1).astype(np.intp)
        texts = np.array(joined, dtype=object)
    return categorical_from_codes(texts, codes[rows])
