"""The spend command's choice of Arrow allocator (see ``use_system_arrow_allocator``).

Run in a child process: the allocator is process-wide, and the test process must keep its own.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from spendanalys.cli import build_parser, cmd_spend
from spendanalys.services import assembly

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
    monkeypatch.setattr(assembly, "run_spend", run_spend)
    args = build_parser().parse_args(["spend", "--contracts", "a.csv", "--invoices", "f.csv"])
    with pytest.raises(SystemExit):
        cmd_spend.analyse(args)
    assert calls == ["pool", "read"]
