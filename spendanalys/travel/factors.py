"""Travel emission-factor sets: load, validate, convert to the engine's units.

A set is a CSV file (DESIGN.md §5): required columns ``mode,band,cabin,factor,unit,source``;
optional ``id,variant,radiative_forcing,year,licence,note``. ``band`` and ``cabin`` may be empty
where they do not apply (an empty cabin is the band's average-passenger row, used for any cabin
without a row of its own). Values and vocabulary may be Swedish (``Flyg``, ``Ekonomi``,
``inrikes``); units are read through the one unit registry and converted to:

===========  ==================  ==========
activity     engine unit         ``basis``
===========  ==================  ==========
passenger-km ``kg CO2e/pkm``     ``pkm``
vehicle-km   ``kg CO2e/vkm``     ``vkm``
room-night   ``kg CO2e/night``   ``night``
money        ``kg CO2e/SEK``     ``SEK``
===========  ==================  ==========

A unit per plain km (``kg CO2e/km``, ``g CO2e/km``), as factor tables write it, is read the way
the mode counts its activity (:data:`KM_READ_AS`): per vehicle-km for car and taxi (the factor
is the car's, shared by its travellers) and per passenger-km for flight, rail and bus. The row
keeps what was read in ``km_read_as`` and :func:`per_km_note` states it with every result.

Every problem in a file is collected and raised once as :class:`FactorError` naming the row.
"""

from __future__ import annotations

import io
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import pandas as pd

from spendanalys.datafiles import stated_version
from spendanalys.errors import FactorError, UnitError
from spendanalys.schema import CABINS, FLIGHT_BANDS, TRAVEL_MODES
from spendanalys.travel.vocab import normalise_cabin, normalise_mode
from spendanalys.units import convert_factor, emission_factor_to_kg_per_sek, is_emission_per
from spendanalys.vocabulary import NO_WORDS, YES_WORDS

# The travel/ folder of the installed data package emission_factors, as a real path on disk.
FACTOR_DIR = Path(str(files("emission_factors") / "travel"))
DEFAULT_SET = "sweden_default_2025"
BUILTIN_SETS: tuple[str, ...] = ("sweden_default_2025", "desnz_2025")

REQUIRED_COLUMNS: tuple[str, ...] = ("mode", "band", "cabin", "factor", "unit", "source")
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "id",
    "variant",
    "radiative_forcing",
    "year",
    "licence",
    "note",
)
# Which activity bases each mode may use.
MODE_BASES: dict[str, tuple[str, ...]] = {
    "flight": ("pkm",),
    "rail": ("pkm",),
    "bus": ("pkm",),
    "car": ("vkm",),
    "taxi": ("vkm", "SEK"),
    "hotel": ("night",),
}
_BAND_WORDS = {
    "domestic": "domestic", "inrikes": "domestic", "short": "short", "short-haul": "short",
    "short haul": "short", "kort": "short", "europa": "short", "long": "long",
    "long-haul": "long", "long haul": "long", "lång": "long", "interkontinental": "long",
}  # fmt: skip
KEY = ["mode", "band", "cabin", "variant", "radiative_forcing", "basis"]
# How a factor per plain km is read, per mode (a hotel factor per km is an error).
KM_READ_AS: dict[str, str] = {
    "flight": "pkm",
    "rail": "pkm",
    "bus": "pkm",
    "car": "vkm",
    "taxi": "vkm",
}
_BASIS_WORDS = {"pkm": "passenger-km", "vkm": "vehicle-km"}
# Units written as an engine unit or one with g or t for kg ("g CO2e/vkm"): their basis and the
# number the unit registry multiplies by, so a set written in them (both built-in sets are) is
# read without a pint parse per row. Every other unit
# goes through ``spendanalys.units``; tests/travel/test_travel_factors.py checks each entry
# against the registry, so the two cannot disagree.
_MASS_SCALE: dict[str, float] = {"g": 0.001, "kg": 1.0, "t": 1000.0}
ENGINE_UNITS: dict[str, tuple[str, float]] = {
    f"{mass} CO2e/{basis}": (basis, scale)
    for mass, scale in _MASS_SCALE.items()
    for basis in ("pkm", "vkm", "night", "SEK")
}


