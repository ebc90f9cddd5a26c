"""Inköp (procurement): upload, validation, ranking, Pareto, priority list, drill-down, edits."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any

import dash
from dash import ClientsideFunction, Input, Output, State, clientside_callback, dcc, html

from spendanalys import services
from spendanalys.dashboard import brief, page_data, security
from spendanalys.dashboard.components import (
    as_year,
    card,
    graph,
    grid,
    lang,
    message,
    number_or_none,
    object_or_none,
    page_guard,
    rejected_table,
    table,
    text_or_none,
    upload_box,
)
from spendanalys.dashboard.downloads import download_bar, register_downloads
from spendanalys.dashboard.edit_forms import FACTOR_RESULT, OVERRIDE_RESULT, edit_forms
from spendanalys.dashboard.uploads import register_upload
from spendanalys.errors import AccessDenied, SpendanalysError
from spendanalys.i18n import format_date, format_number, format_percent, t
from spendanalys.i18n.notes import worded
from spendanalys.spend.sensitivity import round_to_significant

dash.register_page(
    __name__, path="/inkop", title="Spendanalys – inköp", order=1, nav="nav.procurement"
)

RANKING = (
    ("rank", "col.rank", "number"),
    ("agreement_id", "col.agreement_id", "text"),
    ("name", "col.name", "text"),
    ("supplier", "col.supplier", "text"),
    ("category", "col.category", "text"),
    ("spend_sek", "col.spend_sek", "number"),
    ("kg_co2e", "col.kg_co2e", "number"),
    ("kg_co2e_low", "sens.col_kg_low", "number2sig"),
    ("kg_co2e_high", "sens.col_kg_high", "number2sig"),
    ("rank_robust", "sens.col_rank_robust", "bool"),
    ("kg_co2e_per_sek", "col.kg_per_sek", "number3"),
    ("requirements", "col.requirements", "yesno"),
    ("end_date", "col.end_date", "date"),
    ("factor_source", "col.factor_source", "text"),
    ("factor_grade", "spendyears.col_grade", "text"),
    ("change_kg_co2e", "spendyears.col_change", "number"),
)
EXPIRED = (
    ("agreement_id", "col.agreement_id", "text"),
    ("name", "col.name", "text"),
    ("supplier", "col.supplier", "text"),
    ("kg_co2e", "col.kg_co2e", "number"),
    ("requirements", "col.requirements", "yesno"),
    ("end_date", "col.end_date", "date"),
    ("months_ago", "verdict.col_months_ago", "number"),
)
PRIORITY = (
    ("priority", "col.priority", "text"),
    ("agreement_id", "col.agreement_id", "text"),
    ("name", "col.name", "text"),
    ("supplier", "col.supplier", "text"),
    ("kg_co2e", "col.kg_co2e", "number"),
    ("kg_co2e_low", "sens.col_kg_low", "number2sig"),
    ("kg_co2e_high", "sens.col_kg_high", "number2sig"),
    ("rank_robust", "sens.col_rank_robust", "bool"),
    ("requirements", "col.requirements", "yesno"),
    ("end_date", "col.end_date", "date"),
    ("months_to_end", "col.months_to_end", "number"),
)
UNLINKED = (
    ("supplier", "col.supplier", "text"),
    ("org_number", "col.org_number", "text"),
    ("spend_sek", "col.spend_sek", "number"),
    ("invoice_lines", "col.invoice_lines", "number"),
    ("link_note", "col.link_note", "text"),
)
LINES = (
    ("invoice_id", "col.invoice_id", "text"),
    ("date", "col.date", "date"),
    ("text", "col.text", "text"),
    ("account", "col.account", "text"),
    ("category_name", "verdict.col_category_rule", "text"),
    ("link_rule", "col.link_rule", "text"),
    ("spend_sek", "col.spend_sek", "number"),
    ("price_index_ratio", "verdict.col_kpi_ratio", "number4"),
    ("spend_sek_factor_year", "verdict.col_sek_factor_year", "number"),
    ("kg_co2e_per_sek", "col.kg_per_sek", "number6"),
    ("kg_co2e", "col.kg_co2e", "number"),
)
RANKING_PHONE = ("rank", "agreement_id", "kg_co2e")
LINES_PHONE = ("text", "spend_sek", "kg_co2e")
REFRESH = ("refresh-contracts", "refresh-invoices", "refresh-override", "refresh-factor")
register_downloads("inkop")
register_upload("contracts")
register_upload("invoices")


def layout(**_query: Any) -> Any:
    redirect = page_guard()
    if redirect is not None:
        return redirect
    language = lang()
    cap = security.max_upload_bytes()
    return html.Div(
        [
            html.H1(t("spend.title", language)),
            html.Div(
                [
                    upload_box(
                        "upload-contracts",
                        t("kind.contracts", language),
                        language,
                        cap,
                        security.may("import:contracts"),
                    ),
                    upload_box(
                        "upload-invoices",
                        t("kind.invoices", language),
                        language,
                        cap,
                        security.may("import:invoices"),
                    ),
                ],
                className="row",
            ),
            *[dcc.Store(id=r) for r in REFRESH],
            download_bar(language, "inkop"),
            dcc.Loading(html.Div(id="inkop-analysis")),
            dcc.Store(id="drilldown-scrolled"),
            edit_forms(language),
        ]
    )


def _validation(store: services.Store, summary: services.SpendSummary, language: str) -> list[Any]:
    fresh = page_data.freshness(store, summary.state)
    parts: list[Any] = []
    for row in fresh[fresh["kind"].isin(["contracts", "invoices"])].itertuples():
        parts.append(
            html.Div(
                t(
                    "spend.version",
                    language,
                    kind=t(f"kind.{row.kind}", language),
                    file=row.file_name,
                    accepted=format_number(row.rows_accepted, language),
                    rejected=format_number(row.rows_rejected, language),
                )
            )
        )
    rejected = [
        page_data.latest_rejected(store, k, summary.state) for k in ("contracts", "invoices")
    ]
    rows = [r for r in rejected if len(r)]
    if rows:
        parts.append(
            html.Details(
                [
                    html.Summary(t("spend.rejected_rows", language)),
                    *[rejected_table(r, language) for r in rows],
                ]
            )
        )
    totals = summary.totals
    parts.append(
        html.Div(
            t(
                "spend.unlinked_total",
                language,
                sek=format_number(totals.get("unlinked_spend_sek"), language),
                share=format_percent(
                    (totals.get("unlinked_spend_sek") or 0) / (totals.get("spend_sek") or 1),
                    language,
                ),
            )
        )
    )
    return parts


def render_analysis(language: str) -> list[Any]:
    store = security.current_store()
    a = page_data.summary(store)
    if a is None:
        return [message(t("spend.no_data", language), "info")]
    frame = t(
        "verdict.frame_spend",
        language,
        years=brief.year_span(page_data.spend_years(store)) or "–",
        date=format_date(date.today(), language),
    )
    of_all = format_number(a.totals.get("agreements"), language)
    cards = html.Div(
        [
            card(
                t("overview.spend_emissions", language),
                f"{format_number(a.totals['kg_co2e'] / 1000, language)} t CO2e",
                frame=frame,
            ),
            card(
                t("overview.spend_total", language),
                f"{format_number(a.totals['spend_sek'] / 1e6, language, 1)} MSEK",
                t("verdict.spend_total_note", language),
                frame=frame,
            ),
            card(
                t("spend.pareto_count", language),
                format_number(a.totals.get("pareto_agreements"), language),
                t("verdict.of_agreements", language, total=of_all),
            ),
            card(
                t("overview.requirements_share", language),
                format_percent(a.totals.get("share_agreements_with_requirements"), language),
                t(
                    "verdict.requirements_count",
                    language,
                    n=format_number(a.totals.get("agreements_with_requirements"), language),
                    total=of_all,
                ),
            ),
        ],
        className="cards",
    )
    return [
        cards,
        html.H2(t("spend.validation", language)),
        *_validation(store, a, language),
        html.H2(t("spend.ranking", language)),
        html.P(_sensitivity_sentence(a.totals, language), className="muted"),
        grid(
            "ranking-grid",
            a.agreements.head(0),
            RANKING,
            language,
            server_side=True,
            pinned="agreement_id",
            phone_columns=RANKING_PHONE,
            label=t("spend.ranking", language),
        ),
        html.Div(
            [
                html.H2(t("spend.drilldown", language), id="drilldown-heading"),
                html.Div(message(t("spend.drilldown_hint", language)), id="drilldown"),
            ],
            className="drilldown-box",
        ),
        html.H2(t("spend.pareto", language)),
        graph(
            "pareto-chart",
            page_data.pareto_figure(store, language) or {},
            summary=t(
                "verdict.pareto_summary",
                language,
                n=format_number(a.totals.get("pareto_agreements"), language),
                total=format_number(a.totals.get("agreements"), language),
            ),
            language=language,
        ),
        *_priority(a, language),
        html.H2(t("spend.unlinked", language)),
        table(
            page_data.worded_notes(a.unlinked, "link_note", language), UNLINKED, language, limit=25
        ),
    ]


def _priority(a: services.SpendSummary, language: str) -> list[Any]:
    """The priority list of agreements still running, and apart from it those that have
    already ended (a new procurement is their lever, not a requirement in the running one)."""
    frame = a.priority
    ended = frame["ended"].fillna(False).astype(bool) if "ended" in frame else None
    running = frame if ended is None else frame[~ended]
    parts: list[Any] = [
        html.H2(t("spend.priority", language)),
        html.P(t("spend.priority_note", language), className="muted"),
        table(running, PRIORITY, language, table_id="priority-table"),
    ]
    if ended is not None and ended.any():
        past = frame[ended].assign(months_ago=-frame.loc[ended, "months_to_end"])
        parts += [
            html.H3(
                t("verdict.expired_heading", language, n=format_number(int(ended.sum()), language))
            ),
            html.P(t("verdict.expired_note", language), className="muted"),
            table(past, EXPIRED, language, table_id="expired-table"),
        ]
    return parts


def _sensitivity_sentence(totals: dict[str, Any], language: str) -> str:
    """The total's range over the factor sets (two significant figures) and how many
    agreements rank robustly: what the ranking's figures rest on."""
    low, high = totals.get("kg_co2e_range") or (None, None)
    if low is None or high is None:
        return ""
    caveat = t("sens.basic_price_note", language) if totals.get("basic_price_sets") else ""
    return t(
        "sens.ranking_note",
        language,
        low=format_number(round_to_significant(low / 1000), language),
        high=format_number(round_to_significant(high / 1000), language),
        robust=format_number(totals.get("rank_robust_agreements"), language),
        agreements=format_number(totals.get("agreements"), language),
    ) + (f" {caveat}" if caveat else "")


