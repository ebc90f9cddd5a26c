"""``--column FIELD=Header`` options as the readers take them: {field: header} per kind."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from spendanalys.errors import ConfigurationError
from spendanalys.schema import KINDS, SCHEMAS, Kind


def column_mapping(options: Iterable[str], kind: Kind) -> dict[str, str]:
    """The ``--column`` options that apply to ``kind``, as {field: header}.

    ``FIELD=Header`` applies to every kind that has FIELD; ``kind.FIELD=Header`` to that kind only.
    An unknown field is a usage error, not a silent no-op.
    """
    mapping: dict[str, str] = {}
    for option in options:
        if "=" not in option:
            raise ConfigurationError(f"--column {option!r}: expected FIELD=Header")
        key, header = option.split("=", 1)
        key, header = key.strip(), header.strip()
        if "." in key:
            scope, field = key.split(".", 1)
            if scope not in KINDS:
                raise ConfigurationError(
                    f"--column {option!r}: {scope!r} is not one of {', '.join(KINDS)}"
                )
            if scope != kind:
                continue
        else:
            field = key
        if not any(field in SCHEMAS[k].names for k in KINDS):
            raise ConfigurationError(f"--column {option!r}: {field!r} is not a canonical field")
        if field in SCHEMAS[kind].names:
            mapping[field] = header
    return mapping


ColumnOptions = Iterable[str] | Mapping[str, Any] | None


def columns_for(columns: ColumnOptions, kind: Kind) -> dict[str, str] | None:
    """``--column`` option strings, or a {kind: {field: header}} / {field: header} mapping,
    as the {field: header} mapping of one kind (None when nothing applies)."""
    if not columns:
        return None
    if isinstance(columns, Mapping):
        if any(k in KINDS for k in columns):
            picked = columns.get(kind)
            return {str(f): str(h) for f, h in picked.items()} if picked else None
        return {str(f): str(h) for f, h in columns.items()}
    return column_mapping(list(columns), kind) or None
