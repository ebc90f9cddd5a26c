"""No formula injection through the real Excel export (issue 7, item 3): a property test.

For arbitrary user text in agreement names, supplier names, accounts and invoice text (with the
OWASP trigger prefixes = + - @ tab CR LF, quotes, separators, control characters and any
unicode), the spend report written by ``spendanalys.spend.report.write_spend_report`` and reopened with
openpyxl has:

- no formula cell and no error cell anywhere (the report writes none of its own, so every cell
  is checked, not only those from user data);
- every user text present, unchanged after undoing the documented escaping
  (``spendanalys.xlsx.safe_cell_value``): control characters (CR included) are stored as OOXML
  ``_xHHHH_`` escapes (and a literal ``_xHHHH_`` as ``_x005F_xHHHH_``), which Excel decodes and
  openpyxl does not; the quote prefix is a cell style, not part of the value; text over 32,767
  characters is cut with a visible " …[truncated]";
- a text that starts with a trigger character carries Excel's quote prefix.
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from spend_fixtures import AS_OF, canonical_frame, write_rule_files

from spendanalys.spend.analysis import analyse_spend
from spendanalys.spend.categories import load_category_rules
from spendanalys.spend.factors import load_kpi, load_spend_factor_set
from spendanalys.spend.report import write_spend_report
from spendanalys.xlsx import FORMULA_TRIGGERS, MAX_CELL_CHARS, TRUNCATION_MARK

TRIGGERS = [
    "=",
    "+",
    "-",
    "@",
    "\t",
    "\r",
    "\n",
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://x")',
    '=1+2";=1+2',
    "#N/A",
    "_x0041_",
]
PLAIN = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
USER_TEXT = st.one_of(
    PLAIN,
    st.builds(lambda p, s: p + s, st.sampled_from(TRIGGERS), PLAIN),
).map(lambda s: s.strip() or "x")  # readers strip cells; a blank name is not a name
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape_ooxml(value: str) -> str:
    """ECMA-376 ST_Xstring: ``_xHHHH_`` is the character U+HHHH (``_x005F_`` a literal '_')."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = write_rule_files(tmp_path_factory.mktemp("rules"))
    rules = load_category_rules(data_dir=folder)
    factor_sets = [load_spend_factor_set(data_dir=folder, rules=rules)]
    return rules, factor_sets, load_kpi(data_dir=folder), tmp_path_factory.mktemp("out")


def write_report(setup, names: list[str], suppliers: list[str], texts: list[str]) -> Path:
    rules, factor_sets, kpi, out = setup
    contracts = canonical_frame(
        "contracts",
        [
            dict(
                agreement_id=f"A{i}",
                name=name,
                supplier=supplier,
                org_number=f"55600000{i:02d}",
                cpv="72000000",
                end_date="2026-06-30",
                environmental_requirements=None,
            )
            for i, (name, supplier) in enumerate(zip(names, suppliers, strict=True))
        ],
    )
    invoices = canonical_frame(
        "invoices",
        [
            *[
                dict(agreement_id=f"A{i}", amount_sek=1000.0 + i, date="2024-05-01", text=text)
                for i, text in enumerate(texts)
            ],
            # Unlinked lines: their supplier name and account are shown on the "Ej kopplat" sheet.
            *[
                dict(
                    supplier=supplier,
                    org_number="5569999990",
                    amount_sek=10.0,
                    account=text,
                    text=text,
                    date="2024-05-02",
                )
                for supplier, text in zip(suppliers, texts, strict=True)
            ],
        ],
    )
    analysis = analyse_spend(contracts, invoices, rules, factor_sets, kpi, as_of=AS_OF)
    path = out / "rapport.xlsx"
    write_spend_report(analysis, path, rules=rules, factor_sets=factor_sets)
    return path


def read_back(path: Path) -> tuple[dict[str, list[openpyxl.cell.Cell]], list[str]]:
    """Every string cell by its decoded value, and the raw sheet XML (for <f> and t="e")."""
    with zipfile.ZipFile(path) as archive:
        xml = [
            archive.read(n).decode("utf-8")
            for n in archive.namelist()
            if n.startswith("xl/worksheets/")
        ]
    found: dict[str, list[openpyxl.cell.Cell]] = {}
    workbook = openpyxl.load_workbook(path)
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type not in ("f", "e"), (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    found.setdefault(unescape_ooxml(cell.value), []).append(cell)
    return found, xml


def expected_text(text: str) -> str:
    if len(text) > MAX_CELL_CHARS:
        return text[: MAX_CELL_CHARS - len(TRUNCATION_MARK)] + TRUNCATION_MARK
    return text


SAMPLES = st.lists(USER_TEXT, min_size=1, max_size=4)


# One example writes a whole report (about 0.3-1 s): 8 in `make test`, 200 in `make stress`.
EXAMPLES = 200 if os.environ.get("HYPOTHESIS_PROFILE") == "stress" else 8


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(names=SAMPLES, suppliers=SAMPLES, texts=SAMPLES)
@example(
    names=["=1+1", '=HYPERLINK("http://x?"&A1,"y")'],
    suppliers=["@SUM(1)", "+1+1"],
    texts=["\r=1", "-2+3"],
)
@example(names=["a\x07b", "_x0007_"], suppliers=["\x1f", "x" * 40_000], texts=["\t=1", "\n"])
def test_user_text_never_becomes_a_formula_and_round_trips(setup, names, suppliers, texts):
    size = min(len(names), len(suppliers), len(texts))
    names, suppliers, texts = names[:size], suppliers[:size], texts[:size]
    path = write_report(setup, names, suppliers, texts)
    found, xml = read_back(path)
    for sheet in xml:
        assert "<f>" not in sheet and "<f " not in sheet
        assert 't="e"' not in sheet
    for text in [*names, *suppliers]:
        cells = found.get(expected_text(text))
        assert cells, f"{text[:80]!r} is missing from the report"
        if text.startswith(FORMULA_TRIGGERS):
            assert all(c.quotePrefix for c in cells), f"{text[:80]!r} lacks the quote prefix"
