"""Layout pieces shared by the pages: tables, cards, uploads, grids and chart styling, and the
reading of the form values a callback receives.

Every string that came from an upload is rendered as a text child (Dash escapes it), never as
HTML, a link or markdown.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import dash_ag_grid as dag
import flask
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from spendanalys.dashboard import security
from spendanalys.errors import ConfigurationError
from spendanalys.i18n import (
    catalogue,
    format_date,
    format_datetime,
    format_number,
    format_percent,
    normalise_language,
    plotly_separators,
    t,
)
from spendanalys.i18n.notes import worded
from spendanalys.schema import YEARS
from spendanalys.spend.sensitivity import round_to_significant

SERVER_BLOCK_ROWS = 100  # rows per server-side grid request
COLORS = ("#1f5f8b", "#6aa84f", "#e69138", "#8e7cc3", "#c27ba0", "#76a5af", "#999999")


def attributes(**names: str) -> dict[str, Any]:
    """HTML attributes Dash takes only as ``aria-*``/``data-*`` keywords: ``aria_label=`` →
    ``aria-label``."""
    return {name.replace("_", "-"): value for name, value in names.items()}


def lang() -> str:
    """The request's language (the ``lang`` cookie; Swedish by default)."""
    return (
        normalise_language(flask.request.cookies.get("lang"))
        if flask.has_request_context()
        else "sv"
    )


def safe_next(path: Any) -> str:
    """The page to go to after login: ``?next=`` when it is a path of this site (one leading
    slash, no scheme or host, not the login page itself), else the overview."""
    if not isinstance(path, str) or not path.startswith("/") or path.startswith("//"):
        return "/"
    if "\\" in path or ":" in path.split("?")[0] or path.startswith("/login"):
        return "/"
    return path


def page_guard() -> Any:
    """A redirect to the login page for an anonymous request, else None (page may render)."""
    if security.current_role() is None:
        return dcc.Location(id="guard-redirect", href="/login", refresh=True)
    return None


# A callback request may carry any JSON where a form field's value belongs (a hand-made one: an
# object, a list, true). The callbacks read values through these, so a wrong type is bad input
# (the callback's own message, nothing written), never a crash.


def text_or_none(value: Any) -> str | None:
    """``value`` if it is text, else None (what the callbacks treat as an empty field)."""
    return value if isinstance(value, str) else None


def object_or_none(value: Any) -> dict[str, Any] | None:
    """``value`` if it is a JSON object (a grid's row or block request), else None."""
    return value if isinstance(value, dict) else None


