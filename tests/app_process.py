"""Helpers for tests that start the real app (or a gunicorn) in a subprocess."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

# Debian's Chromium: Playwright cannot download its own browser on these machines.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen[bytes], seconds: float = 90) -> None:
    """Wait until ``url``/health answers 200; fail at once if the process has exited."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer /health")


@contextlib.contextmanager
def served_app(
    repo_dir: Path, folder: Path, env: dict[str, str], seconds: float = 90
) -> Iterator[str]:
    """``python app.py`` on a free port in ``folder`` (its log in ``folder/app.log``), healthy:
    yields its base URL and stops it afterwards, killing it if it does not end in 10 s."""
    port = free_port()
    with (folder / "app.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, str(repo_dir / "app.py"), "--port", str(port)],
            cwd=folder,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(base, process, seconds=seconds)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def require_chromium() -> None:
    """Skip the calling test, with the reason, on a machine without Debian's chromium."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium)")


@contextlib.contextmanager
def headless_chromium(extra_args: Sequence[str] = ()) -> Iterator[Any]:
    """A headless Chromium driven by Playwright (skipped when either is missing), closed after."""
    require_chromium()
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        args = [*CHROMIUM_ARGS, *extra_args]
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=args)
        try:
            yield browser
        finally:
            browser.close()
