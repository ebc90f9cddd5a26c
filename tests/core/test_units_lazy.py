"""The unit registry is built on first use, not on import (issue 20): a command whose inputs
are all in the engine's units never loads pint; any use builds the one registry, once."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import spendanalys.units as units


def _run(code: str) -> None:
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_importing_the_module_does_not_load_pint() -> None:
    _run("import sys, spendanalys.units; assert 'pint' not in sys.modules, 'pint was imported'")


def test_each_way_in_builds_the_registry() -> None:
    """``ureg``, ``Q_`` and a parse each build it on first use, in a fresh interpreter."""
    for use in (
        "from spendanalys.units import ureg; ureg.Unit('SEK')",
        "from spendanalys.units import Q_; Q_(1.0, 'kSEK').to('SEK')",
        "from spendanalys.units import convert_factor as c; assert c(1.0, 'g CO2e/pkm', "
        "'kg CO2e/pkm') == 0.001",
    ):
        _run(f"import sys; {use}; assert 'pint' in sys.modules")


def test_one_registry_however_it_is_reached() -> None:
    with ThreadPoolExecutor(4) as pool:
        seen = set(map(id, pool.map(lambda _: units.registry(), range(8))))
    assert seen == {id(units.ureg)}
    assert units.Q_ is units.ureg.Quantity
    assert units.parse_unit("kg CO2e/SEK") == units.ureg.Unit("kg CO2e/SEK")


def test_an_unknown_attribute_is_still_an_attribute_error() -> None:
    try:
        units.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("expected AttributeError")
