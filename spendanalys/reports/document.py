"""The report document (.docx): the sustainability report's sections, ready to paste.

One section per goal, Upphandling (the miljöspendanalys and the miljökrav KPI) and Tjänsteresor
(kg CO2e per FTE against the goal, Naturvårdsverket's figures, train instead of flight), each
with the paragraphs written from the figures (``reports.texts``), its charts as images
(``reports.charts``) and its tables; then an appendix on method, factor sets, sources, data
quality and the rows left out. Built from the JSON payloads of ``spend`` and ``travel``, so the
document's figures are the JSON's, rounded as the workbooks round them.

Safe by construction: user text goes into runs as plain text (XML-invalid characters dropped);
the writer adds no field, hyperlink or macro, and the file is a macro-free .docx.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import IO, Any

from spendanalys.i18n import t
from spendanalys.i18n.figures import figure, with_unit
from spendanalys.i18n.notes import translate
from spendanalys.i18n.sheets import code
from spendanalys.reports import charts
from spendanalys.reports.texts import notes_in, spend_paragraphs, travel_paragraphs

TOP_N = 10
REJECTED_SHOWN = 50
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def plain(value: Any) -> str:
    """Any value as text a document may hold: no XML-invalid control characters."""
    return "" if value is None else _XML_INVALID.sub("", str(value))


class _Writer:
    def __init__(self, lang: str) -> None:
        from docx import Document
        from docx.shared import Pt

        self.lang = lang
        self.doc = Document()
        style = self.doc.styles["Normal"]
        style.font.name = "Calibri"
        style.font.size = Pt(11)

    def heading(self, text: str, level: int) -> None:
        self.doc.add_heading(plain(text), level=level)

    def paragraph(self, text: str, *, italic: bool = False) -> None:
        run = self.doc.add_paragraph().add_run(plain(text))
        run.italic = italic

    def table(self, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        table = self.doc.add_table(rows=1, cols=len(header))
        table.style = "Light Grid Accent 1"
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(plain(text)).bold = True
        for row in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = plain(value)
        self.doc.add_paragraph()

    def chart(self, png: bytes | None, caption: str) -> None:
        from docx.shared import Cm

        if png is None:
            self.paragraph(t("rpt.doc.no_charts", self.lang), italic=True)
            return
        self.doc.add_picture(io.BytesIO(png), width=Cm(16))
        self.paragraph(caption, italic=True)


def _spend_section(w: _Writer, payload: dict[str, Any]) -> None:
    lang = w.lang
    w.heading(t("rpt.doc.spend_heading", lang), 1)
    for text in spend_paragraphs(payload, lang):
        w.paragraph(text)
    top = [a for a in payload.get("agreements", []) if a.get("kg_co2e")][:TOP_N]
    title = t("rpt.spend.top", lang, n=len(top))
    if top and charts.available():
        labels = [plain(f"{a['agreement_id']} {a.get('name') or ''}").strip() for a in top]
        values = [round(float(a["kg_co2e"]) / 1000, 1) for a in top]
        w.chart(charts.bars(labels, values, title, t("rpt.unit.t", lang), lang), title)
    elif top:
        w.chart(None, title)
    header = [
        t("col.rank", lang),
        t("col.agreement_id", lang),
        t("col.name", lang),
        t("col.supplier", lang),
        with_unit(t("rpt.col.emissions", lang), "t", lang),
        t("rpt.col.share_of_kg", lang),
        t("col.requirements", lang),
        t("col.end_date", lang),
    ]
    rows = [
        [
            a.get("rank"),
            a.get("agreement_id"),
            a.get("name"),
            a.get("supplier"),
            figure(a.get("kg_co2e"), "t", lang, with_word=False),
            figure(a.get("share_of_kg"), "share", lang),
            code(a.get("requirements"), "requirements", lang),
            a.get("end_date") or "–",
        ]
        for a in top
    ]
    w.heading(title, 2)
    w.table(header, rows)
    priority = payload.get("priority", [])[:TOP_N]
    if priority:
        w.heading(t("spend.priority", lang), 2)
        w.paragraph(t("spend.priority_note", lang))
        header = [t("rpt.col.priority", lang), *header[1:5], t("col.end_date", lang)]
        rows = [
            [
                p.get("priority"),
                p.get("agreement_id"),
                p.get("name"),
                p.get("supplier"),
                figure(p.get("kg_co2e"), "t", lang, with_word=False),
                p.get("end_date") or "–",
            ]
            for p in priority
        ]
        w.table(header, rows)


def _travel_section(w: _Writer, payload: dict[str, Any]) -> None:
    lang = w.lang
    w.heading(t("rpt.doc.travel_heading", lang), 1)
    for text in travel_paragraphs(payload, lang):
        w.paragraph(text)
    years = payload.get("years", [])
    path = {int(p["year"]): p for p in payload.get("path", [])}
    every = sorted({*(int(y["year"]) for y in years), *path})
    per_fte = {int(y["year"]): y.get("kg_co2e_per_fte") for y in years}
    title = t("rpt.col.per_fte", lang)
    if every and charts.available():
        series = {
            title: [per_fte.get(y) for y in every],
            t("rpt.col.path", lang): [path.get(y, {}).get("path_kg_co2e_per_fte") for y in every],
        }
        w.chart(charts.lines(every, series, title, t("rpt.unit.kg", lang), lang), title)
        with_data = [y for y in years if y.get("kg_co2e") is not None]
        modes = list(dict.fromkeys(m for y in with_data for m in (y.get("by_mode") or {})))
        parts = {
            t(f"mode.{m}", lang): [
                round(float(y["by_mode"].get(m) or 0) / 1000, 1) for y in with_data
            ]
            for m in modes
        }
        caption = t("travel.by_mode", lang)
        w.chart(
            charts.stacked(
                [int(y["year"]) for y in with_data], parts, caption, t("rpt.unit.t", lang), lang
            ),
            caption,
        )
    elif every:
        w.chart(None, title)
    header = [
        t("col.year", lang),
        with_unit(t("rpt.col.emissions", lang), "t", lang),
        t("kind.fte", lang),
        with_unit(title, "kg", lang),
        with_unit(t("rpt.col.path", lang), "kg", lang),
        t("rpt.col.change_vs_baseline", lang),
        t("rpt.col.status", lang),
    ]
    rows = []
    for y in years:
        p = path.get(int(y["year"]), {})
        rows.append(
            [
                y["year"],
                figure(y.get("kg_co2e"), "t", lang, with_word=False),
                figure(y.get("fte"), "decimal", lang),
                figure(y.get("kg_co2e_per_fte"), "kg", lang, with_word=False),
                figure(p.get("path_kg_co2e_per_fte"), "kg", lang, with_word=False),
                figure(p.get("change_vs_baseline"), "share", lang),
                code(p.get("status"), "status", lang),
            ]
        )
    w.heading(t("travel.per_fte_heading", lang), 2)
    w.table(header, rows)
    _naturvardsverket(w, payload)
    _train(w, payload)


def _naturvardsverket(w: _Writer, payload: dict[str, Any]) -> None:
    lang = w.lang
    nv = payload.get("naturvardsverket") or {}
    years = [y for y in nv.get("years", []) if y.get("rows")]
    if not years:
        return
    w.heading(t("travel.nv_heading", lang), 2)
    rf = t("travel.rf_included" if nv.get("radiative_forcing") else "travel.rf_excluded", lang)
    w.paragraph(t("travel.nv_note", lang, factor_set=nv.get("factor_set", ""), rf=rf))
    header = [
        t("col.year", lang),
        t("col.nv_category", lang),
        with_unit(t("rpt.col.emissions", lang), "t", lang),
        t("rpt.col.km_or_nights", lang),
        t("col.km_unit", lang),
    ]
    rows = [
        [
            y["year"],
            code(r.get("category"), "nv_category", lang),
            figure(r.get("kg_co2e"), "t", lang, with_word=False),
            figure(r.get("km"), "int", lang),
            code(r.get("km_unit"), "km_unit", lang),
        ]
        for y in years[-2:]
        for r in y["rows"]
    ]
    w.table(header, rows)


def _train(w: _Writer, payload: dict[str, Any]) -> None:
    lang = w.lang
    routes = ((payload.get("what_if") or {}).get("train_instead_of_flight") or {}).get("routes")
    if not routes:
        return
    w.heading(t("whatif.heading", lang), 2)
    w.paragraph(t("rpt.whatif.about", lang))
    header = [
        t("col.route", lang),
        t("rpt.col.flights", lang),
        with_unit(t("rpt.col.saved", lang), "t", lang),
        with_unit(t("rpt.col.cost_change", lang), "tkr", lang),
        with_unit(t("rpt.col.time_change", lang), "hours", lang),
    ]
    rows = [
        [
            r.get("route"),
            figure(r.get("flights"), "int", lang),
            figure(r.get("kg_co2e_saved"), "t", lang, with_word=False),
            figure(r.get("cost_change_sek"), "tkr", lang, with_word=False),
            figure(r.get("time_change_hours"), "hours", lang, with_word=False),
        ]
        for r in routes
    ]
    w.table(header, rows)


def _appendix(w: _Writer, spend: dict[str, Any] | None, travel: dict[str, Any] | None) -> None:
    lang = w.lang
    w.heading(t("rpt.doc.appendix", lang), 1)
    sets: list[dict[str, Any]] = []
    if spend is not None:
        w.heading(t("rpt.doc.spend_heading", lang), 2)
        w.paragraph(t("rpt.spend.method", lang))
        w.paragraph(t("rpt.spend.caveat", lang))
        sets += spend.get("factor_sets", [])
    if travel is not None:
        w.heading(t("rpt.doc.travel_heading", lang), 2)
        w.paragraph(t("rpt.travel.method", lang))
        sets += travel.get("factor_sets", [])
    if sets:
        w.heading(t("rpt.doc.factor_sets", lang), 2)
        header = [
            t("rpt.col.set_name", lang),
            "Version",
            t("col.licence", lang),
            t("col.file", lang),
        ]
        w.table(
            header,
            [[s.get("name"), s.get("version"), s.get("licence"), s.get("file")] for s in sets],
        )
    sources = sorted(
        {
            str(c["factor_source"])
            for c in (spend or {}).get("categories", [])
            if c.get("factor_source")
        }
    )
    if sources:
        w.heading(t("rpt.doc.sources", lang), 2)
        for source in sources:
            w.paragraph(f"– {source}")
    w.heading(t("rpt.doc.quality", lang), 2)
    if spend is not None:
        totals = spend["totals"]
        w.paragraph(
            t(
                "rpt.doc.quality_spend",
                lang,
                unlinked=figure(totals.get("unlinked_spend_sek"), "msek", lang),
                uncategorised=figure(totals.get("uncategorised_spend_sek"), "msek", lang),
                without=figure(totals.get("spend_without_factor_sek"), "msek", lang),
                excluded=figure(totals.get("excluded_spend_sek"), "msek", lang),
            )
        )
    notes = [*(notes_in(spend, lang) if spend else []), *(notes_in(travel, lang) if travel else [])]
    for note in notes:
        w.paragraph(f"– {note}")
    rejected = [*(spend or {}).get("rejected_rows", []), *(travel or {}).get("rejected_rows", [])]
    w.heading(t("rpt.doc.rejected", lang), 2)
    if not rejected:
        w.paragraph(t("rpt.doc.no_rejected", lang))
        return
    w.paragraph(
        t("rpt.doc.rejected_count", lang, n=len(rejected), shown=min(len(rejected), REJECTED_SHOWN))
    )
    header = [t("col.file", lang), t("col.row", lang), t("col.column", lang), t("col.reason", lang)]
    rows = [
        [r.get("file"), r.get("row"), r.get("column"), translate(r.get("reason"), lang)]
        for r in rejected[:REJECTED_SHOWN]
    ]
    w.table(header, rows)


def write_report_document(
    target: str | Path | IO[bytes],
    *,
    spend: dict[str, Any] | None = None,
    travel: dict[str, Any] | None = None,
    lang: str = "sv",
    today: date | None = None,
) -> None:
    """Write the .docx to ``target`` (a path or a binary stream) from the ``spend`` and
    ``travel`` JSON payloads (either may be None: its section is left out)."""
    w = _Writer(lang)
    w.doc.core_properties.title = t("rpt.doc.title", lang)
    w.heading(t("rpt.doc.title", lang), 0)
    w.paragraph(t("rpt.doc.intro", lang, date=(today or date.today()).isoformat()), italic=True)
    if spend is not None:
        _spend_section(w, spend)
    if travel is not None:
        _travel_section(w, travel)
    _appendix(w, spend, travel)
    w.doc.save(target if not isinstance(target, Path) else str(target))


def report_document_bytes(**kwargs: Any) -> bytes:
    """:func:`write_report_document` into memory (for a download)."""
    buffer = io.BytesIO()
    write_report_document(buffer, **kwargs)
    return buffer.getvalue()
