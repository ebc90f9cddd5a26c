"""Building a factor set in the project's format from an MRIO system or a per-product table.

Two sources, one path: per-product factors (kg CO2e per unit of a currency, of one year) go
through a concordance (product → category) and the price steps (exchange rate of that year,
KPI to the price year) of :mod:`spendanalys.spend.factor_building`, the same steps that build
the shipped EXIOBASE proxy set.

- An MRIO system read with pymrio (``pymrio.parse_exiobase3`` on an EXIOBASE 3 release as
  downloaded, a zip or folder; ``test`` for pymrio's bundled test system): the total
  multipliers ``M`` of one stressor or impact (e.g. EXIOBASE's GHG row), the columns of one
  region, divided by the system's money unit (M.EUR → per EUR).
- A plain table (CSV: ``product,factor,unit,currency,year``): factors already per product,
  ``unit`` an emission mass (``kg CO2e``, ``g CO2e``, ``t CO2e``) per one unit of ``currency``.

pymrio is an optional dependency (``pip install spendanalys[mrio]``), imported only here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from spendanalys.datafiles import data_path, read_data_csv
from spendanalys.errors import ConfigurationError, FactorError
from spendanalys.spend.factor_building import (
    concord,
    concordance_table,
    factor_file_rows,
    price_steps,
    render_factor_file,
)
from spendanalys.spend.factors import load_exchange_rate_table, load_kpi

EXIOBASE_CONCORDANCE = "exiobase_by_category.csv"
# "M.EUR", "Mill USD", "MEUR", "million EUR", "EUR": the money unit of an MRIO system.
_MONEY_UNIT = re.compile(
    r"^\s*(?P<scale>m\.?|mill\.?|million|meur)?\s*(?P<cur>[a-z]{3})?\s*$", re.I
)
_MASS = {"kg": 1.0, "g": 0.001, "t": 1000.0, "tonne": 1000.0, "tonnes": 1000.0}


@dataclass(frozen=True)
class ProductFactors:
    """kg CO2e per one unit of ``currency`` (money of ``year``) by product name."""

    factors: dict[str, float]
    currency: str
    year: int | None
    source: str


def _money_scale(unit: str) -> tuple[float, str]:
    """(units of money per unit as written, currency): "M.EUR" → (1e6, "EUR")."""
    text = unit.strip()
    if text.upper() == "MEUR":
        return 1e6, "EUR"
    match = _MONEY_UNIT.match(text)
    if not match or not match.group("cur"):
        raise ConfigurationError(f"money unit {unit!r} is not read (expected e.g. M.EUR, Mill USD)")
    return (1e6 if match.group("scale") else 1.0), match.group("cur").upper()


def _mass_scale(unit: str) -> float:
    """kg per unit of an emission mass ("kg", "kg CO2-eq", "t CO2e")."""
    head = unit.strip().split()[0].lower() if unit.strip() else ""
    if head not in _MASS:
        raise ConfigurationError(f"emission unit {unit!r} is not a mass (kg, g, t)")
    return _MASS[head]


def read_mrio(source: str | Path) -> Any:
    """An IOSystem with its multipliers calculated: ``test`` is pymrio's test system, a path
    is an EXIOBASE 3 release (zip or folder) as published."""
    try:
        import pymrio
    except ImportError:
        raise ConfigurationError(
            "factors build --mrio needs pymrio: pip install 'spendanalys[mrio]'"
        ) from None
    if str(source) == "test":
        system = pymrio.load_test()
    else:
        path = Path(source)
        if not path.exists():
            raise ConfigurationError(f"{path}: no such EXIOBASE release (zip or folder)")
        system = pymrio.parse_exiobase3(path)
    system.calc_all()
    return system


def mrio_product_factors(
    system: Any, region: str, stressor: str, *, extension: str | None = None
) -> ProductFactors:
    """kg per unit of money of each product of ``region``: the total multiplier ``M`` of
    ``stressor`` (first index level, case-insensitive; else the one row it begins) in ``extension`` (the first extension
    that has it when None), divided by the money unit (M.EUR: 10⁶ EUR)."""
    regions = [str(r) for r in system.get_regions()]
    if region not in regions:
        raise ConfigurationError(f"region {region!r} not in the system ({', '.join(regions)})")
    names = [extension] if extension else list(system.get_extensions())
    for name in names:
        ext = getattr(system, name, None)
        if ext is None or getattr(ext, "M", None) is None:
            continue
        first = ext.M.index.get_level_values(0).astype(str).str.lower()
        rows = ext.M[first == stressor.lower()]
        if rows.empty:  # EXIOBASE names carry a method suffix ("… | GWP100 (IPCC, 2010)")
            rows = ext.M[first.str.startswith(stressor.lower())]
        if rows.empty:
            continue
        if len(rows) > 1:
            raise ConfigurationError(
                f"stressor {stressor!r} has {len(rows)} rows in {name} (compartments); "
                "give a single one"
            )
        kg = _mass_scale(str(ext.unit.loc[rows.index[0]].iloc[0]))
        column = rows.iloc[0][region]
        units = system.unit.loc[region].iloc[:, 0].astype(str)
        scales = {u: _money_scale(u) for u in set(units)}
        currencies = {c for _, c in scales.values()}
        if len(currencies) != 1:
            raise ConfigurationError(f"region {region!r} mixes money units: {sorted(set(units))}")
        factors = {
            str(product): float(value) * kg / scales[units.loc[product]][0]
            for product, value in column.items()
        }
        return ProductFactors(
            factors, currencies.pop(), None, f"{getattr(system, 'name', 'MRIO')} {name} {stressor}"
        )
    raise ConfigurationError(
        f"stressor {stressor!r} is in no extension of the system; its CO2e-like rows: "
        + "; ".join(_candidates(system, names))
    )


def _candidates(system: Any, names: list[str]) -> list[str]:
    """Stressor names that look like a CO2e total, to name in the error (at most ten)."""
    found = []
    for name in names:
        ext = getattr(system, name, None)
        if ext is None or getattr(ext, "M", None) is None:
            continue
        for row in ext.M.index.get_level_values(0).astype(str).unique():
            if any(word in row.lower() for word in ("ghg", "co2", "gwp")):
                found.append(f"{name}: {row}")
    return found[:10] or ["none"]


def table_product_factors(path: str | Path) -> ProductFactors:
    """Per-product factors from a CSV ``product,factor,unit,currency,year`` (one currency and
    year for the file). A bad row raises FactorError with its line."""
    frame = read_data_csv(path, ("product", "factor", "unit", "currency", "year"))
    file = str(path)
    values = pd.to_numeric(frame["factor"].str.replace(",", ".", regex=False), errors="coerce")
    for i in range(len(frame)):
        line = int(frame["_line"].iloc[i])
        if pd.isna(values.iloc[i]) or values.iloc[i] < 0:
            raise FactorError(file, f"factor {frame['factor'].iloc[i]!r} is not a number ≥ 0", line)
    currencies = set(frame["currency"].str.upper())
    years = set(frame["year"])
    if len(currencies) != 1 or len(years) != 1:
        raise FactorError(file, "one currency and one year per table, please")
    factors = {}
    for i, product in enumerate(frame["product"]):
        unit = frame["unit"].iloc[i]
        mass_text, _, per = unit.partition("/")
        try:
            money, currency = _money_scale(per or "x")
            kg = _mass_scale(mass_text)
        except ConfigurationError as exc:
            raise FactorError(file, str(exc), int(frame["_line"].iloc[i])) from None
        if currency != frame["currency"].iloc[i].upper():
            raise FactorError(
                file,
                f"unit {unit!r} is not per {frame['currency'].iloc[i]}",
                int(frame["_line"].iloc[i]),
            )
        factors[product] = float(values.iloc[i]) * kg / money
    year = next(iter(years))
    if not year.isdigit():
        raise FactorError(file, f"year {year!r} is not a year")
    return ProductFactors(factors, currencies.pop(), int(year), Path(path).name)


def build_factor_file(
    products: ProductFactors,
    *,
    categories: list[str],
    concordance: str | Path | None = None,
    currency_year: int | None = None,
    price_year: int = 2022,
    source: str | None = None,
    licence: str = "",
    price_basis: str = "basic price excl. VAT (no trade and transport margins)",
    gwp: str = "",
    data_dir: str | Path | None = None,
) -> str:
    """The factor file's text: the products through the concordance (default: the shipped
    EXIOBASE one) and the price steps (the rate of ``currency_year``, KPI to
    ``price_year``), with the provenance in its header lines."""
    year = currency_year or products.year
    if year is None:
        raise ConfigurationError("the money year of the source is not known: give --year")
    path = Path(concordance) if concordance else data_path(EXIOBASE_CONCORDANCE, data_dir)
    table = concordance_table(read_data_csv(path, ("category_id",)), str(path))
    per_category = concord(products.factors, table, categories, file=path.name)
    if per_category.empty:
        raise FactorError(str(path), "the concordance maps no category")
    steps = price_steps(
        products.currency,
        year,
        price_year,
        load_exchange_rate_table(data_dir=data_dir),
        load_kpi(data_dir=data_dir),
    )
    named = source or products.source
    rows = factor_file_rows(
        per_category,
        steps,
        source=named,
        licence=licence,
        price_basis=price_basis,
        gwp=gwp,
        quality={},
        default_quality=f"4: spend-based, built with spendanalys factors build from {named}",
    )
    header = (
        f"Spend-based emission factors per purchase category, kg CO2e per SEK ({price_year} prices).",
        f"Built by `spendanalys factors build` from {named} ({products.currency} of {year}) "
        f"through {path.name}; price basis: {price_basis}. Licence: {licence or 'not stated'}.",
    )
    return render_factor_file(rows, header)
