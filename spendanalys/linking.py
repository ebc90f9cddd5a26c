"""Linking invoice lines to the agreements (avtal) of the contract register.

Rules, tried in order and recorded per line in ``link_rule`` (DESIGN.md §2):

1. ``agreement_id``: the agreement id on the line names an agreement of the register
   (compared after trimming, collapsing inner whitespace and casefolding);
2. ``org_number``: the supplier's organisation number belongs to exactly one agreement;
3. ``supplier_name``: the normalised supplier name belongs to exactly one agreement (and the line
   and that agreement do not carry two different organisation numbers);
4. ``unlinked``: none of the above. The line still counts in every total.

An agreement id on the line that the register does not know, and an organisation number or name
shared by several agreements, are recorded in ``link_note`` so the user can fix the export.

All functions are pure and vectorised: the rules are merges on unique keys, never a Python loop
over lines.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import numpy as np
import pandas as pd

from spendanalys.coding import as_categorical, column, encode, map_unique, missing, spread

LINK_RULES: tuple[str, ...] = ("agreement_id", "org_number", "supplier_name", "unlinked")

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
    return pd.Series(_name_keys(names), index=names.index, dtype="string")


def _name_keys(names: pd.Series) -> np.ndarray:
    return map_unique(names, _name_keys_of_uniques)


def _name_keys_of_uniques(uniques: pd.Series) -> pd.Series:
    keys = [_normalise_one_name(u) for u in uniques]
    return pd.Series([k or None for k in keys], dtype="object")


_ORG_DIGITS_RE = re.compile(r"\D")


def _normalise_one_org(value: str) -> str | None:
    has_country = value.strip().upper().startswith("SE")
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
    """Organisation numbers as 10 digits; what cannot be one becomes <NA>.

    ``"556677-8899"``, ``"5566778899"``, ``"SE556677889901"`` (VAT number) and ``"SE 5566778899
    01"`` all give ``"5566778899"``; a 12-digit personal identity number with century
    (``"198001011234"``, sole traders) gives its last 10 digits. The readers already normalise;
    this makes the engine safe for frames built by hand and idempotent on normalised input.
    """
    return pd.Series(org_keys(values), index=values.index, dtype="string")


def org_keys(values: pd.Series) -> np.ndarray:
    """:func:`normalise_org_number` as an object array (None where missing)."""
    return map_unique(
        values, lambda u: pd.Series([_normalise_one_org(v) for v in u], dtype="object")
    )


def normalise_agreement_id(values: pd.Series) -> pd.Series:
    """Agreement ids as a comparison key: trimmed, inner whitespace collapsed, casefolded."""
    return pd.Series(_id_keys(values), index=values.index, dtype="string")


def _id_keys(values: pd.Series) -> np.ndarray:
    def keys(uniques: pd.Series) -> pd.Series:
        out = [_SPACE_RE.sub(" ", u).strip().casefold() for u in uniques]
        return pd.Series([k or None for k in out], dtype="object")

    return map_unique(values, keys)


def _unique_positions(keys: np.ndarray) -> tuple[dict[str, int], dict[str, int]]:
    """Per key: how many agreements carry it, and the position of the first."""
    counts: dict[str, int] = {}
    first: dict[str, int] = {}
    for i, k in enumerate(keys):
        if k is None:
            continue
        counts[k] = counts.get(k, 0) + 1
        first.setdefault(k, i)
    return counts, first


def _lookup(
    line_values: pd.Series,
    normalise: Callable[[pd.Series], np.ndarray],
    first: dict[str, int],
    counts: dict[str, int] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per line: the normalised key (object, None if missing), the position ``first[key]``
    (-1 when absent), ``counts[key]`` (0 when absent) and the line's code among its distinct
    raw values. Work is done per distinct value."""
    codes, uniques = encode(line_values)
    keys = normalise(pd.Series(uniques, dtype="object")) if len(uniques) else np.array([], object)
    counts = counts if counts is not None else {}
    position = np.array([first.get(k, -1) if k is not None else -1 for k in keys], dtype=np.intp)
    count = np.array([counts.get(k, 0) if k is not None else 0 for k in keys], dtype=np.intp)
    return (
        spread(keys, codes),
        np.append(position, -1)[codes],
        np.append(count, 0)[codes],
        codes,
    )


