"""The purchase-category tree (inköpskategorier) and the rules that place a purchase in it.

The vocabulary is data, not code: ``emission_factors/spend/`` holds

- ``categories.csv``: category_id, group_id, group_sv, group_en, name_sv, name_en, description_en
- ``cpv_map.csv``: cpv_prefix (2–8 digits), category_id, note; the longest prefix wins
- ``account_map.csv``: account_from, account_to (inclusive), category_id, exclude (yes/no), note;
  the narrowest range wins; an excluded range is outside the purchase boundary (no category)
- ``keyword_map.csv``: keyword (lower case), category_id, note; a keyword matches at the start of
  a word of the text ("städ" matches "Städning"); the longest matching keyword wins
- ``category_aliases.csv``: alias, category_id; compared with case, spaces and punctuation folded
  away; name_sv, name_en and category_id match as aliases too
- ``supplier_map.csv``: org_number, supplier, category_id, note; by org number, else by name

A user file replaces a table (``extend=False``) or extends it (``extend=True``, the default): its
rows come first and win over a built-in row with the same key (prefix, range, keyword, alias,
org number). Each ``category_from_*`` matcher takes a Series of distinct values and returns an
aligned Series of category ids (<NA> where nothing matches); the engine calls them once per
distinct value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from spendanalys.datafiles import LINE, data_path, read_data_csv
from spendanalys.errors import InputFormatError
from spendanalys.spend.linking import normalise_org_number, normalise_supplier_name
from spendanalys.vocabulary import NO_WORDS, YES_WORDS

TREE_COLUMNS = ("category_id", "group_id", "group_sv", "group_en", "name_sv", "name_en")


@dataclass(frozen=True)
class CategoryRules:
    """The category tree and the mapping tables, validated and ready to match.

    ``tree``: one row per category. ``cpv``: cpv_prefix, category_id. ``accounts``:
    account_from, account_to (int), category_id (<NA> when excluded), exclude (bool), sorted
    narrowest first. ``keywords``: keyword, category_id, longest first. ``aliases``: key (folded),
    category_id. ``suppliers``: org_number, name_key, category_id. ``sources``: table → the
    files it was read from, by name (a built-in file marked so).
    """

    tree: pd.DataFrame
    cpv: pd.DataFrame
    accounts: pd.DataFrame
    keywords: pd.DataFrame
    aliases: pd.DataFrame
    suppliers: pd.DataFrame
    sources: dict[str, str] = field(default_factory=dict)
    _keyword_re: re.Pattern[str] | None = None

    @property
    def category_ids(self) -> set[str]:
        return set(self.tree["category_id"])


def fold(text: str) -> str:
    """A comparison key for names and aliases: NFKC, casefolded, only letters and digits."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


# --- loading -------------------------------------------------------------------------------


def _table(
    name: str,
    user: str | Path | None,
    extend: bool,
    required: tuple[str, ...],
    data_dir: str | Path | None,
    sources: dict[str, str],
) -> pd.DataFrame:
    """The user's rows first, then (when extending, or without a user file) the built-in rows.

    ``sources[name]`` records the files by name ("my_cpv.csv + cpv_map.csv (built-in)"): it
    goes into reports, which must not show where the tool is installed."""
    frames = []
    used = []
    if user is not None:
        frame = read_data_csv(user, required)
        frame["_file"] = str(user)
        frames.append(frame)
        used.append(Path(user).name)
    if user is None or extend:
        builtin = data_path(name, data_dir)
        frame = read_data_csv(builtin, required)
        frame["_file"] = str(builtin)
        frames.append(frame)
        used.append(f"{name} ({'built-in' if data_dir is None else 'data folder'})")
    sources[name] = " + ".join(used)
    return pd.concat(frames, ignore_index=True)


