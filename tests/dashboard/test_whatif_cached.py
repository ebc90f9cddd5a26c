"""The what-if slider is answered from this process's memo (issue 20): computed once per travel
state, threshold and language, not on every move of the slider, with the same answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import access_app
import pytest
from access_app import body, post_json

from spendanalys import services

store, store_dir, app, clients = access_app.fixtures()  # module scope: this module's own app


@pytest.fixture(scope="module")
def seeded(store: Any, sample_dir: Path) -> Any:
    assert services.seed_sample_data(store, sample_dir)
    return store


def test_the_whatif_is_computed_once_per_threshold(
    seeded: Any, app: Any, clients: dict[str | None, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    # The page module as Dash's pages loader imported it (create_app).
    resor = next(m for m in list(sys.modules.values()) if hasattr(m, "whatif_parts"))
    calls: list[float] = []
    compute = resor.train_instead_of_flight

    def counted(analysis: Any, settings: Any) -> Any:
        calls.append(settings.train_threshold_km)
        return compute(analysis, settings=settings)

    monkeypatch.setattr(resor, "train_instead_of_flight", counted)
    viewer = clients["viewer"]
    answers = [
        post_json(viewer, body(app, "whatif", {"whatif-km.value": km})) for km in (450, 450, 700)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert "whatif-saved" in answers[0].get_data(as_text=True)
    assert answers[0].get_json() == answers[1].get_json() != answers[2].get_json()
    assert calls == [450, 700]
