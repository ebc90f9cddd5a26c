"""What a SQLite backup must be before its tables are restored: the schema its revision's
migrations create, and values of the storage class each column declares.

A backup is a file someone hands over; ``PRAGMA integrity_check`` only says it is a sound
SQLite file. :func:`check_tables` also compares its schema with a database the packaged
migrations build empty at the same revision (tables, columns with their type affinity, NOT
NULL and primary key, indexes, foreign keys; no triggers or views, which would run SQL of
the file's choosing on our writes) and scans every column of every table for values of
another storage class (text in an integer column, a non-0/1 boolean, invalid JSON), then
runs ``PRAGMA foreign_key_check``. The cache table's rows are never restored at all
(``store.backup``), so they are not checked here.
"""

from __future__ import annotations

import re
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from spendanalys.errors import StorageError
from spendanalys.store.engine import create_store_engine, migrate, resolve_url

# Storage classes (``typeof``) a column may hold, by how its declared type reads.
_CLASSES: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(r"BOOL"), ("integer",)),
    (re.compile(r"DATE|TIME|JSON"), ("text",)),
    (re.compile(r"INT"), ("integer",)),
    (re.compile(r"CHAR|CLOB|TEXT"), ("text",)),
    (re.compile(r"BLOB|BINARY|^$"), ("blob",)),
    (re.compile(r"REAL|FLOA|DOUB|NUMERIC|DECIMAL"), ("real", "integer")),
)


def _storage_classes(declared: str) -> tuple[str, ...]:
    text = declared.upper()
    for pattern, classes in _CLASSES:
        if pattern.search(text):
            return classes
    return ("integer", "real", "text")  # NUMERIC affinity: any but a blob


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def affinity(declared: str) -> str:
    """SQLite's type affinity of a declared column type (the rules of its "Datatypes" page)."""
    text = declared.upper()
    if "INT" in text:
        return "INTEGER"
    if any(word in text for word in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if "BLOB" in text or not text:
        return "BLOB"
    if any(word in text for word in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


@contextmanager
def _open(path: Path, *, read_only: bool = True) -> Iterator[sqlite3.Connection]:
    uri = f"file:{path}?mode={'ro' if read_only else 'rw'}"
    connection = sqlite3.connect(uri, uri=True)
    try:
        connection.execute("PRAGMA trusted_schema = OFF")  # the file's schema runs no functions
        yield connection
    finally:
        connection.close()


def schema_of(connection: sqlite3.Connection) -> dict[str, Any]:
    """The parts of a database's schema that decide what its tables can hold."""
    master = connection.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    others = sorted((kind, name) for kind, name, _, _ in master if kind not in ("table", "index"))
    tables: dict[str, Any] = {}
    for kind, name, _, _ in master:
        if kind != "table" or name.startswith("sqlite_"):
            continue
        table = _quote(name)
        columns = [
            (c[1], affinity(c[2]), bool(c[3]), int(c[5]))
            for c in connection.execute(f"PRAGMA table_xinfo({table})")
        ]
        indexes = []
        for _, index, unique, origin, partial in connection.execute(f"PRAGMA index_list({table})"):
            parts = tuple(r[2] for r in connection.execute(f"PRAGMA index_info({_quote(index)})"))
            where = None
            if partial:
                sql = next((s for k, n, _, s in master if k == "index" and n == index), "") or ""
                where = " ".join(sql.partition(" WHERE ")[2].lower().split())
            indexes.append((index, bool(unique), origin, parts, where))
        keys = sorted(
            (k[2], k[3], k[4], k[6])
            for k in connection.execute(f"PRAGMA foreign_key_list({table})")
        )
        tables[name] = {"columns": columns, "indexes": sorted(indexes), "foreign_keys": keys}
    return {"tables": tables, "other": others}


def reference_schema(revision: str) -> dict[str, Any]:
    """The schema the packaged migrations create in an empty database at ``revision``."""
    with tempfile.TemporaryDirectory(prefix="spendanalys-reference-") as folder:
        path = Path(folder) / "reference.sqlite"
        engine = create_store_engine(resolve_url(f"sqlite:///{path}"))
        try:
            migrate(engine, revision)
        finally:
            engine.dispose()
        with _open(path) as connection:
            return schema_of(connection)


def _difference(found: dict[str, Any], expected: dict[str, Any]) -> str | None:
    if found["other"]:
        kinds = ", ".join(f"{kind} {name}" for kind, name in found["other"])
        return f"it holds {kinds}, which Spendanalys never creates"
    extra = sorted(set(found["tables"]) - set(expected["tables"]))
    missing = sorted(set(expected["tables"]) - set(found["tables"]))
    if extra or missing:
        return f"its tables differ (unknown: {extra or 'none'}, missing: {missing or 'none'})"
    for name, table in expected["tables"].items():
        for part in ("columns", "indexes", "foreign_keys"):
            if found["tables"][name][part] != table[part]:
                return f"the {part.replace('_', ' ')} of table {name} differ from its revision's"
    return None


def _bad_values(connection: sqlite3.Connection, table: str, columns: list[Any]) -> str | None:
    """The first column of ``table`` holding a value of another storage class than declared."""
    checks, names = [], []
    for name, declared, *_ in columns:
        classes = _storage_classes(declared)
        column = _quote(name)
        test = f"(typeof({column}) NOT IN ('null', {', '.join(repr(c) for c in classes)}))"
        if "BOOL" in declared.upper():
            test += f" OR ({column} NOT IN (0, 1))"
        elif "JSON" in declared.upper():
            test += f" OR (typeof({column}) = 'text' AND NOT json_valid({column}))"
        checks.append(f"SUM({test})")
        names.append(name)
    if not checks:
        return None
    counts = connection.execute(f"SELECT {', '.join(checks)} FROM {_quote(table)}").fetchone()
    for name, count in zip(names, counts, strict=True):
        if count:
            return f"column {table}.{name} holds {count} value(s) of the wrong type"
    return None


def check_tables(path: Path, revision: str) -> None:
    """Refuse (StorageError) a database whose schema is not its revision's, that holds a
    value of the wrong storage class in any column of any table, or breaks a foreign key."""
    expected = reference_schema(revision)
    with _open(path) as connection:
        problem = _difference(schema_of(connection), expected)
        if problem is None:
            for name in sorted(expected["tables"]):
                declared = [
                    (c[1], c[2]) for c in connection.execute(f"PRAGMA table_xinfo({_quote(name)})")
                ]
                problem = _bad_values(connection, name, declared)
                if problem:
                    break
        if problem is None and connection.execute("PRAGMA foreign_key_check").fetchone():
            problem = "rows refer to rows that do not exist (foreign_key_check)"
    if problem:
        raise StorageError(f"{path.name} is not a backup this version can restore: {problem}")
