"""The built-in data the engines run on: spend tables in ``spend/``, travel factors in ``travel/``.

A data package installed with the wheel, so the tables are found outside the checkout: read them
through ``importlib.resources.files("emission_factors")``. Formats and provenance are in README.md
here. The build scripts in ``spend/`` are run by hand as files; nothing imports them.
"""