def _check_ids(frame: pd.DataFrame, known: set[str], *, allow_empty: bool = False) -> None:
    ids = frame["category_id"]
    bad = ~ids.isin(known) & ~(allow_empty & (ids == ""))
    if bad.any():
        row = frame[bad].iloc[0]
        raise InputFormatError(
            row["_file"],
            f"category_id {row['category_id']!r} is not in the category tree",
            row=int(row[LINE]),
            column="category_id",
        )


def _digits(frame: pd.DataFrame, column: str, low: int, high: int) -> pd.Series:
    values = frame[column]
    ok = values.str.fullmatch(rf"\d{{{low},{high}}}")
    if not ok.all():
        row = frame[~ok].iloc[0]
        raise InputFormatError(
            row["_file"],
            f"{column} {row[column]!r} is not {low}–{high} digits",
            row=int(row[LINE]),
            column=column,
        )
    return values


def _load_tree(frame: pd.DataFrame) -> pd.DataFrame:
    for column in ("category_id", "name_sv"):
        empty = frame[column] == ""
        if empty.any():
            row = frame[empty].iloc[0]
            raise InputFormatError(
                row["_file"], f"{column} is empty", row=int(row[LINE]), column=column
            )
    tree = frame.drop_duplicates("category_id", keep="first").reset_index(drop=True)
    for column in (*TREE_COLUMNS, "description_en"):
        if column not in tree:
            tree[column] = ""
    tree = tree[[*TREE_COLUMNS, "description_en"]].astype("string")
    return tree.replace("", pd.NA)


def load_category_rules(
    cpv_map: str | Path | None = None,
    account_map: str | Path | None = None,
    keyword_map: str | Path | None = None,
    aliases: str | Path | None = None,
    supplier_map: str | Path | None = None,
    categories: str | Path | None = None,
    extend: bool = True,
    *,
    data_dir: str | Path | None = None,
) -> CategoryRules:
    """The built-in rules, each table replaced or extended by the user's file where given.

    ``data_dir`` holds the built-in tables (default ``emission_factors/spend``). A mapping row
    naming a category that is not in the tree, a malformed CPV prefix or account range, or an
    ``exclude`` value other than yes/no raises InputFormatError with the file and line.
    """
    sources: dict[str, str] = {}

    def table(name: str, user: str | Path | None, required: tuple[str, ...]) -> pd.DataFrame:
        return _table(name, user, extend, required, data_dir, sources)

    tree = _load_tree(table("categories.csv", categories, ("category_id", "name_sv")))
    known = set(tree["category_id"])

    cpv = table("cpv_map.csv", cpv_map, ("cpv_prefix", "category_id"))
    _digits(cpv, "cpv_prefix", 2, 8)
    _check_ids(cpv, known)
    cpv = cpv.drop_duplicates("cpv_prefix", keep="first")[["cpv_prefix", "category_id"]]

    acc = table("account_map.csv", account_map, ("account_from", "account_to", "category_id"))
    _digits(acc, "account_from", 1, 12)
    _digits(acc, "account_to", 1, 12)
    exclude = acc["exclude"].str.lower() if "exclude" in acc else pd.Series("", index=acc.index)
    bad = ~exclude.isin(YES_WORDS | NO_WORDS | {""})  # a blank exclude is "no"
    if bad.any():
        row = acc[bad].iloc[0]
        raise InputFormatError(
            row["_file"],
            f"exclude {row['exclude']!r} is not yes or no",
            row=int(row[LINE]),
            column="exclude",
        )
    acc["exclude"] = exclude.isin(YES_WORDS)
    acc["account_from"] = acc["account_from"].astype("int64")
    acc["account_to"] = acc["account_to"].astype("int64")
    inverted = acc["account_from"] > acc["account_to"]
    if inverted.any():
        row = acc[inverted].iloc[0]
        raise InputFormatError(
            row["_file"],
            "account_from is greater than account_to",
            row=int(row[LINE]),
            column="account_from",
        )
    _check_ids(acc, known, allow_empty=True)
    empty = ~acc["exclude"] & (acc["category_id"] == "")
    if empty.any():
        row = acc[empty].iloc[0]
        raise InputFormatError(
            row["_file"],
            "a range that is not excluded needs a category_id",
            row=int(row[LINE]),
            column="category_id",
        )
    acc = acc.drop_duplicates(["account_from", "account_to"], keep="first")
    acc["width"] = acc["account_to"] - acc["account_from"]
    acc = acc.sort_values("width", kind="mergesort").reset_index(drop=True)
    acc["category_id"] = acc["category_id"].where(~acc["exclude"], None)
    acc = acc[["account_from", "account_to", "category_id", "exclude"]]

    kw = table("keyword_map.csv", keyword_map, ("keyword", "category_id"))
    kw["keyword"] = kw["keyword"].str.casefold().str.replace(r"\s+", " ", regex=True)
    kw = kw[kw["keyword"] != ""]
    _check_ids(kw, known)
    kw = kw.drop_duplicates("keyword", keep="first")
    kw = kw.assign(_n=kw["keyword"].str.len()).sort_values("_n", ascending=False, kind="mergesort")
    kw = kw[["keyword", "category_id"]].reset_index(drop=True)

    al = table("category_aliases.csv", aliases, ("alias", "category_id"))
    _check_ids(al, known)
    names = pd.concat(
        [
            pd.DataFrame({"alias": tree[c].fillna(""), "category_id": tree["category_id"]})
            for c in ("category_id", "name_sv", "name_en")
        ]
    )
    al = pd.concat([al[["alias", "category_id"]], names], ignore_index=True)
    al["key"] = [fold(str(a)) for a in al["alias"]]
    al = al[al["key"] != ""].drop_duplicates("key", keep="first")[["key", "category_id"]]

    sup = table("supplier_map.csv", supplier_map, ("org_number", "supplier", "category_id"))
    _check_ids(sup, known)
    sup = pd.DataFrame(
        {
            "org_number": normalise_org_number(
                sup["org_number"].replace("", None).astype("string")
            ),
            "name_key": normalise_supplier_name(sup["supplier"].replace("", None).astype("string")),
            "category_id": sup["category_id"],
        }
    )

    return CategoryRules(
        tree=tree,
        cpv=cpv.reset_index(drop=True).astype("string"),
        accounts=acc,
        keywords=kw.astype("string"),
        aliases=al.reset_index(drop=True).astype("string"),
        suppliers=sup.reset_index(drop=True).astype("string"),
        sources=sources,
        _keyword_re=_keyword_pattern(list(kw["keyword"])),
    )


