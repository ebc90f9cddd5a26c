"""Fixtures shared by the service tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from spendanalys import services


@pytest.fixture(scope="session")
def samples(sample_dir: Path) -> Path:
    """The sample data folder (``SPENDANALYS_SAMPLE_DIR`` or the repository's); the tests that
    need it are skipped, with the missing file named, when a kind's file is not there."""
    folder = Path(os.environ.get("SPENDANALYS_SAMPLE_DIR") or sample_dir)
    for names in services.SAMPLE_FILES.values():
        if not any((folder / n).is_file() for n in names):
            pytest.skip(f"sample data missing in {folder}: {names[0]}")
    return folder
