"""Results computed once per store state and kept, so a page view does not recompute.

Two layers: a small memo in this process (pools of the last few results), and the store's
cache table shared by every worker and the next start. Entries are filed under the
``StoreState`` token read *before* computing, so a result computed while an import commits is
never served as new. Callers asking for the same key at once wait for one computation.
"""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from spendanalys.store.database import Store

T = TypeVar("T")
# Entries kept per pool in this process: whole analyses (large, few), the pages' small results,
# and drill-downs (one per agreement opened), apart so that clicking through many agreements
# never evicts the pages' results.
MEMO_SIZES = {"analyses": 4, "pages": 64, "lines": 32}
_MEMO: dict[str, OrderedDict[str, Any]] = {pool: OrderedDict() for pool in MEMO_SIZES}
_MEMO_LOCK = threading.Lock()
_KEY_LOCKS: dict[str, threading.Lock] = {}


def encode(value: Any) -> bytes:
    """A result as the bytes of a cache entry."""
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def stored_object(store: Store, key: str, state: str) -> Any:
    """The object in the store's cache under ``key`` for ``state``; None when there is none,
    or it no longer decodes (a stale or foreign entry is recomputed by the caller)."""
    raw = store.cache_get(key, state)
    if raw is None:
        return None
    try:
        return pickle.loads(raw)  # written by this application only
    except Exception:
        return None


def _key_lock(name: str) -> threading.Lock:
    with _MEMO_LOCK:
        return _KEY_LOCKS.setdefault(name, threading.Lock())


def memo(
    store: Store,
    name: str,
    compute: Callable[[], T],
    state: str | None = None,
    pool: str = "pages",
) -> T:
    """``compute()`` once per ``name`` and store state in this process (the last
    ``MEMO_SIZES[pool]`` results of the pool). The state token is read first, so a value
    computed while a write commits is filed under the older state and never served as new."""
    state = store.state_token() if state is None else state
    key = f"{store.url}|{name}|{state}"
    entries = _MEMO[pool]
    with _MEMO_LOCK:
        if key in entries:
            entries.move_to_end(key)
            return entries[key]  # type: ignore[no-any-return]
    with _key_lock(name):
        with _MEMO_LOCK:
            if key in entries:
                return entries[key]  # type: ignore[no-any-return]
        value = compute()
        with _MEMO_LOCK:
            entries[key] = value
            while len(entries) > MEMO_SIZES[pool]:
                entries.popitem(last=False)
        return value


def cached(
    store: Store, key: str, compute: Callable[[], T | None], scope: str | None = None
) -> T | None:
    """``compute()`` once per ``key`` and store state of ``scope`` (what the result depends on,
    see ``StoreState.scoped``): in this process's memo and in the store's cache table."""
    state = store.state_token(scope)

    def load() -> T | None:
        value: T | None = stored_object(store, key, state)
        if value is None:
            with store.computing(f"{key}|{state}"):  # one process computes, the others wait
                value = stored_object(store, key, state)
                if value is None:
                    value = compute()
                    if value is not None:
                        store.cache_put(key, encode(value), state)
        return value

    return memo(store, key, load, state, pool="analyses")
