"""Spend-based factor sets, the consumer price index (KPI) and exchange rates.

A factor set is a CSV file, one factor per category (and optionally per supplier)::

    category,factor,unit,price_year,source                      (required)
    price_basis,currency_year,gwp,licence,naics,derivation,data_quality,org_number,vat_rate
                                                                 (optional)

- ``category``: a category id, a Swedish or English category name, or an alias (see
  ``spendanalys.spend.categories``); it may be empty on a supplier row. Any other name is a
  category of the set's own (id ``own:`` + the folded name, group "Egna kategorier").
- ``price_basis``: "excl. VAT" / "exkl. moms" or "incl. VAT" / "inkl. moms"; a factor incl. VAT
  is applied to net spend made gross (``spendanalys.spend.vat``), at ``vat_rate`` (percent) when
  the row states one, else at the VAT table's rate of the category.
- ``data_quality``: its leading number is the factor's grade (``quality_grade``).
- ``factor`` in ``unit``: any emission mass per money that ``spendanalys.units`` reads
  (``kg CO2e/SEK``, ``g CO2e/SEK``, ``t CO2e/MSEK``, ``kg CO2e/kSEK``, ``kg CO2e/EUR`` …). Every
  value is converted once, at load, to kg CO2e per SEK; a foreign currency goes through the
  exchange-rate table of the factor's ``currency_year`` (default: its ``price_year``).
- ``price_year``: the year whose prices the factor is per; spend is brought to it with KPI.
- ``org_number``: a supplier-specific factor. It wins over the category factor for that supplier
  (for all its lines when ``category`` is empty, else for that category only) and is marked
  ``factor_kind = "supplier"`` on every line it prices.

A bad row (unreadable number or unit, negative factor, missing price year or source, a VAT
rate Sweden does not have, a repeated category/supplier) raises FactorError with the file and
line: a factor set is used whole or not at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from spendanalys.datafiles import (
    DEFAULT_DATA_DIR,
    LINE,
    data_path,
    read_data_csv,
    stated_version,
)
from spendanalys.errors import ConfigurationError, FactorError, InputFormatError, UnitError
from spendanalys.schema import YEARS
from spendanalys.spend.categories import CategoryRules, category_from_alias, load_category_rules
from spendanalys.spend.linking import normalise_org_number
from spendanalys.spend.own_categories import OWN_PREFIX, own_category_id
from spendanalys.spend.vat import vat_basis
from spendanalys.units import ExchangeRates, currency_of, emission_factor_to_kg_per_sek, parse_unit

# Factors in the canonical unit are taken as written; only other units are parsed with pint.
CANONICAL_UNIT = "kg CO2e/SEK"

DEFAULT_FACTOR_FILE = "factors_epa_v1.3_sek.csv"
KPI_FILE = "kpi.csv"
RATES_FILE = "exchange_rates.csv"
REQUIRED = ("category", "factor", "unit", "price_year", "source")
OPTIONAL = (
    "price_basis",
    "currency_year",
    "gwp",
    "licence",
    "naics",
    "derivation",
    "data_quality",
    "org_number",
    "vat_rate",
)

FACTOR_COLUMNS = (
    "category_id",
    "org_number",
    "kg_co2e_per_sek",
    "value_as_written",
    "unit_as_written",
    "price_year",
    "price_basis",
    "gwp_basis",
    "source",
    "licence",
    "naics",
    "derivation",
    "data_quality",
    "quality_grade",
    "vat_basis",
    "vat_rate",
    "category_as_written",
    "line",
)
_GRADE = re.compile(r"^\s*(\d+)\b")


def header_version(path: str | Path) -> str | None:
    """The version a data file states in its leading ``#`` lines ("Set version: X."), if any."""
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    return stated_version(text.splitlines())


