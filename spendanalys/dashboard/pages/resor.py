"""Resor (environmental coordinator): uploads, goal, per-FTE chart, breakdowns, what-if."""

from __future__ import annotations

import time
from typing import Any

import dash
from dash import Input, Output, State, dcc, html

from spendanalys import services
from spendanalys.dashboard import charts, page_data, security
from spendanalys.dashboard.components import (
    as_year,
    card,
    graph,
    labelled,
    lang,
    message,
    number_or_none,
    page_guard,
    table,
    upload_box,
)
from spendanalys.dashboard.downloads import download_bar, register_downloads
from spendanalys.dashboard.uploads import register_upload
from spendanalys.errors import AccessDenied, SpendanalysError
from spendanalys.i18n import format_number, format_percent, t
from spendanalys.i18n.notes import worded
from spendanalys.travel.gender import gender_perspective
from spendanalys.travel.naturvardsverket import naturvardsverket_table
from spendanalys.travel.whatif import decompose_change, train_instead_of_flight
from spendanalys.travel.yearly import headline_lines, hotels_stated

dash.register_page(__name__, path="/resor", title="Spendanalys – resor", order=2, nav="nav.travel")

REFRESH = ("refresh-trips", "refresh-fte", "refresh-goal")
GOAL_RESULT = security.writes("goal-result", "edit:goal_settings")
register_downloads("resor")
register_upload("trips")
register_upload("fte")


def breakdown_columns(by: str) -> tuple[tuple[str, str, str], ...]:
    return (
        (by, f"col.{by}", "text"),
        ("kg_co2e", "col.kg_co2e", "number"),
        ("person_trips", "col.person_trips", "number"),
        ("share", "col.share", "percent"),
        ("note", "col.note", "text"),
    )


ROUTES = (
    ("route", "col.route", "text"),
    ("flights", "col.flights", "number"),
    ("flight_km", "col.flight_km", "number"),
    ("rail_km", "col.rail_km", "number"),
    ("kg_co2e_saved", "col.kg_saved", "number"),
    ("cost_change_sek", "col.cost_change", "number"),
    ("time_change_hours", "col.time_change", "number1"),
    ("rail_cost_source", "col.rail_cost_source", "text"),
    ("time_source", "col.time_source", "text"),
)


WHATIF_YEARS = (
    ("year", "col.year", "text"),
    ("t_saved", "verdict.col_t_saved", "number1"),
    ("kg_co2e_per_fte", "col.kg_per_fte", "number1"),
    ("kg_co2e_per_fte_after", "verdict.col_after", "number1"),
    ("path_kg_co2e_per_fte", "verdict.col_path", "number1"),
    ("on_path", "verdict.col_on_path", "text"),
)


NATURVARDSVERKET = (
    ("year", "col.year", "text"),
    ("category", "col.nv_category", "text"),
    ("t_co2e", "col.t_co2e", "number1"),
    ("km", "col.km", "number"),
    ("km_unit", "col.km_unit", "text"),
)


def _naturvardsverket(analysis: Any, language: str) -> list[Any]:
    """Naturvårdsverket's yearly figures: tonnes and km per category and year, newest first."""
    frame = naturvardsverket_table(analysis.trips).sort_values(
        "year", ascending=False, kind="stable"
    )
    frame["category"] = [t(f"nv.{c}", language) for c in frame["category"]]
    frame["km_unit"] = [t(f"unit.{u}", language) for u in frame["km_unit"]]
    frame["year"] = frame["year"].astype(str)
    rf = "travel.rf_included" if analysis.settings.radiative_forcing else "travel.rf_excluded"
    return [
        html.H2(t("travel.nv_heading", language)),
        html.P(
            t(
                "travel.nv_note",
                language,
                factor_set=analysis.factors.name,
                rf=t(rf, language),
            ),
            className="muted",
        ),
        table(frame, NATURVARDSVERKET, language, table_id="travel-naturvardsverket", limit=200),
    ]


GENDER = (
    ("gender", "col.gender", "text"),
    ("travellers", "col.travellers", "number"),
    ("traveller_trips", "col.traveller_trips", "number"),
    ("trips_per_traveller", "col.trips_per_traveller", "number1"),
    ("kg_co2e_per_traveller", "col.kg_per_traveller", "number"),
    ("kg_co2e_per_traveller_trip", "col.kg_per_trip", "number"),
    ("share_flight", "col.share_flight", "percent"),
    ("share_rail", "col.share_rail", "percent"),
    ("share_car", "col.share_car", "percent"),
    ("kg_co2e_per_fte", "col.kg_per_fte", "number1"),
    ("note", "col.note", "text"),
)


