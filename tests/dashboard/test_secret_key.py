"""The session signing key: from the environment or ``var/secret_key``, each length-checked; the
file is made once, whole, readable by its owner only, even when several workers start at once."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest

from spendanalys.dashboard.app_factory import MIN_SECRET_KEY_LENGTH, secret_key
from spendanalys.errors import ConfigurationError


@pytest.fixture(autouse=True)
def _no_key_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPENDANALYS_SECRET_KEY", raising=False)


def test_a_new_key_file_is_made_once_and_kept_private(tmp_path: Path) -> None:
    key = secret_key(tmp_path)
    assert len(key) == 64 and int(key, 16) >= 0
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert secret_key(tmp_path) == key
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no temporary file left


@pytest.mark.parametrize("content", ["", "kort", "x" * (MIN_SECRET_KEY_LENGTH - 1) + "\n"])
def test_a_short_key_in_the_file_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "secret_key"
    path.write_text(content, encoding="ascii")
    path.chmod(0o600)
    with pytest.raises(ConfigurationError, match=f"at least {MIN_SECRET_KEY_LENGTH} characters"):
        secret_key(tmp_path)


def test_a_key_file_others_may_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    path.write_text("k" * 64, encoding="ascii")
    path.chmod(0o644)
    with pytest.raises(ConfigurationError, match="chmod 600"):
        secret_key(tmp_path)


def test_a_short_key_in_the_environment_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPENDANALYS_SECRET_KEY", "x" * (MIN_SECRET_KEY_LENGTH - 1))
    with pytest.raises(ConfigurationError, match="SPENDANALYS_SECRET_KEY"):
        secret_key(tmp_path)
    monkeypatch.setenv("SPENDANALYS_SECRET_KEY", "x" * MIN_SECRET_KEY_LENGTH)
    assert secret_key(tmp_path) == "x" * MIN_SECRET_KEY_LENGTH
    assert not (tmp_path / "secret_key").exists()


def _read_key(folder: str, start: object, keys: object) -> None:
    start.wait()  # type: ignore[attr-defined]
    keys.put(secret_key(folder))  # type: ignore[attr-defined]


def test_workers_starting_together_share_one_whole_key(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    start, keys = context.Barrier(6), context.Queue()
    workers = [
        context.Process(target=_read_key, args=(str(tmp_path), start, keys)) for _ in range(6)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [w.exitcode for w in workers] == [0] * 6
    found = {keys.get(timeout=5) for _ in workers}
    assert len(found) == 1 and len(found.pop()) == 64
    assert os.listdir(tmp_path) == ["secret_key"]
