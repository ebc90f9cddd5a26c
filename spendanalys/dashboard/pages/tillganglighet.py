"""Tillgänglighetsredogörelse: what the dashboard meets of WCAG 2.1 AA and what it does not.

Public (no data on it), linked from every page's footer; the text is ``i18n/accessibility_<lang>.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dash
from dash import dcc, html

from spendanalys.dashboard.components import lang
from spendanalys.i18n import t

dash.register_page(__name__, path="/tillganglighet", title="Spendanalys – tillgänglighet", order=8)

TEXT_DIR = Path(__file__).resolve().parents[2] / "i18n"


def statement_text(language: str) -> str:
    return (TEXT_DIR / f"accessibility_{language}.md").read_text(encoding="utf-8")


def layout(**_query: Any) -> html.Div:
    language = lang()
    return html.Div(
        [
            html.H1(t("a11y.title", language)),
            dcc.Markdown(statement_text(language), className="method", id="accessibility-text"),
        ]
    )
