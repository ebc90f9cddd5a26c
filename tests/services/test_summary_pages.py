"""The overview and method pages read the small per-version summary, not the whole analysis
(issue 20): after a new version each gunicorn worker read one small entry instead of decoding
every invoice line. What they read must equal what the full analysis gives.

Runs on the sample data stored in a temporary SQLite database, with a supplier-specific factor
and a category mapping entered, so the method tables carry the run's own rows.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from spendanalys import services
from spendanalys.dashboard import page_data
from spendanalys.services import cache, summaries
from spendanalys.store.database import Store


@pytest.fixture(scope="module")
def edited(samples: Path, tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = samples
    path = tmp_path_factory.mktemp("pages") / "p.sqlite"
    store = Store(f"sqlite:///{path}")
    assert len(services.seed_sample_data(store, folder)) == 4
    view = services.spend_view(store)
    assert view is not None
    lines = view.analysis.lines
    org = str(lines.loc[lines["supplier_org"].notna(), "supplier_org"].value_counts().index[0])
    services.add_supplier_factor(
        store,
        org_number=org,
        factor=0.05,
        unit="kg CO2e/SEK",
        price_year=2023,
        source="the supplier's own report",
        user="p",
        role="procurement",
    )
    agreement = str(view.analysis.agreements["agreement_id"].iloc[0])
    services.add_category_override(
        store,
        scope="agreement_id",
        key=agreement,
        category_id=sorted(view.rules.category_ids)[0],
        user="p",
        role="procurement",
    )
    return store


def _old_years(store: Store) -> tuple[int, ...]:
    """The overview's years as the page computed them from the whole analysis."""
    view = services.spend_view(store)
    assert view is not None
    found = pd.to_numeric(view.analysis.lines["spend_year"], errors="coerce").dropna()
    return tuple(sorted(int(y) for y in found.unique()))


def _fresh_process() -> None:
    """As a worker that has not seen this version: nothing in this process's memo."""
    for pool in cache._MEMO.values():
        pool.clear()


def test_the_summary_years_equal_the_full_analysis(edited: Store) -> None:
    expected = _old_years(edited)
    assert expected  # the sample data spans years
    _fresh_process()
    assert page_data.spend_years(edited) == expected


def test_the_summary_method_tables_equal_the_full_run(edited: Store) -> None:
    expected = services.method_tables(services.spend_view(edited))
    assert expected["factors"]["org_number"].notna().any()  # the supplier factor is in it
    _fresh_process()
    got = page_data.method_tables(edited)
    assert sorted(got) == sorted(expected)
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(got[name], frame, check_exact=True)


def test_the_pages_read_no_full_analysis_once_the_summary_is_stored(
    edited: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    years, tables = _old_years(edited), services.method_tables(services.spend_view(edited))
    assert services.spend_summary(edited) is not None  # stored with the analysis (``warm``)
    _fresh_process()

    def refused(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("the whole analysis was read")

    monkeypatch.setattr(summaries, "spend_view", refused)
    assert page_data.spend_years(edited) == years
    got = page_data.method_tables(edited)
    for name, frame in tables.items():
        pd.testing.assert_frame_equal(got[name], frame, check_exact=True)


def test_a_missing_or_unreadable_summary_is_built_once_from_the_analysis(
    edited: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store written before the summary held years and method tables has its entry under an
    older format's key (never read); a damaged entry is a miss. Either way the summary is built
    from the analysis once, stored, and read back by the next process."""
    years = _old_years(edited)
    key = summaries._summary_key(services.current_version_ids(edited), date.today())
    assert f"v{summaries.SUMMARY_FORMAT}:" in key and summaries.SUMMARY_FORMAT >= 5
    edited.cache_put(key, b"not an entry", edited.state_token("spend"))
    _fresh_process()
    builds: list[int] = []
    build = summaries.build_summary

    def counted(*args: Any, **kwargs: Any) -> Any:
        builds.append(1)
        return build(*args, **kwargs)

    monkeypatch.setattr(summaries, "build_summary", counted)
    assert page_data.spend_years(edited) == years
    assert builds == [1]
    _fresh_process()
    assert page_data.spend_years(edited) == years
    assert builds == [1]  # the next process read the stored summary


def test_without_a_register_the_method_page_shows_the_built_in_tables(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    try:
        got = page_data.method_tables(store)
        for name, frame in services.method_tables(None).items():
            pd.testing.assert_frame_equal(got[name], frame, check_exact=True)
        assert page_data.spend_years(store) == ()
    finally:
        store.close()


def test_the_method_token_follows_the_tables_not_the_dataset_version(edited: Store) -> None:
    """The rendered method page is kept by the content of its tables: equal tables, equal
    token (another process, another copy of the frames); a new supplier factor changes it."""
    token, tables = page_data.method_token(edited)
    _fresh_process()
    again, _ = page_data.method_token(edited)
    copies = {name: frame.copy() for name, frame in tables.items()}
    assert again == token == page_data.content_token(copies)
    changed = dict(copies, factors=copies["factors"].head(len(copies["factors"]) - 1))
    assert page_data.content_token(changed) != token
    lines = services.spend_view(edited).analysis.lines
    orgs = lines.loc[lines["supplier_org"].notna(), "supplier_org"].value_counts().index
    services.add_supplier_factor(
        edited,
        org_number=str(orgs[1]),
        factor=0.07,
        unit="kg CO2e/SEK",
        price_year=2023,
        source="another supplier's report",
        user="p",
        role="procurement",
    )
    after, tables_after = page_data.method_token(edited)
    assert after != token
    expected = services.method_tables(services.spend_view(edited))
    pd.testing.assert_frame_equal(tables_after["factors"], expected["factors"], check_exact=True)
