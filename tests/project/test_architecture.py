"""The floor plan holds: the import-linter contracts in pyproject.toml, no import of the
package deferred into a function (outside the CLI, whose commands load their engine when they
run so that start-up stays fast), and a small core at the top of the package."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "spendanalys"
MAX_TOP_LEVEL_MODULES = 12


def test_the_import_contracts_are_kept() -> None:
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(linter), "--no-cache"],
        cwd=PACKAGE.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def _deferred_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith("spendanalys"):
                found.append(f"{path.relative_to(PACKAGE.parent)}:{inner.lineno} {inner.module}")
            elif isinstance(inner, ast.Import):
                found += [
                    f"{path.relative_to(PACKAGE.parent)}:{inner.lineno} {alias.name}"
                    for alias in inner.names
                    if alias.name.startswith("spendanalys")
                ]
    return found


def test_no_import_of_the_package_is_deferred_into_a_function() -> None:
    deferred = [
        hit
        for path in sorted(PACKAGE.rglob("*.py"))
        if "cli" not in path.relative_to(PACKAGE).parts[:1]
        for hit in _deferred_imports(path)
    ]
    assert deferred == []


def test_a_small_core_at_the_top_of_the_package() -> None:
    modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(modules) <= MAX_TOP_LEVEL_MODULES, modules
    rooms = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert {"io", "i18n", "spend", "travel", "store", "services", "cli", "dashboard"} <= rooms
