"""One gate for every input (issue 13): the upload guard runs on CLI paths too, and a refused
bomb costs bounded memory. The bomb declares its sizes (1.5 GiB) rather than holding them: the
guard judges the zip directory, so the declared size is what it must refuse."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import hostile_files as hf
import pytest

from spendanalys.cli import main

REPO = Path(__file__).resolve().parents[2]
GIB = 1024**3


@pytest.mark.parametrize(
    ("build", "name", "why"),
    [
        (hf.billion_laughs, "laughs.xlsx", "DTD"),
        (lambda: hf.external_entity(), "xxe.xlsx", "DTD"),
        (hf.contract_workbook, "renamed.csv", "rename it to .xlsx"),
        (lambda: b"Avtalsnummer;Avtalsnamn\nA-1;x\n", "text.xlsx", "rename it to .csv"),
        (lambda: bytes(range(256)) * 8, "binary.csv", "binary"),
        (hf.ratio_bomb, "ratio.xlsx", "zip bomb"),
    ],
)
def test_cli_inputs_pass_the_upload_guard(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], build, name: str, why: str
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_bytes(build())
    # the guard's English words (the catalogue words them in Swedish by default)
    assert main(["inspect", str(path), "--kind", "contracts", "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert why in err and name in err and "Traceback" not in err


def test_a_bomb_by_declared_sizes_is_refused_within_500_mb(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(hf.lying_sizes(declared=int(1.5 * GIB)))
    # VmHWM (peak RSS of this process image): ru_maxrss would carry the forking parent's peak.
    script = (
        "from pathlib import Path\n"
        "from spendanalys.cli import main\n"
        f"code = main(['spend', '--contracts', {str(path)!r}, '--lang', 'en'])\n"
        "status = Path('/proc/self/status').read_text()\n"
        "peak = next(line.split()[1] for line in status.splitlines() if line.startswith('VmHWM'))\n"
        "print(code, peak)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        timeout=120,
        check=False,
    )
    code, peak_kib = done.stdout.split()
    assert code == "2", done.stderr
    assert "would unpack to 1,536 MiB" in done.stderr
    assert int(peak_kib) < 500 * 1024, f"peak RSS {int(peak_kib) / 1024:.0f} MiB"