def number_or_none(value: Any) -> float | None:
    """``value`` as a finite float: a JSON number (not true/false) or text that is one; else
    None (an empty field)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):  # not a number; an integer beyond a float's range
        return None
    return number if math.isfinite(number) else None


def as_year(value: Any, what: str) -> int:
    """``value`` as a whole year in ``YEARS``, else ConfigurationError ("``what`` must be a
    year ..."), which the form shows as bad input; an empty field is one too."""
    number = number_or_none(value)
    if number is None or not number.is_integer() or int(number) not in YEARS:
        raise ConfigurationError(f"{what} must be a year from {YEARS[0]} to {YEARS[-1]}")
    return int(number)


def card(
    title: str,
    value: str,
    note: str | None = None,
    card_id: str | None = None,
    *,
    frame: str | None = None,
    verdict: Any = None,
) -> html.Div:
    """A figure with its frame (``frame``: the year or "as of" date it holds for) under the
    title, an optional verdict (``verdict_line``) and a note."""
    children: list[Any] = [
        html.Div(title, className="card-title"),
        html.Div(value, className="card-value"),
    ]
    if frame:
        children.append(html.Div(frame, className="card-frame"))
    if verdict is not None:
        children.append(verdict)
    if note:
        children.append(html.Div(note, className="card-note"))
    return html.Div(children, className="card", id=card_id or "")


VERDICT_MARKS = {"on_track": "✓", "off_track": "✗", "unknown": "?"}


def verdict_line(text: str, status: str, element_id: str | None = None) -> html.P:
    """A verdict in words with a mark (✓ ✗ ?) before it: the colour repeats what the words and
    the mark say, never carries the meaning alone (WCAG 1.4.1)."""
    extra: dict[str, Any] = {"id": element_id} if element_id else {}
    return html.P(
        [
            html.Span(
                VERDICT_MARKS.get(status, "?"),
                className="verdict-mark",
                **attributes(aria_hidden="true"),
            ),
            text,
        ],
        className=f"verdict verdict-{status}",
        **extra,
    )


def message(text: str, kind: str = "info", element_id: str | None = None) -> html.Div:
    extra: dict[str, Any] = {"id": element_id} if element_id else {}
    return html.Div(text, className=f"message message-{kind}", **extra)


def number_decimals(kind: str) -> int:
    """The decimals of a number kind: "number" 0, "number1" 1, … "number6" 6."""
    digits = kind.removeprefix("number")
    return int(digits) if digits.isdigit() else 0


def cell_text(value: Any, kind: str, language: str) -> str:
    if kind == "number":
        return format_number(value, language)
    if kind == "number2sig":  # a range over factor sets: the precision the method supports
        missing = value is None or value is pd.NA or value != value
        return "" if missing else format_number(round_to_significant(float(value)), language)
    if kind.startswith("number"):
        return format_number(value, language, number_decimals(kind))
    if kind == "yesno":
        return t(f"value.{value}", language) if value in ("yes", "no", "unknown") else ""
    if kind == "percent":
        return format_percent(value, language, 1)
    if kind == "date":
        return format_date(value, language)
    if kind == "datetime":
        return format_datetime(value, language)
    if kind == "bool":
        if value is None or value is pd.NA or (isinstance(value, float) and value != value):
            return t("value.unknown", language)
        return t("value.yes", language) if bool(value) else t("value.no", language)
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def table(
    frame: pd.DataFrame,
    columns: Sequence[tuple[str, str, str]],
    language: str,
    *,
    table_id: str | None = None,
    limit: int = 50,
    caption: str | None = None,
) -> html.Div:
    """A plain HTML table of ``frame``: columns are (field, message key, kind); text-only cells.

    It scrolls sideways inside its own box (``table-scroll``), so a wide table never makes the
    page wider than a phone; a table cut at ``limit`` rows says so ("50 av 120 rader")."""
    present = [(f, k, kind) for f, k, kind in columns if f in frame.columns]
    head = html.Thead(
        html.Tr(
            [
                html.Th(t(k, language), className="num" if kind.startswith("number") else None)
                for _, k, kind in present
            ]
        )
    )
    rows = [
        html.Tr([_cell(f, record.get(f), kind, language) for f, _, kind in present])
        for record in frame.head(limit).to_dict("records")
    ]
    extra: dict[str, Any] = {"id": table_id} if table_id else {}
    parts: list[Any] = [html.Caption(caption)] if caption else []
    body = html.Table([*parts, head, html.Tbody(rows)], className="data-table", **extra)
    shown: list[Any] = [body]
    if len(frame) > limit:
        shown.append(
            html.P(
                t(
                    "a11y.rows_shown",
                    language,
                    shown=format_number(limit, language),
                    total=format_number(len(frame), language),
                ),
                className="muted",
            )
        )
    return html.Div(
        shown,
        className="table-scroll",
        tabIndex="0",
        role="region",
        **attributes(aria_label=caption or t("a11y.table", language)),
    )


# Columns that hold a citation as its source published it (a title, a licence): shown as
# written, not translated (marked ``citation``).
CITATION_FIELDS = frozenset({"source", "factor_source", "licence", "time_source", "file_name"})


def _cell(field: str, value: Any, kind: str, language: str) -> html.Td:
    """One table cell; kind "code" shows an identifier as code (a category id a user types in
    the mapping form), a citation column is marked as such."""
    text = cell_text(value, kind, language)
    if kind == "code":
        return html.Td(html.Code(text) if text else "")
    if field in CITATION_FIELDS:
        return html.Td(text, className="citation")
    return html.Td(text, className="num" if kind.startswith("number") else None)


def rejected_table(frame: pd.DataFrame, language: str, table_id: str | None = None) -> html.Div:
    """The rejected rows with their reasons worded in the page's language (``i18n.notes``)."""
    if "reason" in frame:
        frame = frame.assign(reason=[worded(str(r), language) for r in frame["reason"]])
    return table(
        frame,
        [
            ("file", "col.file", "text"),
            ("row", "col.row", "text"),
            ("column", "col.column", "text"),
            ("reason", "col.reason", "text"),
        ],
        language,
        table_id=table_id,
        limit=200,
    )


POLL_MS = 600  # how often a page asks for the phase of its import job


def upload_box(
    component_id: str, label: str, language: str, max_bytes: int, enabled: bool
) -> html.Div:
    """A drag-and-drop upload with its size cap stated; disabled (UX only) without the role.

    The browser checks the file's size before sending it (``assets/upload_check.js``): a file
    over the cap gets a message in the page's language and is not sent (the server's 413 stays
    as the backstop). An accepted file goes to ``<id>-accepted``, which starts the import job;
    ``<id>-poll`` then shows its phase in ``<id>-progress`` until the result is in
    ``<id>-result``.
    """
    mb = format_number(max_bytes / (1024 * 1024), language)
    text = (
        t("upload.drop", language, what=label, mb=mb)
        if enabled
        else t("upload.not_allowed", language)
    )
    limits = {
        "max_bytes": max_bytes,
        "decimal": "," if language == "sv" else ".",
        # {file} and {size} are filled in by the browser.
        "message": t("upload.too_big", language, file="{file}", size="{size}", mb=mb),
    }
    return html.Div(
        [
            labelled(
                dcc.Upload(
                    id=component_id,
                    children=html.Div(text),
                    accept=".csv,.xlsx",
                    multiple=False,
                    disabled=not enabled,
                    className="upload" + ("" if enabled else " upload-disabled"),
                ),
                t("a11y.upload_label", language, what=label),
            ),
            html.Label(  # --default FIELD=VALUE of the CLI: a constant for a missing column
                [
                    t("upload.io13_defaults", language),
                    dcc.Input(
                        id=f"{component_id}-defaults",
                        type="text",
                        placeholder=t("upload.io13_defaults_example", language),
                        disabled=not enabled,
                    ),
                ],
                className="upload-defaults",
            ),
            dcc.Store(id=f"{component_id}-limits", data=limits),
            dcc.Store(id=f"{component_id}-accepted"),
            dcc.Store(id=f"{component_id}-job"),
            dcc.Interval(id=f"{component_id}-poll", interval=POLL_MS, disabled=True),
            html.Div(
                id=f"{component_id}-too-big",
                className="message message-error",
                style={"display": "none"},
            ),
            html.Div(id=f"{component_id}-progress", className="upload-progress"),
            html.Div(id=f"{component_id}-result", className="upload-result"),
        ],
        className="upload-box",
    )


def labelled(child: Any, label: str) -> html.Div:
    """``child`` (a Dash component whose inner controls take no name of their own: an upload, a
    slider) wrapped so ``assets/a11y.js`` names those controls ``label``."""
    return html.Div(child, className="labelled", **attributes(data_a11y_label=label))


def number_formatter(language: str, decimals: int = 0) -> dict[str, str]:
    """An AG Grid valueFormatter in the page's locale (functions in assets/grid_format.js)."""
    name = "formatSv" if language == "sv" else "formatEn"
    return {"function": f"{name}(params.value, {decimals})"}


ID_FIELDS = frozenset({"agreement_id", "invoice_id", "org_number"})
WIDE_FIELDS = frozenset({"name", "text"})
# Minimum widths in px by field (a value read whole at 1440 px: "35 019 844", "AVT-2021-267").
MIN_WIDTHS = {
    "rank": 70,
    "supplier": 160,
    "category": 140,
    "category_name": 140,
    "factor_source": 120,
    "spend_sek": 125,
    "spend_sek_factor_year": 125,
    "requirements": 95,
    "kg_co2e_low": 85,
    "kg_co2e_high": 85,
    "rank_robust": 85,
    "account": 80,
    "invoice_id": 100,
}


def grid_locale(language: str) -> dict[str, str]:
    """AG Grid's own words (pager, filters, "Sök") from the catalogue's ``grid.*`` keys."""
    return {k[5:]: v for k, v in catalogue(language).items() if k.startswith("grid.")}


def column_def(field: str, key: str, kind: str, language: str) -> dict[str, Any]:
    """One grid column, sized by its content: ids pinned left and never cut, names and texts
    flexible with the whole value as a tooltip, numbers right-aligned in the locale."""
    col: dict[str, Any] = {
        "field": field,
        "headerName": t(key, language),
        "headerTooltip": t(key, language),
        "wrapHeaderText": True,
        "autoHeaderHeight": True,
    }
    if kind.startswith("number"):
        decimals = number_decimals(kind)
        col.update(
            filter="agNumberColumnFilter",
            type="rightAligned",
            valueFormatter=number_formatter(language, decimals),
            minWidth=95,
            flex=1,
        )
    elif kind == "date":
        col.update(filter="agTextColumnFilter", minWidth=108, flex=1)
    elif field in ID_FIELDS:
        col.update(minWidth=130, flex=1)
    elif field in WIDE_FIELDS:
        col.update(minWidth=190, flex=2, tooltipField=field)
    else:
        col.update(minWidth=110, flex=1, tooltipField=field)
    if field in MIN_WIDTHS:
        col["minWidth"] = MIN_WIDTHS[field]
    return col


def grid(
    grid_id: str,
    frame: pd.DataFrame,
    columns: Sequence[tuple[str, str, str]],
    language: str,
    *,
    page_size: int = 20,
    height: str = "520px",
    server_side: bool = False,
    pinned: str | None = None,
    phone_columns: Sequence[str] = (),
    label: str | None = None,
) -> html.Div:
    """A sortable, filterable AG Grid of ``frame`` (text cells; numbers formatted in the locale).

    ``server_side``: AG Grid's infinite row model; ``frame`` is ignored and the page's callback
    answers ``getRowsRequest`` with one block of rows (filtered and sorted on the server), so a
    large table never travels to the browser whole. ``pinned``: the field kept at the left
    while the rest scrolls; ``phone_columns``: the fields a narrow screen keeps (the others are
    hidden below 700 px, ``assets/dashAgGridFunctions.js``), so a phone shows readable
    columns instead of a squeezed grid.
    """
    defs = []
    for field, key, kind in columns:
        col = column_def(field, key, kind, language)
        if field == pinned:
            col.update(pinned="left", lockPinned=True, flex=None, width=135)
        defs.append(col)
    options: dict[str, Any] = {
        "pagination": True,
        "paginationPageSize": page_size,
        "paginationPageSizeSelector": [20, 50, 100],
        "rowSelection": {
            "mode": "singleRow",
            "checkboxes": False,
            "enableClickSelection": True,
        },
        "animateRows": False,
        "localeText": grid_locale(language),
        "tooltipShowDelay": 300,
        "suppressDragLeaveHidesColumns": True,
    }
    if server_side:
        options.update(
            cacheBlockSize=SERVER_BLOCK_ROWS, maxBlocksInCache=10, infiniteInitialRowCount=1
        )
        data: dict[str, Any] = {"rowModelType": "infinite"}
    else:
        data = {"rowData": grid_records(frame, columns, language)}
    listeners: dict[str, Any] = {}
    if phone_columns:
        keep = json.dumps(list(phone_columns))
        call = f"fitColumnsToScreen(params, {keep})"
        listeners = {"gridSizeChanged": [call], "firstDataRendered": [call]}
    return html.Div(
        dag.AgGrid(
            id=grid_id,
            columnDefs=defs,
            defaultColDef={
                "sortable": True,
                "filter": True,
                "resizable": True,
                "floatingFilter": True,
            },
            dashGridOptions=options,
            style={"height": height},
            eventListeners=listeners,
            **data,
        ),
        className="grid-box",
        role="region",
        **attributes(aria_label=label or t("a11y.table", language)),
    )


def grid_records(
    frame: pd.DataFrame, columns: Sequence[tuple[str, str, str]], language: str
) -> list[dict[str, Any]]:
    """Rows for a grid: numbers as floats (the grid formats them), everything else as text.

    Built column by column as Python lists (no intermediate frame): a 500-line drill-down
    costs a few milliseconds."""
    values = grid_columns(frame, columns, language)
    names = list(values)
    return [dict(zip(names, row, strict=True)) for row in zip(*values.values(), strict=True)]


def grid_frame(
    frame: pd.DataFrame, columns: Sequence[tuple[str, str, str]], language: str
) -> pd.DataFrame:
    """What a grid shows of ``frame`` (same index): numbers as floats, other cells as text."""
    return pd.DataFrame(grid_columns(frame, columns, language), index=frame.index)


def grid_columns(
    frame: pd.DataFrame, columns: Sequence[tuple[str, str, str]], language: str
) -> dict[str, list[Any]]:
    """Field → displayed values (floats rounded to 6 decimals or None; text) of ``frame``."""
    out: dict[str, list[Any]] = {}
    for field, _, kind in columns:
        if field not in frame:
            continue
        if kind.startswith("number"):
            numbers = pd.to_numeric(frame[field], errors="coerce").astype("float64").round(6)
            out[str(field)] = [None if v != v else v for v in numbers.tolist()]
        else:
            out[str(field)] = _texts(frame[field], kind, language)
    return out


def _texts(column: pd.Series, kind: str, language: str) -> list[str]:
    """``cell_text`` of every value, formatted once per distinct value and spread back."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    shown = np.array(
        [cell_text(v, kind, language) for v in uniques] + [cell_text(None, kind, language)],
        dtype=object,
    )
    result: list[str] = shown[np.where(codes < 0, len(shown) - 1, codes)].tolist()
    return result


def figure_layout(
    fig: go.Figure, language: str, title: str | None = None, **extra: Any
) -> go.Figure:
    layout: dict[str, Any] = {
        "separators": plotly_separators(language),
        "template": "plotly_white",
        "margin": {"l": 50, "r": 20, "t": 50 if title else 20, "b": 40},
        "font": {"family": "DejaVu Sans, Segoe UI, Arial, sans-serif", "color": "#1b2a35"},
        "title": title,
        "legend": {"orientation": "h", "y": -0.2},
        "colorway": list(COLORS),
    }
    fig.update_layout(**{**layout, **extra})
    return fig


def graph(
    graph_id: str,
    fig: go.Figure | dict[str, Any],
    height: int = 380,
    *,
    summary: str | None = None,
    data: Any = None,
    language: str | None = None,
) -> Any:
    """A chart; ``fig`` may be a figure already turned into a plain dict (``figure_dict``),
    which Dash sends without plotly's validation.

    No toolbar (it covered the plot; the figures are in the tables beside the charts). With
    ``summary`` the chart is a ``<figure>`` whose caption says in words what it shows (a text
    alternative, WCAG 1.1.1), and ``data`` (a table component) is its data in a fold under it.
    """
    if isinstance(fig, dict):
        fig = {**fig, "layout": {**fig.get("layout", {}), "height": height}}
    else:
        fig.update_layout(height=height)
    chart = dcc.Graph(
        id=graph_id,
        figure=fig,
        config={"displayModeBar": False, "displaylogo": False},
        className="chart",
    )
    if summary is None:
        return chart
    parts: list[Any] = [html.Figcaption(summary, className="chart-summary"), chart]
    if data is not None:
        parts.append(html.Details([html.Summary(t("a11y.chart_data", language or "sv")), data]))
    return html.Figure(parts, className="chart-figure", id=f"{graph_id}-figure")


def figure_dict(fig: go.Figure) -> dict[str, Any]:
    """``fig`` as plain JSON data (built once per dataset version and reused by every view)."""
    result: dict[str, Any] = json.loads(fig.to_json())
    return result
