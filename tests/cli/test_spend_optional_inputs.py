"""Any mix of optional columns and optional rule files gives a result or a one-line message.

``spendanalys spend`` runs in-process on small generated exports: each example picks which
optional contract and invoice fields (``spendanalys.schema``) the files carry, which of the
optional rule files (``--supplier-map``, ``--account-map``, ``--cpv-map``, ``--keyword-map``)
are given and in which shape (header only, names without organisation numbers, …), whether they
replace the built-in tables, one or two factor sets and the output format. The command must
exit 0 with its output, or 2 with one line on stderr; any other exception fails the test.

Issue 22: a supplier map without organisation numbers, used with invoices without an
organisation-number column, stopped the command with pyarrow's ``ArrowInvalid``.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path

import openpyxl
from hypothesis import example, given, settings
from hypothesis import strategies as st
from spend_fixtures import write_rule_files

from spendanalys.cli import main
from spendanalys.schema import SCHEMAS

DATA = write_rule_files(Path(tempfile.mkdtemp(prefix="spend_optional_")) / "data")

# One recognised header per canonical field (io/header_synonyms.csv).
HEADERS = {
    "agreement_id": "Avtalsnummer",
    "name": "Avtalsnamn",
    "supplier": "Leverantör",
    "org_number": "Organisationsnummer",
    "category": "Inköpskategori",
    "cpv": "CPV-kod",
    "start_date": "Startdatum",
    "end_date": "Slutdatum",
    "value_sek": "Avtalsvärde",
    "environmental_requirements": "Miljökrav",
    "requirement_level": "Kravnivå",
    "framework_id": "Ramavtal",
    "invoice_id": "Fakturanummer",
    "date": "Fakturadatum",
    "account": "Konto",
    "amount_sek": "Belopp",
    "text": "Fakturatext",
    "currency": "Valuta",
    "amount_incl_vat_sek": "Belopp inkl. moms",
}
# Cell values per field: good ones, blanks and a few bad ones.
VALUES = {
    "agreement_id": ["A1", "A2", "a1", "A9", ""],
    "name": ["Städning", "IT-konsult", "Kaffe", ""],
    "supplier": ["Alfa AB", "Beta AB", "STÄD & CO", ""],
    "org_number": ["5560000001", "556000-0002", "SE556000000301", "", "12"],
    "category": ["IT-tjänster", "Lokalvård", "food", "okänd kategori", ""],
    "cpv": ["72000000", "90910000-9", "15000000 Livsmedel", "xx", ""],
    "start_date": ["2022-01-01", "2024-05-01", "", "inte ett datum"],
    "end_date": ["2025-06-30", "2026-12-31", "", "31/13/2025"],
    "value_sek": ["100 000", "0", "-5", "", "abc"],
    "environmental_requirements": ["Ja", "Nej", "", "kanske", "Basnivå", "Ja, delvis"],
    "requirement_level": ["Avancerad nivå", "Spjutspets", "", "okänd nivå"],
    "framework_id": ["KAM-1", "kam-1", "", "ADDA-2"],
    "invoice_id": ["1", "2", ""],
    # 2021 and 2026 lie outside the fixture's price index (2022–2024).
    "date": ["2021-06-01", "2024-03-01", "2026-01-15", "", "x"],
    "account": ["4010", "6540", "7010", "5010 Material", "", "abc"],
    "amount_sek": ["1 000,00", "-200", "55000", "", "abc"],
    "text": ["städning", "kaffe", "konsult", "=1+1", ""],
    "currency": ["SEK", "EUR", "GBP", ""],
    "amount_incl_vat_sek": ["1 250,00", "-250", "", "abc"],
}
RULE_FILES = {
    "--supplier-map": {
        "header only": "org_number,supplier,category_id,note\n",
        "names only": "org_number,supplier,category_id,note\n,Alfa AB,cleaning,\n,Beta AB,food,\n",
        "numbers only": "org_number,supplier,category_id,note\n5560000001,,cleaning,\n",
        "both": "org_number,supplier,category_id,note\n556000-0002,Beta AB,food,\n",
    },
    "--account-map": {
        "header only": "account_from,account_to,category_id,exclude,note\n",
        "rows": "account_from,account_to,category_id,exclude,note\n"
        "4000,4999,food,no,\n7000,7999,,yes,\n",
    },
    "--cpv-map": {
        "header only": "cpv_prefix,category_id,note\n",
        "rows": "cpv_prefix,category_id,note\n72,it_consulting,\n909,cleaning,\n",
    },
    "--keyword-map": {
        "header only": "keyword,category_id,note\n",
        "rows": "keyword,category_id,note\nstäd,cleaning,\nkaffe,food,\n",
    },
}
ALT_FACTORS = (
    "category,factor,unit,price_year,source\n"
    "it_consulting,1,g CO2e/SEK,2022,alt\ncleaning,0.03,kg CO2e/SEK,2023,alt\n"
    "food,0.1,kg CO2e/SEK,2024,alt\n"
)

CONTRACT_FIELDS = [f for f in SCHEMAS["contracts"].names if f != "agreement_id"]
INVOICE_FIELDS = [f for f in SCHEMAS["invoices"].names if f != "amount_sek"]


def _export(fields: list[str], rows: list[dict[str, str]]) -> str:
    lines = [";".join(HEADERS[f] for f in fields)]
    lines += [";".join(row[f] for f in fields) for row in rows]
    return "\n".join(lines) + "\n"


def _rows(fields: list[str], size: int) -> st.SearchStrategy[list[dict[str, str]]]:
    row = st.fixed_dictionaries({f: st.sampled_from(VALUES[f]) for f in fields})
    return st.lists(row, min_size=0, max_size=size)


@st.composite
def inputs(draw: st.DrawFn) -> dict[str, object]:
    contract_fields = [
        "agreement_id",
        *draw(st.lists(st.sampled_from(CONTRACT_FIELDS), unique=True)),
    ]
    with_invoices = draw(st.booleans())
    invoice_fields = ["amount_sek", *draw(st.lists(st.sampled_from(INVOICE_FIELDS), unique=True))]
    return {
        "contracts": _export(contract_fields, draw(_rows(contract_fields, 4))),
        "invoices": _export(invoice_fields, draw(_rows(invoice_fields, 6)))
        if with_invoices
        else None,
        "rules": {
            option: draw(st.sampled_from([None, *shapes])) for option, shapes in RULE_FILES.items()
        },
        "replace": draw(st.booleans()),
        "two_sets": draw(st.booleans()),
        "format": draw(st.sampled_from(["json", "table", "xlsx"])),
    }


def _run(case: dict[str, object], folder: Path) -> tuple[int, str, str]:
    contracts = folder / "avtal.csv"
    contracts.write_text(str(case["contracts"]), encoding="utf-8")
    argv = ["spend", "--contracts", str(contracts), "--data-dir", str(DATA)]
    argv += ["--as-of", "2025-01-01", "--format", str(case["format"])]
    if case["invoices"] is not None:
        invoices = folder / "fakturor.csv"
        invoices.write_text(str(case["invoices"]), encoding="utf-8")
        argv += ["--invoices", str(invoices)]
    rules: dict[str, str | None] = case["rules"]  # type: ignore[assignment]
    for option, shape in rules.items():
        if shape is not None:
            path = folder / f"{option.strip('-')}.csv"
            path.write_text(RULE_FILES[option][shape], encoding="utf-8")
            argv += [option, str(path)]
    if case["replace"]:
        argv.append("--replace-rules")
    if case["two_sets"]:
        alt = folder / "alt.csv"
        alt.write_text(ALT_FACTORS, encoding="utf-8")
        argv += ["--factors", "default", "--factors", str(alt)]
    if case["format"] == "xlsx":
        argv += ["--out", str(folder / "rapport.xlsx")]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


NAMES_ONLY_SUPPLIER_MAP = {
    "contracts": "Avtalsnummer;Leverantör\nA1;Alfa AB\n",
    "invoices": "Belopp;Leverantör\n1000;Alfa AB\n500;Beta AB\n",
    "rules": {"--supplier-map": "names only", "--account-map": None, "--cpv-map": None,
              "--keyword-map": None},
    "replace": False,
    "two_sets": False,
    "format": "json",
}  # fmt: skip


# Each example runs the whole command (~0.1 s): half the profile's examples, at least 40.
@settings(max_examples=max(40, settings.default.max_examples // 2))
@example(NAMES_ONLY_SUPPLIER_MAP)
@given(inputs())
def test_every_mix_of_optional_inputs_gives_a_result_or_one_line(case):
    with tempfile.TemporaryDirectory(prefix="spend_case_") as tmp:
        folder = Path(tmp)
        code, out, err = _run(case, folder)
        if code == 2:
            assert out == ""
            assert err.startswith("spendanalys spend: ") and err.count("\n") == 1, err
            return
        assert code == 0, err
        if case["format"] == "json":
            doc = json.loads(out)
            assert len(doc["agreements"]) <= str(case["contracts"]).count("\n") - 1
        elif case["format"] == "table":
            # Warnings naming the top reasons for rejected rows come first (issue 13).
            body = "".join(line for line in out.splitlines(True) if not line.startswith("VARNING"))
            assert body.lstrip("\n").startswith("Miljöspendanalys")
        else:
            openpyxl.load_workbook(folder / "rapport.xlsx", read_only=True).close()


def test_the_reported_case_categorises_by_supplier_name(tmp_path):
    """The issue's case runs, and the supplier map's name rule places Alfa's line in cleaning."""
    code, out, err = _run(NAMES_ONLY_SUPPLIER_MAP, tmp_path)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["agreements"][0]["category_id"] == "cleaning"
    assert doc["totals"]["uncategorised_spend_sek"] == 0  # Beta AB: food, by name too
