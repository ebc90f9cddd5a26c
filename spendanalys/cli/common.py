"""Options and output helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import ctypes
import os
import platform
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spendanalys.i18n import DEFAULT_LANGUAGE, LANGUAGES
from spendanalys.jsonable import json_text, records, to_jsonable

if TYPE_CHECKING:
    from spendanalys.io.headers import Mapped
    from spendanalys.schema import Kind

# pandas and the readers are imported where a command runs, never by this module: every
# command's parser is built from it for ``--help``, which must not pay for them.
__all__ = ["column_mapping", "records", "to_jsonable"]


def use_system_arrow_allocator() -> None:
    """Arrow buffers from here on come from the C library's allocator, not pyarrow's mimalloc.

    A spend run frees most of what the reader and each step allocated before the next step
    allocates again; mimalloc keeps those pages for reuse, so the peak RSS of a 10M-line run
    was 4,077 MiB against 3,616 with the system allocator (1M lines: 626 against 493 MiB, the
    same CPU time; 10M lines: about 10 % more CPU time). ``make bench`` measures it. An
    ``ARROW_DEFAULT_MEMORY_POOL`` chosen by the user wins.
    """
    if "ARROW_DEFAULT_MEMORY_POOL" in os.environ:
        return
    import pyarrow as pa  # here, not at the top: --help must not import pyarrow

    pa.set_memory_pool(pa.system_memory_pool())


# glibc's mallopt parameters (malloc.h) and the settings keep_freed_memory gives them.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_KEEP_TOP_BYTES = 1 << 30
_HEAP_BELOW_BYTES = 256 << 20
# Inputs up to this size take the settings: their columns are small enough that memory kept
# for reuse stays within a few tens of MiB (1M lines, 68 MB of CSV: peak 525-542 MiB before,
# 537-559 after), while a 10M-line run (1 GB) peaked 330 MiB higher (3,485 -> 3,823 MiB).
KEEP_FREED_MEMORY_UP_TO_BYTES = 256 << 20


def keep_freed_memory(paths: Iterable[str | os.PathLike[str]]) -> bool:
    """Let glibc keep the memory one analysis step frees for the next, for a small run.

    Each step of a spend run allocates its columns afresh after the step before freed its own;
    with glibc's defaults arrays of a few MiB come from mmap and go back to the system when
    freed, so every step pays the page faults (and zeroing) again: a 1M-line run took ~170,000
    minor faults against ~135,000 with these settings, 0.1-0.3 s of system time. Larger runs
    keep the defaults (their peak RSS is the binding limit). Returns whether the settings were
    applied; a ``MALLOC_*`` variable set by the user, a non-glibc C library or a file that
    cannot be sized leaves the allocator as it is.
    """
    if any(name.startswith("MALLOC_") for name in os.environ):
        return False
    if platform.libc_ver()[0] != "glibc":
        return False
    try:
        size = sum(os.path.getsize(path) for path in paths)
    except OSError:
        return False
    if size > KEEP_FREED_MEMORY_UP_TO_BYTES:
        return False
    libc = ctypes.CDLL(None)
    return bool(
        libc.mallopt(_M_MMAP_THRESHOLD, _HEAP_BELOW_BYTES)
        and libc.mallopt(_M_TRIM_THRESHOLD, _KEEP_TOP_BYTES)
    )


def column_mapping(options: Iterable[str], kind: Kind) -> Mapped:
    """``spendanalys.io.options.column_mapping`` (the readers are imported on first use)."""
    from spendanalys.io.options import column_mapping as mapping

    return mapping(options, kind)


def add_column_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="FIELD=Header",
        help=(
            "map a header to a canonical field, e.g. 'amount_sek=Nettobelopp' or, for one "
            "input kind only, 'contracts.value_sek=Kontrakterat värde, Summa' (repeatable)"
        ),
    )
    parser.add_argument(
        "--sheet", default=None, help="read only this workbook sheet (default: every sheet)"
    )
    parser.add_argument(
        "--default",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="a constant for a field the file has no column for, e.g. 'trips.mode=flight' "
        "(the kind prefix works as for --column; repeatable)",
    )
    parser.add_argument(
        "--header-row",
        type=int,
        default=None,
        metavar="N",
        help="the header is on row N (as the spreadsheet or editor numbers it)",
    )


def add_lang_option(parser: argparse.ArgumentParser, also: str = "") -> None:
    """``--lang``: the language of what the command prints (the JSON's keys and values never
    change), and of ``also`` (the workbook, the document) where the command writes one."""
    written = f" and of {also}" if also else ""
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=DEFAULT_LANGUAGE,
        help=f"language of the printed text{written} (default {DEFAULT_LANGUAGE}; "
        "--format json is the same in every language)",
    )


def write_json(payload: dict[str, Any], out: str | None) -> None:
    text = json_text(to_jsonable(payload))
    if out:
        Path(out).write_text(text + "\n", encoding="utf-8")
    else:
        sys.stdout.write(text + "\n")
