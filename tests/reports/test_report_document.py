"""``spendanalys report --format docx`` on the sample data, and the Swedish of every report
(issue 16): the document's figures are the JSON's of ``spend`` and ``travel``, rounded as the
workbooks round them; no English from the list that leaked before is left in the Swedish
workbooks or the document; the document holds no field, link or macro."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import docx
import pytest
from report_leaks import document_texts, docx_parts, leaks, workbook_texts

from spendanalys.cli import main
from spendanalys.i18n.figures import figure
from spendanalys.spend.categories import load_category_rules

SPEND = ["--contracts", "avtalsforteckning.xlsx", "--invoices", "leverantorsfakturor_2024.csv"]
TRAVEL = ["--trips", "resor_2019_2024.csv", "--fte", "arsarbetskrafter.csv"]
INPUTS = [a for a in (*SPEND, *TRAVEL) if a.endswith((".csv", ".xlsx"))]


def _args(sample_dir: Path, args: list[str]) -> list[str]:
    return [str(sample_dir / a) if a.endswith((".csv", ".xlsx")) else a for a in args]


@pytest.fixture(scope="module")
def inputs(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample files in a folder whose path holds English words of the leak list, as a
    checkout under ~/travel/ would: the report names its inputs by the path given."""
    folder = tmp_path_factory.mktemp("travel") / "hotel" / "flight"
    folder.mkdir(parents=True)
    for name in INPUTS:
        shutil.copyfile(sample_dir / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def given_files(inputs: Path) -> frozenset[str]:
    """The paths and names the tests gave the commands: what the leak scan does not read."""
    return frozenset({*(str(inputs / n) for n in INPUTS), *INPUTS})


@pytest.fixture(scope="module")
def outputs(inputs: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("report")
    spend, travel = _args(inputs, SPEND), _args(inputs, TRAVEL)
    out = {k: folder / n for k, n in {
        "spend_json": "spend.json", "travel_json": "travel.json", "spend_xlsx": "inkop.xlsx",
        "travel_xlsx": "resor.xlsx", "docx": "rapport.docx", "docx_en": "report.docx"}.items()}  # fmt: skip
    as_of = ["--as-of", "2024-12-31"]
    assert main(["spend", *spend, *as_of, "--format", "json", "--out", str(out["spend_json"])]) == 0
    assert main(["travel", *travel, "--format", "json", "--out", str(out["travel_json"])]) == 0
    assert main(["spend", *spend, *as_of, "--format", "xlsx", "--out", str(out["spend_xlsx"])]) == 0
    assert main(["travel", *travel, "--format", "xlsx", "--out", str(out["travel_xlsx"])]) == 0
    both = [*spend, *travel, *as_of]
    assert main(["report", *both, "--format", "docx", "--out", str(out["docx"])]) == 0
    assert main(["report", *both, "--lang", "en", "--out", str(out["docx_en"])]) == 0
    return out


def _text(path: Path) -> str:
    return "\n".join(document_texts(path))


def test_the_document_has_both_sections_their_charts_and_tables(outputs):
    document = docx.Document(outputs["docx"])
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:1] == ["Upphandling"] and "Tjänsteresor" in headings
    assert any(h.startswith("Bilaga") for h in headings)
    assert len(document.inline_shapes) == 3  # top agreements, per FTE against the path, per mode
    assert len(document.tables) >= 5


def test_the_figures_are_the_json_figures_rounded_as_shown(outputs):
    spend = json.loads(outputs["spend_json"].read_text(encoding="utf-8"))
    travel = json.loads(outputs["travel_json"].read_text(encoding="utf-8"))
    text = _text(outputs["docx"])
    kpi, totals = spend["kpi"], spend["totals"]
    # The KPI sentence the sustainability report uses, with the JSON's figures.
    assert (
        f"{kpi['with_requirements']} pågående avtal med specifika miljökrav, vilket motsvarar "
        f"{figure(kpi['share'], 'share', 'sv')} av alla {kpi['ongoing_agreements']} pågående avtal"
    ) in text
    assert figure(totals["kg_co2e"], "t", "sv") in text  # e.g. "6 457,9 t CO2e"
    assert figure(totals["spend_sek"], "msek", "sv") in text
    first = spend["agreements"][0]
    assert f"{first['agreement_id']} {first['name']} ({figure(first['kg_co2e'], 't', 'sv')}" in text
    latest = max((y for y in travel["years"] if y["kg_co2e_per_fte"]), key=lambda y: y["year"])
    assert f"Under {latest['year']} gav myndighetens tjänsteresor upphov till" in text
    assert figure(latest["kg_co2e_per_fte"], "kg", "sv") in text  # "250,6 kg CO2e"
    assert figure(travel["baseline"]["kg_co2e_per_fte"], "kg", "sv") in text
    assert figure(travel["target"]["kg_co2e_per_fte"], "kg", "sv") in text
    routes = travel["what_if"]["train_instead_of_flight"]["routes"]
    saved = sum(r["kg_co2e_saved"] for r in routes)
    assert f"hade utsläppen minskat med {figure(saved, 't', 'sv')}" in text
    # Naturvårdsverket's table: the latest year's tonnes per category, one decimal.
    nv = travel["naturvardsverket"]["years"][-1]
    cells = {c.text for t in docx.Document(outputs["docx"]).tables for r in t.rows for c in r.cells}
    assert {figure(r["kg_co2e"], "t", "sv", with_word=False) for r in nv["rows"]} <= cells


def test_the_swedish_workbooks_and_document_hold_no_english(outputs, inputs, given_files):
    # Category ids as the rule files write them (a few, such as "taxi", are Swedish words too).
    ids = frozenset(i for i in load_category_rules().tree["category_id"].dropna() if "_" in i)
    found = []
    named = 0  # texts that name an input by its path: the case the path exemption is for
    for key in ("spend_xlsx", "travel_xlsx"):
        for sheet, text in workbook_texts(outputs[key]):
            named += str(inputs) in text
            if leaks(text, ids, given_files):
                found.append((key, sheet, text[:120], leaks(text, ids, given_files)))
    for text in document_texts(outputs["docx"]):
        named += str(inputs) in text
        if leaks(text, ids, given_files):
            found.append(("docx", "", text[:120], leaks(text, ids, given_files)))
    assert found == []
    assert named, "no text names an input file: the path exemption went untested"


def test_the_scan_reads_past_the_given_files_only():
    """A path the test gave is not read as English; the same words in prose still are, and so
    is an English note after the path, or a path the test did not give."""
    given = {"/home/me/travel/resor.csv", "resor.csv"}
    assert leaks("/home/me/travel/resor.csv: summarad 3 ('Summa') hoppades över", files=given) == []
    assert leaks("resor.csv [Blad1]: 3 tomma rader hoppades över", files=given) == []
    assert leaks("/home/me/travel/resor.csv: travel", files=given) == ["travel"]
    assert leaks("/home/me/travel/resor.csv: ignored 3 empty rows", files=given) == [
        "empty rows",
        "engine.empty_rows",
    ]
    assert leaks("/home/me/travel/other.csv: summarad 3 ('Summa') hoppades över", files=given)
    assert leaks("/home/me/travel/resor.csv: summarad 3 ('Summa') hoppades över")


def test_the_scan_finds_what_leaked_before():
    """The list is not empty words: the old reports' texts are found."""
    ids = frozenset({"it_operations"})
    for text in (
        "org number 5592011372 belongs to 2 agreements",
        "radiative forcing (high-altitude effect): included",
        "'2024-13-45' is not a valid calendar date",  # an engine message of the table
        "avtal.csv [Blad1]: more cells than the 9 header columns",
        "KPI has no index for 2025",
        "baseline_year",
        "short",
        "economy",
        "kg CO2e/pkm",
        "unknown",
        "it_operations",
    ):
        assert leaks(text, ids), text


def test_english_on_request(outputs):
    text = _text(outputs["docx_en"])
    assert "Procurement" in text and "Business travel" in text
    assert "ongoing agreements with specific environmental requirements" in text
    assert "pågående" not in text


def test_no_field_link_or_macro_in_the_document(outputs):
    data = outputs["docx"].read_bytes()
    parts = docx_parts(data)
    assert not any(n.lower().endswith("vbaproject.bin") for n in parts)
    body = parts["word/document.xml"]
    for tag in ("<w:fldSimple", "<w:instrText", "<w:hyperlink", "<w:fldChar"):
        assert tag not in body
    assert "macroEnabled" not in parts["[Content_Types].xml"]


def test_a_report_needs_one_pair_of_inputs(sample_dir, tmp_path, capsys):
    out = str(tmp_path / "r.docx")
    assert main(["report", "--out", out]) == 2
    assert "behöver --contracts" in capsys.readouterr().err  # Swedish by default
    assert main(["report", "--out", out, "--lang", "en"]) == 2
    assert "needs --contracts" in capsys.readouterr().err
    trips = str(sample_dir / "resor_2019_2024.csv")
    assert main(["report", "--trips", trips, "--out", out]) == 2
    assert "både --trips och --fte" in capsys.readouterr().err
    assert main(["report", "--trips", trips, "--out", out, "--lang", "en"]) == 2
    assert "--trips and --fte" in capsys.readouterr().err
