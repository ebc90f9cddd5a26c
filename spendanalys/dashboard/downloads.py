"""The download bar: the report document and both workbooks, in the reader's language.

One component for the pages that offer the files (Inköp, Resor); its callbacks build each file
through ``services.reports`` on the store's current data. The ids of the spend workbook's button
and download (``report-button``, ``report-download``) are the ones the page had before.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, dcc, html

from spendanalys import services
from spendanalys.dashboard import security
from spendanalys.dashboard.components import lang
from spendanalys.i18n import t

# (button id, download id, label key, file name, builder)
FILES: tuple[tuple[str, str, str, str, Any], ...] = (
    ("document-button", "document-download", "rpt.download.docx",
     services.reports.DOCUMENT, services.report_document),
    ("report-button", "report-download", "rpt.download.spend_xlsx",
     services.reports.SPEND_WORKBOOK, services.spend_workbook),
    ("travel-workbook-button", "travel-workbook-download", "rpt.download.travel_xlsx",
     services.reports.TRAVEL_WORKBOOK, services.travel_workbook),
)  # fmt: skip


def download_bar(language: str) -> html.Div:
    """Three buttons and their downloads."""
    parts: list[Any] = []
    for button, download, label, _name, _build in FILES:
        parts.append(html.Button(t(label, language), id=button, className="button"))
        parts.append(dcc.Download(id=download))
    return html.Div(
        parts,
        className="downloads",
        style={"margin": "1rem 0", "display": "flex", "gap": "0.5rem", "flexWrap": "wrap"},
    )


def _register(button: str, download: str, name: str, build: Any) -> None:
    @dash.callback(Output(download, "data"), Input(button, "n_clicks"), prevent_initial_call=True)
    def _send(_n: int) -> Any:
        data = build(security.current_store(), lang())
        return dash.no_update if data is None else dcc.send_bytes(data, name)


for _button, _download, _label, _name, _build in FILES:
    _register(_button, _download, _name, _build)
