"""``spendanalys.services`` offers its names lazily (issue 20): each is the object of the
module that defines it, as with the eager imports it replaced, and submodules stay reachable
as attributes."""

from __future__ import annotations

import importlib

import pytest

from spendanalys import services


@pytest.mark.parametrize("name", services.__all__)
def test_every_exported_name_is_its_modules_object(name: str) -> None:
    value = getattr(services, name)
    module = importlib.import_module(getattr(value, "__module__", None) or "builtins")
    assert name in dir(services)
    if callable(value) and module.__name__.startswith("spendanalys."):
        assert getattr(module, value.__name__) is value


def test_submodules_and_unknown_names() -> None:
    assert services.reports.DOCUMENT  # a submodule as an attribute, as the dashboard uses it
    assert services.assembly.run_spend
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        services.no_such_name  # noqa: B018
    from spendanalys.services import Store, spend_view

    assert Store is services.Store and spend_view is services.spend_view