def _gender(analysis: Any, year: int, language: str) -> list[Any]:
    """The gender perspective of ``year``: trips and kg CO2e per traveller, mode shares."""
    s = analysis.settings
    frame = gender_perspective(
        headline_lines(analysis.trips, s.include_hotels),
        analysis.fte,
        min_group=s.min_group_travellers,
    )
    frame = frame[frame["year"] == year].copy()
    frame["gender"] = [
        t(f"gender.{g}", language) if g in ("woman", "man", "unknown") else g
        for g in frame["gender"]
    ]
    frame["note"] = [
        t("verdict.suppressed_either", language, n=s.min_group_travellers)
        if hidden
        else t("travel.no_traveller_id", language)
        if note
        else ""
        for hidden, note in zip(frame["suppressed"], frame["note"], strict=True)
    ]
    return [
        html.H2(t("travel.gender_heading", language, year=year)),
        html.P(t("travel.gender_note", language, n=s.min_group_travellers), className="muted"),
        table(frame, GENDER, language, table_id="travel-gender"),
    ]


def _goal_form(language: str) -> html.Div:
    goal = security.current_store().goal_settings()
    return html.Div(
        [
            html.Label(
                [
                    t("goal.baseline", language),
                    dcc.Input(id="goal-baseline", type="number", value=goal.baseline_year),
                ]
            ),
            html.Label(
                [
                    t("goal.target", language),
                    dcc.Input(id="goal-target", type="number", value=goal.target_year),
                ]
            ),
            html.Label(
                [
                    t("goal.reduction", language),
                    dcc.Input(
                        id="goal-reduction",
                        type="number",
                        value=round(goal.reduction * 100, 1),
                    ),  # no min/max: the server refuses 150 % naming it (not a blank value)
                ]
            ),
            html.Button(
                t("form.save_goal", language),
                id="goal-save",
                className="button",
                disabled=not security.may("edit:goal_settings"),
            ),
        ],
        className="form",
    )


def layout(**_query: Any) -> Any:
    redirect = page_guard()
    if redirect is not None:
        return redirect
    language = lang()
    cap = security.max_upload_bytes()
    return html.Div(
        [
            html.H1(t("travel.title", language)),
            html.Div(
                [
                    upload_box(
                        "upload-trips",
                        t("kind.trips", language),
                        language,
                        cap,
                        security.may("import:trips"),
                    ),
                    upload_box(
                        "upload-fte",
                        t("kind.fte", language),
                        language,
                        cap,
                        security.may("import:fte"),
                    ),
                ],
                className="row",
            ),
            *[dcc.Store(id=r) for r in REFRESH],
            download_bar(language, "resor"),
            html.H2(t("goal.heading", language)),
            _goal_form(language),
            html.Div(id=GOAL_RESULT),
            dcc.Loading(html.Div(id="resor-analysis")),
            html.H2(t("whatif.heading", language)),
            html.P(t("whatif.note", language), className="muted"),
            labelled(
                dcc.Slider(
                    id="whatif-km",
                    min=200,
                    max=1500,
                    step=50,
                    value=500,
                    marks={k: f"{k} km" for k in range(200, 1501, 200)},
                ),
                t("a11y.whatif_label", language),
            ),
            dcc.Loading(html.Div(id="whatif")),
        ]
    )


def _breakdowns(analysis: Any, year: int, language: str) -> html.Div:
    columns = []
    for by in ("mode", "unit", "gender"):
        frame = services.travel_breakdown(analysis, by, year)
        if by == "mode":
            frame[by] = [t(f"mode.{v}", language) for v in frame[by]]
        else:
            frame[by] = [t("value.unknown", language) if v == "unknown" else v for v in frame[by]]
        frame["note"] = [
            t("verdict.suppressed_either", language, n=analysis.settings.min_group_travellers)
            if s
            else ""
            for s in frame["suppressed"]
        ]
        columns.append(
            html.Div(
                [
                    html.H3(t(f"col.{by}", language)),
                    graph(
                        f"breakdown-{by}",
                        charts.breakdown(frame.dropna(subset=["kg_co2e"]), by, language),
                        height=260,
                    ),
                    table(frame, breakdown_columns(by), language),
                ],
                className="col",
            )
        )
    return html.Div(columns, className="row")


def render_analysis(language: str) -> list[Any]:
    try:
        analysis = services.travel_view(security.current_store())
    except SpendanalysError as exc:
        return [message(t("travel.error", language, reason=worded(str(exc), language)), "error")]
    if analysis is None:
        return [message(t("travel.no_data", language), "info")]
    known = analysis.years.dropna(subset=["kg_co2e_per_fte"])
    latest = int(known["year"].max())
    base = int(analysis.baseline["year"])
    row = known.set_index("year").loc[latest]
    parts: list[Any] = [
        html.Div(
            [
                card(
                    t("overview.travel_latest", language, year=latest),
                    f"{format_number(row['kg_co2e_per_fte'], language)} kg",
                    card_id="travel-latest",
                ),
                card(
                    t("overview.travel_change", language, year=base),
                    format_percent(
                        row["kg_co2e_per_fte"] / analysis.baseline["kg_co2e_per_fte"] - 1, language
                    ),
                ),
                card(
                    t("overview.travel_target", language, year=int(analysis.target["year"])),
                    f"{format_number(analysis.target['kg_co2e_per_fte'], language)} kg",
                ),
            ],
            className="cards",
        ),
        html.P(
            t(f"travel.hotels_{hotels_stated(analysis.settings.include_hotels)}", language),
            className="muted",
            id="travel-hotels",
        ),
        html.H2(t("travel.per_fte_heading", language)),
        graph("travel-chart", charts.travel_per_fte(analysis, language)),
        html.H2(t("travel.by_mode", language)),
        graph("travel-mode-chart", charts.travel_by_mode(analysis, language), 300),
        html.H2(t("travel.breakdown", language, year=latest)),
        _breakdowns(analysis, latest, language),
        *_gender(analysis, latest, language),
        *_naturvardsverket(analysis, language),
    ]
    if latest != base:
        result = decompose_change(analysis, base, latest)
        parts += [
            html.H2(t("travel.decomposition", language, start=base, end=latest)),
            graph("decomposition-chart", charts.decomposition(result, language), 340),
        ]
    parts += [html.Div(worded(note, language), className="muted") for note in analysis.notes]
    return parts


