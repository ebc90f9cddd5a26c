"""The users' adjustments: category mappings, supplier-specific factors and the travel goal;
listed and withdrawn as well as added.

Each function checks the caller's ``role`` (``spendanalys.auth.require``) before it touches
the store: the server decides, not the page. A value is checked at entry, against the data
where it depends on it (the goal's baseline year), so a bad one is refused here, in the user's
``language``, and not at the next analysis.
"""

from __future__ import annotations

import pandas as pd

from spendanalys.auth import require
from spendanalys.errors import ConfigurationError
from spendanalys.i18n import format_number, t
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
    language: str = "sv",
) -> None:
    """Map ``key`` (an agreement id, org number, account or supplier name) to a category.

    Stored at once; the next spend view applies it (its cache key changes with the store).
    """
    require(role, "edit:category_overrides")
    if scope not in OVERRIDE_SCOPES:
        raise ConfigurationError(f"scope must be one of {', '.join(OVERRIDE_SCOPES)}")
    key = (key or "").strip()
    if not key:
        raise ConfigurationError(t("dm.key_empty", language))
    if not (category_id or "").strip():
        raise ConfigurationError(t("dm.category_empty", language))
    if category_id not in load_category_rules().category_ids:
        raise ConfigurationError(t("dm.category_unknown", language, category=category_id))
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
    language: str = "sv",
) -> None:
    """Store the travel goal: per-FTE emissions down by ``reduction`` (a fraction, 0.25 =
    25 %) from baseline to target year. Checked against the data before it is saved: the
    baseline year must have trips and FTE (the message names the years that have both), the
    target come after it, the reduction lie above 0 and at most 100 % (the message echoes the
    percentage given)."""
    require(role, "edit:goal_settings")
    percent = float(reduction) * 100
    if not 0.0 < float(reduction) <= 1.0:
        raise ConfigurationError(
            t(
                "dm.goal_reduction_invalid",
                language,
                value=format_number(percent, language, 0 if percent.is_integer() else 1),
            )
        )
    if not int(baseline_year) < int(target_year):
        raise ConfigurationError(
            t(
                "dm.goal_target_before_baseline",
                language,
                baseline=baseline_year,
                target=target_year,
            )
        )
    years = goal_years(store)
    if years is not None and int(baseline_year) not in years:
        raise ConfigurationError(
            t(
                "dm.goal_baseline_no_data",
                language,
                year=baseline_year,
                years=", ".join(str(y) for y in years) or "–",
            )
        )
    store.set_goal_settings(int(baseline_year), int(target_year), float(reduction), user=user)


def goal_years(store: Store) -> list[int] | None:
    """The years with both trips and FTE in the current data (None before both are uploaded:
    the goal can then be set for the data to come)."""
    trips, fte = store.current_table("trips"), store.current_table("fte")
    if trips.empty or fte.empty:
        return None
    trip_years = set(pd.to_datetime(trips["date"], errors="coerce").dt.year.dropna().astype(int))
    fte_values = pd.to_numeric(fte["fte"], errors="coerce")
    fte_years = set(
        pd.to_numeric(fte["year"], errors="coerce")[fte_values > 0].dropna().astype(int)
    )
    return sorted(trip_years & fte_years)


# ---- listing and withdrawing ----------------------------------------------------------------

ADJUSTMENT_COLUMNS = ["id", "type", "key", "value", "source", "created_by", "created_at"]
OVERRIDE_PREFIX, FACTOR_PREFIX = "mapping-", "factor-"


def adjustments(store: Store) -> pd.DataFrame:
    """The category mappings and supplier-specific factors in force, one row each: id (e.g.
    ``mapping-3``, ``factor-7``: what :func:`remove_adjustment` takes), type, key
    (``scope=key`` or the org number), value (category or ``factor unit``), source, who, when."""
    rows = []
    for r in store.category_overrides().itertuples(index=False):
        rows.append(
            (
                f"{OVERRIDE_PREFIX}{r.id}",
                "category_override",
                f"{r.scope}={r.key}",
                str(r.category_id),
                r.note,
                r.created_by,
                r.created_at,
            )
        )
    for f in store.supplier_factors().to_dict("records"):
        year = "" if pd.isna(f["price_year"]) else f" ({f['price_year']})"
        rows.append(
            (
                f"{FACTOR_PREFIX}{f['id']}",
                "supplier_factor",
                str(f["org_number"]),
                f"{f['factor']:g} {f['unit']}{year}",
                f["source"],
                f["created_by"],
                f["created_at"],
            )
        )
    frame = pd.DataFrame(rows, columns=ADJUSTMENT_COLUMNS)
    return frame.sort_values("created_at", kind="stable").reset_index(drop=True)


def remove_adjustment(
    store: Store, adjustment_id: str, *, user: str, role: str | None, language: str = "sv"
) -> str:
    """Withdraw the mapping or supplier factor ``adjustment_id`` (from :func:`adjustments`);
    the analysis goes back to the category tree's choice. ``role`` None is the command line.
    Returns what was withdrawn (``scope=key`` or the org number)."""
    text = str(adjustment_id).strip()
    found = adjustments(store)
    row = found[found["id"] == text]
    if row.empty:
        raise ConfigurationError(t("dm.adjustment_unknown", language, id=text))
    key = str(row.iloc[0]["key"])
    if text.startswith(OVERRIDE_PREFIX):
        if role is not None:
            require(role, "edit:category_overrides")
        scope, _, value = key.partition("=")
        store.add_category_override(scope, value, None, user=user)
    else:
        if role is not None:
            require(role, "edit:supplier_factors")
        store.add_supplier_factor(key, None, None, user=user)
    return key
