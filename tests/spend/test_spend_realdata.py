"""The real Upphandlingsmyndigheten contract list (2021, via okfse) through the whole pipeline.

The file has no supplier column and headers no synonym table knows, so the columns are mapped
explicitly, as a user would with ``--column``. Its CPV codes (code and text in one cell) must
categorise at least 95 % of the contracted value with the built-in cpv_map.
"""

from __future__ import annotations

from datetime import date

import pytest

from spendanalys.services.assembly import run_spend

pytestmark = pytest.mark.realdata

COLUMNS = {
    "contracts": {
        "agreement_id": "Upphandlings-ID",
        "name": "Upphandlingens titel",
        "cpv": "Huvudsaklig CPV-kod",
        "value_sek": "Kontrakterat värde, Summa",
        "environmental_requirements": "Miljömässigt hållbar upphandling",
        "start_date": "Publiceringsdatum",
    }
}


@pytest.fixture(scope="module")
def uhm(realdata_dir):
    path = realdata_dir / "contracts" / "uhm_contracted_value_2021_okfse.xlsx"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return run_spend(
        [path], columns=COLUMNS, sheet="Kontrakterat värde, Summa", as_of=date(2022, 1, 1)
    )


def test_cpv_codes_categorise_at_least_95_percent_of_contracted_value(uhm):
    agreements = uhm.analysis.agreements
    value = agreements["value_sek"].astype(float)
    by_cpv = value[(agreements["category_rule"] == "cpv").to_numpy()].sum()
    assert value.sum() > 1e11  # about 244 billion SEK contracted in 2021
    assert by_cpv / value.sum() >= 0.95


def test_register_only_analysis_of_the_real_list(uhm):
    analysis = uhm.analysis
    assert analysis.spend_basis == "estimate (agreement value)"
    assert len(analysis.agreements) > 9_000
    # Blank Miljömässigt hållbar upphandling means unknown, never "no" (realdata README).
    assert analysis.totals["agreements_with_requirements"] == 643
    assert (analysis.agreements["requirements"] != "no").all()
    # Repeated procurement ids are reported, not silently merged.
    assert all(r.column == "agreement_id" for r in analysis.rejected)
    t = analysis.totals
    assert t["spend_sek"] == pytest.approx(analysis.agreements["spend_sek"].sum())
    assert 0 < t["kg_co2e"] / t["spend_sek"] < 0.2
