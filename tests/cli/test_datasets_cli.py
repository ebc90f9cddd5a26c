"""``spendanalys datasets`` and ``spendanalys adjustments`` against a fresh store (``--database``)
and against the dashboard's store ($SPENDANALYS_DATABASE_URL, seeded as the app seeds it on first
start): the same checks as the upload, exit status 2 for a file of another kind unless --force."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spendanalys import services
from spendanalys.cli import main
from spendanalys.store.database import Store


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _listed(capsys: pytest.CaptureFixture[str], *database: str) -> list[dict]:
    code, out, _ = _run(capsys, "datasets", "list", "--format", "json", *database)
    assert code == 0
    return list(json.loads(out)["datasets"])


def test_a_fresh_store_from_import_to_roll_back(
    tmp_path: Path, sample_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--database", f"sqlite:///{tmp_path / 'fresh.sqlite'}"]
    assert _listed(capsys, *db) == []
    invoices = str(sample_dir / "leverantorsfakturor_2024.csv")
    code, _, err = _run(capsys, "datasets", "import", "--kind", "contracts", invoices, *db)
    assert code == 2 and "looks like invoices, not contracts" in err and "--force" in err
    assert _listed(capsys, *db) == []  # nothing stored

    register = str(sample_dir / "avtalsforteckning.xlsx")
    code, out, _ = _run(capsys, "datasets", "import", "--kind", "contracts", register, *db)
    assert code == 0 and out.startswith("dataversion 1 är aktuell: Avtalsförteckning")
    assert "350 rader inlästa, 0 avvisade" in out
    code, out, _ = _run(
        capsys, "datasets", "import", "--kind", "invoices", invoices, "--user", "ola", *db
    )
    assert code == 0 and "29\u00a0815 rader inlästa" in out
    code, _, _ = _run(capsys, "datasets", "import", "--kind", "contracts", register, *db)
    assert code == 0

    listed = _listed(capsys, *db)
    assert [d["id"] for d in listed] == [3, 2, 1]  # newest first
    assert set(listed[0]) == {
        "id", "kind", "file", "years", "uploaded_by", "uploaded_at", "rows_accepted",
        "rows_rejected", "current", "status", "checksum",
    }  # fmt: skip
    assert listed[1]["years"] == [2024] and listed[1]["uploaded_by"] == "ola"
    assert [d["current"] for d in listed] == [True, True, False]
    code, out, _ = _run(capsys, "datasets", "list", *db)
    assert code == 0 and "Typ av data" in out and "Leverantörsfakturor" in out
    assert "Aktuell" in out and "inläst" in out and "29\u00a0815" in out
    code, out, _ = _run(capsys, "datasets", "list", "--lang", "en", *db)
    assert code == 0 and "Supplier invoices" in out and "29,815" in out
    code, out, _ = _run(capsys, "datasets", "use", "1", "--user", "admin", "--lang", "en", *db)
    assert code == 0 and "version 1 is current" in out
    assert [d["current"] for d in _listed(capsys, *db)] == [False, True, True]
    code, out, _ = _run(capsys, "datasets", "audit", "--format", "json", *db)
    first = json.loads(out)["audit"][0]
    assert (first["action"], first["user_name"], first["detail"]["version_id"]) == (
        "set_current",
        "admin",
        1,
    )


def test_the_dashboards_store_years_and_adjustments(
    tmp_path: Path,
    sample_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = f"sqlite:///{tmp_path / 'dashboard.sqlite'}"
    with Store(url) as store:
        services.seed_sample_data(store, sample_dir)  # what the app does on its first start
        view = services.spend_view(store)
        assert view is not None
        org = str(view.analysis.agreements.sort_values("rank").iloc[30]["org_number"])
        services.add_supplier_factor(
            store, org_number=org, factor=25.0, unit="kg CO2e/SEK", price_year=2024,
            source="EPD", user="ola", role="procurement",
        )  # fmt: skip
    monkeypatch.setenv("SPENDANALYS_DATABASE_URL", url)
    assert [d["uploaded_by"] for d in _listed(capsys)] == ["system"] * 4

    lines = (sample_dir / "resor_2019_2024.csv").read_text(encoding="utf-8").splitlines()
    year_2024 = tmp_path / "resor_2024.csv"
    year_2024.write_text("\n".join([lines[0], *(x for x in lines if x[:5] == "2024-")]) + "\n")
    code, _, err = _run(capsys, "datasets", "import", "--kind", "trips", str(year_2024))
    assert code == 2 and "skulle ersätta åren 2024 i det aktuella underlaget (resor)" in err
    assert len(_listed(capsys)) == 5 and _listed(capsys)[0]["status"] == "discarded"
    code, _, err = _run(
        capsys, "datasets", "import", "--kind", "trips", str(year_2024), "--lang", "en"
    )
    assert code == 2 and "would replace the years 2024 of the current trips" in err
    code, out, _ = _run(
        capsys, "datasets", "import", "--kind", "trips", str(year_2024), "--replace"
    )
    assert code == 0 and "ersatte åren 2024" in out
    with Store(url) as store:
        years = store.current_table("trips")["date"].dt.year
        assert sorted(set(years)) == [2019, 2022, 2023, 2024]  # 2019–2023 kept from the first
        assert [p["years"] for p in store.current_parts("trips")] == [[2019, 2022, 2023], None]

    code, out, _ = _run(capsys, "adjustments", "list", "--format", "json")
    found = json.loads(out)["adjustments"]
    assert [(a["type"], a["key"]) for a in found] == [("supplier_factor", org)]
    code, out, _ = _run(capsys, "adjustments", "remove", found[0]["id"])
    assert code == 0 and org in out
    code, out, _ = _run(capsys, "adjustments", "list")
    assert "inga kategorimappningar eller leverantörsfaktorer gäller" in out
    code, out, _ = _run(capsys, "adjustments", "list", "--lang", "en")
    assert "no category mappings or supplier factors" in out
    code, _, err = _run(capsys, "adjustments", "remove", found[0]["id"])
    assert code == 2 and found[0]["id"] in err
