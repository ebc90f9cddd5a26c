"""The unit registry: factor strings in every unit users write, and refusals of wrong ones."""

from __future__ import annotations

import pickle

import pint
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spendanalys.errors import UnitError
from spendanalys.units import (
    ExchangeRates,
    convert_factor,
    emission_factor_to_kg_per_sek,
    money_to_sek,
    parse_unit,
    ureg,
)

RATES = ExchangeRates({"EUR": 11.0, "USD": 10.0}, year=2022, source="test table")


@pytest.mark.parametrize(
    ("value", "unit", "kg_per_sek"),
    [
        (0.05, "kg CO2e/SEK", 0.05),
        (50, "g CO2e/SEK", 0.05),
        (50, "t CO2e/MSEK", 0.05),
        (50, "kg CO2e/kSEK", 0.05),
        (0.05, "kgCO2e/SEK", 0.05),
        (0.05, "kg CO2e per SEK", 0.05),
        (0.05, "kg CO2-ekv/kr", 0.05),
        (50, "t CO2e/Mkr", 0.05),
        (0.05, "kg CO₂e/SEK", 0.05),
        (0.55, "kg CO2e/EUR", 0.05),
        (500, "kg CO2e/kUSD", 0.05),
    ],
)
def test_factor_units_convert_to_kg_per_sek(value: float, unit: str, kg_per_sek: float) -> None:
    assert emission_factor_to_kg_per_sek(value, unit, RATES) == pytest.approx(kg_per_sek)


@pytest.mark.parametrize(
    "unit",
    ["kg/SEK", "kg CO2e", "SEK", "kg CO2e/pkm", "kg CO2e/SEK/SEK", "CO2e/m", "nonsense unit", ""],
)
def test_dimensionally_wrong_factor_units_are_refused(unit: str) -> None:
    with pytest.raises(UnitError) as info:
        emission_factor_to_kg_per_sek(1.0, unit, RATES)
    assert unit in str(info.value) or unit == ""


def test_foreign_currency_needs_an_explicit_rate_table() -> None:
    with pytest.raises(UnitError, match="no exchange-rate table"):
        emission_factor_to_kg_per_sek(0.5, "kg CO2e/USD")
    with pytest.raises(UnitError, match="no rate for"):
        money_to_sek(1, "USD", ExchangeRates({"EUR": 11.0}, 2022, "partial table"))


def test_currencies_never_convert_silently() -> None:
    """Each currency is its own dimension: SEK -> EUR is refused by pint itself, never done at
    some built-in rate (conversion goes through an explicit ExchangeRates table)."""
    with pytest.raises(pint.DimensionalityError) as info:
        ureg.Quantity(1, "SEK").to("EUR")
    assert (info.value.dim1, info.value.dim2) == ("[currency_SEK]", "[currency_EUR]")
    assert parse_unit("SEK").dimensionality != parse_unit("EUR").dimensionality


def test_prefixed_money_and_activity_units() -> None:
    assert money_to_sek(2.5, "MSEK") == pytest.approx(2_500_000)
    assert money_to_sek(3, "kEUR", RATES) == pytest.approx(33_000)
    assert convert_factor(150, "g CO2e/pkm", "kg CO2e/pkm") == pytest.approx(0.15)
    assert convert_factor(0.171, "kg CO2e/vkm", "g CO2e/vehicle_km") == pytest.approx(171)
    with pytest.raises(UnitError):
        convert_factor(150, "g CO2e/pkm", "kg CO2e/vkm")


def test_unit_error_is_a_value_error_and_pickles() -> None:
    err = UnitError("kg/SEK", "an emission per money", "wrong dimension")
    assert isinstance(err, ValueError)
    again = pickle.loads(pickle.dumps(err))
    assert str(again) == str(err)


@given(st.floats(min_value=1e-9, max_value=1e6, allow_nan=False))
def test_unit_round_trip(value: float) -> None:
    kg_per_sek = emission_factor_to_kg_per_sek(value, "t CO2e/MSEK")
    assert convert_factor(kg_per_sek, "kg CO2e/SEK", "t CO2e/MSEK") == pytest.approx(value)