def link_invoices_to_agreements(invoices: pd.DataFrame, contracts: pd.DataFrame) -> pd.DataFrame:
    """The invoice lines with ``linked_agreement_id``, ``link_rule`` and ``link_note`` added.

    ``invoices`` and ``contracts`` are canonical tables (``spendanalys.schema``); missing optional
    columns are treated as empty. ``linked_agreement_id`` is the agreement id as written in the
    register (missing when unlinked; the first row wins when the register repeats an id);
    ``link_rule`` is one of ``LINK_RULES``; ``link_note`` explains a fall-through (unknown
    agreement id, an org number or name shared by several agreements, a name match whose org
    number differs). The three columns are Categoricals; the input frames are not modified.
    """
    n = len(invoices)
    reg_keys = _id_keys(contracts["agreement_id"])
    _, id_first = _unique_positions(reg_keys)
    keep = sorted(id_first.values())
    register = contracts.iloc[keep]
    reg_ids = register["agreement_id"].astype("object").to_numpy()
    reg_orgs = org_keys(column(register, "org_number"))
    reg_names = _name_keys(column(register, "supplier"))

    pos = np.full(n, -1, dtype=np.intp)
    rule = np.full(n, LINK_RULES.index("unlinked"), dtype=np.int8)
    notes: list[np.ndarray] = []

    # 1. Agreement id on the line, when the register has it.
    by_position = {k: i for i, k in enumerate(reg_keys[keep])}
    raw_id = column(invoices, "agreement_id")
    line_id, by_id, _, id_codes = _lookup(raw_id, _id_keys, by_position)
    has_id = by_id >= 0
    pos[has_id] = by_id[has_id]
    rule[has_id] = LINK_RULES.index("agreement_id")
    unknown = ~has_id & ~missing(line_id)
    notes.append(
        _note(
            unknown,
            raw_id,
            id_codes,
            lambda v: f"agreement id {v.strip()!r} is not in the register",
        )
    )

    # 2. Organisation number belonging to exactly one agreement.
    org_counts, org_first = _unique_positions(reg_orgs)
    line_org, org_pos, org_n, _ = _lookup(
        column(invoices, "org_number"), org_keys, org_first, org_counts
    )
    todo = ~has_id
    take = todo & (org_pos >= 0) & (org_n == 1)
    pos[take] = org_pos[take]
    rule[take] = LINK_RULES.index("org_number")
    shared_org = todo & (org_n > 1)
    notes.append(
        _note_values(
            shared_org, line_org, lambda v: f"org number {v} belongs to {org_counts[v]} agreements"
        )
    )

    # 3. Normalised supplier name belonging to exactly one agreement, unless the org numbers of
    #    the line and of that agreement are both known and differ.
    todo &= ~take
    name_counts, name_first = _unique_positions(reg_names)
    line_name, name_pos, name_n, _ = _lookup(
        column(invoices, "supplier"), _name_keys, name_first, name_counts
    )
    candidate = todo & (name_pos >= 0) & (name_n == 1)
    cand_org = spread(reg_orgs, np.where(candidate, name_pos, -1))
    conflict = candidate & ~missing(cand_org) & ~missing(line_org) & (cand_org != line_org)
    candidate &= ~conflict
    pos[candidate] = name_pos[candidate]
    rule[candidate] = LINK_RULES.index("supplier_name")
    conflicting_ids = spread(reg_ids, np.where(conflict, name_pos, -1))
    notes.append(
        _note_values(
            conflict,
            conflicting_ids,
            lambda v: f"supplier name matches agreement {v} but the org numbers differ",
        )
    )
    shared_name = todo & ~candidate & ~conflict & (name_n > 1) & ~shared_org
    notes.append(
        _note_values(
            shared_name,
            line_name,
            lambda v: f"supplier name {v!r} belongs to {name_counts[v]} agreements",
        )
    )

    out = invoices.assign(
        linked_agreement_id=pd.Categorical.from_codes(
            pos, categories=pd.Index(reg_ids, dtype="object")
        ),
        link_rule=pd.Categorical.from_codes(  # type: ignore[call-overload]
            rule.astype(np.intp), categories=list(LINK_RULES)
        ),
        link_note=as_categorical(_join_notes(notes, n)),
    )
    return out


def _note(
    mask: np.ndarray, raw: pd.Series, codes: np.ndarray, message: Callable[[str], str]
) -> np.ndarray:
    """A message per distinct raw value, spread to the rows in ``mask`` (None elsewhere)."""
    out = np.full(len(mask), None, dtype=object)
    if mask.any():
        _, uniques = encode(raw)
        texts = np.array([message(str(u)) for u in uniques], dtype=object)
        out[mask] = spread(texts, codes)[mask]
    return out


def _note_values(mask: np.ndarray, values: np.ndarray, message: Callable[[str], str]) -> np.ndarray:
    """A message per distinct value in ``values`` among the rows in ``mask``."""
    out = np.full(len(mask), None, dtype=object)
    if mask.any():
        codes, uniques = encode(values[mask])
        texts = np.array([message(u) for u in uniques], dtype=object)
        out[mask] = spread(texts, codes)
    return out


def _join_notes(notes: list[np.ndarray], n: int) -> np.ndarray:
    joined = np.full(n, None, dtype=object)
    for note in notes:
        has = ~missing(note)
        if not has.any():
            continue
        both = has & ~missing(joined)
        joined[has & ~both] = note[has & ~both]
        if both.any():
            joined[both] = [f"{a}; {b}" for a, b in zip(joined[both], note[both], strict=True)]
    return joined
