"""The store's small tables: category overrides, supplier factors, goal settings, cache.

These are methods of ``Store`` (through ``SettingsMixin``), kept here so each module stays
small; the users and logins are in ``store.users``. Overrides, factors and goals are append-only: the latest row per key wins and a
withdrawal is a row with an empty value, so the history of who changed what is kept.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from spendanalys.errors import ConfigurationError, UnitError
from spendanalys.store.state import SETTINGS_CODES, STATE_SCOPES, StoreState
from spendanalys.store.tables import (
    OVERRIDE_SCOPES,
    audit_log,
    cache_entries,
    category_overrides,
    dataset_selections,
    goal_settings,
    supplier_factors,
)
from spendanalys.units import currency_of, parse_unit, ureg

DEFAULT_GOAL = (2019, 2025, 0.25)  # DESIGN.md §3: minus 25 % per FTE by 2025 against 2019
MAX_NAME_LENGTH = 64
# Every cache payload starts with this: the format of ``services.codec`` and its version (bump
# it with the format). Entries without it are never decoded and are deleted on opening.
CACHE_HEADER = b"SPENDANALYS-CACHE/1\n"


def utc_now() -> datetime:
    return datetime.now(UTC)


def utc_series(values: Any) -> pd.Series:
    """Timestamps as UTC (SQLite hands back naive UTC text, PostgreSQL aware datetimes)."""
    return pd.Series(pd.to_datetime(pd.Series(values, dtype=object), utc=True, format="mixed"))


def write_audit(connection: Connection, user: str, action: str, **detail: Any) -> None:
    """Record who did what, inside the caller's transaction (so it commits with the change)."""
    connection.execute(
        audit_log.insert().values(at=utc_now(), user_name=user, action=action, detail=detail)
    )


@dataclass(frozen=True)
class GoalSettings:
    """The travel goal: per-FTE emissions in ``target_year`` = baseline × (1 − reduction)."""

    baseline_year: int
    target_year: int
    reduction: float  # fraction: 0.25 is minus 25 %
    set_by: str | None = None
    set_at: datetime | None = None


def _latest(table: sa.Table, *keys: str) -> sa.Select:
    """Rows of ``table`` that are the newest for their key columns."""
    newest = (
        sa.select(sa.func.max(table.c.id).label("id")).group_by(*(table.c[k] for k in keys))
    ).subquery()
    return sa.select(table).join(newest, table.c.id == newest.c.id).order_by(table.c.id)