@dataclass(frozen=True)
class TravelFactorSet:
    """One loaded factor set.

    ``table`` columns: factor_id, mode, band, cabin, variant, radiative_forcing ("yes", "no" or
    "" for rows that apply either way), basis (pkm/vkm/night/SEK), km_read_as ("pkm" or "vkm"
    where the unit was per plain km, else ""), kg_co2e_per_unit, factor,
    unit (as written), year, source, licence, note, row (file row as the user sees it).
    """

    name: str
    path: str  # where it was read on this machine: for messages, never for a report
    table: pd.DataFrame
    version: str | None = None  # as the file's header states it ("Version: 2025.")

    def rows(self, mode: str) -> pd.DataFrame:
        return self.table[self.table["mode"] == mode]

    def describe(self) -> dict[str, str | bool | None]:
        """How a report names the set: name, version, licence(s), file name and whether it is
        built in; never its path, which would leak the installation's layout."""
        licences = self.table["licence"].astype(str).replace("", None).dropna().drop_duplicates()
        path = Path(self.path)
        return {
            "name": self.name,
            "version": self.version,
            "licence": "; ".join(licences) or None,
            "file": path.name,
            "built_in": path.parent.resolve() == FACTOR_DIR.resolve(),
        }


def _basis(unit: str) -> str | None:
    if unit in ENGINE_UNITS:
        return ENGINE_UNITS[unit][0]

    for basis in ("pkm", "vkm", "night"):
        if is_emission_per(unit, basis):
            return basis
    try:
        emission_factor_to_kg_per_sek(1.0, unit)
    except UnitError:
        return None
    return "SEK"


def _to_engine_unit(value: float, unit: str, basis: str, per_km: bool = False) -> float:
    known = ENGINE_UNITS.get(unit)
    if known is not None and known[0] == basis and not per_km:
        return value * known[1]

    if basis == "SEK":
        return emission_factor_to_kg_per_sek(value, unit)
    if per_km:  # kg per km of the mode's own activity: the number is the same per pkm or vkm
        return convert_factor(value, unit, "kg CO2e/km")
    return convert_factor(value, unit, f"kg CO2e/{basis}")


def _is_per_km(unit: str) -> bool:

    return is_emission_per(unit, "km")


def per_km_note(factors: TravelFactorSet) -> str | None:
    """The sentence that states how rows with a unit per plain km were read, or None."""
    table = factors.table
    if "km_read_as" not in table:
        return None
    read = table[table["km_read_as"] != ""]
    if read.empty:
        return None
    parts = []
    for basis, group in read.groupby("km_read_as", sort=False):
        modes = ", ".join(dict.fromkeys(group["mode"]))
        rows = ", ".join(str(r) for r in group["row"])
        parts.append(f"per {_BASIS_WORDS[str(basis)]} for {modes} (rows {rows})")
    return f"factor set {factors.name}: units per km read as " + "; ".join(parts)


def _text(value: object) -> str:
    return "" if pd.isna(value) else str(value).strip()  # type: ignore[call-overload]


def _check_row(
    raw: Mapping[Hashable, object], file: str, row: int, problems: list[FactorError]
) -> dict[str, object] | None:
    before = len(problems)
    mode = normalise_mode(_text(raw["mode"]))
    if mode is None:
        problems.append(
            FactorError(
                file, f"mode {_text(raw['mode'])!r} is not one of {', '.join(TRAVEL_MODES)}", row
            )
        )
    band_text = _text(raw["band"]).lower()
    band = _BAND_WORDS.get(band_text, "") if band_text else ""
    if band_text and not band:
        problems.append(
            FactorError(file, f"band {band_text!r} is not one of {', '.join(FLIGHT_BANDS)}", row)
        )
    cabin_text = _text(raw["cabin"])
    cabin = normalise_cabin(cabin_text) if cabin_text else ""
    if cabin is None:
        problems.append(
            FactorError(file, f"cabin {cabin_text!r} is not one of {', '.join(CABINS)}", row)
        )
    rf_text = _text(raw.get("radiative_forcing", "")).lower()
    rf = "yes" if rf_text in YES_WORDS else "no" if rf_text in NO_WORDS else ""
    if rf_text and not rf:
        problems.append(FactorError(file, f"radiative_forcing {rf_text!r} is not yes/no", row))
    try:
        value = float(str(raw["factor"]).replace(",", ".").replace(" ", ""))
    except ValueError:
        problems.append(FactorError(file, f"factor {_text(raw['factor'])!r} is not a number", row))
        value = float("nan")
    if (value != value or value < 0) and len(problems) == before:
        problems.append(FactorError(file, "factor must be a number ≥ 0", row))
    unit = _text(raw["unit"])
    basis = _basis(unit) if unit else None
    per_km = basis is None and bool(unit) and _is_per_km(unit)
    if per_km and mode in KM_READ_AS:
        basis = KM_READ_AS[str(mode)]
    if basis is None and per_km and mode is not None:
        problems.append(
            FactorError(
                file,
                f"unit {unit!r} is per km, which does not fit mode {mode} "
                f"(expected per {' or '.join(MODE_BASES[mode])})",
                row,
            )
        )
    elif basis is None:
        problems.append(
            FactorError(
                file, f"unit {unit!r} is not an emission per pkm, vkm, km, night or SEK", row
            )
        )
    elif mode is not None and basis not in MODE_BASES[mode]:
        problems.append(
            FactorError(
                file,
                f"unit {unit!r} does not fit mode {mode} (expected per {' or '.join(MODE_BASES[mode])})",
                row,
            )
        )
    if not _text(raw["source"]):
        problems.append(FactorError(file, "every factor needs a source", row))
    if len(problems) > before:
        return None
    assert basis is not None and mode is not None and cabin is not None
    return {
        "factor_id": _text(raw.get("id", "")),
        "mode": mode,
        "band": band if mode == "flight" else "",
        "cabin": cabin if mode == "flight" else "",
        "variant": _text(raw.get("variant", "")),
        "radiative_forcing": rf if mode == "flight" else "",
        "basis": basis,
        "km_read_as": basis if per_km else "",
        "kg_co2e_per_unit": _to_engine_unit(value, unit, basis, per_km),
        "factor": value,
        "unit": unit,
        "year": _text(raw.get("year", "")),
        "source": _text(raw["source"]),
        "licence": _text(raw.get("licence", "")),
        "note": _text(raw.get("note", "")),
        "row": row,
    }


