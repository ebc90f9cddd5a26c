"""The benchmark machinery: deterministic generators, the DuckDB reference worked by hand, and
the reference agreeing with our engine per agreement on a small generated dataset."""

from __future__ import annotations

import csv
import hashlib
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks import generate, generate_travel, pandas_reference, xlsx_writer  # noqa: E402
from benchmarks.duckdb_reference import run_reference  # noqa: E402
from benchmarks.harness import measure  # noqa: E402


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_all(folder: Path, n_lines: int = 3000) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    register = generate.make_register(150)
    lines = generate.make_invoices(register, n_lines)
    return {
        "contracts": generate.write_contracts_csv(register, folder / "avtal.csv"),
        "invoices": generate.write_invoices_csv(lines, folder / "fakturor.csv"),
        "xlsx": xlsx_writer.write_invoices_xlsx(lines, folder / "f.xlsx"),
        "trips": generate_travel.write_trips_csv(500, folder / "resor.csv"),
        "fte": generate_travel.write_fte_csv(folder / "aa.csv"),
    }


def test_generators_are_deterministic(tmp_path: Path) -> None:
    first = _write_all(tmp_path / "a")
    second = _write_all(tmp_path / "b")
    for kind in ("contracts", "invoices", "trips", "fte"):
        assert _digest(first[kind]) == _digest(second[kind]), kind
    # A zip has timestamps; the sheet inside must be the same.
    import zipfile

    sheets = [zipfile.ZipFile(p["xlsx"]).read("xl/worksheets/sheet1.xml") for p in (first, second)]
    assert sheets[0] == sheets[1]


def test_invoice_export_has_the_swedish_format(tmp_path: Path) -> None:
    path = _write_all(tmp_path)["invoices"]
    text = path.read_bytes().decode("cp1252")
    rows = text.splitlines()
    assert rows[0].startswith("Leverantörsfakturor")
    assert rows[1] == ";".join(generate.INVOICE_HEADERS)
    assert rows[-1].startswith("Summa;")
    assert len(rows) == 3000 + 3

    def amount(cell: str) -> float:
        return float(cell.replace(" ", "").replace(",", "."))

    total = sum(amount(r.split(";")[5]) for r in rows[2:-1])
    assert amount(rows[-1].split(";")[5]) == pytest.approx(total, abs=0.005)
    # Text stays where cp1252 and Latin-1 agree, so DuckDB's Latin-1 decoding is faithful.
    assert text == path.read_bytes().decode("latin-1")


@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (0, "0,00"),
        (5, "0,05"),
        (123456, "1 234,56"),
        (-5000, "-50,00"),
        (100000000, "1 000 000,00"),
        (123456789012, "1 234 567 890,12"),
    ],
)
def test_swedish_amounts(cents: int, text: str) -> None:
    assert generate.format_swedish_amount(np.array([cents]))[0] == text


def test_xlsx_export_reads_back(tmp_path: Path) -> None:
    import openpyxl

    path = _write_all(tmp_path)["xlsx"]
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("Leverantörsfakturor")
    assert tuple(rows[1]) == generate.INVOICE_HEADERS
    assert len(rows) == 3000 + 2
    first = rows[2]
    assert first[0] == "F00000001" and isinstance(first[5], float)
    assert first[1].year in generate.INVOICE_YEARS


def _tables(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cpv_factors.csv").write_text(
        "cpv_prefix,kg_co2e_per_sek,price_year\n72,0.01,2022\n7962,0.02,2022\n79,0.5,2022\n"
    )
    (folder / "kpi.csv").write_text("year,kpi\n2022,100\n2024,125\n")
    return folder


def _read_result(path: Path) -> dict[str, tuple[float, float | None]]:
    with path.open(encoding="utf-8") as fh:
        return {
            r["agreement_id"]: (
                float(r["spend_sek"]),
                float(r["kg_co2e"]) if r["kg_co2e"] else None,
            )
            for r in csv.DictReader(fh)
        }


