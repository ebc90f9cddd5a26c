"""The application layer: what the dashboard and the command line call.

Uploads and edits (each checks the caller's role), what is current in the store, the analyses
of the store's current data (cached), the small per-version results the pages read, grid
paging, background jobs, and the one way to assemble each analysis from its inputs
(``services.assembly``). The dashboard reaches the store only through this layer (``Store``
is handed on from here). No dash here.

The names load on first use (PEP 562): the command line imports ``services.assembly`` alone,
which must not bring the store, openpyxl and the cache codec into every ``spendanalys spend``
(issue 20). The first name taken from the package runs the imports of the ``TYPE_CHECKING``
block below, all of them, as an eager ``__init__`` would; the block stays the one list.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spendanalys.services.analyses import (
        CACHE_FORMAT,
        LINE_COLUMNS,
        SpendView,
        agreement_lines,
        method_tables,
        spend_report_bytes,
        spend_view,
        supplier_factor_rows,
        travel_breakdown,
        travel_settings,
        travel_view,
    )
    from spendanalys.services.cache import cached, memo, stored_object
    from spendanalys.services.datasets import (
        REJECTED_SHOWN,
        audit_entries,
        current_version_ids,
        freshness,
        latest_rejected,
        use_version,
        version_list,
        warm,
        withdraw_version,
    )
    from spendanalys.services.edits import (
        add_category_override,
        add_supplier_factor,
        adjustments,
        goal_years,
        remove_adjustment,
        set_goal_settings,
    )
    from spendanalys.services.paging import page_positions, page_rows, records
    from spendanalys.services.reports import report_document, spend_workbook, travel_workbook
    from spendanalys.services.staging import Preview, check_kind, preview_of, reason_counts
    from spendanalys.services.summaries import (
        LINES_LIMIT,
        SpendSummary,
        agreement_lines_of,
        build_summary,
        combined_totals,
        drilldown_payloads,
        spend_summary,
    )
    from spendanalys.services.uploads import (
        SAMPLE_DIR,
        SAMPLE_FILES,
        SYSTEM_USER,
        UPLOAD_EXTENSIONS,
        UploadOutcome,
        checksum,
        confirm_job,
        confirm_upload,
        decode_upload,
        discard_upload,
        display_file_name,
        import_upload,
        run_upload,
        seed_sample_data,
        upload_job,
    )
    from spendanalys.spend.ranking import pareto_curve
    from spendanalys.store.database import Store
    from spendanalys.store.tables import OVERRIDE_SCOPES

__all__ = [
    "CACHE_FORMAT",
    "LINES_LIMIT",
    "LINE_COLUMNS",
    "OVERRIDE_SCOPES",
    "REJECTED_SHOWN",
    "SAMPLE_DIR",
    "SAMPLE_FILES",
    "SYSTEM_USER",
    "UPLOAD_EXTENSIONS",
    "Preview",
    "SpendSummary",
    "SpendView",
    "Store",
    "UploadOutcome",
    "add_category_override",
    "add_supplier_factor",
    "adjustments",
    "agreement_lines",
    "agreement_lines_of",
    "audit_entries",
    "build_summary",
    "cached",
    "check_kind",
    "checksum",
    "combined_totals",
    "confirm_job",
    "confirm_upload",
    "current_version_ids",
    "decode_upload",
    "discard_upload",
    "display_file_name",
    "drilldown_payloads",
    "freshness",
    "goal_years",
    "import_upload",
    "latest_rejected",
    "memo",
    "method_tables",
    "page_positions",
    "page_rows",
    "pareto_curve",
    "preview_of",
    "reason_counts",
    "records",
    "remove_adjustment",
    "report_document",
    "run_upload",
    "seed_sample_data",
    "set_goal_settings",
    "spend_report_bytes",
    "spend_summary",
    "spend_view",
    "spend_workbook",
    "stored_object",
    "supplier_factor_rows",
    "travel_breakdown",
    "travel_settings",
    "travel_view",
    "travel_workbook",
    "upload_job",
    "use_version",
    "version_list",
    "warm",
    "withdraw_version",
]

if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        """An exported name (importing them all, once), or a submodule (``services.reports``)."""
        if name in __all__:
            _import_exports()
            return globals()[name]
        if not name.startswith("__"):
            try:
                return importlib.import_module(f"{__name__}.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{__name__}.{name}":
                    raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(globals()) | set(__all__))


def _import_exports() -> None:
    """Run this module's ``if TYPE_CHECKING:`` imports, into its namespace."""
    import ast

    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
    )
    exec(compile(ast.Module(body=block.body, type_ignores=[]), __file__, "exec"), globals())