@dataclass(frozen=True)
class SpendFactorSet:
    """One factor set, every factor in kg CO2e per SEK at its price year.

    ``factors`` has ``FACTOR_COLUMNS``: category_id (<NA> on a supplier row for all
    categories), org_number (<NA> on a category row), kg_co2e_per_sek (float), the value and unit
    as written, price_year (Int64) and the provenance columns as text. ``version`` is the one
    the file states in its header (``Set version: …``). ``path`` is where it was read on this
    machine: for reading, never for a report (see :meth:`describe`).
    """

    name: str
    factors: pd.DataFrame
    path: Path | None = None
    version: str | None = None
    layered_on: str | None = None  # the set this one's rows were laid over (:func:`layered`)

    @property
    def supplier_specific(self) -> pd.DataFrame:
        return self.factors[self.factors["org_number"].notna()]

    @property
    def own_category_names(self) -> list[str]:
        """The categories as written that the category tree lacks (they become categories of
        their own: :func:`spendanalys.spend.categories.with_own_categories`)."""
        own = self.factors["category_id"].astype("string").str.startswith(OWN_PREFIX)
        return list(self.factors.loc[own.fillna(False).to_numpy(), "category_as_written"])

    @property
    def has_category_rows(self) -> bool:
        """False for a file of supplier-specific rows only (it layers on a full set)."""
        return bool(self.factors["org_number"].isna().any())

    @property
    def licence(self) -> str | None:
        """The licences of the set's rows, "; "-joined in order of first appearance."""
        values = self.factors["licence"].dropna().astype(str).drop_duplicates()
        return "; ".join(values) or None

    @property
    def built_in(self) -> bool:
        """True for a set shipped with the tool (``emission_factors/spend``)."""
        return self.path is None or self.path.resolve().parent == DEFAULT_DATA_DIR.resolve()

    def describe(self, name: str | None = None) -> dict[str, str | bool | None]:
        """How a report names the set: name (``name`` overrides, e.g. the analysis' label),
        version, licence, file name and whether it is built in; never a path on this machine,
        which would leak the installation's layout into reports that leave it."""
        return {
            "name": name or self.name,
            "version": self.version,
            "licence": self.licence,
            "file": self.path.name if self.path is not None else None,
            "built_in": self.built_in,
        }


# --- KPI and exchange rates --------------------------------------------------------------------


def load_kpi(path: str | Path | None = None, *, data_dir: str | Path | None = None) -> pd.Series:
    """KPI (consumer price index) by year: a float Series indexed by int year.

    ``attrs["source"]`` and ``attrs["base"]`` carry the provenance. Columns year, kpi (, base,
    source). A year twice or a non-positive index raises InputFormatError.
    """
    file = Path(path) if path is not None else data_path(KPI_FILE, data_dir)
    frame = read_data_csv(file, ("year", "kpi"))
    year = pd.to_numeric(frame["year"], errors="coerce")
    value = pd.to_numeric(frame["kpi"].str.replace(",", ".", regex=False), errors="coerce")
    bad = year.isna() | value.isna() | (value <= 0) | year.duplicated()
    if bad.any():
        row = frame[bad].iloc[0]
        raise InputFormatError(
            str(file), f"bad KPI row (year {row['year']!r}, kpi {row['kpi']!r})", row=int(row[LINE])
        )
    kpi = pd.Series(value.to_numpy(dtype=float), index=year.astype(int).to_numpy(), name="kpi")
    kpi = kpi.sort_index()
    kpi.attrs["source"] = _first_nonempty(frame, "source") or file.name
    kpi.attrs["base"] = _first_nonempty(frame, "base") or ""
    return kpi


def _first_nonempty(frame: pd.DataFrame, column: str) -> str | None:
    if column not in frame:
        return None
    values = [v for v in frame[column] if v]
    return values[0] if values else None


def price_year_factor(spend_year: int, factor_year: int, kpi: pd.Series) -> float:
    """KPI[factor_year] / KPI[spend_year]: multiply SEK of ``spend_year`` by it to get SEK at
    the factor's price year (e.g. 2024 spend priced with a 2022 factor is deflated)."""
    try:
        return float(kpi.loc[int(factor_year)]) / float(kpi.loc[int(spend_year)])
    except KeyError as exc:
        raise ConfigurationError(f"the KPI table has no index for {exc.args[0]}") from None


