"""The English that leaked into the Swedish workbooks and documents before issue 16, and a scan.

Each entry is a phrase or a whole word as the engines or the old reports wrote it; a Swedish
report's text cell, paragraph or table cell must contain none of them, nor any English message
of the engines' table (``spendanalys/i18n/engine_messages.json``) left as written. The factor
files' provenance (source, derivation, note, licence columns of "Metod och källor" and the
factor source of each line) is quoted as the source wrote it and is not scanned, and so are the
paths of the input files a test gave the command (a report names its inputs as given: a checkout
under /home/me/travel/ is no English in the report).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePath

import openpyxl

from spendanalys.i18n.notes import SEPARATOR, matching, translate

PHRASES = (
    "radiative forcing",
    "included",
    "KPI has no index",
    "belongs to",
    "is not in the register",
    "org numbers differ",
    "hotel line(s)",
    "car row(s)",
    "no accepted trips",
    "no FTE for",
    "forecast, not a measurement",
    "Shapley decomposition",
    "no traveller identity",
    "median of the agency",
    "the flights' own cost",
    "your route file",
    "route table (",
    "as given in the file",
    "great circle",
    "kpi_substituted",
    "baseline_year",
    "exchange_rates",
    "travel_groups",
    "rank_move_threshold",
    "on or below the path",
    "above the path",
    "no data",
    "estimate (agreement value)",
    "not stated",  # a factor grade the file does not state (Datakvalitet)
    "(built-in)",
    "skipped total row",  # the readers' notes (io/build.py), named by their file
    "empty rows",
    "has no header",
    "not used: another column",
    "rpt.",  # a catalogue key shown instead of its text
)
WORDS = ("travel", "short", "long", "economy", "pkm", "vkm", "unknown", "none", "domestic",
         "woman", "man", "flight", "rail", "hotel", "invoices", "supplier", "category", "user_override",
         "agreement_category", "uncategorised", "on_path")  # fmt: skip
# Columns whose text is quoted from a factor file or is an identifier, by their Swedish header.
QUOTED = {"Källa (som i faktorfilen)", "Anmärkning (som i faktorfilen)", "Härledning", "Licens",
          "Faktorkälla", "Faktorrad", "Faktor-id", "Kategori-id", "Fil", "Värde som angivet",
          "Enhet som angiven", "Version", "Namn"}  # fmt: skip
_WORD_RE = re.compile(r"\b(" + "|".join(WORDS) + r")\b")


# A route's source, quoted from the route table after the Swedish words that introduce it.
_QUOTED_TAIL = re.compile(r"(rutt-tabellen \([^)]*\)): .*", re.DOTALL)


# A reader's note after the file (and sheet) that names it: "<file> [<sheet>]: <note>".
_AFTER_FILE = re.compile(r".+?\.(?:csv|txt|tsv|xlsx|xlsm|xls)(?: \[[^\]]*\])?: (?P<note>.+)", re.I)


def leaks(
    text: str, category_ids: frozenset[str] = frozenset(), files: Iterable[str] = ()
) -> list[str]:
    """The leak phrases and words in ``text`` (category ids count as words) and the keys of the
    engine messages it holds as the engine wrote them. ``files``: the input paths and names the
    caller gave the command; each, as written, stands as "indata" with its suffix while the text
    is scanned (the note after it still is)."""
    for name in sorted(files, key=len, reverse=True):  # a path before the name it ends with
        text = text.replace(name, "indata" + PurePath(name).suffix)
    text = _QUOTED_TAIL.sub(r"\1", text)
    found = [p for p in PHRASES if p in text]
    found += _english_messages(text)
    found += _WORD_RE.findall(text)
    found += [w for w in re.findall(r"[a-z_]+", text) if w in category_ids]
    return found


def _english_messages(text: str) -> list[str]:
    """``engine.*`` keys of the English engine messages in ``text``: all of it, each "; " part,
    or the note after a "<file>: ". A part counts when the table would still reword it in
    Swedish: the wrappers that only carry a worded part ("<column>: <reason>") match Swedish
    text too, and leave it as it is."""
    parts = [text.strip(), *text.split(SEPARATOR)]
    parts += [m["note"] for p in parts if (m := _AFTER_FILE.fullmatch(p.strip()))]
    return sorted(
        {
            hit[0].key
            for p in parts
            if p.strip()
            and (hit := matching(p.strip()))
            and translate(p.strip(), "sv") != p.strip()
        }
    )


def workbook_texts(data: bytes | Path) -> Iterator[tuple[str, str]]:
    """(sheet, text) of every text cell outside the quoted columns."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    book = openpyxl.load_workbook(source, read_only=True)
    for ws in book.worksheets:
        quoted: set[int] = set()
        for row in ws.iter_rows(values_only=True):
            if row and any(isinstance(v, str) and v in QUOTED for v in row):
                quoted = {i for i, v in enumerate(row) if isinstance(v, str) and v in QUOTED}
                continue
            if row and row[0] == "Faktoruppsättning":
                continue  # name, version, licence and file of a set, as the set states them
            for i, value in enumerate(row or ()):
                if isinstance(value, str) and i not in quoted:
                    yield ws.title, value
    book.close()


def document_texts(data: bytes | Path) -> Iterator[str]:
    """Every paragraph and table cell of a .docx (outside the factor-set table)."""
    import docx

    source = io.BytesIO(data) if isinstance(data, bytes) else data
    document = docx.Document(source)
    for paragraph in document.paragraphs:
        yield paragraph.text
    for table in document.tables:
        header = [c.text for c in table.rows[0].cells]
        quoted = {i for i, h in enumerate(header) if h in QUOTED}
        for row in table.rows:
            for i, cell in enumerate(row.cells):
                if i not in quoted:
                    yield cell.text


def docx_parts(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml")}
