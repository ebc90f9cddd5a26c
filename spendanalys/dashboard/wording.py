"""Engine messages worded through the catalogue at the dashboard's edge.

The spend, travel and reader code writes its notes and reasons in English sentences of a known
shape ("org number 5592011372 belongs to 2 agreements"). Until each comes with a code and its
parameters, the dashboard recognises the shapes below and words them with the catalogue key
named beside each, the parameters filled in; a message of an unknown shape is shown as written
(never dropped). ``tests/dashboard/test_wording.py`` holds one real message per shape.
"""

from __future__ import annotations

import re
from functools import cache

from spendanalys.i18n import t

_Q = r"(?P<q>['\"])"  # the quote Python's repr chose
# (pattern, catalogue key); the named groups are the key's placeholders.
SHAPES: tuple[tuple[str, str], ...] = (
    # linking (spend/linking.py)
    (r"org number (?P<org>\S+) belongs to (?P<n>\d+) agreements", "engine.link_org_many"),
    (
        rf"supplier name {_Q}(?P<name>.*)(?P=q) belongs to (?P<n>\d+) agreements",
        "engine.link_name_many",
    ),
    (rf"agreement id {_Q}(?P<id>.*)(?P=q) is not in the register", "engine.link_unknown_id"),
    (
        r"supplier name matches agreement (?P<id>\S+) but the org numbers differ",
        "engine.link_org_differs",
    ),
    # readers (io/)
    (rf"skipped total row (?P<row>\d+) \({_Q}(?P<label>.*)(?P=q)\)", "engine.total_row"),
    (r"\.\.\. and (?P<n>\d+) more total rows", "engine.total_rows_more"),
    (r"no value for (?P<labels>.+)", "engine.no_value"),
    (r"more cells than the (?P<n>\d+) header columns", "engine.extra_cells"),
    (r"(?P<value>.+) is not a valid calendar date", "engine.not_calendar_date"),
    (r"(?P<value>.+) is not a date", "engine.not_date"),
    (r"(?P<value>.+) is not yes/no \(.*\)", "engine.not_yes_no"),
    (r"(?P<value>.+) is not a Swedish organisation number \(10 digits\)", "engine.not_org"),
    (r"(?P<value>.+) is not an organisation number", "engine.not_org"),
    (r"(?P<value>.+) does not start with an 8-digit CPV code", "engine.not_cpv"),
    (r"(?P<value>.+) is not a whole number", "engine.not_whole"),
    (r"(?P<value>.+) is not a number", "engine.not_number"),
    # travel notes (travel/analysis.py, travel/variants.py)
    (r"factor set: (?P<name>\S+)", "engine.travel_factor_set"),
    (r"radiative forcing \(high-altitude effect\): included", "engine.travel_rf_in"),
    (r"radiative forcing \(high-altitude effect\): not included", "engine.travel_rf_out"),
    (
        r"flight distance: great circle × (?P<x>[\d.]+); distances written in the file used as given",
        "engine.travel_distance",
    ),
    (r"hotel nights: included in kg CO2e and kg CO2e per FTE.*", "engine.travel_hotels_in"),
    (r"hotel nights: not included in kg CO2e and kg CO2e per FTE.*", "engine.travel_hotels_out"),
    (
        r"(?P<n>\d+) hotel line\(s\) in countries without a hotel row of their own in (?P<set>\S+) "
        r"\((?P<values>.*)\): priced with its rest-of-the-world row",
        "engine.travel_hotel_world",
    ),
    (
        r"(?P<n>\d+) hotel line\(s\) in countries without a hotel row of their own in (?P<set>\S+) "
        r"\((?P<values>.*)\): priced with its rest-of-the-EU row",
        "engine.travel_hotel_eu",
    ),
    (
        r"(?P<n>\d+) hotel line\(s\) in countries without a hotel row of their own in (?P<set>\S+) "
        r"\((?P<values>.*)\): priced with its default hotel row",
        "engine.travel_hotel_default",
    ),
    (
        r"(?P<n>\d+) hotel line\(s\) whose place could not be resolved to a country "
        r"\((?P<values>.*)\): priced with the factor set's default hotel row",
        "engine.travel_hotel_place",
    ),
    (
        r"(?P<n>\d+) hotel line\(s\) without a place: priced with the factor set's default hotel row",
        "engine.travel_hotel_no_place",
    ),
    (
        r"(?P<n>\d+) car row\(s\) with a fuel not known \((?P<values>.*)\): priced as the average "
        r"car.*",
        "engine.travel_car_fuel",
    ),
    (
        r"(?P<n>\d+) car row\(s\) with a fuel the factor set (?P<set>\S+) has no row for "
        r"\((?P<values>.*)\): priced as its average car",
        "engine.travel_car_no_row",
    ),
    (r"no accepted trips for year\(s\) (?P<years>.+): no figure", "engine.travel_no_trips"),
    (r"no FTE for year\(s\) (?P<years>.+): no per-FTE figure", "engine.travel_no_fte"),
    # train-or-flight sources (travel/routes.py)
    (
        r"median of the agency's (?P<n>\d+) (?P<mode>rail|flight) trip\(s\) on the route",
        "engine.route_median",
    ),
    (r"your route file", "engine.route_yours"),
    (r"no figure", "engine.route_none"),
    (r"route table \(measured, (?P<year>\d{4})\): (?P<cite>.*)", "engine.route_measured"),
    (r"route table \(approximation, (?P<year>\d{4})\): (?P<cite>.*)", "engine.route_approx"),
    # the dashboard's own form checks (components.as_year) and the edit services
    (
        r"the (?P<what>baseline year|target year|price year) must be a year from (?P<a>\d+) to "
        r"(?P<b>\d+)",
        "engine.form_year",
    ),
    (
        r"target year (?P<t>\d+) must come after baseline year (?P<b>\d+)",
        "engine.form_target_after",
    ),
    (r"reduction (?P<r>\S+) must be at least 0 and below 1", "engine.form_reduction"),
    (r"the key of a category mapping is empty", "engine.form_key_empty"),
    (rf"{_Q}(?P<id>.*)(?P=q) is not a category of the category tree", "engine.form_category"),
    (r"the factor must be a positive number", "engine.form_factor"),
    (r"a supplier-specific factor needs a source", "engine.form_source"),
)
_WHAT = {
    "baseline year": "goal.baseline",
    "target year": "goal.target",
    "price year": "form.price_year",
}


@cache
def _compiled() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(pattern + r"\Z"), key) for pattern, key in SHAPES)


def worded(message: str, language: str) -> str:
    """``message`` in ``language``: English as the engine wrote it; in Swedish through the
    catalogue when its shape is known (``SHAPES``), else as written."""
    if language == "en":
        return message
    for pattern, key in _compiled():
        match = pattern.match(message.strip())
        if match:
            values = {k: v for k, v in match.groupdict().items() if k != "q"}
            if "what" in values:
                values["what"] = t(_WHAT[values["what"]], language).lower()
            if "mode" in values:
                values["mode"] = t(f"mode.{values['mode']}", language).lower()
            if "values" in values:
                values["values"] = (
                    values["values"].replace(" and ", " och ").replace(" more", " till")
                )
            text = t(key, language, **values)
            return text[:1].upper() + text[1:] if key.startswith("engine.form_") else text
    return message


def worded_all(messages: list[str] | tuple[str, ...], language: str) -> list[str]:
    return [worded(m, language) for m in messages]
