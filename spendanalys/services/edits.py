"""The users' adjustments: category mappings, supplier-specific factors and the travel goal.

Each function checks the caller's ``role`` (``spendanalys.auth.require``) before it touches
the store: the server decides, not the page. A value is checked at entry, so a bad one is
refused here and not at the next analysis.
"""

from __future__ import annotations

import pandas as pd

from spendanalys.auth import require
from spendanalys.errors import ConfigurationError
from spendanalys.spend.categories import load_category_rules
from spendanalys.spend.linking import normalise_org_number
from spendanalys.store.database import Store
from spendanalys.store.tables import OVERRIDE_SCOPES
from spendanalys.units import emission_factor_to_kg_per_sek


def add_category_override(
    store: Store,
    *,
    scope: str,
    key: str,
    category_id: str,
    note: str | None = None,
    user: str,
    role: str | None,
) -> None:
    """Map ``key`` (an agreement id, org number, account or supplier name) to a category.

    Stored at once; the next spend view applies it (its cache key changes with the store).
    """
    require(role, "edit:category_overrides")
    if scope not in OVERRIDE_SCOPES:
        raise ConfigurationError(f"scope must be one of {', '.join(OVERRIDE_SCOPES)}")
    key = (key or "").strip()
    if not key:
        raise ConfigurationError("the key of a category mapping is empty")
    if category_id not in load_category_rules().category_ids:
        raise ConfigurationError(f"{category_id!r} is not a category of the category tree")
    store.add_category_override(scope, key, category_id, note=note, user=user)


def add_supplier_factor(
    store: Store,
    *,
    org_number: str,
    factor: float,
    unit: str,
    price_year: int,
    source: str,
    user: str,
    role: str | None,
) -> None:
    """Store a supplier-specific factor (it wins over the category factor for that supplier).

    The unit is checked here (an emission per money, e.g. ``kg CO2e/SEK``) so a bad one is
    refused at entry, not at the next analysis.
    """
    require(role, "edit:supplier_factors")
    org = normalise_org_number(pd.Series([org_number], dtype="string")).iloc[0]
    if pd.isna(org):
        raise ConfigurationError(f"{org_number!r} is not an organisation number")
    if not factor or factor < 0:
        raise ConfigurationError("the factor must be a positive number")
    if not (source or "").strip():
        raise ConfigurationError("a supplier-specific factor needs a source")
    emission_factor_to_kg_per_sek(float(factor), unit)
    store.add_supplier_factor(
        str(org),
        float(factor),
        unit,
        price_year=int(price_year),
        source=source.strip(),
        user=user,
    )


def set_goal_settings(
    store: Store,
    *,
    baseline_year: int,
    target_year: int,
    reduction: float,
    user: str,
    role: str | None,
) -> None:
    """Store the travel goal: per-FTE emissions down by ``reduction`` (0–1) from baseline to
    target year (the store refuses a target before the baseline or a reduction outside (0, 1])."""
    require(role, "edit:goal_settings")
    store.set_goal_settings(int(baseline_year), int(target_year), float(reduction), user=user)
