"""Business travel: CO2e per FTE per year against the goal (DESIGN.md §3).

``kg CO2e per FTE (year) = Σ trip emissions in the year / FTE in the year``.
Goal: ``target = baseline per-FTE × (1 − reduction)``; the straight-line path from the baseline
year to the target year is ``path(y) = baseline × (1 − reduction × (y − b)/(t − b))``.

Golden case, worked by hand (``tests/travel/test_travel_engine.py::test_golden_per_fte``), Swedish
default set, RF on, uplift 0.08:

- 2019: one ARN–GOT economy flight, round trip, 1 traveller. Great circle 393.86 km (×1.08 =
  425.37 km one way); pkm = 850.74; domestic band; factor 0.22928 + 0.03350 (WTT) =
  0.26278 kg/pkm -> 223.56 kg. Plus 100 km by car: 0.167 kg/vkm -> 16.70 kg. Total 240.26 kg;
  FTE 2 -> 120.13 kg/FTE.
- 2020: 500 km rail, 2 travellers: 1000 pkm × 0.007 = 7.00 kg; FTE 2 -> 3.50 kg/FTE.
- Target (reduction 0.25, target year 2025): 120.13 × 0.75 = 90.10 kg/FTE; path in 2020:
  120.13 × (1 − 0.25 × 1/6) = 115.12.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from spendanalys.errors import ConfigurationError
from spendanalys.io import read_fte, read_trips
from spendanalys.io.headers import with_optional
from spendanalys.io.options import default_values, reader_notes, require_mapped
from spendanalys.io.result import RejectedRow
from spendanalys.schema import SCHEMAS, Kind
from spendanalys.travel.factors import TravelFactorSet, load_travel_factor_set, per_km_note
from spendanalys.travel.notes import (
    baseline_message,
    flight_notes,
    reason_notes,
    unknown_cabin_note,
)
from spendanalys.travel.pricing import FactorKeys, line_factors, price_lines_and_mask
from spendanalys.travel.rows import LineCodes
from spendanalys.travel.trips import activity_lines
from spendanalys.travel.variants import variant_notes
from spendanalys.travel.yearly import (
    forecast_target,
    fte_per_year,
    goal_path,
    per_year,
)


@dataclass(frozen=True)
class TravelSettings:
    """The analysis settings; every one is reported with the result."""

    baseline_year: int = 2019
    target_year: int = 2025
    reduction: float = 0.25
    uplift: float = 0.08
    home_country: str = "SE"
    radiative_forcing: bool = True
    train_threshold_km: float = 500.0
    train_routes: tuple[str, ...] = ()
    rail_detour: float = 1.2
    min_group_travellers: int = 5
    # Hotel nights in the headline kg CO2e (per FTE, the goal, the path)? True keeps the
    # behaviour from before the choice existed; either way hotels are also reported apart.
    include_hotels: bool = True

    def __post_init__(self) -> None:
        if not 0 <= self.reduction < 1:
            raise ConfigurationError(f"reduction {self.reduction} must be at least 0 and below 1")
        if self.target_year <= self.baseline_year:
            raise ConfigurationError(
                f"target year {self.target_year} must come after baseline year {self.baseline_year}"
            )
        if self.uplift < 0 or self.rail_detour < 1:
            raise ConfigurationError("uplift must be ≥ 0 and the rail detour factor ≥ 1")
        if self.min_group_travellers < 1:
            raise ConfigurationError(
                f"the smallest group shown must be at least 1 traveller, not {self.min_group_travellers}"
            )


@dataclass
class TravelAnalysis:
    """The result: emission lines with their trail, per-year figures, the goal and its path."""

    trips: pd.DataFrame
    years: pd.DataFrame
    baseline: dict[str, float | int]
    target: dict[str, float | int]
    path: pd.DataFrame
    forecast: dict[str, object] | None
    rejected: list[RejectedRow]
    settings: TravelSettings
    factors: TravelFactorSet
    fte: pd.DataFrame
    input_trips: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    # The unpriced lines and the rows rejected before pricing, so that another factor set can
    # price the same trips (:func:`reprice`) without reading and resolving them again.
    activity: pd.DataFrame | None = field(default=None, repr=False)
    activity_rejected: list[RejectedRow] = field(default_factory=list, repr=False)
    # The rows the readers refused (they come first in ``rejected``), and the notes that name
    # the top reasons when most of a file or of the baseline year was rejected (also first in
    # ``notes``; the CLI shows them before the figures).
    read_rejected: list[RejectedRow] = field(default_factory=list, repr=False)
    reason_notes: list[str] = field(default_factory=list)

    def __getstate__(self) -> dict[str, Any]:
        """The fields only: the codes below are made again on first use after unpickling."""
        state = dict(self.__dict__)
        for name in _DERIVED:
            state.pop(name, None)
        return state

    @cached_property
    def line_codes(self) -> LineCodes:
        """``mode``, ``component`` and ``activity_unit`` of ``trips`` factorized once, for the
        follow-up analyses (not a field: the cache stores the fields and this is made again
        from them)."""
        return LineCodes(self.trips)

    @cached_property
    def activity_codes(self) -> LineCodes | None:
        """:class:`LineCodes` of ``activity`` (None without it), for pricing the same lines
        with another set (:func:`priced_years`)."""
        return None if self.activity is None else LineCodes(self.activity)

    @cached_property
    def factor_keys(self) -> FactorKeys | None:
        """The factor keys of ``activity`` (:class:`FactorKeys`), for pricing the same lines
        with another set (:func:`priced_years`); None without ``activity``."""
        if self.activity is None:
            return None
        return FactorKeys(self.activity, self.activity_codes)


_DERIVED = ("line_codes", "activity_codes", "factor_keys")
"""TravelAnalysis' cached properties: derived from its fields, never stored with them."""