# --- matching ------------------------------------------------------------------------------


def _result(values: Sequence[object] | np.ndarray | pd.Series, index: pd.Index) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=object), index=index).astype("string")


def category_from_cpv(codes: pd.Series, rules: CategoryRules) -> pd.Series:
    """Category by CPV code: the longest ``cpv_prefix`` that starts the code's digits wins.

    "79620000", "79620000-6" and "79620000 Förmedling av personal" all use 79620000.
    """
    lookup = dict(zip(rules.cpv["cpv_prefix"], rules.cpv["category_id"], strict=True))
    lengths = sorted({len(p) for p in lookup}, reverse=True)
    out: list[object] = []
    for code in codes.astype("object").where(codes.notna(), ""):
        match = _CPV_RE.match(str(code))
        found = None
        if match:
            digits = match.group(1)
            for length in lengths:
                if length <= len(digits) and (found := lookup.get(digits[:length])):
                    break
        out.append(found)
    return _result(out, codes.index)


_CPV_RE = re.compile(r"\s*(\d{2,8})")


def _narrowest_range(accounts: pd.Series, rules: CategoryRules) -> np.ndarray:
    """Row of ``rules.accounts`` (narrowest containing range) per value, -1 for none."""
    number = pd.to_numeric(
        accounts.astype("string").str.extract(r"^\s*(\d{1,12})", expand=False), errors="coerce"
    ).to_numpy(dtype=float, na_value=np.nan)
    table = rules.accounts
    low = table["account_from"].to_numpy(dtype=float)
    high = table["account_to"].to_numpy(dtype=float)
    inside = (number[:, None] >= low[None, :]) & (number[:, None] <= high[None, :])
    row = inside.argmax(axis=1) if len(table) else np.zeros(len(number), dtype=int)
    return np.where(inside.any(axis=1) if len(table) else False, row, -1)


