"""The wheel carries its data: both analyses run from an installed wheel, outside the checkout.

The wheel is built from a copy of the working tree (so the checkout gets no build/ or egg-info
of its own) with the dev venv's setuptools and no network, installed with ``--no-deps`` into a
fresh virtual environment, and given the runtime dependencies by a .pth line naming the dev
venv's site-packages. Lines of a .pth file only extend sys.path: the .pth files in that folder,
among them the editable install's finder for the checkout, are not run, so ``spendanalys`` and
``emission_factors`` can only come from the wheel. The commands run in an empty folder with
PYTHONPATH unset, as a user of the installed tool would run them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path
from typing import Any

# Not part of a build: version control, environments, caches, build output, and the sample data
# (which the commands read from the checkout, as a user's own files).
NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    ".hypothesis",
    "test-artifacts",
    "sample_data",
)


def run(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def build_wheel(repo: Path, tmp_path: Path) -> Path:
    source, out = tmp_path / "source", tmp_path / "wheel"
    shutil.copytree(repo, source, ignore=NOT_SOURCE)
    argv = [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-index"]
    argv += ["--no-build-isolation", "--quiet", "-w", str(out)]
    built = run(argv, tmp_path, dict(os.environ))
    assert built.returncode == 0, built.stderr
    (wheel,) = out.glob("spendanalys-*.whl")
    return wheel


def test_wheel_holds_every_data_file(repo_dir: Path, tmp_path: Path) -> None:
    """Each file beside the code (tables, unit definitions, assets, templates) is in the wheel."""
    wheel = build_wheel(repo_dir, tmp_path)
    source = tmp_path / "source"
    data = {
        path.relative_to(source).as_posix()
        for package in ("spendanalys", "emission_factors")
        for path in (source / package).rglob("*")
        if path.is_file() and path.suffix not in {".py", ".pyc"}
    }
    assert "spendanalys/units_definitions.txt" in data
    assert "emission_factors/spend/categories.csv" in data
    with zipfile.ZipFile(wheel) as archive:
        missing = data - set(archive.namelist())
    assert not missing, sorted(missing)


def install_into_fresh_venv(wheel: Path, target: Path) -> Path:
    """A new venv holding only the wheel; returns its python. Dependencies come from the dev venv."""
    venv.create(target, with_pip=False)
    python = target / "bin" / "python"
    argv = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps"]
    argv += ["--no-index", "--quiet", str(wheel)]
    installed = run(argv, target, dict(os.environ))
    assert installed.returncode == 0, installed.stderr
    site = run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        target,
        dict(os.environ),
    )
    dev_site = sysconfig.get_path("purelib")
    (Path(site.stdout.strip()) / "dev_dependencies.pth").write_text(dev_site + "\n", "utf-8")
    return python


def user_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPENDANALYS_")}
    for name in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):
        env.pop(name, None)
    env["PYTHONNOUSERSITE"] = "1"
    return env


def inside(path: str, folder: Path) -> bool:
    return Path(path).resolve().is_relative_to(folder.resolve())


def test_installed_wheel_runs_both_analyses(repo_dir: Path, tmp_path: Path) -> None:
    wheel = build_wheel(repo_dir, tmp_path)
    target = tmp_path / "venv"
    python = install_into_fresh_venv(wheel, target)
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    env = user_env()
    sample = repo_dir / "sample_data"

    probe = "import json, emission_factors, spendanalys; "
    probe += "print(json.dumps([spendanalys.__file__, emission_factors.__file__]))"
    where = run([str(python), "-c", probe], empty, env)
    assert where.returncode == 0, where.stderr
    for module_file in json.loads(where.stdout):
        assert inside(module_file, target), module_file

    cli = [str(python), "-m", "spendanalys"]
    contracts, invoices = sample / "avtalsforteckning.xlsx", sample / "leverantorsfakturor_2024.csv"
    spend_argv = [*cli, "spend", "--contracts", str(contracts), "--invoices", str(invoices)]
    spend = run([*spend_argv, "--format", "json"], empty, env)
    assert spend.returncode == 0, spend.stderr
    result: dict[str, Any] = json.loads(spend.stdout)
    assert result["agreements"]
    assert result["totals"]["kg_co2e"] > 0
    # built_in is true only for a set read from the installed data package; both built-in
    # sets ship in the wheel and price every run (the sensitivity).
    assert [(s["file"], s["built_in"]) for s in result["factor_sets"]] == [
        ("factors_epa_v1.3_sek.csv", True),
        ("factors_exiobase3_no_2019_sek.csv", True),
    ]
    assert all(a["kg_co2e_range"] is not None for a in result["agreements"][:5])

    trips, fte = sample / "resor_2019_2024.csv", sample / "arsarbetskrafter.csv"
    travel = run(
        [*cli, "travel", "--trips", str(trips), "--fte", str(fte), "--format", "json"], empty, env
    )
    assert travel.returncode == 0, travel.stderr
    years = json.loads(travel.stdout)
    assert [y["year"] for y in years["years"]] == [2019, 2020, 2021, 2022, 2023, 2024]
    # The sample has no trips in 2020 and 2021 (their figures are null); the other years have.
    measured = {y["year"]: y["kg_co2e_per_fte"] for y in years["years"] if y["kg_co2e"]}
    assert sorted(measured) == [2019, 2022, 2023, 2024]
    assert all(value > 0 for value in measured.values())
    assert [(s["file"], s["built_in"]) for s in years["factor_sets"]] == [
        ("sweden_default_2025.csv", True),
        ("desnz_2025.csv", True),
    ]
