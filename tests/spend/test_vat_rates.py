"""The VAT table (emission_factors/spend/vat_rates.csv) and how a factor's price basis reads.

Rates checked against Skatteverket, "Momssats på varor och tjänster": 12 % livsmedel,
restaurang- och cateringtjänster, rumsuthyrning i hotellrörelse; 6 % persontransporter inom
Sverige; momsfritt bank-, finansierings- och försäkringstjänster, sjukvård; 25 % the rest.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spendanalys.datafiles import DEFAULT_DATA_DIR
from spendanalys.errors import InputFormatError
from spendanalys.spend.categories import load_category_rules
from spendanalys.spend.vat import NORMAL_RATE, load_vat_rates, vat_basis, vat_rate_of


def test_every_category_of_the_tree_has_a_swedish_rate_and_the_source_is_cited():
    rates = load_vat_rates()
    assert set(rates.index) == load_category_rules().category_ids
    assert set(rates.unique()) <= {0.0, 0.06, 0.12, 0.25}
    header = (DEFAULT_DATA_DIR / "vat_rates.csv").read_text(encoding="utf-8")
    assert "Skatteverket" in header and "skatteverket.se" in header


@pytest.mark.parametrize(
    ("category", "rate"),
    [
        ("food_beverages", 0.12),
        ("catering", 0.12),
        ("hotels_conference", 0.12),
        ("rail_travel", 0.06),
        ("taxi", 0.06),
        ("insurance", 0.0),
        ("health_social_services", 0.0),
        ("it_consulting", 0.25),
    ],
)
def test_rates_of_categories(category: str, rate: float):
    assert load_vat_rates()[category] == rate


def test_a_category_without_a_rate_takes_the_normal_rate():
    rates = pd.Series({"food_beverages": 0.12})
    rate, defaulted = vat_rate_of(pd.Series(["food_beverages", "own:x", None]), rates)
    assert list(rate) == [0.12, NORMAL_RATE, NORMAL_RATE]
    assert list(defaulted) == [False, True, True]


@pytest.mark.parametrize("bad", ["20", "abc", "-6"])
def test_a_rate_sweden_does_not_have_is_refused_with_the_line(tmp_path: Path, bad: str):
    path = tmp_path / "vat.csv"
    path.write_text(f"# mine\ncategory_id,vat_rate\nfood,12\nit,{bad}\n", encoding="utf-8")
    with pytest.raises(InputFormatError) as info:
        load_vat_rates(path)
    assert info.value.row == 4


@pytest.mark.parametrize(
    ("text", "basis"),
    [
        ("purchaser price excl. VAT", "excl"),
        ("exkl. moms", "excl"),
        ("inkl. moms", "incl"),
        ("Price incl. VAT", "incl"),
        ("inklusive moms", "incl"),
        ("network operator price", ""),
        ("", ""),
    ],
)
def test_price_basis_text(text: str, basis: str):
    assert vat_basis(pd.Series([text])).iloc[0] == basis


@given(st.lists(st.text(max_size=40), max_size=20))
def test_price_basis_reads_any_text(texts: list[str]):
    assert set(vat_basis(pd.Series(texts, dtype="object"))) <= {"incl", "excl", ""}
