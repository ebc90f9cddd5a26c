"""Pricing invoice lines: SEK conversion, KPI price-year adjustment and the factor lookup.

    spend_sek             = amount × SEK per unit of the line's currency (1 for SEK)
    spend_sek_factor_year = spend_sek × KPI[factor price year] / KPI[spend year]
    kg_co2e               = spend_sek_factor_year × kg_co2e_per_sek

A year the KPI table does not cover takes the nearest index it has (spend of a year the table
does not reach yet: the latest index); the line is marked ``kpi_substituted`` and a note names
the year and the index year used. Work is done once per distinct currency, pair of years and
category, then spread to the lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from spendanalys.errors import ConfigurationError, UnitError
from spendanalys.io.result import RejectedRow
from spendanalys.schema import SOURCE_FILE, SOURCE_ROW
from spendanalys.spend.coding import encode
from spendanalys.spend.factors import SpendFactorSet, exchange_rates_for, price_year_factor
from spendanalys.spend.linking import normalise_org_number
from spendanalys.spend.vat import vat_rate_of
from spendanalys.units import ExchangeRates


def convert_to_sek(
    lines: pd.DataFrame,
    rates: ExchangeRates | None,
    *,
    rate_table: pd.DataFrame | None = None,
    amounts_include_vat: bool = False,
    notes: list[str] | None = None,
) -> tuple[pd.DataFrame, list[RejectedRow]]:
    """``spend_sek`` per line from ``amount_sek`` and ``currency``; rows that cannot be converted.

    A blank currency, ``SEK`` or ``kr`` is taken as SEK. Another currency is multiplied by SEK per
    unit: with ``rate_table`` (year, currency, sek_per_unit) the rate of the line's own year (a
    2023 USD line gets the 2023 rate; a year the table lacks takes the nearest, noted in
    ``notes``; an undated line the latest), else the one-year ``rates``. A currency the table
    lacks, or any foreign currency without a table, rejects the line with the reason, and so
    does a missing amount. Credit notes (negative amounts) are kept: they net against their
    agreement. ``amount_incl_vat_sek`` stands in where ``amount_sek`` is empty; those lines, or
    every line with ``amounts_include_vat``, are marked ``amount_incl_vat`` and are made net by
    :func:`net_of_vat` once their category is known.
    """
    amount = pd.to_numeric(lines["amount_sek"], errors="coerce").astype("float64")
    gross = np.full(len(lines), amounts_include_vat, dtype=bool)
    if "amount_incl_vat_sek" in lines:
        stand_in = amount.isna() & lines["amount_incl_vat_sek"].notna()
        amount = amount.mask(stand_in, lines["amount_incl_vat_sek"].astype("float64"))
        gross |= stand_in.to_numpy(dtype=bool)
    currency = (
        lines["currency"].astype("string").str.strip().str.upper()
        if "currency" in lines
        else pd.Series(pd.NA, index=lines.index, dtype="string")
    )
    currency = currency.mask(currency.isin(["", "KR", "SEK"]))
    foreign = currency.notna().to_numpy(dtype=bool)
    # the lines' years only matter for foreign amounts (often none of a million lines)
    years = (
        pd.to_datetime(lines["date"], errors="coerce").dt.year
        if "date" in lines and foreign.any()
        else pd.Series(np.nan, index=lines.index)
    ).to_numpy(dtype=float, na_value=np.nan)
    rate = np.ones(len(lines))
    # object arrays made by np.empty hold None already (no fill pass over a million rows)
    reason = np.empty(len(lines), dtype=object)
    column = np.empty(len(lines), dtype=object)
    failed = np.zeros(len(lines), dtype=bool)  # the rows given a reason above
    pairs = pd.DataFrame({"currency": currency[foreign], "year": years[foreign]}).drop_duplicates()
    for code, year in pairs.itertuples(index=False):
        same_year = np.isnan(years) if np.isnan(year) else years == year
        mask = (currency == code).fillna(False).to_numpy(dtype=bool) & same_year
        try:
            table = rates
            if rate_table is not None:
                table = exchange_rates_for(rate_table, None if np.isnan(year) else int(year))
                if table.notes and notes is not None:
                    note = f"exchange rates: {table.notes} ({code})"
                    if note not in notes:
                        notes.append(note)
            if table is None:
                raise UnitError(code, "an amount in SEK", "no exchange-rate table was given")
            rate[mask] = table.rate(str(code))
        except UnitError as exc:
            reason[mask] = f"cannot convert {code} to SEK: {exc.reason or exc}"
            column[mask] = "currency"
            failed |= mask
    missing = amount.isna().to_numpy() & ~failed
    reason[missing] = "amount is missing"
    column[missing] = "amount_sek"
    bad = failed | missing
    if not bad.any():  # the usual case: no row to filter out of a million
        kept = lines.copy(deep=False)  # new columns go on a shallow copy, not the caller's
        kept["spend_sek"] = amount.to_numpy() * rate
        kept["amount_incl_vat"] = gross
        return kept, []
    rejected = _rejected_rows(lines[bad], reason[bad], column[bad])
    # Filtering copies every column: only done when a line is rejected.
    kept = lines[~bad]
    kept["spend_sek"] = amount.to_numpy()[~bad] * rate[~bad]
    kept["amount_incl_vat"] = gross[~bad]
    return kept, rejected


def net_of_vat(lines: pd.DataFrame, vat_rates: pd.Series, notes: list[str]) -> pd.DataFrame:
    """Lines marked ``amount_incl_vat`` made net: ``spend_sek = gross / (1 + VAT rate of the
    line's category)``; ``vat_rate`` (0–1) is kept on those lines. A gross line without a rate
    (uncategorised, or an own category) takes the normal rate, 25 %, said in ``notes``."""
    gross = lines["amount_incl_vat"].to_numpy(dtype=bool) if "amount_incl_vat" in lines else None
    if gross is None or not gross.any():
        return lines
    rate, defaulted = vat_rate_of(lines["category_id"], vat_rates)
    out = lines.copy(deep=False)  # two columns change: the others stay shared
    spend = out["spend_sek"].to_numpy(dtype=float)
    out["spend_sek"] = np.where(gross, spend / (1 + rate), spend)
    out["vat_rate"] = np.where(gross, rate, np.nan)
    count, sek = int(gross.sum()), float(np.nansum(spend[gross]))
    notes.append(
        f"{count} line{'' if count == 1 else 's'} ({_sek(sek)} SEK) had amounts incl. VAT: made "
        f"net with the VAT rate of their category ({vat_rates.attrs.get('source', 'VAT table')})"
    )
    stood_in = gross & defaulted
    if stood_in.any():
        notes.append(
            f"{int(stood_in.sum())} of them ({_sek(float(np.nansum(spend[stood_in])))} SEK) have "
            "no category with a VAT rate: the normal rate, 25 %, was used"
        )
    return out


def _sek(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


def _rejected_rows(
    rows: pd.DataFrame, reasons: np.ndarray, columns: np.ndarray
) -> list[RejectedRow]:
    files = column_or(rows, SOURCE_FILE, "").astype(str).to_numpy()
    numbers = column_or(rows, SOURCE_ROW, 0).to_numpy()
    return [
        RejectedRow(file=str(f), row=int(r), column=str(c), reason=str(why))
        for f, r, c, why in zip(files, numbers, columns, reasons, strict=True)
    ]


def column_or(frame: pd.DataFrame, name: str, default: Any) -> pd.Series:
    if name in frame:
        return frame[name].fillna(default)
    return pd.Series(default, index=frame.index)


def _kpi_ratio(
    spend_year: pd.Series, factor_year: pd.Series, kpi: pd.Series
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """KPI[factor year] / KPI[spend year] per line, once per distinct pair of years, and the
    index years used for the spend and for the factor (-1 where not adjusted).

    A year outside the KPI table takes the nearest year the table has: spend of a year the
    table does not cover yet is priced with the latest index, as if its prices were that
    year's (off by one year's inflation or so, where leaving it unadjusted would be off by all
    the inflation since the factor's price year). A line without a date, or a factor without a
    price year, is not adjusted (1.0).
    """
    return _kpi_year_ratio(
        spend_year.astype("Int64").to_numpy(dtype="int64", na_value=-1),
        factor_year.astype("Int64").to_numpy(dtype="int64", na_value=-1),
        kpi,
    )


def _kpi_year_ratio(
    s: np.ndarray, f: np.ndarray, kpi: pd.Series
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_kpi_ratio` on integer years (-1: none)."""
    years = sorted(int(y) for y in kpi.dropna().index)
    if not years:
        raise ConfigurationError("the KPI table is empty: spend cannot be brought to a price year")
    low, high = years[0], years[-1]
    known = (s >= 0) & (f >= 0)
    ratio = np.ones(len(s))
    used_s = np.full(len(s), -1, dtype=s.dtype)
    used_f = np.full(len(s), -1, dtype=f.dtype)
    if not known.any():
        return ratio, used_s, used_f
    every = bool(known.all())  # the usual case: no masked reads or writes of a million rows
    near_s = np.clip(s if every else s[known], low, high)
    near_f = np.clip(f if every else f[known], low, high)
    # The index years span a few decades: a pair of them is a small number, and the ratio is
    # worked out once per pair that occurs, then looked up per line.
    width = high - low + 1
    pair = (near_s.astype(np.int32) - low) * width + (near_f.astype(np.int32) - low)
    present = np.flatnonzero(np.bincount(pair, minlength=width * width))
    per_pair = np.zeros(width * width)
    per_pair[present] = [
        price_year_factor(int(a) + low, int(b) + low, kpi)
        for a, b in zip(present // width, present % width, strict=True)
    ]
    if every:
        return per_pair[pair], near_s, near_f
    ratio[known] = per_pair[pair]
    used_s[known] = near_s
    used_f[known] = near_f
    return ratio, used_s, used_f


def _kpi_notes(
    years: np.ndarray,
    used: np.ndarray,
    spend_sek: np.ndarray,
    counted: np.ndarray,
    kpi: pd.Series,
    *,
    of_factors: bool,
) -> list[str]:
    """One note per year the KPI table lacks (a spend year, or with ``of_factors`` a factor's
    price year): the year, the index year that stood in and the ``counted`` lines and SEK."""
    table = [int(y) for y in kpi.dropna().index]
    span = f"{min(table)}–{max(table)}"
    notes = []
    for year in (int(y) for y in np.unique(years[(used >= 0) & (used != years)])):
        near = int(used[years == year][0])
        side = "latest" if year > near else "earliest"
        mask = (years == year) & counted
        sek = f"{float(np.nansum(spend_sek[mask])):,.0f}".replace(",", " ")
        count = int(mask.sum())
        touched = f"{count} line{'' if count == 1 else 's'}, {sek} SEK"
        if of_factors:
            text = (
                f"the price year of some factors: the {side} index, {near}, stands in for it "
                f"({touched})"
            )
        else:
            text = (
                f"spend of {year} ({touched}) is brought to the factors' price year with the "
                f"{side} index, {near}, as if its prices were {near}'s"
            )
        notes.append(
            f"KPI has no index for {year} (the table covers {span}): {text}; these lines and "
            "their agreements are marked kpi_substituted"
        )
    return notes


def _codes_in(values: pd.Series, keys: pd.Index) -> np.ndarray:
    """Position of each value in ``keys`` (-1 when absent or missing), via its distinct values."""
    codes, uniques = encode(values)
    where = keys.get_indexer(pd.Index(uniques, dtype=object)) if len(uniques) else np.array([], int)
    positions: np.ndarray = np.append(where, -1)[codes]
    return positions


def _factor_rows(
    lines: pd.DataFrame, supplier_org: pd.Series, factors: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Row position in ``factors`` for each line (-1: none) and whether it is supplier-specific.

    A supplier-specific row (``org_number`` set) wins over the category row: first a row for the
    supplier and the line's category, then a row for the supplier with no category.
    """
    f = factors.reset_index(drop=True)
    pos = np.arange(len(f))
    org = (
        normalise_org_number(f["org_number"]).to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]
        if "org_number" in f
        else np.full(len(f), None, dtype=object)
    )
    cat_id = f["category_id"].to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]
    general = pd.isna(org)
    first = pd.Index(cat_id[general]).drop_duplicates(keep="first")
    category_pos = pos[general][pd.Index(cat_id[general]).get_indexer(first)]
    where = _codes_in(lines["category_id"], first)
    row = np.append(category_pos, -1)[where]  # -1 (no category row) takes the -1
    supplier = np.zeros(len(lines), dtype=bool)
    if (~general).any():
        line_cat = lines["category_id"].astype(object).where(lines["category_id"].notna(), "")
        pair_keys = pd.Index([f"{o}|{c or ''}" for o, c in zip(org, cat_id, strict=True)])
        line_pairs = supplier_org.astype(object).fillna("?") + "|" + line_cat.astype(str)
        by_pair = _codes_in(line_pairs, pair_keys[~general])
        by_org = _codes_in(supplier_org.astype(object) + "|", pair_keys[~general])
        chosen = np.where(by_pair >= 0, by_pair, by_org)
        supplier = chosen >= 0
        row = np.where(supplier, np.append(pos[~general], -1)[chosen], row)
    excluded = lines["excluded"].to_numpy(dtype=bool)
    row = np.where(excluded, -1, row).astype(np.int32)
    return row, supplier & ~excluded


def apply_factor_set(
    lines: pd.DataFrame,
    factor_set: SpendFactorSet,
    kpi: pd.Series,
    *,
    label: str,
    notes: list[str],
    vat_rates: pd.Series | None = None,
) -> pd.DataFrame:
    """Factor and emission columns for ``lines`` under one factor set, aligned to ``lines``.

    Columns: ``kg_co2e_per_sek``, ``factor_price_year``, ``factor_source``, ``factor_kind``
    ("supplier" or "category"), ``factor_set``, ``price_index_ratio`` (KPI[factor year] /
    KPI[spend year]), ``kpi_year`` (the index year used for the spend: its year, or the nearest
    the table has; <NA> when not adjusted), ``kpi_substituted`` (True where the table lacks the
    spend year or the factor's price year and the nearest index stood in), ``spend_sek_factor_year``
    (SEK at the factor's price year) and ``kg_co2e`` (= spend_sek_factor_year ×
    kg_co2e_per_sek; <NA> without a factor or for excluded lines). A note per missing index
    year goes to ``notes`` (once, whichever set meets it first).

    A factor per SEK incl. VAT (``vat_basis`` "incl") is applied to the net spend made gross
    with the VAT rate of the line's category (``vat_ratio`` = 1 + rate, else 1; ``vat_rates``
    from :func:`spendanalys.spend.vat.load_vat_rates`), so that spend and factor share one
    price basis. ``factor_grade`` is the factor's data-quality grade.
    """
    priced = _price(lines, factor_set, kpi, label=label, notes=notes, vat_rates=vat_rates)
    f, rows, has, inside = priced.factors, priced.rows, priced.rows >= 0, priced.inside
    factor_year, kpi_spend, kpi_factor = priced.factor_year, priced.kpi_spend, priced.kpi_factor
    substituted = ((kpi_spend >= 0) & (kpi_spend != priced.spend_year)) | (
        (kpi_factor >= 0) & (kpi_factor != factor_year)
    )
    del kpi_factor
    kind = np.where(priced.supplier, 0, np.where(has, 1, -1)).astype(np.int8)
    source_codes, sources = encode(f["source"])
    grade_codes, grades = encode(f["quality_grade"] if "quality_grade" in f else f["data_quality"])
    no_year = factor_year < 0
    wide_year = factor_year.astype(np.int64)
    columns = {
        "price_index_ratio": priced.ratio,
        "kpi_year": pd.arrays.IntegerArray(
            np.where(kpi_spend < 0, 0, kpi_spend).astype(np.int64), kpi_spend < 0
        ),
        "kpi_substituted": substituted & inside,
        "spend_sek_factor_year": priced.at_factor_year,
        "kg_co2e_per_sek": priced.per_sek,
        "kg_co2e": priced.kg_co2e(),
        # Text columns as Categoricals: a million lines share a handful of values.
        "factor_set": _categorical(np.where(has, 0, -1).astype(np.int8), [label]),
        "factor_kind": _categorical(kind, ["supplier", "category"]),
        "factor_source": _categorical(
            _narrow(np.append(source_codes, -1))[rows], pd.Index(sources, dtype=object)
        ),
        # plain integers, or (a factor without a price year) integers and <NA> as objects
        "factor_price_year": (
            pd.arrays.IntegerArray(np.where(no_year, 0, wide_year), no_year).to_numpy()
            if no_year.any()
            else wide_year
        ),
        "vat_ratio": priced.vat_ratio,
        "factor_grade": _categorical(
            _narrow(np.append(grade_codes, -1))[rows], pd.Index(grades, dtype=object)
        ),
    }
    # Every column is a fresh array of this call: no copy, no stacking into 2-D blocks.
    return pd.DataFrame(columns, index=lines.index, copy=False)


def kg_co2e_under(
    lines: pd.DataFrame,
    factor_set: SpendFactorSet,
    kpi: pd.Series,
    *,
    label: str,
    notes: list[str],
    vat_rates: pd.Series | None = None,
) -> np.ndarray:
    """The ``kg_co2e`` column of :func:`apply_factor_set` alone (same notes): what a set other
    than the first contributes, without the dozen line-long columns it would drop."""
    return _price(lines, factor_set, kpi, label=label, notes=notes, vat_rates=vat_rates).kg_co2e()


@dataclass(frozen=True)
class _Priced:
    """One factor set's per-line arrays that every output column is made of."""

    factors: pd.DataFrame  # the set's rows, 0..n-1
    rows: np.ndarray  # int32 row in ``factors`` per line, -1: none
    supplier: np.ndarray  # bool: a supplier-specific row
    inside: np.ndarray  # bool: not excluded
    per_sek: np.ndarray
    spend_year: np.ndarray  # int16, -1: none
    factor_year: np.ndarray  # int16, -1: none
    kpi_spend: np.ndarray  # int16 index year used for the spend, -1: not adjusted
    kpi_factor: np.ndarray
    ratio: np.ndarray
    vat_ratio: np.ndarray
    at_factor_year: np.ndarray

    def kg_co2e(self) -> np.ndarray:
        kg: np.ndarray = self.at_factor_year * self.per_sek
        kg[self.rows < 0] = np.nan
        return kg


def _price(
    lines: pd.DataFrame,
    factor_set: SpendFactorSet,
    kpi: pd.Series,
    *,
    label: str,
    notes: list[str],
    vat_rates: pd.Series | None,
) -> _Priced:
    """Factor row, KPI ratio and VAT ratio per line, the notes they call for added to ``notes``.

    Years are int16 and rows int32 here (10 million lines: 20 and 40 MB, not 80 each)."""
    factors = factor_set.factors
    rows, supplier = _factor_rows(lines, lines["supplier_org"], factors)
    f = factors.reset_index(drop=True)
    per_sek = np.append(f["kg_co2e_per_sek"].to_numpy(dtype=float, na_value=np.nan), np.nan)[rows]
    factor_years = pd.to_numeric(f["price_year"], errors="coerce").astype("Int64")
    factor_year = _years16(np.append(factor_years.to_numpy(dtype="int64", na_value=-1), -1))[rows]
    spend_year = _years16(lines["spend_year"].astype("Int64").to_numpy(dtype="int64", na_value=-1))
    ratio, kpi_spend, kpi_factor = _kpi_year_ratio(spend_year, factor_year, kpi)
    kpi_spend, kpi_factor = _years16(kpi_spend), _years16(kpi_factor)
    spend_sek = lines["spend_sek"].to_numpy(dtype=float)
    vat_ratio = _vat_ratio(lines, f, rows, vat_rates, label, notes)
    at_factor_year = spend_sek * ratio * vat_ratio
    inside = ~lines["excluded"].to_numpy(dtype=bool)
    has = rows >= 0
    for note in [
        *_kpi_notes(spend_year, kpi_spend, spend_sek, inside, kpi, of_factors=False),
        *_kpi_notes(factor_year, kpi_factor, spend_sek, inside & has, kpi, of_factors=True),
    ]:
        if note not in notes:
            notes.append(note)
    return _Priced(
        f,
        rows,
        supplier,
        inside,
        per_sek,
        spend_year,
        factor_year,
        kpi_spend,
        kpi_factor,
        ratio,
        vat_ratio,
        at_factor_year,
    )


def _years16(years: np.ndarray) -> np.ndarray:
    """Calendar years (-1: none) as int16; a year outside its range is refused, not wrapped."""
    if len(years) and (years.min() < -1 or years.max() > np.iinfo(np.int16).max):
        raise ConfigurationError(f"a year outside 0–32767: {years.min()}–{years.max()}")
    return years.astype(np.int16, copy=False)


def _narrow(codes: np.ndarray) -> np.ndarray:
    """Category codes in the narrowest integer type that holds them (before a per-line take)."""
    top = int(codes.max()) if len(codes) else 0
    for kind in (np.int8, np.int16, np.int32):
        if top <= np.iinfo(kind).max:
            return codes.astype(kind)
    return codes


def _categorical(codes: np.ndarray, categories: pd.Index | list[str]) -> pd.Categorical:
    """A Categorical from codes made here (in range by construction: not checked again)."""
    return pd.Categorical.from_codes(codes, categories=pd.Index(categories), validate=False)


def _vat_ratio(
    lines: pd.DataFrame,
    factors: pd.DataFrame,
    rows: np.ndarray,
    vat_rates: pd.Series | None,
    label: str,
    notes: list[str],
) -> np.ndarray:
    """1 + VAT rate where the line's factor is per SEK incl. VAT, else 1 (see
    :func:`apply_factor_set`); a note says how many lines and which table."""
    ratio = np.ones(len(lines))
    if "vat_basis" not in factors:
        return ratio
    basis = factors["vat_basis"].astype("string").fillna("").to_numpy(dtype=object)
    inside = ~lines["excluded"].to_numpy(dtype=bool)
    incl = np.append(basis == "incl", False)[rows] & inside
    unstated = np.append(basis == "", False)[rows] & inside
    if unstated.any():
        n = int(unstated.sum())
        note = (
            f"factor set {label}: {n} line{'' if n == 1 else 's'} priced with factors whose "
            "price_basis says neither excl. nor incl. VAT: taken as excl. VAT, like the spend"
        )
        if note not in notes:
            notes.append(note)
    if not incl.any():
        return ratio
    if vat_rates is None:
        raise ConfigurationError(
            f"factor set {label} has factors per SEK incl. VAT: a VAT table is needed"
        )
    rate, _ = vat_rate_of(lines["category_id"], vat_rates)
    ratio[incl] = 1 + rate[incl]
    count = int(incl.sum())
    note = (
        f"factor set {label}: {count} line{'' if count == 1 else 's'} priced with factors per "
        f"SEK incl. VAT; their net spend is made gross with the VAT rate of their category "
        f"({vat_rates.attrs.get('source', 'VAT table')}) before the factor applies"
    )
    if note not in notes:
        notes.append(note)
    return ratio


def describe_rates(rates: ExchangeRates | None, table: pd.DataFrame | None) -> str:
    """How the analysis' parameters name the exchange rates it used."""
    if table is not None:
        sources = "; ".join(sorted(set(table["source"].astype(str))))[:200]
        return f"per year of the line ({min(table['year'])}–{max(table['year'])}): {sources}"
    return f"{rates.source} ({rates.year})" if rates is not None else "none"
