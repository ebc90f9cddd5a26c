"""The per-year figures of business travel: FTE, kg CO2e by mode and per FTE, the goal's
straight-line path from the baseline year and the trend forecast to the target year.

The formulas and the golden case worked by hand are in :mod:`spendanalys.travel.analysis`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from spendanalys.errors import ConfigurationError
from spendanalys.schema import TRAVEL_MODES
from spendanalys.travel.rows import LineCodes, TextCodes

FORECAST_YEARS = 3
FORECAST_METHOD = (
    "forecast, not a measurement: least-squares linear trend of kg CO2e per FTE over the "
    "latest {n} years with data ({years}), extended to {target}"
)


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series("", index=frame.index, dtype="object")
    return frame[column].astype("string").fillna("").str.strip().astype(object)


def fte_per_year(fte: pd.DataFrame) -> pd.Series:
    """FTE per year: the organisation-wide row (empty ``unit`` and ``gender``) where one
    exists, else the sum of the gender rows without a unit, else the sum of the units' rows.
    Index ``year``."""
    frame = fte.dropna(subset=["year", "fte"]).copy()
    frame["year"] = frame["year"].astype("int64")
    unit, gender = _text(frame, "unit"), _text(frame, "gender")
    total = frame[(unit == "") & (gender == "")].groupby("year")["fte"].sum()
    by_gender = frame[(unit == "") & (gender != "")].groupby("year")["fte"].sum()
    by_units = frame[unit != ""].groupby("year")["fte"].sum()
    return total.combine_first(by_gender).combine_first(by_units).rename("fte").astype("float64")


PKM_MODES: tuple[str, ...] = ("flight", "rail", "bus")
VKM_MODES: tuple[str, ...] = ("car", "taxi")


def hotels_stated(include_hotels: bool) -> str:
    """The hotel choice as stated next to every headline figure: "included" or "excluded"."""
    return "included" if include_hotels else "excluded"


def headline_lines(lines: pd.DataFrame, include_hotels: bool) -> pd.DataFrame:
    """The emission lines that make the headline kg CO2e: all of them, or all but hotel lines."""
    return lines if include_hotels else lines[~lines["mode"].isin(("hotel",))]


def per_year(
    lines: pd.DataFrame,
    fte: pd.Series,
    *,
    include_hotels: bool = True,
    with_activity: bool = True,
    codes: LineCodes | None = None,
) -> pd.DataFrame:
    """kg CO2e per year by mode, FTE and kg CO2e per FTE, one row per year with trips or FTE.

    ``kg_co2e`` (and so ``kg_co2e_per_fte``) sums every mode, or every mode but hotel when
    ``include_hotels`` is False; ``kg_co2e_hotel`` is there either way. Activity per year:
    ``pkm_<mode>`` (passenger-km) for flight, rail and bus, ``vkm_<mode>`` (vehicle-km) for
    car and taxi (taxi known only by cost has none), ``hotel_nights`` (room-nights).
    A year with FTE but no accepted trip has no figure (NaN), not zero: the trip file may simply
    not cover it. ``with_activity=False`` leaves the activity columns out (kg CO2e only).
    ``codes``: the lines' :class:`LineCodes`, when the caller has them.
    """
    known = codes is not None and codes.fits(lines)
    modes = codes.mode if codes is not None and known else TextCodes(lines["mode"])
    # Grouped on the integer codes (numbered in text order, so the groups come out as
    # grouping on the text does); a line without a mode is in no group, as there.
    grouped = pd.DataFrame(
        {
            "year": lines["year"].to_numpy(),
            "mode": modes.codes,
            "kg_co2e": lines["kg_co2e"].to_numpy(),
        }
    )

    def named(table: pd.DataFrame) -> pd.DataFrame:
        texts = modes.uniques[table.columns.to_numpy(dtype=np.int64)]
        table.columns = pd.Index(texts, dtype=object, name="mode")
        return table

    with_mode = modes.codes >= 0
    by_mode = grouped[with_mode] if not with_mode.all() else grouped
    by_mode = named(by_mode.groupby(["year", "mode"])["kg_co2e"].sum().unstack("mode"))
    by_mode = by_mode.reindex(columns=list(TRAVEL_MODES)).fillna(0.0)
    years = sorted(set(by_mode.index) | set(fte.index))
    has_lines = pd.Series(True, index=by_mode.index).reindex(years, fill_value=False)
    by_mode = by_mode.reindex(years)
    headline = [m for m in TRAVEL_MODES if include_hotels or m != "hotel"]
    table = pd.DataFrame({"year": years})
    table["kg_co2e"] = by_mode[headline].sum(axis=1, min_count=1).to_numpy()
    table["fte"] = fte.reindex(years).to_numpy()
    table["kg_co2e_per_fte"] = table["kg_co2e"] / table["fte"].where(table["fte"] > 0)
    for mode in TRAVEL_MODES:
        table[f"kg_co2e_{mode}"] = by_mode[mode].to_numpy()

    if not with_activity:
        return table
    # One grouping for every unit: filtering the lines per unit costs more than the sums.
    unit_codes = codes.unit if codes is not None and known else TextCodes(lines["activity_unit"])
    grouped["unit"] = unit_codes.codes
    grouped["activity"] = lines["activity"].to_numpy()
    with_unit = with_mode & (unit_codes.codes >= 0)
    by_unit = grouped[with_unit] if not with_unit.all() else grouped
    summed_all = by_unit.groupby(["unit", "year", "mode"])["activity"].sum()
    units = set(summed_all.index.get_level_values(0))

    def activity(name: str, modes: Sequence[str]) -> pd.DataFrame:
        code = unit_codes.code(name)
        if code in units:
            summed = named(summed_all.xs(code, level="unit").unstack("mode"))
        else:
            summed = pd.DataFrame(index=pd.Index([], name="year"))
        known = summed.reindex(index=years, columns=list(modes)).fillna(0.0)
        return known.where(has_lines, axis=0)

    pkm, vkm = activity("pkm", PKM_MODES), activity("vkm", VKM_MODES)
    for mode in PKM_MODES:
        table[f"pkm_{mode}"] = pkm[mode].to_numpy()
    for mode in VKM_MODES:
        table[f"vkm_{mode}"] = vkm[mode].to_numpy()
    table["hotel_nights"] = activity("night", ("hotel",))["hotel"].to_numpy()
    return table


def goal_path(
    years: pd.DataFrame, *, baseline_year: int, target_year: int, reduction: float
) -> tuple[dict[str, float | int], dict[str, float | int], pd.DataFrame]:
    """Baseline, target and the straight-line path, with each observed year's position."""
    b, t, r = baseline_year, target_year, reduction
    base_row = years[years["year"] == b]
    if base_row.empty or pd.isna(base_row["kg_co2e_per_fte"].iloc[0]):
        raise ConfigurationError(
            f"baseline year {b} has no trips or no FTE in the input; choose another --baseline-year"
        )
    base = float(base_row["kg_co2e_per_fte"].iloc[0])
    target_value = base * (1 - r)
    span = sorted(set(range(b, t + 1)) | set(years["year"]))
    path = pd.DataFrame({"year": span})
    path["path_kg_co2e_per_fte"] = base * (1 - r * (path["year"] - b) / (t - b))
    path = path.merge(years[["year", "kg_co2e_per_fte"]], on="year", how="left")
    path["change_vs_baseline"] = path["kg_co2e_per_fte"] / base - 1
    path["gap_to_path"] = path["kg_co2e_per_fte"] - path["path_kg_co2e_per_fte"]
    path["status"] = np.select(
        [path["kg_co2e_per_fte"].isna(), path["gap_to_path"] <= 1e-9],
        ["no data", "on or below the path"],
        default="above the path",
    )
    return (
        {"year": b, "kg_co2e_per_fte": base},
        {"year": t, "reduction": r, "kg_co2e_per_fte": target_value},
        path,
    )


def forecast_target(
    years: pd.DataFrame, target_year: int, n: int = FORECAST_YEARS
) -> dict[str, object] | None:
    """Linear least-squares trend of per-FTE over the latest ``n`` years with data (at least 2),
    evaluated at the target year; None when fewer than two years have data."""
    known = years.dropna(subset=["kg_co2e_per_fte"]).sort_values("year").tail(n)
    if len(known) < 2:
        return None
    slope, intercept = np.polyfit(
        known["year"].astype(float), known["kg_co2e_per_fte"].astype(float), 1
    )
    value = max(0.0, float(slope * target_year + intercept))
    used = [int(y) for y in known["year"]]
    return {
        "year": target_year,
        "kg_co2e_per_fte": value,
        "slope_kg_co2e_per_fte_per_year": float(slope),
        "years_used": used,
        "method": FORECAST_METHOD.format(
            n=len(used), years=", ".join(map(str, used)), target=target_year
        ),
    }