@dash.callback(Output("inkop-analysis", "children"), *[Input(r, "data") for r in REFRESH])
def _analysis(*_refresh: Any) -> list[Any]:
    language = lang()
    parts: list[Any] = page_data.rendered(
        security.current_store(), f"inkop-analysis:{language}", lambda: render_analysis(language)
    )
    return parts


@dash.callback(
    Output("ranking-grid", "getRowsResponse"),
    Input("ranking-grid", "getRowsRequest"),
    prevent_initial_call=True,
)
def _ranking_rows(request: Any) -> Any:
    """One block of the ranking, filtered and sorted on the server (never the whole table)."""
    block = object_or_none(request)
    if not block:
        return dash.no_update
    rows = page_data.ranking_rows(security.current_store(), RANKING, lang())
    return {"rowData": [], "rowCount": 0} if rows is None else rows.block(block)


@dash.callback(
    Output("drilldown", "children"),
    Input("ranking-grid", "selectedRows"),
    prevent_initial_call=True,
)
def _drilldown(rows: Any) -> Any:
    """The lines of the agreement selected in the ranking (the first selected row), right
    under the ranking; the count says how many of the agreement's lines are shown."""
    first = object_or_none(rows[0]) if isinstance(rows, list) and rows else None
    agreement = text_or_none(first.get("agreement_id")) if first else None
    if not agreement:
        return dash.no_update
    language = lang()
    store = security.current_store()
    lines = page_data.drilldown_lines(store, agreement)
    if lines is None or lines.empty:
        return message(t("spend.no_lines", language, agreement=agreement))
    total = page_data.agreement_line_count(store, agreement)
    shown = len(lines)
    title = t(
        "verdict.lines_of" if total is None or total <= shown else "verdict.lines_of_some",
        language,
        agreement=agreement,
        n=format_number(shown, language),
        total=format_number(total if total is not None else shown, language),
    )
    return [
        html.H3(title, id="drilldown-title", tabIndex="-1"),
        html.P(t("verdict.kpi_step", language), className="muted"),
        html.P(page_data.factor_sources_text(lines, language), className="muted"),
        dcc.Store(id="drilldown-agreement", data=agreement),
        grid(
            "drilldown-lines",
            lines.head(0),
            LINES,
            language,
            height="440px",
            server_side=True,
            pinned="invoice_id",
            phone_columns=LINES_PHONE,
            label=title,
        ),
    ]