def parse_travel_factor_table(
    raw: pd.DataFrame, file: str, name: str, first_row: int = 2, *, version: str | None = None
) -> TravelFactorSet:
    """Validate a raw factor table (strings as read) into a :class:`TravelFactorSet`.

    Raises one :class:`FactorError` listing the first problem row, with every problem in its
    reason (lazy validation). Duplicate keys are an error: the engine must never pick one of
    two factors silently.
    """
    raw = raw.rename(columns=lambda c: str(c).strip().lower())
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        raise FactorError(
            file, f"missing column(s): {', '.join(missing)} (need {','.join(REQUIRED_COLUMNS)})"
        )
    for column in OPTIONAL_COLUMNS:
        if column not in raw.columns:
            raw[column] = ""
    problems: list[FactorError] = []
    rows = []
    # Plain dicts: a Series per row (iterrows) costs more than checking the row.
    for i, record in enumerate(raw.to_dict(orient="records")):
        checked = _check_row(record, file, i + first_row, problems)
        if checked is not None:
            rows.append(checked)
    table = pd.DataFrame(rows)
    if not problems and table.empty:
        raise FactorError(file, "the factor set has no rows")
    if not problems:
        dup = table[table.duplicated(KEY, keep=False)]
        for key, group in dup.groupby(KEY, sort=False) if len(dup) else ():
            problems.append(
                FactorError(
                    file,
                    f"duplicate factor for {dict(zip(KEY, key, strict=True))} on rows {', '.join(map(str, group['row']))}",
                    int(group["row"].iloc[-1]),
                )
            )
    if problems:
        first = problems[0]
        reason = (
            first.reason
            if len(problems) == 1
            else "; ".join(f"row {p.row}: {p.reason}" for p in problems)
        )
        raise FactorError(file, reason, first.row)
    table["factor_id"] = [
        fid or f"{name}:{row}" for fid, row in zip(table["factor_id"], table["row"], strict=True)
    ]
    return TravelFactorSet(
        name=name, path=file, table=table.reset_index(drop=True), version=version
    )


def load_travel_factor_set(path: str | Path | None = None) -> TravelFactorSet:
    """Load a travel factor set: a CSV path, a built-in name (``desnz_2025``), or the default
    Swedish set when ``path`` is None."""
    if path is None:
        path = FACTOR_DIR / f"{DEFAULT_SET}.csv"
    elif str(path) in BUILTIN_SETS:
        path = FACTOR_DIR / f"{path}.csv"
    path = Path(path)
    file = str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FactorError(file, f"is not UTF-8 text ({exc})") from exc
    lines = text.splitlines(keepends=True)
    # Leading '#' lines carry provenance (as in the other files under emission_factors/).
    skipped = next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))
    try:
        raw = pd.read_csv(
            io.StringIO("".join(lines[skipped:])),
            dtype=str,
            keep_default_na=False,
            sep=None,
            engine="python",
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise FactorError(file, f"cannot be read as CSV ({type(exc).__name__}: {exc})") from exc
    return parse_travel_factor_table(
        raw, file, path.stem, first_row=skipped + 2, version=stated_version(lines[:skipped])
    )


def other_builtin_set(current: TravelFactorSet) -> TravelFactorSet:
    """The built-in set to compare against: DESNZ when the Swedish set is in use, else Swedish."""
    other = "desnz_2025" if current.name == DEFAULT_SET else DEFAULT_SET
    return load_travel_factor_set(other)
