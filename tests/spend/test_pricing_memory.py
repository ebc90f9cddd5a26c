"""The 10-million-line run stays under 4 GiB: narrower arrays inside pricing, same figures.

A second factor set contributes only its kg CO2e (``kg_co2e_under``), which must be the
``kg_co2e`` column ``apply_factor_set`` gives, with the same notes; already-normalised org
numbers keep their own Arrow data instead of a copy (``supplier_org`` of a million lines).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from spend_fixtures import AS_OF, building_register, canonical_frame, write_rule_files

from spendanalys.errors import ConfigurationError
from spendanalys.spend.analysis import analyse_spend
from spendanalys.spend.categories import load_category_rules
from spendanalys.spend.coding import _arrow_key
from spendanalys.spend.factors import load_kpi, load_spend_factor_set
from spendanalys.spend.linking import normalise_org_number
from spendanalys.spend.pricing import _years16, apply_factor_set, kg_co2e_under


@pytest.fixture(scope="module")
def priced(tmp_path_factory):
    folder = write_rule_files(tmp_path_factory.mktemp("rules"))
    rules = load_category_rules(data_dir=folder)
    factor_set = load_spend_factor_set(data_dir=folder, rules=rules)
    kpi = load_kpi(data_dir=folder)
    contracts = building_register()
    invoices = canonical_frame(
        "invoices",
        [
            dict(agreement_id="A1", amount_sek=1000.0, date="2025-03-01"),
            dict(agreement_id="A2", amount_sek=-250.0, date="2024-03-01"),
            dict(agreement_id="A3", amount_sek=1000.0, date="2021-03-01"),
            dict(agreement_id="A9", amount_sek=80.0),  # unlinked, undated, no factor
        ],
    )
    analysis = analyse_spend(contracts, invoices, rules, [factor_set], kpi, as_of=AS_OF)
    return analysis.lines, factor_set, kpi


def test_a_second_set_gives_the_kg_co2e_and_notes_of_a_full_pricing(priced):
    lines, factor_set, kpi = priced
    full_notes: list[str] = []
    kg_notes: list[str] = []
    full = apply_factor_set(lines, factor_set, kpi, label="x", notes=full_notes)
    kg = kg_co2e_under(lines, factor_set, kpi, label="x", notes=kg_notes)
    np.testing.assert_array_equal(kg, full["kg_co2e"].to_numpy(dtype=float, na_value=np.nan))
    assert np.isnan(kg).any() and not np.isnan(kg).all()
    assert kg_notes == full_notes and any("KPI has no index for 2025" in n for n in kg_notes)


def test_the_priced_columns_keep_their_dtypes(priced):
    lines, _, _ = priced
    assert str(lines["kpi_year"].dtype) == "Int64"
    years = lines["factor_price_year"].to_numpy(dtype=float)
    np.testing.assert_array_equal(years, [2022.0, 2022.0, 2022.0, np.nan])
    assert lines["kpi_year"].isna().sum() == 1  # the undated line is not adjusted


def test_normalised_org_numbers_keep_their_own_data():
    numbers = pd.Series(["5566778899", None, "5566778899", "2120000142"], dtype="string")
    same = normalise_org_number(numbers)
    assert same.tolist() == numbers.tolist()
    assert _arrow_key(same.array._pa_array) == _arrow_key(numbers.array._pa_array)
    mixed = pd.Series(["556677-8899", "5566778899", None], dtype="string")
    assert normalise_org_number(mixed).tolist() == ["5566778899", "5566778899", pd.NA]


def test_a_year_int16_cannot_hold_is_refused_not_wrapped():
    assert _years16(np.array([-1, 2024], dtype=np.int64)).dtype == np.int16
    with pytest.raises(ConfigurationError):
        _years16(np.array([2024, 40000], dtype=np.int64))
