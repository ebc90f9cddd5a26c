"""No installed or declared dependency is older than a known security fix.

`make audit` asks the live advisory service (pip-audit against PyPI/OSV) and needs network, which
this sandbox and CI lack. These tests check the committed floors in security/advisory_floors.csv
instead: one row per published advisory (package, first fixed release, CVE/GHSA ids, summary,
source). Every listed package that is installed must be at or above each of its floors, and every
requirement pyproject.toml declares (runtime, extras, build system) must have a lower bound at or
above them, so a fresh resolve cannot pick a known-vulnerable release. The floors are only as
current as their last review (README.md gives the date); `make audit` is the live check.
"""

from __future__ import annotations

import csv
import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

REPO = Path(__file__).resolve().parents[2]
FLOORS = REPO / "security" / "advisory_floors.csv"
PYPROJECT = REPO / "pyproject.toml"
COLUMNS = ["package", "fixed_in", "advisory", "summary", "source_url"]
# GitHub advisory ids use an unambiguous base-32 alphabet, so a typo such as "o" or "1" is caught.
ADVISORY_ID = re.compile(r"^(?:CVE-\d{4}-\d{4,}|GHSA(?:-[23456789cfghjmpqrvwx]{4}){3})$")
LOWER_BOUND_OPERATORS = {">=", ">", "==", "~=", "==="}


def read_rows() -> list[dict[str, str]]:
    """The floors file as written, every cell text (validated by the well-formedness test)."""
    with FLOORS.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


ROWS = read_rows()


def advisory_ids(row: dict[str, str]) -> list[str]:
    """The ids of one advisory (a CVE and its GHSA alias), space-separated in the file."""
    return (row.get("advisory") or "").split()


def row_label(row: dict[str, str]) -> str:
    ids = advisory_ids(row)
    return f"{row.get('package')}:{ids[0] if ids else '?'}"


def lower_bound(specifier: SpecifierSet) -> Version | None:
    """The smallest release a specifier can admit, or None when it sets no minimum.

    `>X` counts as X: anything between X and a fix above it (X.post1, say) would still be admitted.
    """
    bounds = [
        Version(spec.version.removesuffix(".*"))
        for spec in specifier
        if spec.operator in LOWER_BOUND_OPERATORS
    ]
    return max(bounds, default=None)


def declared_requirements() -> list[tuple[str, Requirement]]:
    """Every requirement pyproject.toml declares, with where it is declared."""
    data = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    groups = [
        ("[build-system] requires", data["build-system"]["requires"]),
        ("[project] dependencies", data["project"]["dependencies"]),
    ]
    groups += [
        (f"[project.optional-dependencies] {extra}", requirements)
        for extra, requirements in data["project"].get("optional-dependencies", {}).items()
    ]
    return [(where, Requirement(text)) for where, texts in groups for text in texts]


def highest_floors() -> dict[str, tuple[Version, str]]:
    """Per package, the highest first-fixed release among its advisories, with that advisory."""
    floors: dict[str, tuple[Version, str]] = {}
    for row in ROWS:
        fixed = Version(row["fixed_in"])
        if row["package"] not in floors or fixed > floors[row["package"]][0]:
            floors[row["package"]] = (fixed, row["advisory"])
    return floors


def test_floors_file_is_well_formed() -> None:
    with FLOORS.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == COLUMNS
    assert ROWS, "the floors file lists no advisories"
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    for line, row in enumerate(ROWS, start=2):
        where = f"line {line}"
        if None in row or any(value is None for value in row.values()):
            problems.append(f"{where}: not exactly {len(COLUMNS)} cells")
            continue
        package = row["package"]
        if not package or package != canonicalize_name(package):
            problems.append(f"{where}: package {package!r} is not a normalised PyPI name")
        try:
            if str(Version(row["fixed_in"])) != row["fixed_in"]:
                problems.append(f"{where}: write fixed_in {row['fixed_in']!r} in normal form")
        except InvalidVersion:
            problems.append(f"{where}: fixed_in {row['fixed_in']!r} is not a version")
        ids = advisory_ids(row)
        if not ids:
            problems.append(f"{where}: no advisory id")
        for advisory in ids:
            if not ADVISORY_ID.match(advisory):
                problems.append(f"{where}: {advisory!r} is neither a CVE nor a GHSA id")
            if (package, advisory) in seen:
                problems.append(f"{where}: {package} {advisory} is listed twice")
            seen.add((package, advisory))
        if not row["summary"].strip():
            problems.append(f"{where}: empty summary")
        url = row["source_url"]
        if not url.startswith("https://") or not any(advisory in url for advisory in ids):
            problems.append(f"{where}: source_url {url!r} is not an https link to {ids}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("row", ROWS, ids=row_label)
def test_installed_release_is_at_or_above_the_fix(row: dict[str, str]) -> None:
    package, fixed = row["package"], Version(row["fixed_in"])
    try:
        installed = Version(metadata.version(package))
    except metadata.PackageNotFoundError:
        pytest.skip(f"{package} is not installed here; floor {fixed} ({row['advisory']}) unchecked")
    assert installed >= fixed, (
        f"installed {package} {installed} predates {fixed}, the first release fixing "
        f"{row['advisory']}: {row['summary']} ({row['source_url']}); upgrade it"
    )


def test_declared_lower_bounds_exclude_vulnerable_releases() -> None:
    floors = highest_floors()
    checked: list[str] = []
    problems: list[str] = []
    for where, requirement in declared_requirements():
        name = canonicalize_name(requirement.name)
        if name not in floors:
            continue
        checked.append(name)
        fixed, advisory = floors[name]
        bound = lower_bound(requirement.specifier)
        if bound is None or bound < fixed:
            problems.append(
                f"{where}: {requirement} admits releases before {fixed} ({advisory}); "
                f"raise its lower bound to >={fixed}"
            )
    assert checked, "no declared requirement matched a package in the floors file"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("specifier", "expected"),
    [
        (">=2.0,<3", "2.0"),
        (">=1.26,>=1.4.2", "1.26"),
        ("~=1.4.2", "1.4.2"),
        ("==3.1.*", "3.1"),
        (">22", "22"),
        ("<3,!=2.1", None),
        ("", None),
    ],
)
def test_lower_bound_is_the_smallest_admitted_release(specifier: str, expected: str | None) -> None:
    assert lower_bound(SpecifierSet(specifier)) == (None if expected is None else Version(expected))
