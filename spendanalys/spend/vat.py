"""Swedish VAT (moms) per purchase category: between net and gross, and a factor's price basis.

Invoice spend is analysed excl. VAT (DESIGN.md §4). Two things need the rate of a line's
category (``emission_factors/spend/vat_rates.csv``, Skatteverket as source)::

    net_sek            = gross_sek / (1 + vat_rate)             a gross amount column
    spend_at_basis_sek = spend_sek × (1 + vat_rate)             a factor per SEK incl. VAT

A category without a rate (an own category of a factor set) takes the normal rate, 25 %.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from spendanalys.datafiles import LINE, data_path, read_data_csv
from spendanalys.errors import InputFormatError
from spendanalys.spend.coding import encode

VAT_FILE = "vat_rates.csv"
NORMAL_RATE = 0.25  # mervärdesskattelagen: the normal rate, for what no row names
_INCL_VAT = re.compile(r"\b(?:incl|inkl|including|inklusive|gross|brutto)\b", re.I)
_EXCL_VAT = re.compile(r"\b(?:excl|exkl|excluding|exklusive|net|netto)\b", re.I)


def load_vat_rates(
    path: str | Path | None = None, *, data_dir: str | Path | None = None
) -> pd.Series:
    """VAT rate (0–1) by category id; ``attrs["source"]`` names the file. Columns
    ``category_id,vat_rate`` (percent: 25, 12, 6, 0). A rate that is not one of Sweden's
    (0, 6, 12, 25) or a category twice raises InputFormatError with the line."""
    file = Path(path) if path is not None else data_path(VAT_FILE, data_dir)
    frame = read_data_csv(file, ("category_id", "vat_rate"))
    rate = pd.to_numeric(frame["vat_rate"].str.rstrip("%").str.strip(), errors="coerce")
    bad = (
        ~rate.isin([0, 6, 12, 25])
        | frame["category_id"].duplicated()
        | (frame["category_id"] == "")
    )
    if bad.any():
        row = frame[bad].iloc[0]
        raise InputFormatError(
            str(file),
            f"vat_rate {row['vat_rate']!r} of {row['category_id']!r} is not 0, 6, 12 or 25 "
            "(percent), or the category is empty or repeated",
            row=int(row[LINE]),
            column="vat_rate",
        )
    rates = pd.Series(
        rate.to_numpy(dtype=float) / 100, index=frame["category_id"].to_numpy(), name="vat_rate"
    )
    rates.attrs["source"] = file.name
    return rates


def vat_rate_of(category_id: pd.Series, rates: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The VAT rate (0–1) of each line's category, once per distinct category, and where the
    normal rate stood in (no category, or one the table lacks)."""
    codes, uniques = encode(category_id)
    per_unique = pd.Series(uniques, dtype=object).map(rates).to_numpy(dtype=float)
    rate = np.append(per_unique, np.nan)[codes]
    defaulted = np.isnan(rate)
    return np.where(defaulted, NORMAL_RATE, rate), defaulted


def vat_basis(price_basis: pd.Series) -> pd.Series:
    """``"incl"`` where a factor's price basis says incl. VAT (inkl. moms, gross), ``"excl"``
    where it says excl. VAT (net), ``""`` where it says neither (taken as excl. VAT, the basis
    of invoice amounts, and noted by the engine)."""
    text = price_basis.astype("string").fillna("")
    incl = text.str.contains(_INCL_VAT).fillna(False).to_numpy(dtype=bool)
    excl = text.str.contains(_EXCL_VAT).fillna(False).to_numpy(dtype=bool)
    return pd.Series(np.where(incl, "incl", np.where(excl, "excl", "")), index=price_basis.index)


def with_factor_rates(rates: pd.Series, factors: pd.DataFrame) -> pd.Series:
    """``rates`` with the VAT rates a factor set states for its categories (its ``vat_rate``
    column): they win, so an own category ("Måltidstjänster", 12 %) is not taken at 25 %."""
    if "vat_rate" not in factors:
        return rates
    stated = factors[factors["vat_rate"].notna() & factors["category_id"].notna()]
    if stated.empty:
        return rates
    extra = pd.Series(
        stated["vat_rate"].to_numpy(dtype=float), index=stated["category_id"].astype(str).to_numpy()
    )
    out = pd.concat([extra[~extra.index.duplicated()], rates[~rates.index.isin(extra.index)]])
    out.attrs.update(rates.attrs)
    return out
