"""``--column FIELD=Header`` and ``--default FIELD=VALUE`` options as the readers take them.

Both scope alike: ``FIELD=...`` applies to every kind that has FIELD, ``kind.FIELD=...`` to that
kind only. An unprefixed ``--column`` applies to the inputs that *have* the header (DESIGN §5):
it is marked optional (:class:`~spendanalys.io.headers.Mapped`), and :func:`require_mapped`
refuses it only when no input has it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from spendanalys.errors import ConfigurationError
from spendanalys.io.headers import Mapped, fold
from spendanalys.io.result import ReadInfo
from spendanalys.schema import KINDS, SCHEMAS, Kind


def _scoped(options: Iterable[str], kind: Kind, flag: str) -> tuple[dict[str, str], set[str]]:
    """{field: value} of the options that apply to ``kind``, and the fields given unprefixed."""
    mapping: dict[str, str] = {}
    unprefixed: set[str] = set()
    for option in options:
        if "=" not in option:
            wanted = "Header" if flag == "--column" else "VALUE"
            raise ConfigurationError(f"{flag} {option!r}: expected FIELD={wanted}")
        key, value = option.split("=", 1)
        key, value = key.strip(), value.strip()
        if "." in key:
            scope, field = key.split(".", 1)
            if scope not in KINDS:
                raise ConfigurationError(
                    f"{flag} {option!r}: {scope!r} is not one of {', '.join(KINDS)}"
                )
            if scope != kind:
                continue
        else:
            field = key
        if not any(field in SCHEMAS[k].names for k in KINDS):
            raise ConfigurationError(f"{flag} {option!r}: {field!r} is not a canonical field")
        if field in SCHEMAS[kind].names:
            mapping[field] = value
            if "." not in key:
                unprefixed.add(field)
            else:
                unprefixed.discard(field)
    return mapping, unprefixed


def column_mapping(options: Iterable[str], kind: Kind) -> Mapped:
    """The ``--column`` options that apply to ``kind``, as {field: header}.

    An unknown field is a usage error, not a silent no-op; unprefixed ones are optional.
    """
    mapping, unprefixed = _scoped(options, kind, "--column")
    result = Mapped(mapping)
    result.optional = frozenset(unprefixed)
    return result


def default_values(options: Iterable[str] | Mapping[str, Any] | None, kind: Kind) -> dict[str, str]:
    """The ``--default FIELD=VALUE`` options that apply to ``kind``, as {field: value}; a
    {field: value} or {kind: {field: value}} mapping (the dashboard's form) is taken as is."""
    if isinstance(options, Mapping):
        chosen = options.get(kind, {}) if any(k in KINDS for k in options) else options
        return {str(f): str(v) for f, v in chosen.items() if f in SCHEMAS[kind].names}
    return _scoped(options or (), kind, "--default")[0]


def split_defaults(text: str) -> list[str]:
    """The upload form's defaults field: ``mode=flight; cabin=economy`` -> option strings."""
    return [part.strip() for part in text.replace("\n", ";").split(";") if part.strip()]


def require_mapped(infos: Sequence[ReadInfo]) -> None:
    """Refuse an unprefixed ``--column`` mapping that no input had (a typo, a wrong header)."""
    offered: dict[tuple[str, str], list[str]] = {}
    for info in infos:
        for field, header in info.offered_columns.items():
            offered.setdefault((field, header), [])
            if fold(info.columns.get(field, "")) == fold(header):
                offered[(field, header)].append(info.file)
    for (field, header), files in offered.items():
        if not files:
            names = ", ".join(dict.fromkeys(i.file for i in infos if field in i.offered_columns))
            raise ConfigurationError(
                f"--column {field}={header}: no input has the header {header!r} ({names})"
            )


def reader_notes(infos: Sequence[ReadInfo]) -> list[str]:
    """What the readers noted, each named by its file: the analyses' notes start with these,
    so the sheets read and left, repeated headers and date conventions reach every output."""
    return [f"{info.file}: {note}" for info in infos for note in info.notes]


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