def load_exchange_rate_table(
    path: str | Path | None = None, *, data_dir: str | Path | None = None
) -> pd.DataFrame:
    """The exchange-rate table: year (int), currency (upper case), sek_per_unit, source."""
    file = Path(path) if path is not None else data_path(RATES_FILE, data_dir)
    frame = read_data_csv(file, ("year", "currency", "sek_per_unit"))
    year = pd.to_numeric(frame["year"], errors="coerce")
    rate = pd.to_numeric(frame["sek_per_unit"].str.replace(",", ".", regex=False), errors="coerce")
    bad = year.isna() | rate.isna() | (rate <= 0)
    if bad.any():
        row = frame[bad].iloc[0]
        raise InputFormatError(str(file), "bad exchange-rate row", row=int(row[LINE]))
    return pd.DataFrame(
        {
            "year": year.astype(int),
            "currency": frame["currency"].str.upper(),
            "sek_per_unit": rate.astype(float),
            "source": frame.get("source", file.name),
        }
    )


def exchange_rates_for(table: pd.DataFrame, year: int | None = None) -> ExchangeRates:
    """The rates of ``year`` (the latest year when None; the nearest year the table has
    when it lacks ``year``, which the returned ``notes`` say)."""
    if table.empty:
        raise ConfigurationError("the exchange-rate table is empty")
    years = sorted(table["year"].unique())
    chosen = years[-1] if year is None else min(years, key=lambda y: (abs(y - year), -y))
    rows = table[table["year"] == chosen]
    note = "" if year is None or chosen == year else f"no rates for {year}; {chosen} used"
    return ExchangeRates(
        sek_per_unit=dict(zip(rows["currency"], rows["sek_per_unit"], strict=True)),
        year=int(chosen),
        source="; ".join(sorted(set(rows["source"].astype(str)))),
        notes=note,
    )


# --- factor sets -----------------------------------------------------------------------------


def _refuse(file: Path, frame: pd.DataFrame, mask: pd.Series | np.ndarray, reason: str) -> None:
    mask = np.asarray(mask, dtype=bool)
    if mask.any():
        row = frame[mask].iloc[0]
        raise FactorError(
            str(file), reason.format(**{str(k): v for k, v in row.items()}), row=int(row[LINE])
        )


def _convert(frame: pd.DataFrame, file: Path, rate_table: pd.DataFrame | None) -> np.ndarray:
    """kg CO2e per SEK per row; converted once per distinct (value, unit, currency year)."""
    values = pd.to_numeric(frame["factor"].str.replace(",", ".", regex=False), errors="coerce")
    _refuse(file, frame, values.isna(), "factor {factor!r} is not a number")
    _refuse(file, frame, values < 0, "factor {factor} is negative")
    cur_year = pd.to_numeric(
        frame.get("currency_year", pd.Series("", index=frame.index)), errors="coerce"
    ).fillna(frame["price_year_int"])
    out = np.empty(len(frame))
    canonical = (frame["unit"] == CANONICAL_UNIT).to_numpy()
    out[canonical] = values.to_numpy(dtype=float)[canonical]
    if canonical.all():
        return out
    cache: dict[tuple[float, str, int], float] = {}
    rates_by_year: dict[int, ExchangeRates] = {}
    for i, (value, unit, year) in enumerate(zip(values, frame["unit"], cur_year, strict=True)):
        if canonical[i]:
            continue
        key = (float(value), unit, int(year))
        if key not in cache:
            try:
                currency = currency_of(parse_unit(unit))
                rates = None
                if currency not in (None, "SEK"):
                    if rate_table is None:
                        raise UnitError(unit, "a factor in SEK", "no exchange-rate table")
                    if int(year) not in rates_by_year:
                        rates_by_year[int(year)] = exchange_rates_for(rate_table, int(year))
                    rates = rates_by_year[int(year)]
                cache[key] = emission_factor_to_kg_per_sek(float(value), unit, rates)
            except UnitError as exc:
                raise FactorError(
                    str(file), f"unit {unit!r}: {exc.reason or exc}", row=int(frame[LINE].iloc[i])
                ) from None
        out[i] = cache[key]
    return out


