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


def _ids(button: str, download: str, page: str) -> tuple[str, str]:
    """The component ids on ``page``: as named on Inköp, with the page as suffix elsewhere."""
    return (button, download) if page == "inkop" else (f"{button}-{page}", f"{download}-{page}")


def download_bar(language: str, page: str) -> html.Div:
    """Three buttons and their downloads, ids for ``page``."""
    parts: list[Any] = []
    for button, download, label, _name, _build in FILES:
        button_id, download_id = _ids(button, download, page)
        parts.append(html.Button(t(label, language), id=button_id, className="button"))
        parts.append(dcc.Download(id=download_id))
    style = {"margin": "1rem 0", "display": "flex", "gap": "0.5rem", "flexWrap": "wrap"}
    return html.Div(parts, className="downloads", style=style)


def register_downloads(page: str) -> None:
    """The callbacks of ``page``'s bar. Called by the page module: Dash runs page modules again
    for each app it builds, so their callbacks reach every app (a plain module's would reach
    only the first app of the process)."""
    for button, download, _label, name, build in FILES:
        _register(*_ids(button, download, page), name, build)


def _register(button: str, download: str, name: str, build: Any) -> None:
    @dash.callback(Output(download, "data"), Input(button, "n_clicks"), prevent_initial_call=True)
    def _send(_n: int) -> Any:
        data = build(security.current_store(), lang())
        return dash.no_update if data is None else dcc.send_bytes(data, name)