clientside_callback(
    ClientsideFunction(namespace="spendanalys_a11y", function_name="scrollToDrilldown"),
    Output("drilldown-scrolled", "data"),
    Input("drilldown", "children"),
    prevent_initial_call=True,
)


@dash.callback(
    Output("drilldown-lines", "getRowsResponse"),
    Input("drilldown-lines", "getRowsRequest"),
    State("drilldown-agreement", "data"),
    prevent_initial_call=True,
)
def _drilldown_rows(request: Any, agreement: Any) -> Any:
    """One block of the chosen agreement's lines (sorted and filtered on the server)."""
    block, agreement_id = object_or_none(request), text_or_none(agreement)
    if not block or not agreement_id:
        return dash.no_update
    return page_data.drilldown_page(security.current_store(), agreement_id, LINES, lang(), block)


def _write(action: Callable[[], None], language: str) -> tuple[Any, Any]:
    """Run a save; bad input (a wrong type included: see ``components.text_or_none``) and a
    refused role become a message, and only a save that happened refreshes the analysis."""
    try:
        action()
        services.warm(security.current_store(), "contracts")  # the ranking first, then "saved"
    except AccessDenied:
        return message(t("access.denied", language), "error"), dash.no_update
    except (SpendanalysError, ValueError) as exc:
        return message(worded(str(exc), language), "error"), dash.no_update
    return message(t("form.saved", language), "ok"), time.time()