def load_spend_factor_set(
    path: str | Path | None = None,
    *,
    rules: CategoryRules | None = None,
    rate_table: pd.DataFrame | None = None,
    name: str | None = None,
    data_dir: str | Path | None = None,
) -> SpendFactorSet:
    """Load and validate a factor set (the built-in EPA-derived set when ``path`` is None).

    ``rules`` resolves category names and aliases (default: the built-in rules); ``rate_table``
    (default: the built-in exchange rates) converts factors per foreign currency. The set's
    ``name`` defaults to the file's stem.
    """
    file = Path(path) if path is not None else data_path(DEFAULT_FACTOR_FILE, data_dir)
    if rules is None:
        rules = load_category_rules(data_dir=data_dir)
    if rate_table is None and data_path(RATES_FILE, data_dir).exists():
        rate_table = load_exchange_rate_table(data_dir=data_dir)
    frame = read_data_csv(file, REQUIRED)
    factors = factor_table(frame, str(file), rules, rate_table)
    return SpendFactorSet(
        name=name or file.stem, factors=factors, path=file, version=header_version(file)
    )


def factor_table(
    frame: pd.DataFrame, file: str, rules: CategoryRules, rate_table: pd.DataFrame | None
) -> pd.DataFrame:
    """Validate factor rows (text cells, ``_line`` numbers) and convert them to kg CO2e/SEK.

    Returns a table with ``FACTOR_COLUMNS``; the first bad row raises FactorError.
    """
    path = Path(file)
    if frame.empty:
        raise FactorError(file, "the factor set has no rows")
    frame = frame.copy()
    for column in OPTIONAL:
        if column not in frame:
            frame[column] = ""
    _refuse(path, frame, frame["source"] == "", "source is empty")
    _refuse(path, frame, frame["unit"] == "", "unit is empty")
    year = pd.to_numeric(frame["price_year"], errors="coerce")
    _refuse(
        path,
        frame,
        year.isna() | (year < YEARS[0]) | (year > YEARS[-1]),
        "price_year {price_year!r} is not a year",
    )
    frame["price_year_int"] = year.astype(int)
    org = normalise_org_number(frame["org_number"].replace("", None).astype("string"))
    _refuse(
        path,
        frame,
        (frame["org_number"] != "") & org.isna(),
        "org_number {org_number!r} is not an organisation number",
    )
    category = category_from_alias(frame["category"].astype("string"), rules)
    # A category the tree does not know is a category of the set's own (group "Egna
    # kategorier"): an agency's table names its own vocabulary, and refusing it would leave
    # the agency no way in but rewriting the file.
    unknown = category.isna() & (frame["category"] != "")
    category = category.mask(unknown, frame["category"].map(own_category_id))
    _refuse(path, frame, category.isna() & org.isna(), "a row needs a category or an org_number")
    key = org.fillna("") + "|" + category.fillna("")
    _refuse(path, frame, key.duplicated(), "category {category!r} has a factor on an earlier row")
    per_sek = _convert(frame, path, rate_table)
    factors = pd.DataFrame(
        {
            "category_id": category.to_numpy(),
            "org_number": org.to_numpy(),
            "kg_co2e_per_sek": per_sek,
            "value_as_written": frame["factor"].to_numpy(),
            "unit_as_written": frame["unit"].to_numpy(),
            "price_year": frame["price_year_int"].astype("Int64").array,
            "price_basis": frame["price_basis"].to_numpy(),
            "gwp_basis": frame["gwp"].to_numpy(),
            "source": frame["source"].to_numpy(),
            "licence": frame["licence"].to_numpy(),
            "naics": frame["naics"].to_numpy(),
            "derivation": frame["derivation"].to_numpy(),
            "data_quality": frame["data_quality"].to_numpy(),
            "quality_grade": quality_grade(frame["data_quality"]).to_numpy(),
            "vat_basis": vat_basis(frame["price_basis"]).to_numpy(),
            "vat_rate": _vat_rates(path, frame),
            "category_as_written": frame["category"].to_numpy(),
            "line": frame[LINE].to_numpy(),
        }
    )
    for column in (
        "category_id",
        "org_number",
        "value_as_written",
        "unit_as_written",
        "price_basis",
        "gwp_basis",
        "source",
        "licence",
        "naics",
        "derivation",
        "data_quality",
        "quality_grade",
        "vat_basis",
        "category_as_written",
    ):
        text = factors[column].astype("string")
        factors[column] = text.mask(text == "")
    return factors