@pytest.mark.parametrize(
    "reference", [run_reference, pandas_reference.run_reference], ids=["duckdb", "pandas"]
)
def test_reference_by_hand(tmp_path: Path, reference) -> None:  # type: ignore[no-untyped-def]
    """Both references of the job (DuckDB SQL, and the pandas/pyarrow floor) give the figures
    worked by hand. kg CO2e = spend × KPI[price year] / KPI[spend year] × factor; longest CPV prefix wins.

    A1 (CPV 72…, 0.01 kg/SEK at 2022 prices): 1 000,00 kr in 2024 → 1000 × 100/125 × 0.01 = 8.0;
    a credit note of -200,00 in 2022 → -200 × 100/100 × 0.01 = -2.0; A1: 800 kr, 6.0 kg.
    A2 (CPV 79620000-6: prefix 7962 beats 79, 0.02): 2 500,00 in 2024, no agreement id, VAT
    number SE556000000201 → org 5560000002 → 2500 × 0.8 × 0.02 = 40.0 kg.
    Org 5560000003 belongs to A3 and A4: its line (300 kr) stays unlinked, with no factor.
    The Summa row is not a line.
    """
    contracts = tmp_path / "avtal.csv"
    contracts.write_bytes(
        (
            ";".join(generate.CONTRACT_HEADERS) + "\r\n"
            "A1;IT;Ett AB;556000-0001;;72000000;2022-01-01;2026-01-01;1 000;Ja\r\n"
            "A2;Bemanning;Två AB;5560000002;;79620000-6;2022-01-01;2026-01-01;1 000;Nej\r\n"
            "A3;IT;Tre AB;556000-0003;;72000000;2022-01-01;2026-01-01;1 000;\r\n"
            "A4;IT;Tre AB;556000-0003;;72000000;2022-01-01;2026-01-01;1 000;\r\n"
        ).encode("utf-8-sig")
    )
    invoices = tmp_path / "fakturor.csv"
    invoices.write_bytes(
        (
            "Leverantörsfakturor 2024\r\n" + ";".join(generate.INVOICE_HEADERS) + "\r\n"
            "F1;2024-03-01;Ett AB;556000-0001;5721;1 000,00;A1;Konsult\r\n"
            "F2;2024-03-02;Två AB;SE556000000201;5711;2 500,00;;Bemanning\r\n"
            "F3;2024-03-03;Tre AB;556000-0003;5721;300,00;;Konsult\r\n"
            "F4;2022-05-01;Ett AB;556000-0001;5721;-200,00;A1;Kredit\r\n"
            "Summa;;;;;3 600,00;;\r\n"
        ).encode("cp1252")
    )
    out = tmp_path / "out.csv"
    reference(contracts, invoices, _tables(tmp_path / "tables"), out)
    result = _read_result(out)
    assert result["A1"] == pytest.approx((800.0, 6.0))
    assert result["A2"] == pytest.approx((2500.0, 40.0))
    assert result[""] == (300.0, None)
    assert set(result) == {"A1", "A2", ""}


def test_duckdb_reference_matches_the_engine(tmp_path: Path) -> None:
    """Same generated files, same project factor tables: the same kg CO2e per agreement."""
    pytest.importorskip("spendanalys.services.assembly")
    from benchmarks.reference_tables import write_reference_tables
    from spendanalys.services.assembly import run_spend

    files = _write_all(tmp_path / "data", n_lines=4000)
    source = write_reference_tables(tmp_path / "tables")
    if source.startswith("FALLBACK"):
        pytest.skip(f"the project's factor files are not loadable: {source}")
    out = tmp_path / "duckdb.csv"
    run_reference(files["contracts"], files["invoices"], tmp_path / "tables", out)
    reference = _read_result(out)
    analysis = run_spend(
        [files["contracts"]], [files["invoices"]], as_of=date(2024, 12, 31)
    ).analysis
    ours = analysis.agreements.set_index("agreement_id")
    linked = {k: v for k, v in reference.items() if k}
    assert len(linked) > 100
    for agreement_id, (spend, kg) in linked.items():
        assert ours.loc[agreement_id, "spend_sek"] == pytest.approx(spend, rel=1e-9), agreement_id
        assert ours.loc[agreement_id, "kg_co2e"] == pytest.approx(kg, rel=1e-9), agreement_id
    unlinked_spend = reference.get("", (0.0, None))[0]
    assert analysis.totals["unlinked_spend_sek"] == pytest.approx(unlinked_spend, rel=1e-9)