def analyse_travel(
    trips: pd.DataFrame,
    fte: pd.DataFrame,
    factors: TravelFactorSet | None = None,
    settings: TravelSettings | None = None,
    *,
    read_rejected: Sequence[RejectedRow] = (),
) -> TravelAnalysis:
    """Run the per-FTE analysis on canonical trips and FTE tables (pure; no I/O).

    ``read_rejected``: the rows the readers refused; they lead ``rejected`` and count in the
    reasons the notes (and a baseline-year error) name."""
    factors = factors or load_travel_factor_set()
    settings = settings or TravelSettings()
    activity, rejected = activity_lines(
        trips, uplift=settings.uplift, home_country=settings.home_country
    )
    return _priced_analysis(
        activity, rejected, trips, fte, factors, settings, read_rejected=list(read_rejected)
    )


def reprice(analysis: TravelAnalysis, factors: TravelFactorSet) -> TravelAnalysis:
    """The same analysis with another factor set: equal to ``analyse_travel(analysis.input_trips,
    analysis.fte, factors, analysis.settings)``, but it prices the already-resolved lines
    instead of mapping and resolving the trips again (only the factor join differs)."""
    if analysis.activity is None:
        return analyse_travel(
            analysis.input_trips,
            analysis.fte,
            factors,
            analysis.settings,
            read_rejected=analysis.read_rejected,
        )
    return _priced_analysis(
        analysis.activity,
        list(analysis.activity_rejected),
        analysis.input_trips,
        analysis.fte,
        factors,
        analysis.settings,
        read_rejected=analysis.read_rejected,
    )


def priced_years(analysis: TravelAnalysis, factors: TravelFactorSet) -> pd.DataFrame:
    """``reprice(analysis, factors).years``, without building the other set's emission lines,
    notes and goal: only kg CO2e per line is priced again (same rows, same sums)."""
    if analysis.activity is None:
        return reprice(analysis, factors).years
    lines = analysis.activity
    per_unit = line_factors(
        lines,
        factors,
        radiative_forcing=analysis.settings.radiative_forcing,
        keys=analysis.factor_keys,
    )
    priced = per_unit.notna().to_numpy()
    kept = lines.loc[priced, ["year", "mode", "activity"]]
    kept["kg_co2e"] = kept["activity"].astype("float64") * per_unit[priced].astype("float64")
    codes = analysis.activity_codes
    return per_year(
        kept,
        fte_per_year(analysis.fte),
        include_hotels=analysis.settings.include_hotels,
        with_activity=False,
        codes=None if codes is None else codes.take(priced, kept.index),
    )


