"""Issue 17 in the application layer, on the sample exports: the plausibility check stops a
file of another kind, a staged upload is previewed and confirmed only by its uploader or an
administrator, goal settings are checked against the data, adjustments are listed and withdrawn
and the ranking follows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from spendanalys import io as readers
from spendanalys import services
from spendanalys.errors import AccessDenied, ConfigurationError
from spendanalys.services.assembly import assemble_spend
from spendanalys.store.database import Store


@pytest.fixture(scope="module")
def seeded_db(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("staging") / "s.sqlite"
    with Store(f"sqlite:///{path}") as store:
        assert len(services.seed_sample_data(store, sample_dir)) == 4
    return path


@pytest.fixture()
def store(seeded_db: Path, tmp_path: Path) -> Store:
    copy = tmp_path / "w.sqlite"
    shutil.copyfile(seeded_db, copy)
    return Store(f"sqlite:///{copy}")


def _bytes(sample_dir: Path, name: str) -> bytes:
    return (sample_dir / name).read_bytes()


@pytest.mark.parametrize(
    ("file", "given", "looks_like"),
    [
        ("leverantorsfakturor_2024.csv", "contracts", "invoices"),  # issue 17's wrong drop
        ("resor_2019_2024.csv", "contracts", "trips"),  # unreadable as a register at all
        ("avtalsforteckning.xlsx", "invoices", "contracts"),
        ("arsarbetskrafter.csv", "trips", "fte"),
    ],
)
def test_a_file_of_another_kind_is_stopped_with_the_kind_it_looks_like(
    store: Store, sample_dir: Path, file: str, given: str, looks_like: str
) -> None:
    before = (len(store.versions()), store.state_token())
    outcome = services.import_upload(
        store, given, file, _bytes(sample_dir, file), user="ola", role="admin", stage=True
    )
    assert (outcome.ok, outcome.stopped, outcome.looks_like) == (False, True, looks_like)
    assert f"looks like {looks_like}" in (outcome.error or "")
    assert (len(store.versions()), store.state_token()) == before


@pytest.mark.parametrize(
    ("file", "kind"),
    [
        ("leverantorsfakturor_2024.csv", "invoices"),
        ("avtalsforteckning.xlsx", "contracts"),
        ("resor_2019_2024.csv", "trips"),
        ("arsarbetskrafter.csv", "fte"),
    ],
)
def test_the_right_kind_passes_the_check(sample_dir: Path, file: str, kind: str) -> None:
    content = _bytes(sample_dir, file)
    result = readers.read_input(content, kind, name=file)  # type: ignore[arg-type]
    found = services.check_kind(content, file, kind, result)
    assert (found.stopped, found.looks_like, found.rejected_share) == (False, None, 0.0)


def test_a_file_whose_rows_are_mostly_rejected_is_stopped(store: Store) -> None:
    days = ["2024-02-30"] * 7 + ["2024-02-28"] * 3  # 2024-02-30 is no date
    text = "Resedatum;Färdsätt;Från;Till;Avstånd (km)\n" + "".join(
        f"{day};Tåg;Stockholm;Uppsala;70\n" for day in days
    )
    outcome = services.import_upload(
        store, "trips", "resor.csv", text.encode(), user="eva", role="environment", stage=True
    )
    assert outcome.stopped and outcome.looks_like is None
    assert outcome.rejected_share == pytest.approx(0.7)
    assert "70% of the rows were rejected" in (outcome.error or "")
    forced = services.import_upload(
        store, "trips", "resor.csv", text.encode(), user="eva", role="environment", force=True
    )
    assert forced.ok and (forced.rows_accepted, forced.rows_rejected) == (3, 7)


def test_a_staged_upload_is_previewed_then_confirmed_by_its_uploader(
    store: Store, sample_dir: Path
) -> None:
    lines = (sample_dir / "resor_2019_2024.csv").read_text(encoding="utf-8").splitlines()
    trips_2025 = [lines[0]] + [
        x.replace("2024-", "2025-", 1) for x in lines[1:] if x[:5] == "2024-"
    ]
    content = ("\n".join(trips_2025) + "\n").encode()
    outcome = services.import_upload(
        store, "trips", "resor_2025.csv", content, user="eva", role="environment", stage=True
    )
    assert outcome.ok and outcome.staged and outcome.version_id is not None
    preview = services.Preview.from_dict(outcome.preview or {})
    assert preview.before.years == [2019, 2022, 2023, 2024]  # the sample trips (README)
    assert preview.after.years == [2019, 2022, 2023, 2024, 2025]
    assert preview.after.rows == preview.before.rows + outcome.rows_accepted
    assert preview.replaced_years == []
    assert preview.after.kg_co2e is not None and preview.before.kg_co2e is not None
    assert preview.after.kg_co2e > preview.before.kg_co2e
    # 2024-02-29 exists, 2025-02-29 does not: those rows are rejected, grouped in one reason.
    assert preview.reasons["rows"].sum() == outcome.rows_rejected > 0
    assert len(preview.reasons) == 1 and "2025-02-29" in preview.reasons["reason"].iloc[0]

    with pytest.raises(AccessDenied):  # another user of the same role may not confirm it
        services.confirm_upload(store, outcome.version_id, user="karin", role="environment")
    with pytest.raises(AccessDenied):  # nor a role that may not import trips
        services.confirm_upload(store, outcome.version_id, user="eva", role="procurement")
    assert services.confirm_upload(store, outcome.version_id, user="eva", role="environment") == []
    analysis = services.travel_view(store)
    assert analysis is not None and 2025 in set(analysis.trips["year"])


def test_a_new_staged_upload_replaces_the_users_older_one(store: Store, sample_dir: Path) -> None:
    content = _bytes(sample_dir, "arsarbetskrafter.csv")
    first = services.import_upload(
        store, "fte", "a.csv", content, user="eva", role="environment", stage=True
    )
    second = services.import_upload(
        store, "fte", "b.csv", content, user="eva", role="environment", stage=True
    )
    statuses = store.versions("fte").set_index("id")["status"]
    assert (statuses[first.version_id], statuses[second.version_id]) == ("discarded", "staged")


def test_goal_settings_are_checked_against_the_data(store: Store) -> None:
    with pytest.raises(ConfigurationError) as refused:
        services.set_goal_settings(
            store,
            baseline_year=2020,
            target_year=2025,
            reduction=0.25,
            user="eva",
            role="environment",
        )
    text = str(refused.value)
    assert "Basåret 2020 har inga resor" in text and "2019, 2022, 2023, 2024" in text
    assert "--baseline-year" not in text
    with pytest.raises(ConfigurationError, match="Minskningen 150 % går inte"):
        services.set_goal_settings(
            store,
            baseline_year=2019,
            target_year=2025,
            reduction=1.5,
            user="eva",
            role="environment",
        )
    with pytest.raises(ConfigurationError, match="A reduction of 150 % is not possible"):
        services.set_goal_settings(
            store,
            baseline_year=2019,
            target_year=2025,
            reduction=1.5,
            user="eva",
            role="environment",
            language="en",
        )
    assert store.goal_settings().set_by is None  # nothing was saved
    services.set_goal_settings(
        store, baseline_year=2022, target_year=2026, reduction=0.3, user="eva", role="environment"
    )
    assert store.goal_settings().baseline_year == 2022


def test_an_empty_category_gets_a_clear_message(store: Store) -> None:
    with pytest.raises(ConfigurationError, match="Välj en kategori"):
        services.add_category_override(
            store,
            scope="org_number",
            key="5566778899",
            category_id="",
            user="ola",
            role="procurement",
        )


def test_a_withdrawn_supplier_factor_gives_the_ranking_back(store: Store) -> None:
    view = services.spend_view(store)
    assert view is not None
    ranked = view.analysis.agreements.sort_values("rank")
    low = ranked.iloc[30]
    services.add_supplier_factor(
        store,
        org_number=str(low["org_number"]),
        factor=25.0,
        unit="kg CO2e/SEK",
        price_year=2024,
        source="EPD (felskriven)",
        user="ola",
        role="procurement",
    )
    wrong = services.spend_view(store)
    assert wrong is not None
    assert (
        wrong.analysis.agreements.sort_values("rank").iloc[0]["agreement_id"]
        == (low["agreement_id"])
    )
    listed = services.adjustments(store)
    assert listed["type"].tolist() == ["supplier_factor"]
    assert (
        listed["key"].iloc[0] == low["org_number"] and "25 kg CO2e/SEK" in listed["value"].iloc[0]
    )
    with pytest.raises(AccessDenied):
        services.remove_adjustment(store, listed["id"].iloc[0], user="eva", role="environment")
    assert services.remove_adjustment(
        store, listed["id"].iloc[0], user="ola", role="procurement"
    ) == str(low["org_number"])
    assert services.adjustments(store).empty
    back = services.spend_view(store)
    assert back is not None
    assert back.analysis.agreements.sort_values("rank")["agreement_id"].tolist() == (
        ranked["agreement_id"].tolist()
    )
    with pytest.raises(ConfigurationError, match="factor-999"):
        services.remove_adjustment(store, "factor-999", user="ola", role="procurement")


def test_versions_and_the_audit_log_by_role(store: Store) -> None:
    assert len(services.version_list(store, user="system", role="admin")) == 4
    assert services.version_list(store, user="eva", role="environment").empty  # not hers
    assert len(services.version_list(store, user="system", role="viewer")) == 4
    with pytest.raises(AccessDenied):
        services.audit_entries(store, role="procurement")
    with pytest.raises(AccessDenied):
        services.use_version(store, 1, user="ola", role="procurement")
    assert services.audit_entries(store, role="admin")["action"].iloc[0] == "import"


def test_a_spend_preview_counts_the_stored_supplier_factors_as_the_pages_do(
    store: Store, sample_dir: Path
) -> None:
    """The preview's before and after totals apply the store's supplier factors (and category
    overrides) as the overview does: "before" is the total the overview shows now, and "after"
    is what it shows once the upload is confirmed. Both used to be computed without them."""
    view = services.spend_view(store)
    assert view is not None
    lines = view.analysis.lines
    org = lines.loc[lines["supplier_org"].notna(), "supplier_org"].value_counts().index[0]
    services.add_supplier_factor(
        store,
        org_number=org,
        factor=900,  # g CO2e/SEK: far from the category factor, so a leak would show
        unit="g CO2e/SEK",
        price_year=2024,
        source="Leverantörens EPD 2024",
        user="p",
        role="procurement",
    )
    shown_now = services.spend_summary(store)
    assert shown_now is not None
    content = _bytes(sample_dir, "leverantorsfakturor_2024.csv")
    outcome = services.import_upload(
        store, "invoices", "fakturor.csv", content, user="p", role="procurement", stage=True
    )
    assert outcome.ok and outcome.staged and outcome.version_id is not None
    preview = services.Preview.from_dict(outcome.preview or {})
    assert preview.before.kg_co2e == pytest.approx(shown_now.totals["kg_co2e"], rel=1e-12)
    services.confirm_upload(store, outcome.version_id, user="p", role="procurement")
    shown_after = services.spend_summary(store)
    assert shown_after is not None
    assert preview.after.kg_co2e == pytest.approx(shown_after.totals["kg_co2e"], rel=1e-12)
    # the same file again: the figures the supplier factor gives, not the factor-less ones
    without = assemble_spend(
        store.current_table("contracts"), store.current_table("invoices")
    ).analysis.totals["kg_co2e"]
    assert preview.after.kg_co2e != pytest.approx(without, rel=1e-6)
