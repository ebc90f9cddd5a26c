"""The editing forms of the procurement page: a user's category mapping and a supplier's own
emission factor. The save callbacks are in ``pages/inkop.py``."""

from __future__ import annotations

from dash import dcc, html

from spendanalys.dashboard import page_data, security
from spendanalys.i18n import t
from spendanalys.services import OVERRIDE_SCOPES

OVERRIDE_RESULT = security.writes("override-result", "edit:category_overrides")
FACTOR_RESULT = security.writes("factor-result", "edit:supplier_factors")


def edit_forms(language: str) -> html.Div:
    """The category mapping and supplier factor forms (buttons disabled without the role;
    the server checks the role again on save)."""
    options = list(page_data.category_options(language))
    can_map, can_factor = (
        security.may("edit:category_overrides"),
        security.may("edit:supplier_factors"),
    )
    return html.Div(
        [
            html.H2(t("spend.edit_heading", language)),
            html.Div(
                [
                    html.Label(
                        [
                            t("form.scope", language),
                            dcc.Dropdown(
                                id="override-scope",
                                value="org_number",
                                clearable=False,
                                style={"width": "180px"},
                                options=[
                                    {"label": t(f"scope.{s}", language), "value": s}
                                    for s in OVERRIDE_SCOPES
                                ],
                            ),
                        ]
                    ),
                    html.Label(
                        [t("form.key", language), dcc.Input(id="override-key", type="text")]
                    ),
                    html.Label(
                        [
                            t("form.category", language),
                            dcc.Dropdown(
                                id="override-category", options=options, style={"width": "320px"}
                            ),
                        ]
                    ),
                    html.Button(
                        t("form.save_mapping", language),
                        id="override-save",
                        className="button",
                        disabled=not can_map,
                    ),
                ],
                className="form",
            ),
            html.Div(id=OVERRIDE_RESULT),
            html.Div(
                [
                    html.Label(
                        [t("col.org_number", language), dcc.Input(id="factor-org", type="text")]
                    ),
                    html.Label(
                        [
                            t("form.factor", language),
                            dcc.Input(id="factor-value", type="number", min=0),
                        ]
                    ),
                    html.Label(
                        [
                            t("form.unit", language),
                            dcc.Input(id="factor-unit", type="text", value="kg CO2e/SEK"),
                        ]
                    ),
                    html.Label(
                        [
                            t("form.price_year", language),
                            dcc.Input(id="factor-year", type="number", value=2024),
                        ]
                    ),
                    html.Label(
                        [
                            t("col.factor_source", language),
                            dcc.Input(id="factor-source", type="text"),
                        ]
                    ),
                    html.Button(
                        t("form.save_factor", language),
                        id="factor-save",
                        className="button",
                        disabled=not can_factor,
                    ),
                ],
                className="form",
                style={"marginTop": "0.6rem"},
            ),
            html.Div(id=FACTOR_RESULT),
        ]
    )
