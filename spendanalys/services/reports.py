"""The files the dashboard offers for download: both workbooks and the report document.

Each is built from the store's current data through the same functions the command line uses
(``spend.report``, ``travel.report``, ``reports.document`` on the ``spend`` and ``travel`` JSON
payloads), in the reader's language. None when the data it needs has not been uploaded.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from spendanalys.errors import ConfigurationError
from spendanalys.reports.document import report_document_bytes
from spendanalys.services.analyses import spend_view, travel_view
from spendanalys.spend.payload import spend_payload
from spendanalys.spend.report import write_spend_report
from spendanalys.store.database import Store
from spendanalys.travel.report import write_travel_report
from spendanalys.travel.summary import TravelSummary, summarise_travel, travel_payload

SPEND_WORKBOOK = "spendanalys_inkop.xlsx"
TRAVEL_WORKBOOK = "spendanalys_resor.xlsx"
DOCUMENT = "spendanalys_hallbarhetsredovisning.docx"


def _travel_summary(store: Store) -> TravelSummary | None:
    try:
        analysis = travel_view(store)
    except ConfigurationError:
        return None  # e.g. no data in the baseline year: the travel page says why
    return None if analysis is None else summarise_travel(analysis)


def spend_workbook(store: Store, lang: str = "sv") -> bytes | None:
    view = spend_view(store)
    if view is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / SPEND_WORKBOOK
        write_spend_report(
            view.analysis, path, rules=view.rules, factor_sets=view.factor_sets, lang=lang
        )
        return path.read_bytes()


def travel_workbook(store: Store, lang: str = "sv") -> bytes | None:
    summary = _travel_summary(store)
    if summary is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / TRAVEL_WORKBOOK
        write_travel_report(summary, path, lang=lang)
        return path.read_bytes()


def report_document(store: Store, lang: str = "sv") -> bytes | None:
    """The .docx with a section for each analysis that has data (None when neither has)."""
    view = spend_view(store)
    summary = _travel_summary(store)
    if view is None and summary is None:
        return None
    spend = None if view is None else spend_payload(view.analysis, factor_sets=view.factor_sets)
    travel = None if summary is None else travel_payload(summary)
    return report_document_bytes(spend=spend, travel=travel, lang=lang)
