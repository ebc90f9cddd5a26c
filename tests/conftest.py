"""Shared test fixtures. Keep them tiny; session scope only for read-only objects."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from spendanalys import services

# Helper modules whose asserts should report like a test's (imported by several test modules).
pytest.register_assert_rewrite("access_app")

REPO = Path(__file__).resolve().parents[1]
# scrypt at 2**14, not the default 2**17 (a third of a second per login): tests log in often.
# tests/store/test_password_hashing.py checks the default and the upgrade of old hashes.
os.environ.setdefault("SPENDANALYS_PASSWORD_HASH_COST", "14")
SHARED = Path(os.environ.get("SPENDANALYS_SHARED", REPO.parent / "shared"))

# `make test` runs a small fuzz profile; `make stress` sets HYPOTHESIS_PROFILE=stress.
settings.register_profile(
    "default", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "stress", max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="session")
def repo_dir() -> Path:
    return REPO


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return REPO / "sample_data"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"../shared is absent ({SHARED}); real-data tests need it beside the repo")
    return SHARED


@pytest.fixture(scope="session")
def realdata_dir(shared_dir: Path) -> Path:
    path = shared_dir / "realdata"
    if not path.is_dir():
        pytest.skip(f"{path} is absent")
    return path


@pytest.fixture(scope="session")
def reference_dir(shared_dir: Path) -> Path:
    path = shared_dir / "reference"
    if not path.is_dir():
        pytest.skip(f"{path} is absent")
    return path


@pytest.fixture(scope="session")
def samples(sample_dir: Path) -> Path:
    """The sample data folder (``SPENDANALYS_SAMPLE_DIR`` or the repository's); the tests that
    need it are skipped, with the missing file named, when a kind's file is not there."""
    folder = Path(os.environ.get("SPENDANALYS_SAMPLE_DIR") or sample_dir)
    for names in services.SAMPLE_FILES.values():
        if not any((folder / n).is_file() for n in names):
            pytest.skip(f"sample data missing in {folder}: {names[0]}")
    return folder


@pytest.fixture(scope="session")
def artifacts(repo_dir: Path) -> Path:
    """``test-artifacts/``: screenshots and files the browser tests leave for a reader."""
    folder = repo_dir / "test-artifacts"
    folder.mkdir(exist_ok=True)
    return folder
