"""The Excel report of the travel analysis (Swedish sheet names and headers).

Sheets: Sammanfattning (goal, per-FTE per year against the path, forecast, and a line chart),
Naturvårdsverket (tonnes and km per mode and year as the yearly miljöledning report asks),
Förändring (what drove the change, and what the factor set alone moves), Tåg i stället för flyg
(per route and per year), Per enhet / Per kön (small groups suppressed), Jämställdhet (per gender
and year: trips per traveller, kg CO2e per traveller, mode shares, per FTE), Resor (every emission
line with distance, band, factor row and source), Avvisade rader, Metod och källor (settings
and every factor row of the set in use). Whether hotel nights are in the per-FTE figures is
stated on the sheets that show them.

Written in openpyxl's write-only mode; every value goes through ``xlsx.safe_cell_value``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference

from spendanalys.travel.naturvardsverket import (
    FLIGHT_SPLIT_KM,
    naturvardsverket_table,
    naturvardsverket_years,
)
from spendanalys.travel.summary import TravelSummary, factor_set_records
from spendanalys.xlsx import (
    DATE_FORMAT,
    DECIMAL_FORMAT,
    INTEGER_FORMAT,
    KG_FORMAT,
    SEK_FORMAT,
    SHARE_FORMAT,
    Column,
    append_rows,
    formatted,
    safe_cell_value,
    set_widths,
    table_widths,
    write_table,
)

MODE_SV = {
    "flight": "Flyg",
    "rail": "Tåg",
    "car": "Bil",
    "taxi": "Taxi",
    "bus": "Buss",
    "hotel": "Hotell",
}
EFFECT_SV = {
    "trips_per_fte": "Antal resor per årsarbetskraft",
    "mode_shift": "Byte av färdsätt",
    "trip_length": "Resornas längd",
    "intensity": "Utsläpp per personkm (klass, sträcka, beläggning)",
    "hotel": "Hotellnätter",
    "taxi_by_cost": "Taxi beräknad på kostnad",
}
METHOD = (
    "Metod: kg CO2e per årsarbetskraft = summan av resornas utsläpp under året / årsarbetskrafter. "
    "Flyg: storcirkelavstånd mellan flygplatserna (haversine, R = 6 371,0088 km, koordinater från "
    "airportsdata) × (1 + påslag); inrikes när båda flygplatserna ligger i hemlandet, annars kort "
    "upp till 3 700 km, annars lång; tur och retur dubblar sträckan; antal resenärer multiplicerar "
    "personkilometer. Tåg och buss per personkm; bil och taxi per fordonskm (resenärerna delar "
    "fordonet); hotell per rumsnatt. Mål = basårets värde × (1 − minskning); rak linje från basår "
    "till målår. Alla år beräknas med samma faktoruppsättning."
)
YEAR_COLUMNS = [
    Column("year", "År", INTEGER_FORMAT),
    Column("kg_co2e", "Utsläpp (kg CO2e)", KG_FORMAT),
    Column("fte", "Årsarbetskrafter", DECIMAL_FORMAT),
    Column("kg_co2e_per_fte", "kg CO2e per årsarbetskraft", DECIMAL_FORMAT),
    Column("path_kg_co2e_per_fte", "Rak linje mot målet", DECIMAL_FORMAT),
    Column("change_vs_baseline", "Förändring mot basår", SHARE_FORMAT),
    Column("status", "Läge"),
    *[Column(f"kg_co2e_{m}", f"{sv} (kg CO2e)", KG_FORMAT) for m, sv in MODE_SV.items()],
]
NV_CATEGORY_SV = {
    "flight_under_500": "Flyg kortare än 50 mil (500 km)",
    "flight_500_and_over": "Flyg 50 mil (500 km) och längre",
    "rail": "Tåg",
    "bus": "Buss",
    "car_own": "Bil: egen bil",
    "car_rental": "Bil: hyrbil",
    "car_fleet": "Bil: myndighetens bil (tjänstebil, bilpool, förmånsbil)",
    "car_unspecified": "Bil: slag ej angivet",
    "taxi": "Taxi",
    "hotel": "Hotellnätter (redovisas för sig)",
}
KM_UNIT_SV = {"pkm": "personkm", "vkm": "fordonskm", "night": "rumsnätter"}
HOTELS_SV = {
    True: "Hotellnätter ingår i utsläpp och kg CO2e per årsarbetskraft (--hotels in)",
    False: "Hotellnätter ingår inte i utsläpp och kg CO2e per årsarbetskraft (--hotels out); de redovisas för sig",
}
NV_COLUMNS = [
    Column("year", "År", INTEGER_FORMAT),
    Column("category", "Färdsätt"),
    Column("t_co2e", "Utsläpp (ton CO2e)", "0.000"),
    Column("km", "Sträcka (km) / nätter", INTEGER_FORMAT),
    Column("km_unit", "Enhet"),
    Column("traveller_trips", "Resor (resenärer × resor)", INTEGER_FORMAT),
]
NV_YEAR_COLUMNS = [
    Column("year", "År", INTEGER_FORMAT),
    Column("t_co2e", "Utsläpp (ton CO2e)", "0.000"),
    Column("t_co2e_transport", "Varav resor (ton CO2e)", "0.000"),
    Column("t_co2e_hotel", "Hotellnätter (ton CO2e)", "0.000"),
    Column("hotel_nights", "Hotellnätter (antal)", INTEGER_FORMAT),
    Column("fte", "Årsarbetskrafter", DECIMAL_FORMAT),
    Column("kg_co2e_per_fte", "kg CO2e per årsarbetskraft", DECIMAL_FORMAT),
    Column("hotels", "Hotellnätter i utsläppen"),
]
GENDER_SV = {"woman": "Kvinnor", "man": "Män", "unknown": "Okänt"}
GENDER_COLUMNS = [
    Column("year", "År", INTEGER_FORMAT),
    Column("gender", "Kön"),
    Column("travellers", "Resenärer (personer)", INTEGER_FORMAT),
    Column("traveller_trips", "Resor (resenärer × resor)", INTEGER_FORMAT),
    Column("trips_per_traveller", "Resor per resenär", DECIMAL_FORMAT),
    Column("kg_co2e", "Utsläpp (kg CO2e)", KG_FORMAT),
    Column("kg_co2e_per_traveller", "kg CO2e per resenär", DECIMAL_FORMAT),
    Column("kg_co2e_per_traveller_trip", "kg CO2e per resa", DECIMAL_FORMAT),
    Column("share_flight", "Andel flyg", SHARE_FORMAT),
    Column("share_rail", "Andel tåg", SHARE_FORMAT),
    Column("share_car", "Andel bil", SHARE_FORMAT),
    Column("fte", "Årsarbetskrafter", DECIMAL_FORMAT),
    Column("kg_co2e_per_fte", "kg CO2e per årsarbetskraft", DECIMAL_FORMAT),
    Column("note", "Anmärkning"),
]
STATUS_SV = {
    "on or below the path": "på eller under linjen",
    "above the path": "över linjen",
    "no data": "data saknas",
}
ROUTE_COLUMNS = [
    Column("route", "Sträcka"),
    Column("flights", "Flygresor (enkel väg × resenärer)", INTEGER_FORMAT),
    Column("flight_km", "Flygavstånd (km)", INTEGER_FORMAT),
    Column("rail_km", "Tågavstånd (km, uppskattat)", INTEGER_FORMAT),
    Column("flight_kg_co2e", "Flyg (kg CO2e)", KG_FORMAT),
    Column("rail_kg_co2e", "Tåg (kg CO2e)", KG_FORMAT),
    Column("kg_co2e_saved", "Minskning (kg CO2e)", KG_FORMAT),
    Column("cost_change_sek", "Kostnadsförändring (SEK)", SEK_FORMAT),
    Column("time_change_hours", "Tidsförändring dörr till dörr (timmar)", DECIMAL_FORMAT),
    Column("rail_cost_sek", "Tåg, kostnad per resa (SEK)", SEK_FORMAT),
    Column("rail_cost_source", "Tågkostnad enligt"),
    Column("flight_cost_sek", "Flyg, kostnad per resa (SEK)", SEK_FORMAT),
    Column("flight_cost_source", "Flygkostnad enligt"),
    Column("rail_door_hours", "Tåg dörr till dörr (timmar)", DECIMAL_FORMAT),
    Column("flight_door_hours", "Flyg dörr till dörr (timmar)", DECIMAL_FORMAT),
    Column("time_source", "Tider enligt"),
]
WHATIF_YEAR_COLUMNS = [
    Column("year", "År", INTEGER_FORMAT),
    Column("kg_co2e_per_fte", "kg CO2e per årsarbetskraft", DECIMAL_FORMAT),
    Column("kg_co2e_saved", "Minskning med tåg (kg CO2e)", KG_FORMAT),
    Column("kg_co2e_per_fte_after", "Efter byte till tåg", DECIMAL_FORMAT),
    Column("path_kg_co2e_per_fte", "Rak linje mot målet", DECIMAL_FORMAT),
]
COMPARISON_COLUMNS = [
    Column("year", "År", INTEGER_FORMAT),
    Column("kg_co2e_per_fte", "kg CO2e per åa (använd uppsättning)", DECIMAL_FORMAT),
    Column("kg_co2e_per_fte_other", "kg CO2e per åa (jämförd uppsättning)", DECIMAL_FORMAT),
    Column("difference_per_fte", "Skillnad enbart av faktorerna", DECIMAL_FORMAT),
    Column("relative_difference", "Skillnad (%)", SHARE_FORMAT),
]
LINE_COLUMNS = [
    Column("date", "Resedatum", DATE_FORMAT), Column("year", "År", INTEGER_FORMAT),
    Column("component", "Del"), Column("mode", "Färdsätt"), Column("mode_as_written", "Färdsätt som angivet"),
    Column("origin", "Från"), Column("destination", "Till"),
    Column("great_circle_km", "Storcirkel (km)", DECIMAL_FORMAT), Column("distance_km", "Avstånd enkel väg (km)", DECIMAL_FORMAT),
    Column("distance_basis", "Avstånd enligt"), Column("legs", "Sträckor", INTEGER_FORMAT),
    Column("travellers", "Resenärer", INTEGER_FORMAT), Column("band", "Flygband"), Column("cabin", "Klass"),
    Column("fuel", "Drivmedel"), Column("variant", "Faktorvariant (drivmedel, land)"),
    Column("activity", "Mängd", DECIMAL_FORMAT), Column("activity_unit", "Enhet"),
    Column("kg_co2e_per_unit", "Faktor (kg CO2e per enhet)", "0.00000"), Column("kg_co2e", "Utsläpp (kg CO2e)", DECIMAL_FORMAT),
    Column("factor_row", "Faktorrad"), Column("factor_id", "Faktor-ID"), Column("factor_source", "Faktorkälla"),
    Column("unit", "Enhet (org.)"), Column("source_file", "Fil"), Column("source_row", "Rad", INTEGER_FORMAT),
]  # fmt: skip
REJECTED_COLUMNS = [
    Column("file", "Fil"),
    Column("row", "Rad", INTEGER_FORMAT),
    Column("column", "Kolumn"),
    Column("reason", "Orsak"),
]
FACTOR_COLUMNS = [
    Column("row", "Rad", INTEGER_FORMAT), Column("factor_id", "ID"), Column("mode", "Färdsätt"),
    Column("band", "Flygband"), Column("cabin", "Klass"), Column("variant", "Variant"),
    Column("radiative_forcing", "Höghöjdseffekt"), Column("factor", "Värde"), Column("unit", "Enhet"),
    Column("year", "År"), Column("source", "Källa"), Column("licence", "Licens"), Column("note", "Anmärkning"),
    Column("km_read_as", "Enhet per km läst som"),
]  # fmt: skip


def _sheet(
    wb: Workbook, title: str, tables: Sequence[tuple[pd.DataFrame, Sequence[Column]]]
) -> Any:
    ws = wb.create_sheet(title)
    widths: dict[int, float] = {}
    for frame, columns in tables:
        table_widths(frame, columns, widths)
    widths[1] = max(widths.get(1, 0), 28)
    set_widths(ws, widths)
    return ws


def _summary(wb: Workbook, summary: TravelSummary) -> None:
    a = summary.analysis
    s = a.settings
    years = a.years.merge(
        a.path[["year", "path_kg_co2e_per_fte", "change_vs_baseline", "status"]],
        on="year",
        how="left",
    )
    ws = _sheet(wb, "Sammanfattning", [(years, YEAR_COLUMNS)])
    ws.append([formatted(ws, "Tjänsteresor: utsläpp per årsarbetskraft mot målet", bold=True)])
    rows: list[tuple[str, Any, str | None]] = [
        ("Basår", s.baseline_year, INTEGER_FORMAT),
        ("Basårets kg CO2e per årsarbetskraft", a.baseline["kg_co2e_per_fte"], DECIMAL_FORMAT),
        ("Målår", s.target_year, INTEGER_FORMAT),
        ("Minskning", s.reduction, SHARE_FORMAT),
        ("Mål, kg CO2e per årsarbetskraft", a.target["kg_co2e_per_fte"], DECIMAL_FORMAT),
    ]
    if a.forecast:
        rows.append(
            (
                f"PROGNOS för {s.target_year} (ej mätt värde)",
                a.forecast["kg_co2e_per_fte"],
                DECIMAL_FORMAT,
            )
        )
    for label, value, fmt in rows:
        ws.append([safe_cell_value(ws, label), formatted(ws, value, fmt)])
    append_rows(
        ws,
        [
            ("Faktoruppsättning", a.factors.name),
            ("Höghöjdseffekt (RF)", "inkluderad" if s.radiative_forcing else "ej inkluderad"),
            ("Påslag på flygavstånd", s.uplift),
            ("Hotellnätter", HOTELS_SV[s.include_hotels]),
        ],
    )
    if a.forecast:
        append_rows(ws, [("Prognosmetod", a.forecast["method"])])
    ws.append([])
    header_row = (
        1 + len(rows) + 4 + (1 if a.forecast else 0) + 2
    )  # title, rows, settings, method, blank
    write_table(ws, years, YEAR_COLUMNS, value_maps={"status": lambda v: STATUS_SV.get(v, v)})
    if len(years) > 1:
        chart = LineChart()
        chart.title = "kg CO2e per årsarbetskraft"
        chart.y_axis.title = "kg CO2e per åa"
        data = Reference(
            ws, min_col=4, max_col=5, min_row=header_row, max_row=header_row + len(years)
        )
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(
            Reference(ws, min_col=1, min_row=header_row + 1, max_row=header_row + len(years))
        )
        chart.height, chart.width = 8, 16
        ws.add_chart(chart, f"A{header_row + len(years) + 3}")
    ws.append([])
    append_rows(ws, [("Anmärkning", note) for note in a.notes])


def _naturvardsverket(wb: Workbook, summary: TravelSummary) -> None:
    a = summary.analysis
    s = a.settings
    table = naturvardsverket_table(a.trips, FLIGHT_SPLIT_KM)
    years = naturvardsverket_years(a, table)
    ws = _sheet(wb, "Naturvårdsverket", [(table, NV_COLUMNS), (years, NV_YEAR_COLUMNS)])
    ws.append(
        [
            formatted(
                ws, "Tjänsteresor per år till Naturvårdsverket (miljöledning i staten)", bold=True
            )
        ]
    )
    append_rows(
        ws,
        [
            ("Faktoruppsättning", a.factors.name),
            ("Höghöjdseffekt (RF)", "inkluderad" if s.radiative_forcing else "ej inkluderad"),
            ("Hotellnätter", HOTELS_SV[s.include_hotels]),
            (
                "Flyg delas vid",
                f"{FLIGHT_SPLIT_KM:g} km enkel väg (avstånd som använts: storcirkel × "
                f"{1 + s.uplift:g}, eller avståndet i filen)",
            ),
            (
                "Sträcka",
                "personkm för flyg, tåg och buss; fordonskm för bil och taxi (resenärerna delar "
                "fordonet); hotell i rumsnätter",
            ),
            (
                "Bil efter slag",
                "enligt färdsättet i filen (Egen bil, Hyrbil, Tjänstebil …); bara ”Bil” = slag ej angivet",
            ),
            (),
        ],
    )
    write_table(
        ws,
        years,
        NV_YEAR_COLUMNS,
        value_maps={"hotels": lambda v: "ingår" if v == "included" else "ingår inte"},
    )
    ws.append([])
    write_table(
        ws,
        table,
        NV_COLUMNS,
        value_maps={
            "category": lambda v: NV_CATEGORY_SV.get(v, v),
            "km_unit": lambda v: KM_UNIT_SV.get(v, v),
        },
    )


def _gender(wb: Workbook, summary: TravelSummary) -> None:
    a = summary.analysis
    table = summary.gender if summary.gender is not None else pd.DataFrame()
    ws = _sheet(wb, "Jämställdhet", [(table, GENDER_COLUMNS)])
    ws.append([formatted(ws, "Tjänsteresor per kön och år", bold=True)])
    n = a.settings.min_group_travellers
    append_rows(
        ws,
        [
            ("Kön", "enligt resans rad; gäller alla resenärer på raden"),
            ("Resenärer", "antal personer när varje rad har resenärens id, annars okänt"),
            ("Andelar", "andel av resorna (resenärer × resor) med flyg, tåg och bil (ej taxi)"),
            ("Små grupper", f"grupper med färre än {n} resenärer visas inte (--min-group)"),
            ("Hotellnätter", HOTELS_SV[a.settings.include_hotels]),
            (),
        ],
    )
    notes = {
        "": "",
        "no traveller identity in the trips: figures per traveller-trip only": (
            "resenärens id saknas: bara per resa"
        ),
    }
    write_table(
        ws,
        table,
        GENDER_COLUMNS,
        value_maps={
            "gender": lambda v: GENDER_SV.get(v, v),
            "note": lambda v: notes.get(v, f"dold (färre än {n} resenärer)"),
        },
    )


def _change(wb: Workbook, summary: TravelSummary) -> None:
    comparison = (
        summary.factor_comparison if summary.factor_comparison is not None else pd.DataFrame()
    )
    ws = _sheet(wb, "Förändring", [(comparison, COMPARISON_COLUMNS)])
    d = summary.decomposition
    if d:
        ws.append(
            [
                formatted(
                    ws,
                    f"Vad förändringen {d['from_year']}–{d['to_year']} beror på (kg CO2e per årsarbetskraft, samma faktorer)",
                    bold=True,
                )
            ]
        )
        ws.append(
            [
                safe_cell_value(ws, "Total förändring"),
                formatted(ws, d["total_change"], DECIMAL_FORMAT),
            ]
        )
        for key, value in d["effects"].items():
            ws.append(
                [safe_cell_value(ws, EFFECT_SV.get(key, key)), formatted(ws, value, DECIMAL_FORMAT)]
            )
        append_rows(ws, [("Metod", d["method"]), ()])
    else:
        append_rows(ws, [("Ingen förändring att dela upp: bara ett år med data",), ()])
    sets = comparison.attrs.get("factor_sets", ("", ""))
    ws.append(
        [formatted(ws, f"Samma resor, annan faktoruppsättning ({sets[0]} → {sets[1]})", bold=True)]
    )
    write_table(ws, comparison, COMPARISON_COLUMNS)


def write_travel_report(summary: TravelSummary, path: str | Path) -> None:
    """Write the travel analysis to an .xlsx workbook at ``path`` (overwritten)."""
    a = summary.analysis
    wb = Workbook(write_only=True)
    _summary(wb, summary)
    _naturvardsverket(wb, summary)
    _change(wb, summary)
    routes, wy = summary.what_if["routes"], summary.what_if["years"]
    ws = _sheet(wb, "Tåg i stället för flyg", [(routes, ROUTE_COLUMNS), (wy, WHATIF_YEAR_COLUMNS)])
    append_rows(
        ws,
        [
            (
                f"Flyg kortare än {a.settings.train_threshold_km:g} km enkel väg; tågavstånd = storcirkel × {a.settings.rail_detour:g}",
            ),
            (
                "En jämförelse av två sätt att resa (utsläpp, kostnad och tid dörr till dörr), "
                "inte ett beslut. Kostnad per resenär och enkel väg: din ruttfil, annars "
                "medianen av myndighetens egna resor på sträckan, annars rutt-tabellen; tider: "
                "din ruttfil, annars rutt-tabellen (spendanalys/travel/data/route_times.csv, "
                "med källa och datum per rad; de flesta tider är uppskattningar).",
            ),
            (),
        ],
    )
    write_table(ws, routes, ROUTE_COLUMNS)
    ws.append([])
    write_table(ws, wy, WHATIF_YEAR_COLUMNS)
    for key, title in (("unit", "Per enhet"), ("gender", "Per kön")):
        if key in summary.breakdowns:
            table = summary.breakdowns[key]
            columns = [
                Column("year", "År", INTEGER_FORMAT),
                Column(key, "Enhet" if key == "unit" else "Kön"),
                Column("travellers", "Resenärer (resor)", INTEGER_FORMAT),
                Column("kg_co2e", "Utsläpp (kg CO2e)", KG_FORMAT),
                Column("share", "Andel", SHARE_FORMAT),
            ]
            if "kg_co2e_per_fte" in table:
                columns.append(
                    Column("kg_co2e_per_fte", "kg CO2e per årsarbetskraft", DECIMAL_FORMAT)
                )
            columns.append(Column("note", "Anmärkning"))
            ws = _sheet(wb, title, [(table, columns)])
            write_table(
                ws,
                table,
                columns,
                value_maps={
                    "note": lambda v, n=a.settings.min_group_travellers: (
                        f"dold (färre än {n} resenärer)" if v else v
                    )
                },
            )
    if summary.gender is not None:
        _gender(wb, summary)
    ws = _sheet(wb, "Resor", [(a.trips, LINE_COLUMNS)])
    write_table(ws, a.trips, LINE_COLUMNS, value_maps={"mode": lambda v: MODE_SV.get(v, v)})
    rejected = pd.DataFrame(
        [r.as_dict() for r in a.rejected], columns=["file", "row", "column", "reason"]
    )
    ws = _sheet(wb, "Avvisade rader", [(rejected, REJECTED_COLUMNS)])
    write_table(ws, rejected, REJECTED_COLUMNS)
    ws = _sheet(wb, "Metod och källor", [(a.factors.table, FACTOR_COLUMNS)])
    # Each set by name, version, licence and file name: never the path it was read from.
    append_rows(ws, [("Metod", METHOD), ("", "Namn", "Version", "Licens", "Fil", "Roll")])
    roles = {"used": "används", "compared": "jämförs med"}
    for d in factor_set_records(summary):
        row = ("Faktoruppsättning", d["name"], d["version"], d["licence"], d["file"])
        append_rows(ws, [(*row, roles[d["role"]])])
    append_rows(ws, [("Inställning", k, str(v)) for k, v in vars(a.settings).items()])
    ws.append([])
    write_table(
        ws,
        a.factors.table,
        FACTOR_COLUMNS,
        value_maps={"km_read_as": lambda v: KM_UNIT_SV.get(v, v)},
    )
    wb.save(str(path))
