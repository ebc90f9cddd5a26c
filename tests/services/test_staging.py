"""Issue 17 in the application layer, on the sample exports: the plausibility check stops a
file of another kind, a staged upload is previewed and confirmed only by its uploader or an
administrator, goal settings are checked against the data, adjustments are listed and withdrawn
and the ranking follows."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from spendanalys import io as readers
from spendanalys import services
from spendanalys.errors import AccessDenied, ConfigurationError
from spendanalys.schema import KINDS
from spendanalys.services import analyses, staging
from spendanalys.services.assembly import assemble_spend
from spendanalys.store.database import Store
from spendanalys.store.frames import as_read_back
from spendanalys.store.selections import years_covered


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


# --- the preview reads only what it counts, and the confirmation reuses its analysis ---------


def _invoices_of_year(sample_dir: Path, year: int) -> bytes:
    """The sample invoice export with its 2024 dates moved to ``year`` (another year's file)."""
    text = (sample_dir / "leverantorsfakturor_2024.csv").read_bytes().decode("cp1252")
    return text.replace("2024-", f"{year}-").encode("cp1252")


def _stage(store: Store, kind: str, name: str, content: bytes, user: str = "p") -> int:
    outcome = services.import_upload(
        store, kind, name, content, user=user, role="admin", stage=True
    )
    assert outcome.ok and outcome.staged and outcome.version_id is not None, outcome.error
    return outcome.version_id


def _with_settings(store: Store) -> None:
    """A supplier factor and a category override, so a figure computed without them shows."""
    services.add_supplier_factor(
        store,
        org_number="5566300017",
        factor=900,
        unit="g CO2e/SEK",
        price_year=2024,
        source="Leverantörens EPD 2024",
        user="p",
        role="procurement",
    )
    services.add_category_override(
        store, scope="account", key="5011", category_id="catering", user="p", role="procurement"
    )


def _old_figures(kind: str, table: pd.DataFrame) -> staging.Figures:
    """The figures as the preview counted them before it read only their columns."""
    figures = staging.Figures(rows=len(table), years=years_covered(kind, table) or [])
    if kind == "contracts" and len(table):
        figures.agreements = int(table["agreement_id"].astype("string").nunique())
        figures.spend_sek = float(pd.to_numeric(table["value_sek"], errors="coerce").sum())
    elif kind == "invoices" and len(table):
        figures.spend_sek = float(pd.to_numeric(table["amount_sek"], errors="coerce").sum())
    elif kind == "fte" and len(table):
        figures.years = sorted(int(y) for y in table["year"].dropna().unique())
    return figures


def _old_preview(store: Store, version_id: int) -> dict[str, Any]:
    """The preview as it was computed before: every table read whole, the analysis run."""
    kind = store.version_kind(version_id)
    parts, replaced = store.preview_selection(version_id)
    now = {k: store.current_table(k) for k in ("contracts", "invoices")}  # type: ignore[arg-type]
    then = {**now, kind: store.selection_table(kind, parts)}  # type: ignore[arg-type]
    before, after = _old_figures(kind, now[kind]), _old_figures(kind, then[kind])
    summary = services.spend_summary(store)
    before.kg_co2e = None if summary is None else float(summary.totals["kg_co2e"])
    run = analyses.spend_run_with_settings(store, then["contracts"], then["invoices"], date.today())
    after.kg_co2e = float(run.analysis.totals["kg_co2e"])
    reasons = staging.reason_counts(store.rejected_rows(version_id))
    return staging.Preview(version_id, kind, before, after, replaced, reasons).to_dict()


@pytest.mark.parametrize("settings", [False, True], ids=["plain", "factors_and_overrides"])
def test_the_figures_read_by_column_are_those_of_the_whole_table(
    store: Store, sample_dir: Path, settings: bool
) -> None:
    """``current_figures`` reads only the columns ``figures_of`` counts: the same figures to
    the last digit for every kind, also when a version is current for some years only."""
    if settings:
        _with_settings(store)
    fixed = _stage(store, "invoices", "f2025.csv", _invoices_of_year(sample_dir, 2025))
    services.confirm_upload(store, fixed, user="p", role="admin")
    assert len(store.current_parts("invoices")) == 2
    for kind in KINDS:
        whole = store.current_table(kind)
        assert staging.current_figures(store, kind) == staging.figures_of(kind, whole)
        assert staging.figures_of(kind, whole) == _old_figures(kind, whole)
    assert staging.figures_of("invoices", store.current_table("invoices")).years == [2024, 2025]


@pytest.mark.parametrize("settings", [False, True], ids=["plain", "factors_and_overrides"])
@pytest.mark.parametrize(
    ("kind", "file"),
    [
        ("invoices", "2024"),  # the same year again: replaces it
        ("invoices", "2025"),  # a year more: two versions current
        ("contracts", "avtalsforteckning.xlsx"),
    ],
)
def test_a_spend_preview_shows_what_the_whole_tables_gave(
    store: Store, sample_dir: Path, settings: bool, kind: str, file: str
) -> None:
    """Every figure of the preview is the one the old computation (every table read whole)
    gives, exactly, on the sample data, with and without supplier factors and overrides."""
    if settings:
        _with_settings(store)
    if kind == "invoices":
        content, name = _invoices_of_year(sample_dir, int(file)), f"fakturor_{file}.csv"
    else:
        content, name = _bytes(sample_dir, file), file
    outcome = services.import_upload(store, kind, name, content, user="p", role="admin", stage=True)
    assert outcome.ok and outcome.staged and outcome.version_id is not None, outcome.error
    old = _old_preview(store, outcome.version_id)
    assert outcome.preview == old  # the upload's table taken for the staged version's rows
    assert staging.preview_of(store, outcome.version_id).to_dict() == old  # all read back


@pytest.mark.parametrize(
    ("file", "kind"),
    [
        ("leverantorsfakturor_2024.csv", "invoices"),
        ("avtalsforteckning.xlsx", "contracts"),
        ("resor_2019_2024.csv", "trips"),
        ("arsarbetskrafter.csv", "fte"),
    ],
)
def test_an_uploads_table_is_what_the_store_gives_back(
    store: Store, sample_dir: Path, file: str, kind: str
) -> None:
    """The readers' tables of the sample files are taken as read back (the preview need not
    read them), and are exactly what reading them back gives."""
    result = readers.read_input(_bytes(sample_dir, file), kind, name=file)  # type: ignore[arg-type]
    version_id = store.import_dataset(
        kind,  # type: ignore[arg-type]
        result,
        file_name=file,
        checksum="c" * 64,
        user="p",
        stage=True,
    )
    back = as_read_back(kind, result.table)  # type: ignore[arg-type]
    assert back is not None
    pd.testing.assert_frame_equal(back, store.version_table(version_id), check_exact=True)


def _count_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Calls of the spend run by the pages' analysis (``analyses._compute_spend``)."""
    calls: list[int] = []
    run = analyses.spend_run_with_settings

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return run(*args, **kwargs)

    monkeypatch.setattr(analyses, "spend_run_with_settings", counted)
    return calls


def _fresh_totals(store: Store) -> tuple[dict[str, Any], pd.DataFrame]:
    run = analyses.spend_run_with_settings(
        store, store.current_table("contracts"), store.current_table("invoices"), date.today()
    )
    return run.analysis.totals, run.analysis.lines


def test_the_confirmation_takes_the_analysis_its_preview_computed(
    store: Store, sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Confirmed as previewed, the upload's analysis is not computed again, and it is the one
    a computation from the store gives."""
    _with_settings(store)
    version_id = _stage(store, "invoices", "f2025.csv", _invoices_of_year(sample_dir, 2025))
    preview = staging.preview_of(store, version_id)
    calls = _count_runs(monkeypatch)
    services.confirm_upload(store, version_id, user="p", role="admin")
    assert calls == []  # the preview's run was taken
    view = services.spend_view(store)
    assert view is not None and view.analysis.totals["kg_co2e"] == preview.after.kg_co2e
    totals, lines = _fresh_totals(store)
    assert view.analysis.totals == totals
    pd.testing.assert_frame_equal(view.analysis.lines, lines, check_exact=True)
    summary = services.spend_summary(store)
    assert summary is not None and summary.totals == totals


@pytest.mark.parametrize("between", ["import", "supplier_factor", "override", "contracts"])
def test_the_previews_analysis_is_not_taken_when_the_data_changed_in_between(
    store: Store, sample_dir: Path, monkeypatch: pytest.MonkeyPatch, between: str
) -> None:
    """Another upload (or a setting) landing between the preview and the confirmation makes
    other data current: the confirmation computes it, and shows what the store holds."""
    version_id = _stage(store, "invoices", "f2025.csv", _invoices_of_year(sample_dir, 2025))
    kept = dict(analyses._PREVIEWED)  # our preview's run, as its job process keeps it
    assert len(kept) == 1
    if between == "import":  # another year's invoices, current at once (the command line)
        content = _invoices_of_year(sample_dir, 2026)
        result = readers.read_input(content, "invoices", name="f2026.csv")
        store.import_dataset("invoices", result, file_name="f2026.csv", checksum="b" * 64, user="q")
    elif between == "contracts":  # another register, confirmed by another user
        other = _stage(
            store, "contracts", "avtal.xlsx", _bytes(sample_dir, "avtalsforteckning.xlsx"), "q"
        )
        services.confirm_upload(store, other, user="q", role="admin", analyse=False)
    elif between == "supplier_factor":
        services.add_supplier_factor(
            store,
            org_number="5566300017",
            factor=2.0,
            unit="kg CO2e/SEK",
            price_year=2024,
            source="EPD",
            user="q",
            role="procurement",
        )
    else:
        services.add_category_override(
            store, scope="account", key="5011", category_id="catering", user="q", role="procurement"
        )
    # Another user's preview may have run in this process: ours is the one kept again.
    monkeypatch.setattr(analyses, "_PREVIEWED", kept)
    calls = _count_runs(monkeypatch)
    services.confirm_upload(store, version_id, user="p", role="admin")
    assert calls == [1]
    view = services.spend_view(store)
    assert view is not None
    totals, lines = _fresh_totals(store)
    assert view.analysis.totals == totals
    pd.testing.assert_frame_equal(view.analysis.lines, lines, check_exact=True)


def test_the_held_preview_run_goes_with_a_discard_or_the_next_computation(
    store: Store, sample_dir: Path
) -> None:
    """A million lines' run is not kept idle in a web worker: turning the upload down drops
    it, and so does the first spend computation after the preview, matched or not."""
    version_id = _stage(store, "invoices", "f2025.csv", _invoices_of_year(sample_dir, 2025))
    assert len(analyses._PREVIEWED) == 1
    services.discard_upload(store, version_id, user="p", role="admin")
    assert analyses._PREVIEWED == {}
    _stage(store, "invoices", "f2026.csv", _invoices_of_year(sample_dir, 2026))
    assert len(analyses._PREVIEWED) == 1
    content = _invoices_of_year(sample_dir, 2024)
    result = readers.read_input(content, "invoices", name="f2024.csv")
    store.import_dataset("invoices", result, file_name="f2024.csv", checksum="c" * 64, user="q")
    assert services.spend_view(store) is not None  # computes other data than was previewed
    assert analyses._PREVIEWED == {}
