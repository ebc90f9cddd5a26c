"""Faktorer och metod: factor sets with sources and licences, categories, rules, the method."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dash
import pandas as pd
from dash import dcc, html

from spendanalys.dashboard import page_data, security
from spendanalys.dashboard.components import lang, page_guard, table
from spendanalys.dashboard.page_data import coded_label
from spendanalys.i18n import t
from spendanalys.travel.factors import load_travel_factor_set

dash.register_page(
    __name__,
    path="/faktorer-och-metod",
    title="Spendanalys – faktorer och metod",
    order=3,
    nav="nav.method",
)

METHOD_DIR = Path(__file__).resolve().parents[2] / "i18n"
FACTORS = (
    ("factor_set", "col.factor_set", "code"),
    ("category_id", "col.category_id", "code"),
    ("category_name", "col.category", "text"),
    ("org_number", "col.org_number", "text"),
    ("kg_co2e_per_sek", "col.kg_per_sek", "number3"),
    ("price_year", "col.price_year", "text"),
    ("source", "col.factor_source", "text"),
    ("licence", "col.licence", "text"),
)


def _tree_columns(language: str) -> list[tuple[str, str, str]]:
    return [
        (f"group_{language}", "col.group", "text"),
        ("category_id", "col.category_id", "code"),
        (f"name_{language}", "col.category", "text"),
    ]


CPV = (
    ("cpv_prefix", "col.cpv_prefix", "text"),
    ("category_id", "col.category_id", "code"),
    ("category_name", "col.category", "text"),
)
ACCOUNTS = (
    ("account_from", "col.account_from", "text"),
    ("account_to", "col.account_to", "text"),
    ("category_id", "col.category_id", "code"),
    ("exclude", "col.exclude", "bool"),
)
TRAVEL = (
    ("mode", "col.mode", "text"),
    ("band", "col.band", "text"),
    ("cabin", "col.cabin", "text"),
    ("variant", "col.variant", "text"),
    ("radiative_forcing", "col.radiative_forcing", "text"),
    ("kg_co2e_per_unit", "col.factor", "number3"),
    ("basis", "col.basis", "text"),
    ("year", "col.price_year", "text"),
    ("source", "col.factor_source", "text"),
    ("licence", "col.licence", "text"),
)
KEYWORDS = (
    ("keyword", "col.keyword", "text"),
    ("category_id", "col.category_id", "code"),
    ("category_name", "col.category", "text"),
)


# The travel factor table's coded columns and the catalogue prefix that words their values.
TRAVEL_CODES = (
    ("mode", "mode"),
    ("band", "tf.band"),
    ("cabin", "tf.cabin"),
    ("variant", "tf.variant"),
    ("radiative_forcing", "tf.rf"),
    ("basis", "tf.basis"),
)


def travel_factor_rows(language: str) -> pd.DataFrame:
    """The built-in travel factors with their codes in words (a country code stays a code)."""
    frame = load_travel_factor_set().table.copy()
    for column, prefix in TRAVEL_CODES:
        if column in frame:
            frame[column] = [
                coded_label(prefix, v, language) if str(v) else "" for v in frame[column]
            ]
    return frame


def method_text(language: str) -> str:
    """The plain-language method description (``i18n/method_<lang>.md``)."""
    return (METHOD_DIR / f"method_{language}.md").read_text(encoding="utf-8")


def _localised(
    columns: tuple[tuple[str, str, str], ...], language: str
) -> list[tuple[str, str, str]]:
    """The category name column in the page's language."""
    return [
        (f"category_name_{language}" if f == "category_name" else f, k, kind)
        for f, k, kind in columns
    ]


def layout(**_query: Any) -> Any:
    redirect = page_guard()
    if redirect is not None:
        return redirect
    language = lang()
    store = security.current_store()
    token, tables = page_data.method_token(store)
    return page_data.rendered(
        store, f"method:{language}", lambda: _page(tables, language), token=token
    )


def _page(tables: dict[str, pd.DataFrame], language: str) -> html.Div:
    """The page from the run's method tables (``page_data.method_tables``)."""
    return html.Div(
        [
            html.H1(t("method.title", language)),
            dcc.Markdown(method_text(language), className="method", id="method-text"),
            html.H2(t("method.factors", language)),
            table(tables["factors"], _localised(FACTORS, language), language, limit=500),
            html.H2(t("method.travel_factors", language)),
            table(travel_factor_rows(language), TRAVEL, language, limit=500),
            html.H2(t("method.tree", language)),
            table(tables["tree"], _tree_columns(language), language, limit=500),
            html.H2(t("method.rules", language)),
            html.Details(
                [
                    html.Summary("CPV"),
                    table(tables["cpv"], _localised(CPV, language), language, limit=1000),
                ]
            ),
            html.Details(
                [
                    html.Summary(t("col.account", language)),
                    table(tables["accounts"], ACCOUNTS, language, limit=1000),
                ]
            ),
            html.Details(
                [
                    html.Summary(t("col.keyword", language)),
                    table(tables["keywords"], _localised(KEYWORDS, language), language, limit=1000),
                ]
            ),
        ]
    )
