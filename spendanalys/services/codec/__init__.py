"""The data format of cached results: tables as Arrow IPC, everything else as JSON; no pickle.

Anyone who can write to the database, or hand over a backup, can write a cache entry, so
reading one must never run code (``pickle.loads`` runs whatever the bytes name). A result is
therefore stored as data and rebuilt only from types this module knows::

    payload  = HEADER, packing (1 byte), body           packing 0: body as it is
                                                          packing 1: body length (8 bytes) and
                                                                     the body compressed (zstd)
    HEADER   = store.small_tables.CACHE_HEADER (b"SPENDANALYS-CACHE/1\\n": format and version)
    body     = manifest length (4 bytes), manifest, batch, batch, ...  (big-endian lengths)
    manifest = UTF-8 JSON {"value": node, "batches": [[byte length, array ids...], ...]}
    batch    = an Arrow IPC stream holding one record batch: the arrays of one length; arrays
               of at most ``INLINE_MAX`` values are written in the manifest instead (a
               drill-down's few categories need no stream of their own)

A node is a JSON null, boolean, integer, float or string standing for itself, or an object
tagged by ``"t"``: list, tuple, dict (key/value pairs of nodes), date, datetime, timestamp, NA,
NaT, path, regex, np (a numpy bool, int or float scalar), frame, series, index, and obj: a
dataclass picked by name from :data:`REGISTRY` (filled by :func:`register`) and rebuilt with
exactly its fields. A name read from a payload only ever selects one of those classes;
nothing is imported or called by name.

Columns keep their exact dtype (a column spec names it; the arrays' Arrow types are checked):
numpy bool, integers and floats; datetime64/timedelta64 as their int64 ticks; tz-aware
datetimes; pandas' masked Int*/UInt*/Float*/boolean; strings with their storage (python or
pyarrow) and missing marker (<NA> or NaN, pandas' ``str``); categoricals as codes with their
categories (themselves a column, so ``categories_dtype`` survives); object columns as one Arrow
array of their values plus the kind of each missing value (None, <NA>, NaN, NaT), or as JSON
nodes when the values are of mixed types.

A value this format cannot hold, or a payload that fails any check, raises
:class:`CacheFormatError`; the cache treats the entry as missing and recomputes.
"""

from spendanalys.services.codec.format import (
    HEADER,
    INLINE_MAX,
    REGISTRY,
    CacheFormatError,
    register,
)
from spendanalys.services.codec.reading import decode
from spendanalys.services.codec.writing import encode, encode_parts

__all__ = [
    "HEADER",
    "INLINE_MAX",
    "REGISTRY",
    "CacheFormatError",
    "decode",
    "encode",
    "encode_parts",
    "register",
]
