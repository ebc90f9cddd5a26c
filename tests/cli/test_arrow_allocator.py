"""The spend command's choice of Arrow allocator (see ``use_system_arrow_allocator``) and of
glibc's settings for freed memory (``keep_freed_memory``).

Run in a child process: the allocator is process-wide, and the test process must keep its own.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from spendanalys.cli import build_parser, cmd_spend
from spendanalys.cli.common import KEEP_FREED_MEMORY_UP_TO_BYTES
from spendanalys.services import assembly

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"

PROBE = (
    "import pyarrow as pa\n"
    "from spendanalys.cli.common import use_system_arrow_allocator\n"
    "use_system_arrow_allocator()\n"
    "print(pa.default_memory_pool().backend_name)\n"
)


def _backend(env_pool: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if env_pool is not None:
        env["ARROW_DEFAULT_MEMORY_POOL"] = env_pool
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_the_spend_run_allocates_arrow_buffers_with_the_system_allocator() -> None:
    assert _backend(None) == "system"


def test_an_allocator_the_user_chose_is_kept() -> None:
    pa = pytest.importorskip("pyarrow")
    if "mimalloc" not in pa.supported_memory_backends():
        pytest.skip("this pyarrow has no mimalloc")
    assert _backend("mimalloc") == "mimalloc"


def test_spend_analyse_chooses_it_before_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """``spendanalys spend`` and ``report`` share ``analyse``: the choice is made there, first."""
    calls: list[str] = []

    def run_spend(*args: object, **kwargs: object) -> object:
        calls.append("read")
        raise SystemExit(0)

    monkeypatch.setattr(cmd_spend, "use_system_arrow_allocator", lambda: calls.append("pool"))
    monkeypatch.setattr(
        cmd_spend, "keep_freed_memory", lambda paths: calls.append(f"keep {list(paths)}")
    )
    monkeypatch.setattr(assembly, "run_spend", run_spend)
    args = build_parser().parse_args(
        ["spend", "--contracts", "a.csv", "--invoices", "f.csv", "--invoices", "g.csv"]
    )
    with pytest.raises(SystemExit):
        cmd_spend.analyse(args)
    assert calls == ["pool", "keep ['a.csv', 'f.csv', 'g.csv']", "read"]


KEEP_PROBE = (
    "import sys\n"
    "from spendanalys.cli.common import keep_freed_memory\n"
    "print(keep_freed_memory(sys.argv[1:]))\n"
)


def _keeps(paths: list[Path], **env_extra: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    env.update(env_extra)
    done = subprocess.run(
        [sys.executable, "-c", KEEP_PROBE, *map(str, paths)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


glibc_only = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's mallopt")


@glibc_only
def test_a_sample_sized_run_keeps_freed_memory() -> None:
    assert (
        _keeps([SAMPLE / "avtalsforteckning.csv", SAMPLE / "leverantorsfakturor_2024.csv"])
        == "True"
    )


@glibc_only
def test_a_large_input_keeps_glibcs_defaults(tmp_path: Path) -> None:
    """Above the bound the peak RSS is the limit that binds: the defaults return freed memory."""
    big = tmp_path / "fakturor.csv"
    with big.open("wb") as handle:  # sparse: sized, never written
        handle.truncate(KEEP_FREED_MEMORY_UP_TO_BYTES + 1)
    assert _keeps([big]) == "False"


@glibc_only
def test_the_users_malloc_settings_win() -> None:
    assert _keeps([SAMPLE / "avtalsforteckning.csv"], MALLOC_ARENA_MAX="2") == "False"


def test_an_unreadable_path_leaves_the_allocator(tmp_path: Path) -> None:
    assert _keeps([tmp_path / "missing.csv"]) == "False"
