"""Results computed once per store state and kept, so a page view does not recompute.

Two layers: a small memo in this process (pools of the last few results), and the store's
cache table shared by every worker and the next start. Entries are filed under the
``StoreState`` token read *before* computing, so a result computed while an import commits is
never served as new. Callers asking for the same key at once wait for one computation.

Entries are data, never pickles (``services.codec``): whoever can write to the database or
hand over a backup can write an entry, and reading one must not run code. An entry that does
not decode, or decodes to another type than the caller expects, is a miss: recomputed and
overwritten. Each result names its ``family`` (a key prefix), so a new entry replaces the
family's older ones, and entries of states no longer current are evicted as new ones are
written (``Store.cache_put``): the table holds about one entry per result.

While another process computes a family's result for a new state (after an upload is
confirmed, the job process computes the new analysis for a few seconds), a page view that finds
this process holding the family's result of an earlier state shows that one instead of waiting
(:func:`compute_once`): the figures the page had a moment ago, never half of the new ones. Such
a value is not memoised under the new state, so the next view after the computation reads the
new result. The path that computes after a change (``fresh_only``: the confirmation) always
waits for the new result.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from spendanalys.services import codec
from spendanalys.services.codec import CacheFormatError
from spendanalys.store.database import Store

T = TypeVar("T")
LOG = logging.getLogger(__name__)
# Entries kept per pool in this process: whole analyses (large, few), the pages' small results,
# and drill-downs (one per agreement opened), apart so that clicking through many agreements
# never evicts the pages' results.
MEMO_SIZES = {"analyses": 4, "pages": 64, "lines": 32}
_MEMO: dict[str, OrderedDict[str, Any]] = {pool: OrderedDict() for pool in MEMO_SIZES}
_MEMO_LOCK = threading.Lock()
_KEY_LOCKS: dict[str, threading.Lock] = {}
# Set when a value of an earlier state was served (``compute_once``): a memo whose computation
# saw it does not keep the result under the new state.
_SERVED_EARLIER = contextvars.ContextVar("served_earlier", default=False)
# Set by ``fresh_only``: this computation must wait for the current state's result.
_FRESH_ONLY = contextvars.ContextVar("fresh_only", default=False)


def encode(value: Any) -> bytes:
    """A result as the bytes of a cache entry (``services.codec``; CacheFormatError for a type
    the format cannot hold)."""
    return codec.encode(value)


def decode(payload: bytes, kind: type | None = None) -> Any:
    """The result a cache entry holds, checked to be a ``kind`` when given (CacheFormatError
    otherwise). Never runs code from the payload."""
    value = codec.decode(payload)
    if kind is not None and not isinstance(value, kind):
        raise CacheFormatError(f"the entry holds a {type(value).__name__}, not a {kind.__name__}")
    return value


def stored_object(store: Store, key: str, state: str, kind: type | None = None) -> Any:
    """The object in the store's cache under ``key`` for ``state``; None when there is none,
    or it does not decode (to a ``kind``, when given): a stale, damaged or foreign entry is
    recomputed by the caller and overwritten."""
    raw = store.cache_get(key, state)
    if raw is None:
        return None
    try:
        return decode(raw, kind)
    except CacheFormatError as exc:
        LOG.warning("cache entry %r is not usable (%s); it is recomputed", key, exc)
        return None


def put(store: Store, key: str, value: Any, state: str, family: str | None = None) -> bool:
    """Store ``value`` under ``key`` for ``state`` (superseding ``family``'s other entries);
    False, with a warning in the log, when the cache format cannot hold it (the result is
    still served from this process's memo, and recomputed by other processes)."""
    try:
        payload = encode(value)
    except CacheFormatError as exc:
        LOG.warning("result %r is not cached: %s", key, exc)
        return False
    store.cache_put(key, payload, state, family=family)
    return True


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
        outer = _SERVED_EARLIER.set(False)
        try:
            value = compute()
        finally:
            earlier = _SERVED_EARLIER.get()
            _SERVED_EARLIER.reset(outer)
            if earlier:
                _SERVED_EARLIER.set(True)  # the caller's value is built on it too
        if earlier:
            return value  # built on an earlier state's result: not this state's
        with _MEMO_LOCK:
            entries[key] = value
            while len(entries) > MEMO_SIZES[pool]:
                entries.popitem(last=False)
        return value


def earlier_result(store: Store, family: str, pool: str) -> Any:
    """The most recently used result of ``family`` (a key prefix) in this process's memo
    ``pool``, whatever its state; None when there is none."""
    prefix = f"{store.url}|{family}"
    with _MEMO_LOCK:
        for key in reversed(_MEMO[pool]):
            if key.startswith(prefix):
                return _MEMO[pool][key]
    return None


@contextlib.contextmanager
def fresh_only() -> Iterator[None]:
    """Within it, :func:`compute_once` always waits for the current state's result (the
    computation after a change, which must not report an earlier result as the new one)."""
    token = _FRESH_ONLY.set(True)
    try:
        yield
    finally:
        _FRESH_ONLY.reset(token)


def compute_once(
    store: Store,
    key: str,
    state: str,
    stored: Callable[[], T | None],
    compute: Callable[[], T | None],
    family: str | None = None,
    pool: str = "analyses",
) -> T | None:
    """The result ``key`` for ``state``: ``stored()`` (the store's cache), else ``compute()``
    under the installation-wide lock, so one process computes and the others read its result.

    When another process holds the lock, a caller outside :func:`fresh_only` that has an
    earlier result of ``family`` in this process's memo gets that one at once (and the memo
    does not keep it as this state's, ``memo``); otherwise it waits and reads the new one."""
    value = stored()
    if value is not None:
        return value
    lock = f"{key}|{state}"
    if family is not None and not _FRESH_ONLY.get():
        with store.computing(lock, wait=False) as mine:
            if mine:
                return _stored_or_computed(stored, compute)
        earlier: T | None = earlier_result(store, family, pool)
        if earlier is not None:
            _SERVED_EARLIER.set(True)
            return earlier
    with store.computing(lock):  # one process computes, the others wait
        return _stored_or_computed(stored, compute)


def _stored_or_computed(
    stored: Callable[[], T | None], compute: Callable[[], T | None]
) -> T | None:
    """Under the lock: the stored result, else a computed one. What the computation reads is
    this state's (``fresh_only``), so what it stores is never built on an earlier result."""
    value = stored()
    if value is not None:
        return value
    with fresh_only():
        return compute()


def cached(
    store: Store,
    key: str,
    compute: Callable[[], T | None],
    scope: str | None = None,
    *,
    kind: type | None = None,
    family: str | None = None,
) -> T | None:
    """``compute()`` once per ``key`` and store state of ``scope`` (what the result depends on,
    see ``StoreState.scoped``): in this process's memo and in the store's cache table.

    ``kind``: the type the result has (an entry decoding to anything else is a miss);
    ``family``: the key prefix whose older entries a new one replaces (``Store.cache_put``)."""
    state = store.state_token(scope)

    def stored() -> T | None:
        value: T | None = stored_object(store, key, state, kind)
        return value

    def computed() -> T | None:
        value = compute()
        if value is not None:
            put(store, key, value, state, family)
        return value

    def load() -> T | None:
        return compute_once(store, key, state, stored, computed, family, "analyses")

    return memo(store, key, load, state, pool="analyses")
