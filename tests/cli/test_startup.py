"""``spendanalys --help`` and every ``spendanalys COMMAND --help`` stay light (issue 20): the
parsers are built without pandas, pyarrow, numpy, the store or the dashboard, which load only
when a command runs. A behaviour test (which modules are imported), not a timing test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from spendanalys.cli import build_parser

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "pyarrow", "numpy", "pint", "sqlalchemy", "dash", "plotly", "openpyxl")

# Each argv's --help in one fresh interpreter, in turn: what heavy packages it had imported.
RUNNER = """
import contextlib, io, json, sys
from spendanalys.cli import main
heavy, argvs, found = tuple(sys.argv[1].split(",")), json.loads(sys.argv[2]), {}
for argv in argvs:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
        main(argv)
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in heavy)
    if loaded:
        found[" ".join(argv)] = loaded
print(json.dumps(found))
"""


def _imported(heavy: tuple[str, ...], argvs: list[list[str]]) -> dict[str, list[str]]:
    """{argv: the heavy packages loaded after it} of the argvs run in turn in one process."""
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, ",".join(heavy), json.dumps(argvs)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found: dict[str, list[str]] = json.loads(done.stdout)
    return found


def _help_argvs() -> list[list[str]]:
    """--help of the program, of every command and of every action of a command."""
    argvs = [[], ["--help"]]
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name, parser in commands.items():
        argvs.append([name, "--help"])
        for action in parser._subparsers._group_actions if parser._subparsers else ():
            argvs.extend([name, sub, "--help"] for sub in getattr(action, "choices", {}) or {})
    return argvs


def test_help_imports_no_heavy_library() -> None:
    argvs = _help_argvs()
    assert ["spend", "--help"] in argvs and ["users", "add", "--help"] in argvs
    assert _imported(HEAVY, argvs) == {}, "a --help imported a heavy library"


def test_the_check_sees_an_import() -> None:
    """The check above would notice: a command that reads a file does import pandas."""
    argv = ["inspect", "no-such-file.csv", "--kind", "contracts"]
    assert "pandas" in _imported(("pandas",), [argv]).get(" ".join(argv), [])


def test_spend_to_json_imports_no_store_workbook_or_dashboard(
    tmp_path: Path, sample_dir: Path
) -> None:
    """``spend --format json`` needs the readers and the engine, not the store (sqlalchemy),
    the workbook writer (openpyxl), the report document or the dashboard."""
    argv = [
        "spend",
        "--contracts",
        str(sample_dir / "avtalsforteckning.csv"),
        "--invoices",
        str(sample_dir / "leverantorsfakturor_2024.csv"),
        "--format",
        "json",
        "--out",
        str(tmp_path / "spend.json"),
    ]
    unneeded = ("sqlalchemy", "openpyxl", "docx", "dash", "plotly", "flask", "matplotlib")
    assert _imported(unneeded, [argv]) == {}
    assert json.loads((tmp_path / "spend.json").read_text(encoding="utf-8"))["agreements"]
