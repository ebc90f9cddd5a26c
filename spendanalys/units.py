"""The one unit registry of Spendanalys.

Every unit that is read (factor files, user input), written or converted goes through ``ureg``.
Inside the engine, columns are plain floats whose names carry their unit (``spend_sek``,
``kg_co2e``); pint is used at the boundary only, because pint on million-row columns is slow.

The registry is built on first use (``ureg``, ``Q_`` or any function here that parses a unit),
not on import: importing pint and building it costs about 0.1 s, which a command whose inputs
are all in the engine's units (the travel command on the built-in factor sets) need not pay.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spendanalys.errors import UnitError

if TYPE_CHECKING:
    import pint

    ureg: pint.UnitRegistry[float]
    Q_: type[pint.Quantity[float]]

_built: list[pint.UnitRegistry[float]] = []
_building = threading.Lock()


def registry() -> pint.UnitRegistry[float]:
    """The one registry, built on the first call (thread-safe: dashboard workers share it)."""
    if not _built:
        with _building:
            if not _built:
                import pint  # the registry's own dependency, loaded with it

                # The parsed definitions are cached on disk (pint keys the cache by file
                # contents): building drops from about 1 s to 0.02 s.
                built: pint.UnitRegistry[float] = pint.UnitRegistry(
                    on_redefinition="raise",
                    autoconvert_offset_to_baseunit=True,
                    cache_folder=":auto:",
                )
                built.load_definitions(str(Path(__file__).with_name("units_definitions.txt")))
                _built.append(built)
    return _built[0]


def __getattr__(name: str) -> Any:
    """``ureg`` and ``Q_`` as module attributes, built on first access (PEP 562)."""
    if name == "ureg":
        return registry()
    if name == "Q_":
        return registry().Quantity
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


CURRENCIES: tuple[str, ...] = ("SEK", "EUR", "USD")

# Spellings seen in factor files and user input that pint's parser would not read as intended.
_SPELLINGS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"CO₂", re.IGNORECASE), "CO2"),
    (re.compile(r"CO2[-\s]?(?:e|eq|ekv|ekvivalenter|equivalents?)\b", re.IGNORECASE), "CO2e"),
    # "kgCO2e" -> "kg CO2e" so the prefix is read on the mass unit, not on CO2e.
    (re.compile(r"(?<![A-Za-z])(g|kg|t|kt|Mt|ton|tonne)CO2e"), r"\1 CO2e"),
    (re.compile(r"\bkr\b"), "SEK"),
    (re.compile(r"\bkkr\b|\btkr\b"), "kSEK"),
    (re.compile(r"\bMkr\b|\bmnkr\b"), "MSEK"),
    (re.compile(r"\bp\.?km\b|\bpersonkm\b", re.IGNORECASE), "pkm"),
    (re.compile(r"\bfordonskm\b", re.IGNORECASE), "vkm"),
    (re.compile(r"\bper\b"), "/"),
)


@lru_cache(maxsize=512)
def parse_unit(text: str) -> pint.Unit:
    """Parse a unit string such as ``t CO2e/MSEK`` into a pint unit, or raise UnitError."""
    cleaned = text.strip()
    for pattern, replacement in _SPELLINGS:
        cleaned = pattern.sub(replacement, cleaned)
    if not cleaned:
        raise UnitError(text, "a unit", "the unit is empty")
    ureg = registry()
    from pint.errors import DefinitionSyntaxError, UndefinedUnitError  # loaded by registry()

    try:
        return ureg.parse_units(cleaned)
    except (UndefinedUnitError, DefinitionSyntaxError, ValueError) as exc:
        raise UnitError(text, "a unit", f"not a known unit ({exc})") from exc
    except Exception as exc:  # pint's tokenizer raises assorted errors on garbage
        raise UnitError(text, "a unit", f"cannot be parsed ({type(exc).__name__})") from exc


def currency_of(unit: pint.Unit) -> str | None:
    """The single currency in a unit's dimensionality (``kg CO2e/kEUR`` -> ``EUR``), else None."""
    found = [c for c in CURRENCIES if f"[currency_{c}]" in unit.dimensionality]
    if len(found) > 1:
        raise UnitError(str(unit), "a unit with one currency", f"it mixes {', '.join(found)}")
    return found[0] if found else None


