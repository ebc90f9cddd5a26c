"""The travel workbook's columns: field, catalogue label, unit, vocabulary (``i18n.sheets.Col``).

Totals per year and mode in tonnes, per-FTE and per-traveller figures in kg, single trips in kg;
money in kr, distances in km, shares in percent with one decimal.
"""

from __future__ import annotations

from spendanalys.i18n.sheets import Col
from spendanalys.schema import TRAVEL_MODES

YEAR_COLUMNS = [
    Col("year", "col.year", "year"),
    Col("kg_co2e", "rpt.col.emissions", "t"),
    Col("fte", "kind.fte", "decimal"),
    Col("kg_co2e_per_fte", "rpt.col.per_fte", "kg"),
    Col("path_kg_co2e_per_fte", "rpt.col.path", "kg"),
    Col("change_vs_baseline", "rpt.col.change_vs_baseline", "share"),
    Col("status", "rpt.col.status", values="status"),
    *[Col(f"kg_co2e_{m}", f"mode.{m}", "t") for m in TRAVEL_MODES],
]
NV_COLUMNS = [
    Col("year", "col.year", "year"),
    Col("category", "col.nv_category", values="nv_category"),
    Col("kg_co2e", "rpt.col.emissions", "t"),
    Col("km", "rpt.col.km_or_nights", "int"),
    Col("km_unit", "col.km_unit", values="km_unit"),
    Col("traveller_trips", "col.traveller_trips", "int"),
]
NV_YEAR_COLUMNS = [
    Col("year", "col.year", "year"),
    Col("t_co2e", "rpt.col.emissions", "tonnes"),
    Col("t_co2e_transport", "rpt.col.transport", "tonnes"),
    Col("t_co2e_hotel", "rpt.col.hotel_emissions", "tonnes"),
    Col("hotel_nights", "rpt.col.hotel_nights", "int"),
    Col("fte", "kind.fte", "decimal"),
    Col("kg_co2e_per_fte", "rpt.col.per_fte", "kg"),
    Col("hotels", "rpt.col.hotels_in_total", values="hotels"),
]
GENDER_COLUMNS = [
    Col("year", "col.year", "year"),
    Col("gender", "col.gender", values="gender"),
    Col("travellers", "rpt.col.persons", "int"),
    Col("traveller_trips", "col.traveller_trips", "int"),
    Col("trips_per_traveller", "col.trips_per_traveller", "decimal"),
    Col("kg_co2e", "rpt.col.emissions", "t"),
    Col("kg_co2e_per_traveller", "rpt.col.per_traveller", "kg"),
    Col("kg_co2e_per_traveller_trip", "rpt.col.per_trip", "kg"),
    Col("share_flight", "col.share_flight", "share"),
    Col("share_rail", "col.share_rail", "share"),
    Col("share_car", "col.share_car", "share"),
    Col("fte", "kind.fte", "decimal"),
    Col("kg_co2e_per_fte", "rpt.col.per_fte", "kg"),
    Col("note", "col.note"),
]
ROUTE_COLUMNS = [
    Col("route", "col.route"),
    Col("flights", "rpt.col.flights", "int"),
    Col("flight_km", "rpt.col.flight_km", "km"),
    Col("rail_km", "rpt.col.rail_km", "km"),
    Col("flight_kg_co2e", "mode.flight", "t"),
    Col("rail_kg_co2e", "mode.rail", "t"),
    Col("kg_co2e_saved", "rpt.col.saved", "t"),
    Col("cost_change_sek", "rpt.col.cost_change", "sek"),
    Col("time_change_hours", "rpt.col.time_change", "hours"),
    Col("rail_cost_sek", "rpt.col.rail_cost", "sek"),
    Col("rail_cost_source", "col.rail_cost_source", values="note"),
    Col("flight_cost_sek", "rpt.col.flight_cost", "sek"),
    Col("flight_cost_source", "rpt.col.flight_cost_source", values="note"),
    Col("rail_door_hours", "rpt.col.rail_hours", "hours"),
    Col("flight_door_hours", "rpt.col.flight_hours", "hours"),
    Col("time_source", "col.time_source", values="note"),
]
WHATIF_YEAR_COLUMNS = [
    Col("year", "col.year", "year"),
    Col("kg_co2e_per_fte", "rpt.col.per_fte", "kg"),
    Col("kg_co2e_saved", "rpt.col.saved_by_rail", "t"),
    Col("kg_co2e_per_fte_after", "travel.after_switch", "kg"),
    Col("path_kg_co2e_per_fte", "rpt.col.path", "kg"),
]
COMPARISON_COLUMNS = [
    Col("year", "col.year", "year"),
    Col("kg_co2e_per_fte", "rpt.col.per_fte_used", "kg"),
    Col("kg_co2e_per_fte_other", "rpt.col.per_fte_other", "kg"),
    Col("difference_per_fte", "rpt.col.factor_difference", "kg"),
    Col("relative_difference", "rpt.col.relative_difference", "share"),
]
LINE_COLUMNS = [
    Col("date", "rpt.col.trip_date", date=True), Col("year", "col.year", "year"),
    Col("component", "rpt.col.component", values="component"), Col("mode", "col.mode", values="mode"),
    Col("mode_as_written", "rpt.col.mode_as_written"),
    Col("origin", "rpt.col.origin"), Col("destination", "rpt.col.destination"),
    Col("great_circle_km", "rpt.col.great_circle", "km"), Col("distance_km", "rpt.col.distance_one_way", "km"),
    Col("distance_basis", "rpt.col.distance_basis", values="note"), Col("legs", "rpt.col.legs", "int"),
    Col("travellers", "col.travellers", "int"), Col("band", "col.band", values="band"),
    Col("cabin", "col.cabin", values="cabin"),
    Col("fuel", "rpt.col.fuel"), Col("variant", "rpt.col.variant"),
    Col("activity", "rpt.col.activity", "decimal"), Col("activity_unit", "col.unit", values="basis"),
    Col("kg_co2e_per_unit", "rpt.col.factor_per_unit", "factor"), Col("kg_co2e", "rpt.col.emissions", "kg"),
    Col("factor_row", "rpt.col.factor_row"), Col("factor_id", "rpt.col.factor_id"),
    Col("factor_source", "rpt.col.factor_source"),
    Col("unit", "rpt.col.org_unit"), Col("source_file", "col.file"), Col("source_row", "col.row", "year"),
]  # fmt: skip
REJECTED_COLUMNS = [
    Col("file", "col.file"),
    Col("row", "col.row", "year"),
    Col("column", "col.column"),
    Col("reason", "col.reason", values="note"),
]
FACTOR_COLUMNS = [
    Col("row", "col.row", "year"), Col("factor_id", "rpt.col.factor_id"),
    Col("mode", "col.mode", values="mode"), Col("band", "col.band", values="band"),
    Col("cabin", "col.cabin", values="cabin"), Col("variant", "rpt.col.variant"),
    Col("radiative_forcing", "col.radiative_forcing", values="radiative_forcing"),
    Col("factor", "rpt.col.factor", "factor"), Col("unit", "col.unit"),
    Col("year", "col.year"), Col("source", "rpt.col.source"), Col("licence", "col.licence"),
    Col("note", "rpt.col.source_note"), Col("km_read_as", "rpt.col.km_read_as", values="km_unit"),
]  # fmt: skip