@dash.callback(
    Output(OVERRIDE_RESULT, "children"),
    Output("refresh-override", "data"),
    Input("override-save", "n_clicks"),
    State("override-scope", "value"),
    State("override-key", "value"),
    State("override-category", "value"),
    prevent_initial_call=True,
)
def _save_mapping(_n: Any, scope: Any, key: Any, category: Any) -> tuple[Any, Any]:
    return _write(
        lambda: services.add_category_override(
            security.current_store(),
            scope=text_or_none(scope) or "",
            key=text_or_none(key) or "",
            category_id=text_or_none(category) or "",
            user=security.current_user_name() or "",
            role=security.current_role(),
            language=lang(),
        ),
        lang(),
    )


@dash.callback(
    Output(FACTOR_RESULT, "children"),
    Output("refresh-factor", "data"),
    Input("factor-save", "n_clicks"),
    State("factor-org", "value"),
    State("factor-value", "value"),
    State("factor-unit", "value"),
    State("factor-year", "value"),
    State("factor-source", "value"),
    prevent_initial_call=True,
)
def _save_factor(
    _n: Any, org: Any, value: Any, unit: Any, price_year: Any, source: Any
) -> tuple[Any, Any]:
    return _write(
        lambda: services.add_supplier_factor(
            security.current_store(),
            org_number=text_or_none(org) or "",
            factor=number_or_none(value) or 0.0,
            unit=text_or_none(unit) or "",
            price_year=as_year(price_year, "the price year"),
            source=text_or_none(source) or "",
            user=security.current_user_name() or "",
            role=security.current_role(),
        ),
        lang(),
    )