@dataclass(frozen=True)
class ExchangeRates:
    """SEK per unit of each foreign currency, for one year, with its source.

    Conversion between currencies happens only through such a table, never implicitly.
    """

    sek_per_unit: Mapping[str, float]
    year: int
    source: str
    notes: str = field(default="")

    def rate(self, currency: str) -> float:
        """SEK per one unit of ``currency`` (1.0 for SEK)."""
        if currency == "SEK":
            return 1.0
        try:
            return float(self.sek_per_unit[currency])
        except KeyError:
            raise UnitError(
                currency,
                "a currency with a stated exchange rate",
                f"the rate table ({self.source}, {self.year}) has no rate for {currency}",
            ) from None


def emission_factor_to_kg_per_sek(
    value: float, unit: str, rates: ExchangeRates | None = None
) -> float:
    """Convert a spend-based factor to kg CO2e per SEK.

    ``value`` is in ``unit``, an emission mass per money (``g CO2e/SEK``, ``t CO2e/MSEK``,
    ``kg CO2e/kEUR``...). A foreign currency needs ``rates``:
    kg/SEK = kg/EUR ÷ (SEK per EUR). A unit of the wrong dimension raises UnitError.
    """
    parsed = parse_unit(unit)
    currency = currency_of(parsed)
    if currency is None:
        raise UnitError(unit, "an emission per money (e.g. kg CO2e/SEK)", "it has no currency")
    ureg = registry()
    target = ureg.Unit(f"kg CO2e/{currency}")
    if parsed.dimensionality != target.dimensionality:
        raise UnitError(
            unit,
            "an emission per money (e.g. kg CO2e/SEK)",
            f"its dimension is {parsed.dimensionality}, expected {target.dimensionality}",
        )
    kg_per_currency = float(ureg.Quantity(value, parsed).to(target).magnitude)
    if currency == "SEK":
        return kg_per_currency
    if rates is None:
        raise UnitError(
            unit,
            "a factor in SEK",
            f"it is per {currency} and no exchange-rate table was given",
        )
    return kg_per_currency / rates.rate(currency)


def convert_factor(value: float, unit: str, to: str) -> float:
    """Convert an activity factor (``g CO2e/pkm`` -> ``kg CO2e/pkm``), refusing other dimensions."""
    parsed = parse_unit(unit)
    target = parse_unit(to)
    if parsed.dimensionality != target.dimensionality:
        raise UnitError(
            unit,
            to,
            f"its dimension is {parsed.dimensionality}, expected {target.dimensionality}",
        )
    return float(registry().Quantity(value, parsed).to(target).magnitude)


def money_to_sek(amount: float, unit: str, rates: ExchangeRates | None = None) -> float:
    """Convert an amount of money (``12.5 kSEK``, ``300 EUR``) to SEK, through ``rates``."""
    parsed = parse_unit(unit)
    currency = currency_of(parsed)
    ureg = registry()
    if currency is None or parsed.dimensionality != ureg.Unit(currency).dimensionality:
        raise UnitError(unit, "an amount of money", "it is not a currency unit")
    in_currency = float(ureg.Quantity(amount, parsed).to(currency).magnitude)
    if currency == "SEK":
        return in_currency
    if rates is None:
        raise UnitError(unit, "an amount in SEK", f"no exchange-rate table for {currency}")
    return in_currency * rates.rate(currency)


def convert_currency(
    amount: float, from_currency: str, to_currency: str, rates: ExchangeRates
) -> float:
    """Convert between currencies through SEK with an explicit rate table."""
    return amount * rates.rate(from_currency) / rates.rate(to_currency)


def is_emission_per(unit: str, activity: str) -> bool:
    """True when ``unit`` is an emission mass per ``activity`` (e.g. per ``pkm``)."""
    try:
        return parse_unit(unit).dimensionality == parse_unit(f"kg CO2e/{activity}").dimensionality
    except UnitError:
        return False
