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
    # Nothing of the register is rejected: the two ids that two procurements share are kept.
    assert analysis.rejected == []
    t = analysis.totals
    assert t["spend_sek"] == pytest.approx(analysis.agreements["spend_sek"].sum())
    assert 0 < t["kg_co2e"] / t["spend_sek"] < 0.2


def test_the_full_contracted_value_is_kept(uhm):
    """The sum of the column 'Kontrakterat värde, Summa' over all 9,780 rows of the file
    (computed with openpyxl/pandas on the file itself): 244,382,960,612 SEK. Two ids are shared
    by two procurements each (MT3409: 1,140,000 + 73,149,990; MT4321: 6,000,000,000 +
    3,486,000 SEK); they stay one agreement each with the rows' values summed and a note that
    lists both names, instead of 76.6 MSEK (and 3.5 MSEK) dropping out."""
    agreements = uhm.analysis.agreements.set_index("agreement_id")
    assert agreements["value_sek"].sum() == 244_382_960_612
    assert uhm.analysis.totals["spend_sek"] == pytest.approx(244_382_960_612)
    assert len(agreements) == 9_778
    assert agreements.at["MT3409", "value_sek"] == 1_140_000 + 73_149_990
    assert agreements.at["MT4321", "register_rows"] == 2
    named = [n for n in uhm.analysis.notes if "'MT3409' has 2 rows with different names" in n]
    assert len(named) == 1 and "Upphandling av beskattningsmodell för björn" in named[0]