def category_from_account(accounts: pd.Series, rules: CategoryRules) -> pd.Series:
    """Category by account code (konto): the narrowest range containing it; <NA> when none or
    when that range is excluded. A leading number in the cell is the account ("4010 Material")."""
    row = _narrowest_range(accounts, rules)
    cats = np.append(
        rules.accounts["category_id"].astype("object").to_numpy(), np.array([None], dtype=object)
    )
    return _result(cats[row], accounts.index)


def excluded_account(accounts: pd.Series, rules: CategoryRules) -> pd.Series:
    """True where the narrowest range containing the account is outside the purchase boundary
    (salaries, taxes, transfers…); a plain bool Series aligned to ``accounts``."""
    row = _narrowest_range(accounts, rules)
    flags = np.append(rules.accounts["exclude"].to_numpy(dtype=bool), False)
    return pd.Series(flags[row], index=accounts.index, dtype=bool)


def _keyword_pattern(keywords: list[str]) -> re.Pattern[str] | None:
    if not keywords:
        return None
    ordered = sorted(keywords, key=len, reverse=True)
    alternatives = "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in ordered)
    return re.compile(rf"(?<!\w)(?:{alternatives})")


def category_from_keywords(texts: pd.Series, rules: CategoryRules) -> pd.Series:
    """Category by keyword in free text: a keyword matches at the start of a word; of all the
    keywords found, the longest wins (the first in the text on a tie)."""
    pattern = rules._keyword_re
    if pattern is None:
        return pd.Series(pd.NA, index=texts.index, dtype="string")
    lookup = dict(zip(rules.keywords["keyword"], rules.keywords["category_id"], strict=True))
    out: list[object] = []
    for text in texts.astype("string").fillna(""):
        best = None
        for match in pattern.finditer(text.casefold()):
            word = re.sub(r"\s+", " ", match.group(0))
            if best is None or len(word) > len(best):
                best = word
        out.append(lookup.get(best) if best else None)
    return _result(out, texts.index)


def category_from_alias(names: pd.Series, rules: CategoryRules) -> pd.Series:
    """Category by name: an alias, a Swedish or English category name or a category id,
    compared with case, spaces and punctuation folded away ("IT-konsulter" = "it konsulter")."""
    lookup = dict(zip(rules.aliases["key"], rules.aliases["category_id"], strict=True))
    keys = [fold(n) if isinstance(n, str) else "" for n in names.astype("object").fillna("")]
    return _result([lookup.get(k) for k in keys], names.index)


def category_from_supplier(
    org_numbers: pd.Series, names: pd.Series, rules: CategoryRules
) -> pd.Series:
    """Category from the supplier table: by organisation number, else by normalised name."""
    table = rules.suppliers
    if table.empty:
        return pd.Series(pd.NA, index=org_numbers.index, dtype="string")
    by_org = table.dropna(subset=["org_number"]).drop_duplicates("org_number")
    by_name = table.dropna(subset=["name_key"]).drop_duplicates("name_key")
    # Each lookup is made text before the two are combined: a lookup in an empty table (a map
    # with names only, or numbers only) comes back as a float column, which cannot take text.
    org = normalise_org_number(org_numbers.astype("string"))
    by_number = org.map(dict(zip(by_org["org_number"], by_org["category_id"], strict=True)))
    name = normalise_supplier_name(names.astype("string"))
    by_name_key = name.map(dict(zip(by_name["name_key"], by_name["category_id"], strict=True)))
    found = by_number.astype("string").fillna(by_name_key.astype("string").set_axis(org.index))
    return found.set_axis(org_numbers.index)