def with_supplier_factors(
    factor_set: SpendFactorSet,
    rows: Sequence[Mapping[str, object]] | pd.DataFrame,
    *,
    rules: CategoryRules,
    rate_table: pd.DataFrame | None = None,
    label: str = "supplier factors",
) -> SpendFactorSet:
    """``factor_set`` with the user's supplier-specific factors added (the dashboard's overrides).

    Each row has ``org_number``, ``factor``, ``unit``, ``price_year``, ``source`` and optionally
    ``category`` (empty: all of that supplier's lines) and the provenance columns. A row for the
    same supplier and category as an existing one replaces it. Rows are numbered from 1 in
    errors (FactorError with ``file`` = ``label``).
    """
    frame = pd.DataFrame(list(rows) if not isinstance(rows, pd.DataFrame) else rows)
    for column in (*REQUIRED, "org_number"):
        if column not in frame:
            frame[column] = ""
    frame = frame.astype(object).where(frame.notna(), "").map(lambda v: str(v).strip())
    frame[LINE] = range(1, len(frame) + 1)
    missing_org = frame["org_number"] == ""
    _refuse(Path(label), frame, missing_org, "a supplier factor needs an org_number")
    added = factor_table(frame, label, rules, rate_table)
    key = added["org_number"].fillna("") + "|" + added["category_id"].fillna("")
    old = factor_set.factors
    old_key = old["org_number"].fillna("") + "|" + old["category_id"].fillna("")
    kept = old[~old_key.isin(set(key)).to_numpy()]
    return replace(factor_set, factors=pd.concat([kept, added], ignore_index=True))


def quality_grade(data_quality: pd.Series) -> pd.Series:
    """A factor's data-quality grade from its ``data_quality`` text: the leading number
    ("4: spend-based, US economy average" → "4"), else the text before a colon ("supplier");
    "" when the file states none."""
    text = data_quality.astype("string").fillna("").str.strip()
    number = text.str.extract(_GRADE, expand=False)
    label = text.str.split(":", n=1).str[0].str.strip()
    return number.fillna(label).fillna("")


def layered(overlay: SpendFactorSet, base: SpendFactorSet) -> SpendFactorSet:
    """``overlay``'s rows over ``base``: a row of ``overlay`` replaces ``base``'s row for the
    same supplier and category, every other row of ``base`` stays. How a file of
    supplier-specific factors is used: on its own it would leave every other supplier's lines
    without a factor."""
    key = overlay.factors["org_number"].fillna("") + "|" + overlay.factors["category_id"].fillna("")
    old = base.factors
    old_key = old["org_number"].fillna("") + "|" + old["category_id"].fillna("")
    kept = old[~old_key.isin(set(key)).to_numpy()]
    return replace(
        overlay,
        name=f"{overlay.name} + {base.name}",
        layered_on=base.name,
        factors=pd.concat([overlay.factors, kept], ignore_index=True),
    )


def _vat_rates(file: Path, frame: pd.DataFrame) -> np.ndarray:
    """The optional ``vat_rate`` column (percent: 0, 6, 12 or 25; empty = the VAT table's rate)
    as a fraction: how an agency's own category states its VAT, which the built-in table cannot
    know."""
    text = frame["vat_rate"].str.rstrip("%").str.strip()
    rate = pd.to_numeric(text, errors="coerce")
    _refuse(
        file,
        frame,
        (text != "") & ~rate.isin([0, 6, 12, 25]),
        "vat_rate {vat_rate!r} is not 0, 6, 12 or 25 (percent)",
    )
    return (rate / 100).to_numpy(dtype=float)