def _priced_analysis(
    activity: pd.DataFrame,
    activity_rejected: list[RejectedRow],
    trips: pd.DataFrame,
    fte: pd.DataFrame,
    factors: TravelFactorSet,
    settings: TravelSettings,
    *,
    read_rejected: list[RejectedRow] | None = None,
) -> TravelAnalysis:
    """Price the resolved lines with ``factors`` and build the per-year figures and the goal."""
    read_rejected = read_rejected or []
    # The lines' text columns and factor keys factorized once, for every step below and for
    # the follow-up analyses (kept on the analysis).
    activity_codes = LineCodes(activity)
    keys = FactorKeys(activity, activity_codes)
    lines, unpriced, priced = price_lines_and_mask(
        activity, factors, settings.radiative_forcing, keys
    )
    codes = activity_codes.take(priced, lines.index)
    engine_rejected = sorted([*activity_rejected, *unpriced], key=lambda r: (r.file, r.row))
    fte_year = fte_per_year(fte)
    years = per_year(lines, fte_year, include_hotels=settings.include_hotels, codes=codes)
    base = years[years["year"] == settings.baseline_year]
    if base.empty or pd.isna(base["kg_co2e_per_fte"].iloc[0]):
        raise ConfigurationError(
            baseline_message(
                settings.baseline_year,
                bool(len(base)) and pd.notna(base["kg_co2e"].iloc[0]),
                bool(len(base)) and bool((base["fte"] > 0).iloc[0]),
                trips,
                read_rejected,
                engine_rejected,
            )
        )
    baseline, target, path = goal_path(
        years,
        baseline_year=settings.baseline_year,
        target_year=settings.target_year,
        reduction=settings.reduction,
    )
    reasons = reason_notes(trips, read_rejected, engine_rejected, settings.baseline_year)
    notes = [
        *reasons,
        f"factor set: {factors.name}",
        "radiative forcing (high-altitude effect): "
        + ("included" if settings.radiative_forcing else "not included"),
        f"flight distance: great circle × {1 + settings.uplift:g}; distances written in the file used as given",
        (
            "hotel nights: included in kg CO2e and kg CO2e per FTE (--hotels in)"
            if settings.include_hotels
            else "hotel nights: not included in kg CO2e and kg CO2e per FTE (--hotels out); reported apart"
        ),
    ]
    km_note = per_km_note(factors)
    if km_note:
        notes.append(km_note)
    notes += variant_notes(lines, factors.name, codes)
    notes += flight_notes(lines, codes)
    notes += unknown_cabin_note(engine_rejected)
    no_trips = years.loc[years["kg_co2e"].isna(), "year"].tolist()
    if no_trips:
        notes.append(f"no accepted trips for year(s) {', '.join(map(str, no_trips))}: no figure")
    missing_fte = years.loc[years["fte"].isna(), "year"].tolist()
    if missing_fte:
        notes.append(f"no FTE for year(s) {', '.join(map(str, missing_fte))}: no per-FTE figure")
    analysis = TravelAnalysis(
        trips=lines,
        years=years,
        baseline=baseline,
        target=target,
        path=path,
        forecast=forecast_target(years, settings.target_year),
        rejected=[*read_rejected, *engine_rejected],
        settings=settings,
        factors=factors,
        fte=fte,
        input_trips=trips,
        notes=notes,
        activity=activity,
        activity_rejected=activity_rejected,
        read_rejected=read_rejected,
        reason_notes=reasons,
    )
    # The codes just made are those of ``lines`` and ``activity``: kept, not made again.
    analysis.__dict__.update(line_codes=codes, activity_codes=activity_codes, factor_keys=keys)
    return analysis


def run_travel(
    trip_sources: Sequence[str | Path | bytes],
    fte_sources: Sequence[str | Path | bytes],
    factor_path: str | Path | None = None,
    columns: Mapping[str, Mapping[str, str]] | Mapping[str, str] | None = None,
    settings: TravelSettings | None = None,
    *,
    sheet: str | None = None,
    names: Sequence[str | None] | None = None,
    fte_names: Sequence[str | None] | None = None,
    header_row: int | None = None,
    defaults: Sequence[str] = (),
) -> TravelAnalysis:
    """Read trip and FTE files with the readers, then :func:`analyse_travel`.

    Sources are paths or the bytes of uploads (``names``/``fte_names`` then give their file
    names). ``columns`` is either {field: header} for both kinds (each kind takes its own
    fields) or {"trips": {...}, "fte": {...}}. Reader-rejected rows come first in ``.rejected``.
    """

    def mapping_for(kind: Kind) -> dict[str, str] | None:
        if not columns:
            return None
        chosen = columns.get(kind, columns)
        flat = chosen if isinstance(chosen, Mapping) else {}
        fields = SCHEMAS[kind].names
        picked = {k: v for k, v in flat.items() if k in fields and isinstance(v, str)}
        return with_optional(picked, getattr(flat, "optional", ())) or None

    def padded(given: Sequence[str | None] | None, n: int) -> list[str | None]:
        return [*(given or []), *([None] * n)][:n]

    read: dict[str, Any] = {"sheet": sheet, "header_row": header_row}
    trip_results = [
        read_trips(
            s,
            columns=mapping_for("trips"),
            name=n,
            defaults=default_values(defaults, "trips"),
            **read,
        )
        for s, n in zip(trip_sources, padded(names, len(trip_sources)), strict=True)
    ]
    fte_results = [
        read_fte(
            s, columns=mapping_for("fte"), name=n, defaults=default_values(defaults, "fte"), **read
        )
        for s, n in zip(fte_sources, padded(fte_names, len(fte_sources)), strict=True)
    ]
    require_mapped([r.info for r in (*trip_results, *fte_results)])
    trips = pd.concat([r.table for r in trip_results], ignore_index=True)
    fte = pd.concat([r.table for r in fte_results], ignore_index=True)
    read_rejected = [row for r in (*trip_results, *fte_results) for row in r.rejected]
    analysis = analyse_travel(
        trips, fte, load_travel_factor_set(factor_path), settings, read_rejected=read_rejected
    )
    # The readers' notes follow the reason notes (which stay first: the CLI shows them apart).
    at = len(analysis.reason_notes)
    analysis.notes[at:at] = reader_notes([r.info for r in (*trip_results, *fte_results)])
    return analysis
