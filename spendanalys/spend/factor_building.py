"""Building a factor set from per-product factors: the concordance step and the price steps.

One path for the shipped EXIOBASE proxy set (``emission_factors/spend/build_exiobase_factors.py``)
and for ``spendanalys factors build`` (an MRIO system read with pymrio, or a plain per-product
table)::

    kg/CUR_y   = Σ wᵢ · EFᵢ / Σ wᵢ                       (products i of the category, concordance)
    kg/SEK_y   = kg/CUR_y ÷ (SEK per CUR, annual average of year y)
    kg/SEK_p   = kg/SEK_y × KPI_y / KPI_p                 (to the set's price year p)

The last step restates the factor per SEK of year ``p``: one SEK of ``p`` buys KPI_y / KPI_p of
what one SEK of ``y`` bought. Pure functions: the caller reads the files.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from spendanalys.errors import FactorError

FACTOR_FILE_COLUMNS: tuple[str, ...] = (
    "category",
    "factor",
    "unit",
    "price_year",
    "price_basis",
    "currency_year",
    "gwp",
    "source",
    "licence",
    "naics",
    "derivation",
    "data_quality",
)
# The concordance's product key: ``product`` in a user's file, ``exiobase_product`` in the
# shipped EXIOBASE concordance.
PRODUCT_COLUMNS: tuple[str, ...] = ("product", "exiobase_product")


@dataclass(frozen=True)
class PriceSteps:
    """From kg CO2e per unit of ``currency`` (money of ``currency_year``) to kg CO2e per SEK at
    ``price_year``: ``sek_per_unit`` is the annual average rate of ``currency_year``;
    ``kpi_from`` and ``kpi_to`` are KPI of ``currency_year`` and ``price_year``."""

    currency: str
    currency_year: int
    sek_per_unit: float
    price_year: int
    kpi_from: float
    kpi_to: float

    def to_kg_per_sek(self, kg_per_unit: float) -> float:
        """kg/SEK_p = kg/CUR_y ÷ SEK-per-CUR_y × KPI_y / KPI_p."""
        return kg_per_unit / self.sek_per_unit * self.kpi_from / self.kpi_to

    def describe(self) -> str:
        text = f"÷ {self.sek_per_unit:g} SEK/{self.currency} ({self.currency_year})"
        if self.price_year != self.currency_year:
            text += (
                f" × KPI {self.currency_year}/{self.price_year} ({self.kpi_from:g}/{self.kpi_to:g})"
            )
        return text


def price_steps(
    currency: str,
    currency_year: int,
    price_year: int,
    rate_table: pd.DataFrame,
    kpi: pd.Series,
) -> PriceSteps:
    """The steps for ``currency`` of ``currency_year`` to SEK of ``price_year``, from the
    exchange-rate table (year, currency, sek_per_unit) and KPI by year. The rate and both
    index years must be in the tables: a stand-in year would be a silent guess here."""
    currency = currency.upper()
    if currency == "SEK":
        rate = 1.0
    else:
        rows = rate_table[
            (rate_table["year"] == currency_year) & (rate_table["currency"] == currency)
        ]
        if rows.empty:
            raise FactorError(
                "exchange_rates.csv", f"no {currency} rate for {currency_year} to convert with"
            )
        rate = float(rows["sek_per_unit"].iloc[0])
    for year in (currency_year, price_year):
        if year not in kpi.index:
            raise FactorError("kpi.csv", f"no KPI for {year} to bring the factors to {price_year}")
    return PriceSteps(
        currency,
        int(currency_year),
        rate,
        int(price_year),
        float(kpi.loc[currency_year]),
        float(kpi.loc[price_year]),
    )


def concordance_table(frame: pd.DataFrame, file: str) -> pd.DataFrame:
    """A concordance (text cells, ``_line``) as category_id, product, weight (float), note.

    Columns ``category_id``, ``product`` (or ``exiobase_product``), optional ``weight`` (empty:
    1) and ``note``. A bad weight or a repeated (category, product) raises FactorError."""
    key = next((c for c in PRODUCT_COLUMNS if c in frame), None)
    if key is None or "category_id" not in frame:
        raise FactorError(file, "a concordance needs the columns category_id and product")
    weight_text = frame["weight"] if "weight" in frame else pd.Series("", index=frame.index)
    weight = pd.to_numeric(weight_text.replace("", "1"), errors="coerce")
    line = frame["_line"] if "_line" in frame else pd.Series(range(2, len(frame) + 2))
    bad = weight.isna() | (weight <= 0)
    if bad.any():
        i = bad.to_numpy().nonzero()[0][0]
        raise FactorError(
            file, f"weight {weight_text.iloc[i]!r} is not a positive number", int(line.iloc[i])
        )
    out = pd.DataFrame(
        {
            "category_id": frame["category_id"].to_numpy(),
            "product": frame[key].to_numpy(),
            "weight": weight.to_numpy(dtype=float),
            "note": frame["note"].to_numpy() if "note" in frame else "",
        }
    )
    repeated = out.duplicated(["category_id", "product"])
    if repeated.any():
        i = repeated.to_numpy().nonzero()[0][0]
        raise FactorError(
            file, f"{out['product'].iloc[i]!r} twice for one category", int(line.iloc[i])
        )
    return out


def concord(
    product_factors: Mapping[str, float],
    concordance: pd.DataFrame,
    categories: Sequence[str],
    *,
    file: str = "concordance",
) -> pd.DataFrame:
    """Per category of ``categories`` that the concordance maps, the weighted mean of its
    products' factors: category_id, factor (per unit of the source's money), products, weights
    (normalised, ";"-joined), note (the category's first non-empty note).

    A product the source lacks, or a category outside the tree, raises FactorError: a factor
    set built from a partial match would be silently wrong."""
    unknown = sorted(set(concordance["category_id"]) - set(categories))
    if unknown:
        raise FactorError(file, f"categories not in the category tree: {', '.join(unknown)}")
    absent = sorted(set(concordance["product"]) - set(product_factors))
    if absent:
        shown = "; ".join(absent[:5]) + ("; …" if len(absent) > 5 else "")
        raise FactorError(file, f"{len(absent)} products not in the source: {shown}")
    rows = []
    for category in categories:
        part = concordance[concordance["category_id"] == category]
        if part.empty:
            continue
        weights = part["weight"].to_numpy(dtype=float)
        weights = weights / weights.sum()
        values = [float(product_factors[p]) for p in part["product"]]
        notes = [n for n in part["note"] if isinstance(n, str) and n]
        rows.append(
            {
                "category_id": category,
                "factor": float(sum(w * v for w, v in zip(weights, values, strict=True))),
                "products": list(part["product"]),
                "weights": [float(w) for w in weights],
                "values": values,
                "note": notes[0] if notes else "",
            }
        )
    return pd.DataFrame(
        rows, columns=["category_id", "factor", "products", "weights", "values", "note"]
    )


def factor_file_rows(
    per_category: pd.DataFrame,
    steps: PriceSteps,
    *,
    source: str,
    licence: str,
    price_basis: str,
    gwp: str,
    quality: Mapping[str, str],
    default_quality: str,
    codes: Mapping[str, str] | None = None,
) -> list[dict[str, str]]:
    """Rows of a factor file (``FACTOR_FILE_COLUMNS``) in kg CO2e/SEK at ``steps.price_year``.

    ``quality`` gives a category its data-quality text ("5: reason"); others get
    ``default_quality``. ``codes`` maps a product to a short code for the ``naics`` column (the
    column that names the source's products)."""
    rows = []
    for rec in per_category.to_dict("records"):
        label = [(codes or {}).get(p, p) for p in rec["products"]]
        values = [f"{v:.4g}" for v in rec["values"]]
        if len(label) == 1:
            how = f"{label[0]} ({values[0]} kg/{steps.currency}{steps.currency_year})"
        else:
            parts = ", ".join(
                f"{c} {v}×{w:.4g}" for c, v, w in zip(label, values, rec["weights"], strict=True)
            )
            how = f"weighted mean of {parts} (= {rec['factor']:.4g} kg/{steps.currency}{steps.currency_year})"
        rows.append(
            {
                "category": rec["category_id"],
                "factor": f"{steps.to_kg_per_sek(rec['factor']):.6g}",
                "unit": "kg CO2e/SEK",
                "price_year": str(steps.price_year),
                "price_basis": price_basis,
                "currency_year": str(steps.price_year),
                "gwp": gwp,
                "source": source,
                "licence": licence,
                "naics": ";".join(label),
                "derivation": f"{how} {steps.describe()}",
                "data_quality": quality.get(rec["category_id"], default_quality),
            }
        )
    return rows


def render_factor_file(rows: Sequence[Mapping[str, str]], header_lines: Sequence[str]) -> str:
    """The factor file's text: ``#`` provenance lines, the header, the rows (LF line ends)."""
    out = io.StringIO()
    out.writelines(
        f"# {line}\n" if not line.startswith("#") else f"{line}\n" for line in header_lines
    )
    writer = csv.DictWriter(out, fieldnames=FACTOR_FILE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
