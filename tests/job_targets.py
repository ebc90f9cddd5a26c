"""Module-level job targets for ``JobBoard.submit_process`` tests (a spawned job process
imports them by name)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any


def report_pid(progress: Callable[[str], None], *, value: int) -> dict[str, Any]:
    progress("reading")
    return {"value": value, "pid": os.getpid(), "niceness": os.nice(0)}


def hang(progress: Callable[[str], None], *, seconds: float) -> dict[str, Any]:
    progress("reading")
    time.sleep(seconds)
    return {}