@dash.callback(Output("resor-analysis", "children"), *[Input(r, "data") for r in REFRESH])
def _analysis(*_refresh: Any) -> Any:
    language = lang()
    return page_data.rendered(
        security.current_store(),
        f"travel-analysis:{language}",
        lambda: render_analysis(language),
        scope="travel",
    )


@dash.callback(
    Output("whatif", "children"), Input("whatif-km", "value"), *[Input(r, "data") for r in REFRESH]
)
def _whatif(km_value: Any, *_refresh: Any) -> Any:
    km = number_or_none(km_value)
    if km is None:  # the slider always sends a number
        return dash.no_update
    language = lang()
    store = security.current_store()
    # Built once per travel state, threshold and language (the slider has 27 positions): a
    # viewer moving it back and forth costs a lookup, not a new what-if and chart each time.
    found = page_data.rendered(
        store, f"whatif:{language}:{km}", lambda: whatif_parts(store, km, language), "travel"
    )
    return dash.no_update if found is None else found


def whatif_parts(store: services.Store, km: float, language: str) -> Any:
    """The what-if section for a train threshold of ``km``; None when the travel analysis
    cannot run (the analysis section says why)."""
    try:
        analysis = services.travel_view(store)
    except SpendanalysError:
        return None
    if analysis is None:
        return message(t("travel.no_data", language))
    from dataclasses import replace

    result = train_instead_of_flight(
        analysis, settings=replace(analysis.settings, train_threshold_km=km)
    )
    saved = float(result["routes"]["kg_co2e_saved"].sum()) if len(result["routes"]) else 0.0
    years = result["years"].dropna(subset=["kg_co2e_per_fte"]).copy()
    latest = years.iloc[-1] if len(years) else None
    text = (
        t(
            "verdict.whatif_saved",
            language,
            km=format_number(km, language),
            year=int(latest["year"]),
            t_year=format_number(float(latest["kg_co2e_saved"]) / 1000, language, 1),
            t=format_number(saved / 1000, language, 1),
            years=f"{int(years['year'].min())}–{int(years['year'].max())}",
        )
        if latest is not None
        else t("whatif.saved", language, km=format_number(km, language), t="0")
    )
    years["year"] = years["year"].astype(str)
    years["t_saved"] = years["kg_co2e_saved"] / 1000
    years["on_path"] = [
        t(f"value.{'yes' if v else 'no'}", language) for v in years["after_on_path"]
    ]
    routes = page_data.worded_notes(result["routes"], "rail_cost_source", language)
    routes = page_data.worded_notes(routes, "time_source", language)
    return [
        message(text, element_id="whatif-saved"),
        graph(
            "whatif-chart", charts.travel_per_fte(analysis, language, after=result["years"]), 320
        ),
        table(years, WHATIF_YEARS, language, table_id="whatif-years"),
        html.P(t("whatif.comparison", language), className="muted"),
        table(routes, ROUTES, language, table_id="whatif-routes", limit=15),
    ]


@dash.callback(
    Output(GOAL_RESULT, "children"),
    Output("refresh-goal", "data"),
    Input("goal-save", "n_clicks"),
    State("goal-baseline", "value"),
    State("goal-target", "value"),
    State("goal-reduction", "value"),
    prevent_initial_call=True,
)
def _save_goal(_n: Any, baseline: Any, target: Any, reduction: Any) -> tuple[Any, Any]:
    language = lang()
    try:
        services.set_goal_settings(
            security.current_store(),
            baseline_year=as_year(baseline, "the baseline year"),
            target_year=as_year(target, "the target year"),
            reduction=(number_or_none(reduction) or 0.0) / 100,
            user=security.current_user_name() or "",
            role=security.current_role(),
            language=language,
        )
        services.warm(security.current_store(), "trips")  # the figures first, then "saved"
    except AccessDenied:
        return message(t("access.denied", language), "error"), dash.no_update
    except (SpendanalysError, ValueError) as exc:
        return message(worded(str(exc), language), "error"), dash.no_update
    return message(t("form.saved", language), "ok"), time.time()
