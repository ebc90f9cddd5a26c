"""``spend_payload`` builds each agreement's per-set figures column by column (issue 20); they
are what a lookup of the agreement's row in ``factor_comparison`` gives, missing ones null."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from spendanalys.jsonable import to_jsonable
from spendanalys.services.assembly import run_spend
from spendanalys.spend.analysis import SpendAnalysis
from spendanalys.spend.payload import spend_payload


@pytest.fixture(scope="module")
def analysis(sample_dir: Path) -> SpendAnalysis:
    run = run_spend(
        [sample_dir / "avtalsforteckning.csv"],
        [sample_dir / "leverantorsfakturor_2024.csv"],
        as_of=date(2025, 1, 1),
    )
    assert len(run.analysis.factor_sets) == 2
    return run.analysis


def _by_lookup(analysis: SpendAnalysis, agreement_id: str) -> dict[str, Any]:
    """The per-set figures of one agreement, by looking up its comparison row."""
    row = analysis.factor_comparison.set_index("agreement_id").loc[agreement_id]
    plain = lambda v: to_jsonable(v.item() if hasattr(v, "item") else v)  # noqa: E731
    return {
        "by_factor_set": {
            label: {
                "kg_co2e": plain(row[f"kg_co2e__{label}"]),
                "rank": plain(row[f"rank__{label}"]),
            }
            for label in analysis.factor_sets
        },
        "max_rank_move": plain(row["max_rank_move"]),
        "rank_moved": bool(row["rank_moved"]),
    }


def test_per_set_figures_are_the_comparison_rows(analysis: SpendAnalysis) -> None:
    agreements = spend_payload(analysis)["agreements"]
    assert len(agreements) == len(analysis.factor_comparison) > 10
    for record in agreements:
        expected = _by_lookup(analysis, record["agreement_id"])
        assert {k: record[k] for k in expected} == expected
        assert type(record["max_rank_move"]) is type(expected["max_rank_move"])


def test_an_agreement_unranked_under_a_set_has_nulls(analysis: SpendAnalysis) -> None:
    comparison = analysis.factor_comparison.copy()
    label = analysis.factor_sets[1]
    first = comparison.index[0]
    comparison[f"rank__{label}"] = comparison[f"rank__{label}"].astype("Int64")
    comparison.loc[first, f"rank__{label}"] = pd.NA
    comparison.loc[first, f"kg_co2e__{label}"] = float("nan")
    changed = dataclasses.replace(analysis, factor_comparison=comparison)
    agreements = spend_payload(changed)["agreements"]
    unranked = comparison.loc[first, "agreement_id"]
    for record in agreements:
        assert (
            record["by_factor_set"] == _by_lookup(changed, record["agreement_id"])["by_factor_set"]
        )
    record = next(r for r in agreements if r["agreement_id"] == unranked)
    assert record["by_factor_set"][label] == {"kg_co2e": None, "rank": None}