def _frame(rows: list[Any], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    if "created_at" in frame:
        frame["created_at"] = utc_series(frame["created_at"])
    return frame


def check_user_name(name: str) -> str:
    """A user name: 1–64 printable characters without surrounding space."""
    if not name or name != name.strip() or len(name) > MAX_NAME_LENGTH:
        raise ConfigurationError(
            f"a user name has 1–{MAX_NAME_LENGTH} characters and no leading or trailing space"
        )
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise ConfigurationError("a user name must not contain control characters")
    return name


def check_factor_unit(unit: str) -> str:
    """Refuse a supplier factor unit that is not an emission mass per money (UnitError)."""
    parsed = parse_unit(unit)
    currency = currency_of(parsed)
    expected = "an emission per money (e.g. kg CO2e/SEK)"
    if currency is None:
        raise UnitError(unit, expected, "it has no currency")
    if parsed.dimensionality != ureg.Unit(f"kg CO2e/{currency}").dimensionality:
        raise UnitError(unit, expected, f"its dimension is {parsed.dimensionality}")
    return unit


class SettingsMixin:
    """Methods of ``Store`` for settings and the cache (needs ``_read``/``_write``)."""

    def _read(self) -> Any:  # provided by Store
        raise NotImplementedError

    def _write(self) -> Any:  # provided by Store
        raise NotImplementedError

    # ---- category overrides -----------------------------------------------------------------

    def add_category_override(
        self, scope: str, key: str, category_id: str | None, *, user: str, note: str | None = None
    ) -> int:
        """Place every line matching ``scope``=``key`` (e.g. ``org_number``=5566778899) in
        ``category_id``; None withdraws the override. Returns the new row's id."""
        if scope not in OVERRIDE_SCOPES:
            raise ConfigurationError(
                f"unknown override scope {scope!r}; use one of {', '.join(OVERRIDE_SCOPES)}"
            )
        key = str(key).strip()
        if not key:
            raise ConfigurationError("an override needs a key (agreement, org number, account...)")
        values = dict(scope=scope, key=key, category_id=category_id, note=note)
        with self._write() as connection:
            new_id = connection.execute(
                category_overrides.insert()
                .values(**values, created_by=user, created_at=utc_now())
                .returning(category_overrides.c.id)
            ).scalar_one()
            write_audit(connection, user, "category_override", **values)
        return int(new_id)

    def category_overrides(self) -> pd.DataFrame:
        """Overrides in force: scope, key, category_id, note, created_by, created_at, id (of
        the row in force: what a withdrawal names)."""
        columns = ["scope", "key", "category_id", "note", "created_by", "created_at", "id"]
        latest = _latest(category_overrides, "scope", "key").subquery()
        query = sa.select(*(latest.c[c] for c in columns)).where(latest.c.category_id.is_not(None))
        with self._read() as connection:
            rows = connection.execute(query.order_by(latest.c.id)).all()
        frame = _frame(rows, columns)
        return frame.astype({**{c: "string" for c in columns[:5]}, "id": "int64"})

    # ---- supplier-specific factors ----------------------------------------------------------

    def add_supplier_factor(
        self,
        org_number: str,
        factor: float | None,
        unit: str | None = "kg CO2e/SEK",
        *,
        user: str,
        price_year: int | None = None,
        source: str | None = None,
    ) -> int:
        """A supplier's own spend factor (``factor`` in ``unit``, emission per money); it wins
        over the category factor. None withdraws it. Returns the new row's id."""
        org_number = str(org_number).strip()
        if not org_number:
            raise ConfigurationError("a supplier factor needs the supplier's org number")
        if factor is not None:
            if not (factor >= 0.0 and factor < float("inf")):
                raise ConfigurationError(f"factor {factor!r} must be a finite number ≥ 0")
            check_factor_unit(unit or "")
        values = dict(
            org_number=org_number,
            factor=None if factor is None else float(factor),
            unit=unit if factor is not None else None,
            price_year=price_year,
            source=source,
        )
        with self._write() as connection:
            new_id = connection.execute(
                supplier_factors.insert()
                .values(**values, created_by=user, created_at=utc_now())
                .returning(supplier_factors.c.id)
            ).scalar_one()
            write_audit(connection, user, "supplier_factor", **values)
        return int(new_id)

    def supplier_factors(self) -> pd.DataFrame:
        """Factors in force: org_number, factor, unit, price_year, source, who and when, id."""
        columns = [
            "org_number",
            "factor",
            "unit",
            "price_year",
            "source",
            "created_by",
            "created_at",
            "id",
        ]
        latest = _latest(supplier_factors, "org_number").subquery()
        query = sa.select(*(latest.c[c] for c in columns)).where(latest.c.factor.is_not(None))
        with self._read() as connection:
            rows = connection.execute(query.order_by(latest.c.id)).all()
        frame = _frame(rows, columns)
        return frame.astype(
            {
                "org_number": "string",
                "factor": "float64",
                "unit": "string",
                "price_year": "Int64",
                "source": "string",
                "created_by": "string",
                "id": "int64",
            }
        )

    # ---- goal settings ----------------------------------------------------------------------

    def goal_settings(self) -> GoalSettings:
        """The latest goal settings, or the defaults (2019, 2025, 0.25) when none were set."""
        query = sa.select(goal_settings).order_by(goal_settings.c.id.desc()).limit(1)
        with self._read() as connection:
            row = connection.execute(query).first()
        if row is None:
            return GoalSettings(*DEFAULT_GOAL)
        set_at = utc_series([row.created_at]).iloc[0].to_pydatetime()
        return GoalSettings(
            row.baseline_year, row.target_year, row.reduction, row.created_by, set_at
        )

    def set_goal_settings(
        self, baseline_year: int, target_year: int, reduction: float, *, user: str
    ) -> GoalSettings:
        """Store new goal settings (baseline before target, 0 < reduction ≤ 1)."""
        if not int(baseline_year) < int(target_year):
            raise ConfigurationError(
                f"the baseline year {baseline_year} must come before the target year {target_year}"
            )
        if not 0.0 < float(reduction) <= 1.0:
            raise ConfigurationError(
                f"the reduction {reduction} must be a fraction above 0 and at most 1 (0.25 = 25 %)"
            )
        values = dict(
            baseline_year=int(baseline_year),
            target_year=int(target_year),
            reduction=float(reduction),
        )
        with self._write() as connection:
            connection.execute(
                goal_settings.insert().values(**values, created_by=user, created_at=utc_now())
            )
            write_audit(connection, user, "goal_settings", **values)
        return self.goal_settings()

    # ---- cache of pre-aggregated results ----------------------------------------------------

    def state(self, scope: str | None = None) -> StoreState:
        """What the analyses depend on now: the current dataset versions and the newest row of
        each settings table; with ``scope`` ("spend", "travel") only what that analysis uses."""
        with self._read() as connection:
            return current_state(connection).scoped(scope)

    def state_token(self, scope: str | None = None) -> str:
        """:meth:`state` as the text cached results are filed under."""
        return self.state(scope).token

    def cache_get(self, key: str, state: str | None = None) -> bytes | None:
        """The payload stored under ``key`` if it was computed for ``state`` (default: the
        current ``state_token()``), else None."""
        state = self.state_token() if state is None else state
        with self._read() as connection:
            row = connection.execute(
                sa.select(cache_entries.c.state, cache_entries.c.payload).where(
                    cache_entries.c.key == key
                )
            ).first()
        return bytes(row.payload) if row is not None and row.state == state else None

    def cache_put(
        self, key: str, payload: bytes, state: str | None = None, *, family: str | None = None
    ) -> None:
        """Store ``payload`` under ``key``. Pass the ``state_token()`` read *before* computing
        the payload, so a result computed while an import committed is never served as new.

        ``family`` is a key prefix whose other entries this one supersedes (the same result
        for another day or other versions): they are deleted in the same transaction, as is
        every entry whose state is no longer current (:func:`stale_states`), this one too if
        an import committed while it was computed. So the cache holds about one entry per
        result, however many uploads there have been."""
        if not isinstance(payload, bytes | bytearray | memoryview):
            raise TypeError("cache payloads are bytes (e.g. json.dumps(...).encode())")
        state = self.state_token() if state is None else state
        with self._write() as connection:
            connection.execute(cache_entries.delete().where(cache_entries.c.key == key))
            if family:
                connection.execute(
                    cache_entries.delete().where(cache_entries.c.key.like(*_prefix(family)))
                )
            connection.execute(
                cache_entries.insert().values(
                    key=key, state=state, payload=bytes(payload), created_at=utc_now()
                )
            )
            _evict_stale(connection)

    def cache_replace_prefix(self, prefix: str, payloads: dict[str, bytes], state: str) -> None:
        """Replace every cache entry whose key starts with ``prefix`` by ``payloads`` (key →
        bytes, keys starting with ``prefix``) in one transaction: many small per-version
        entries (e.g. one per agreement) written at once, the previous set dropped, and
        entries of states no longer current evicted (as by :meth:`cache_put`)."""
        if any(not k.startswith(prefix) for k in payloads):
            raise ValueError(f"every key must start with {prefix!r}")
        now = utc_now()
        rows = [
            {"key": k, "state": state, "payload": bytes(v), "created_at": now}
            for k, v in payloads.items()
        ]
        with self._write() as connection:
            connection.execute(
                cache_entries.delete().where(cache_entries.c.key.like(*_prefix(prefix)))
            )
            if rows:
                connection.execute(cache_entries.insert(), rows)
            _evict_stale(connection)

    def cache_sweep(self) -> int:
        """Delete the cache entries that can never be served: of a state no longer current,
        or not in the cache format (not starting with ``CACHE_HEADER``: an older release's
        entry, or bytes written there by anyone but this application). Run when the store is
        opened; returns the number of entries deleted."""
        header = sa.literal(CACHE_HEADER, sa.LargeBinary())
        with self._write() as connection:
            foreign = connection.execute(
                cache_entries.delete().where(
                    sa.func.substr(cache_entries.c.payload, 1, len(CACHE_HEADER)) != header
                )
            ).rowcount
            return int(foreign) + _evict_stale(connection)

    def cache_clear(self) -> int:
        """Delete every cache entry (after a restore); returns how many there were."""
        with self._write() as connection:
            return int(connection.execute(cache_entries.delete()).rowcount)


def current_state(connection: Connection) -> StoreState:
    """The store's state as read in ``connection``'s transaction."""
    # Per kind, the newest selection (store.selections) if it selects anything.
    newest_selection = (
        sa.select(sa.func.max(dataset_selections.c.id).label("id"))
        .group_by(dataset_selections.c.kind)
        .subquery()
    )
    chosen = connection.execute(
        sa.select(
            dataset_selections.c.kind, dataset_selections.c.id, dataset_selections.c.parts
        ).join(newest_selection, dataset_selections.c.id == newest_selection.c.id)
    ).all()
    current = [(kind, sid) for kind, sid, parts in chosen if parts]
    newest = [
        connection.execute(sa.select(sa.func.max(t.c.id))).scalar_one() or 0
        for t in (category_overrides, supplier_factors, goal_settings)
    ]
    return StoreState(
        {kind: int(vid) for kind, vid in current},
        dict(zip(SETTINGS_CODES, (int(n) for n in newest), strict=True)),
    )


def stale_states(tokens: Iterable[str], current: StoreState) -> list[str]:
    """The tokens among ``tokens`` that are not ``current`` for what they depend on.

    A token's scope is read from the settings codes it carries (all of them: unscoped; those
    of a ``STATE_SCOPES`` entry: that scope); a token of no known shape is stale."""
    scopes: dict[frozenset[str], str | None] = {frozenset(SETTINGS_CODES): None}
    scopes.update({frozenset(codes): scope for scope, (_, codes) in STATE_SCOPES.items()})
    stale = []
    for token in tokens:
        shape = frozenset(StoreState.parse(token).settings)
        if shape not in scopes or current.scoped(scopes[shape]).token != token:
            stale.append(token)
    return stale


def _evict_stale(connection: Connection) -> int:
    """Delete the entries of states no longer current, inside the caller's write."""
    states = connection.execute(sa.select(cache_entries.c.state).distinct()).scalars().all()
    stale = stale_states(states, current_state(connection))
    if not stale:
        return 0
    deleted = connection.execute(cache_entries.delete().where(cache_entries.c.state.in_(stale)))
    return int(deleted.rowcount)


def _prefix(prefix: str) -> tuple[str, str]:
    """LIKE pattern and escape character for keys starting with ``prefix``."""
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return pattern, "\\"