def test_pandas_floor_gives_the_duckdb_answers(tmp_path: Path) -> None:
    """The pandas/pyarrow floor that make bench times beside DuckDB does the same job: every
    agreement, spend and kg CO2e to 1e-9 relative on generated files with the project's tables."""
    from benchmarks.reference_tables import write_reference_tables
    from benchmarks.results_report import compare_agreements

    files = _write_all(tmp_path / "data", n_lines=4000)
    source = write_reference_tables(tmp_path / "tables")
    if source.startswith("FALLBACK"):
        pytest.skip(f"the project's factor files are not loadable: {source}")
    duck, floor = tmp_path / "duckdb.csv", tmp_path / "pandas.csv"
    run_reference(files["contracts"], files["invoices"], tmp_path / "tables", duck)
    pandas_reference.run_reference(
        files["contracts"], files["invoices"], tmp_path / "tables", floor
    )
    check = compare_agreements(floor, duck, ours_format="csv", rel_tol=1e-9)
    assert check["agreements_compared"] > 100
    assert check["missing_in_ours"] == 0 and check["differing_values"] == 0
    assert set(_read_result(floor)) == set(_read_result(duck))


def test_harness_measures_a_process() -> None:
    m = measure(
        "sleep",
        [sys.executable, "-c", "x = bytearray(50_000_000); import time; time.sleep(0.05)"],
        runs=1,
        warmup=0,
    )
    assert m.status == "ok"
    assert m.median_s is not None and m.median_s >= 0.05
    assert m.max_rss_mb is not None and m.max_rss_mb >= 45
    failed = measure("fails", [sys.executable, "-c", "raise SystemExit(3)"], runs=1, warmup=0)
    assert failed.status == "failed" and "exit 3" in failed.note


def test_dashboard_callback_payloads() -> None:
    """The load script sends what a browser sends: outputs, inputs with values, state."""
    import random

    from benchmarks.load_dashboard import _stats, build_payload, index_components

    layout = {
        "type": "Div",
        "namespace": "dash_html_components",
        "props": {
            "children": [
                {
                    "type": "Dropdown",
                    "namespace": "dash_core_components",
                    "props": {
                        "id": "year",
                        "value": 2024,
                        "options": [{"label": "2024", "value": 2024}],
                    },
                },
                {
                    "type": "Store",
                    "namespace": "dash_core_components",
                    "props": {"id": "st", "data": {"k": 1}},
                },
                {"type": "Upload", "namespace": "dash_core_components", "props": {"id": "up"}},
            ]
        },
    }
    components: dict[str, dict[str, object]] = {}
    index_components(layout, components)
    assert set(components) == {"year", "st", "up"}
    callback = {
        "output": "..a.children...b.figure..",
        "inputs": [{"id": "year", "property": "value"}],
        "state": [{"id": "st", "property": "data"}],
    }
    payload = build_payload(callback, components, "/", random.Random(0))
    assert payload is not None
    assert payload["outputs"] == [
        {"id": "a", "property": "children"},
        {"id": "b", "property": "figure"},
    ]
    assert payload["inputs"] == [{"id": "year", "property": "value", "value": 2024}]
    assert payload["state"] == [{"id": "st", "property": "data", "value": {"k": 1}}]
    assert payload["changedPropIds"] == ["year.value"]
    upload = {"output": "x.children", "inputs": [{"id": "up", "property": "contents"}]}
    assert build_payload(upload, components, "/", random.Random(0)) is None
    missing = {"output": "x.children", "inputs": [{"id": "elsewhere", "property": "value"}]}
    assert build_payload(missing, components, "/", random.Random(0)) is None
    stats = _stats([0.1, 0.2, 0.3], 1, [1024, 2048, 3072])
    assert stats["requests"] == 4 and stats["errors"] == 1
    assert stats["p50_ms"] == pytest.approx(200.0)
    assert stats["mean_kb"] == pytest.approx(2.0)
