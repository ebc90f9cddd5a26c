"""The Dash app under test and hand-made requests to it, for the access and callback tests.

A test module binds the module-scoped fixtures to its own names, so each module builds its own
app (``create_app`` may run several times in one process)::

    store, store_dir, app, clients = access_app.fixtures()

They are not registered as a plugin (``pytest_plugins``): pytest makes a plugin's fixtures
global, and ``store`` would then clash with ``store_fixtures.store`` depending on the order
modules are collected in.

Requests are made by hand, the way an attacker would send them, not through hidden buttons:
``body`` builds one for a callback from ``app.callback_map``, by "id.property" values.
"""

from __future__ import annotations

import base64
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

from spendanalys import io as readers
from spendanalys import services
from spendanalys.store.database import Store

ROLES = ("viewer", "procurement", "environment", "admin")
PASSWORD = "lösenord-för-test"
ORIGIN = "http://localhost"
PAGES = ("/", "/inkop", "/resor", "/faktorer-och-metod", "/data")
# Which roles may run each writing callback (by its result component id).
ALLOWED: dict[str, set[str]] = {
    "upload-contracts-job": {"procurement", "admin"},
    "upload-invoices-job": {"procurement", "admin"},
    "upload-trips-job": {"environment", "admin"},
    "upload-fte-job": {"environment", "admin"},
    "override-result": {"procurement", "admin"},
    "factor-result": {"procurement", "admin"},
    "goal-result": {"environment", "admin"},
    # Confirming a staged upload; making a version current; withdrawing an adjustment.
    "upload-contracts-preview": {"procurement", "admin"},
    "upload-invoices-preview": {"procurement", "admin"},
    "upload-trips-preview": {"environment", "admin"},
    "upload-fte-preview": {"environment", "admin"},
    "dm-version-result": {"admin"},
    "dm-adjust-result": {"procurement", "admin"},
}
FILES = {
    "contracts": (
        "Avtalsnummer;Avtalsnamn;Leverantör;Organisationsnummer;Inköpskategori;CPV-kod;Startdatum;"
        "Slutdatum;Avtalsvärde per år (kr);Miljökrav\n"
        "A-1;Städ;Städ AB;556677-8899;Städtjänster;90910000;2023-01-01;2026-12-31;100000;Ja\n"
    ),
    "invoices": (
        "Fakturanummer;Fakturadatum;Leverantör;Organisationsnummer;Konto;Belopp exkl. moms;"
        "Avtalsnummer;Fakturatext\nF1;2024-01-05;Städ AB;556677-8899;6250;100;A-1;Städning\n"
    ),
    "trips": (
        "Resedatum;Färdsätt;Från;Till;Avstånd (km);Antal resenärer;Klass;Tur och retur;Enhet;Kön;"
        "Kostnad (kr);Hotellnätter\n2024-01-05;Flyg;ARN;GOT;;1;Ekonomi;Ja;A;Kvinna;2000;0\n"
    ),
    "fte": "År;Årsarbetskrafter\n2024;100\n",
}
# The editing forms: a valid save by each writing callback's result id, by "id.property".
FORMS: dict[str, dict[str, Any]] = {
    "override-result": {
        "override-save.n_clicks": 1,
        "override-scope.value": "org_number",
        "override-key.value": "5566778899",
        "override-category.value": "cleaning",
    },
    "factor-result": {
        "factor-save.n_clicks": 1,
        "factor-org.value": "5566778899",
        "factor-value.value": 0.05,
        "factor-unit.value": "kg CO2e/SEK",
        "factor-year.value": 2024,
        "factor-source.value": "EPD",
    },
    "goal-result": {
        "goal-save.n_clicks": 1,
        "goal-baseline.value": 2024,  # the year the FILES have trips and FTE for
        "goal-target.value": 2026,
        "goal-reduction.value": 30,
    },
}
# Any JSON value, as a hand-made request may carry anywhere.
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children, max_size=4)
    ),
    max_leaves=20,
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    path = tmp_path_factory.mktemp("access") / "a.sqlite"
    store = Store(f"sqlite:///{path}")
    for role in ROLES:
        store.add_user(f"user_{role}", PASSWORD, role)
    return store


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("jobs")


@pytest.fixture(scope="module")
def app(store: Store, store_dir: Path) -> Any:
    from spendanalys.dashboard.app_factory import create_app

    with pytest.MonkeyPatch.context() as patch:  # no var/secret_key in the working tree
        patch.setenv("SPENDANALYS_SECRET_KEY", "test-secret-" + "x" * 40)
        app = create_app(
            store,
            host="127.0.0.1",
            https=False,
            max_upload_bytes=100_000,
            seed=False,
            job_dir=store_dir / "jobs",
        )
    return app


@pytest.fixture(scope="module")
def clients(app: Any) -> dict[str | None, Any]:
    """A test client per role, logged in; ``None`` is an anonymous one."""
    return {role: client_for(app, role) for role in (None, *ROLES)}


def fixtures() -> tuple[Any, Any, Any, Any]:
    """``store``, ``store_dir``, ``app`` and ``clients``, for a test module to bind."""
    return store, store_dir, app, clients


def callback_key(app: Any, component_id: str) -> str:
    """The key in ``app.callback_map`` of the one callback with output ``component_id`` (as
    its first owner: outputs shared with ``allow_duplicate`` carry an ``@`` suffix)."""
    owner = re.compile(rf"(^|\.){re.escape(component_id)}\.\w+(\.|$)")
    keys = [k for k in app.callback_map if owner.search(k)]
    assert len(keys) == 1, (component_id, keys)
    return keys[0]


def body(app: Any, component_id: str, values: dict[str, Any]) -> dict[str, Any]:
    """A callback request as the renderer sends it; ``values`` by "id.property"."""
    return request_for(app, callback_key(app, component_id), values)


def request_for(app: Any, key: str, values: dict[str, Any]) -> dict[str, Any]:
    """The request for the callback ``key`` of ``app.callback_map``."""
    entry = app.callback_map[key]

    def fill(specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**s, "value": values.get(f"{s['id']}.{s['property']}")} for s in specs]

    spec = entry["output"]
    specs = spec if isinstance(spec, list) else [spec]
    outputs = [{"id": o.component_id, "property": o.component_property} for o in specs]
    return {
        "output": key,
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": fill(entry["inputs"]),
        "state": fill(entry["state"]),
        "changedPropIds": [f"{entry['inputs'][0]['id']}.{entry['inputs'][0]['property']}"],
    }


def client_for(app: Any, role: str | None) -> Any:
    """A test client logged in as ``user_<role>`` through the login form (``None``: nobody)."""
    client = app.server.test_client()
    if role is not None:
        response = client.post(
            "/_dash-update-component",
            json=login_body(app, f"user_{role}"),
            headers={"Origin": ORIGIN},
        )
        assert response.status_code == 200, response.data
        redirect = response.get_json()["response"]["login-redirect"]["href"]
        assert redirect == "/", response.data
    return client


def login_body(app: Any, name: str, password: str = PASSWORD) -> dict[str, Any]:
    return body(
        app,
        "login-message",
        {"login-submit.n_clicks": 1, "login-name.value": name, "login-password.value": password},
    )


def sample_upload(kind: str) -> str:
    """The contents of a valid upload of ``kind`` (``FILES``), as the browser encodes it."""
    return "data:text/csv;base64," + base64.b64encode(FILES[kind].encode()).decode()


def upload_body(app: Any, kind: str, contents: str, file_name: str) -> dict[str, Any]:
    """The start of an import, as the browser sends it once its size check has passed."""
    accepted = {"contents": contents, "filename": file_name, "at": 1}
    return body(app, f"upload-{kind}-job", {f"upload-{kind}-accepted.data": accepted})


def poll_until_done(app: Any, client: Any, kind: str, job_id: Any, seconds: float = 60) -> Any:
    """Drive the poll callback like the page's interval until it stops; the last response."""
    deadline = time.monotonic() + seconds
    while True:
        request = body(app, f"refresh-{kind}", {f"upload-{kind}-job.data": job_id})
        response = client.post("/_dash-update-component", json=request, headers={"Origin": ORIGIN})
        assert response.status_code == 200, response.data
        shown = response.get_json()["response"]
        if shown[f"upload-{kind}-poll"]["disabled"] or time.monotonic() > deadline:
            return shown
        time.sleep(0.1)


def confirm_body(app: Any, store: Store, kind: str) -> dict[str, Any]:
    """Confirming the newest staged upload of ``kind``, as its preview's button sends it."""
    versions = store.versions(kind)  # type: ignore[arg-type]
    staged = int(versions[versions["status"] == "staged"]["id"].iloc[-1])
    values = {f"upload-{kind}-confirm.n_clicks": 1, f"upload-{kind}-staged.data": staged}
    return body(app, f"upload-{kind}-preview", values)


def job_of(response: Any, kind: str) -> str:
    return str(response.get_json()["response"][f"upload-{kind}-job"]["data"])


def write_body(
    app: Any, component_id: str, *, store: Store | None = None, user: str = "user_admin"
) -> dict[str, Any]:
    """A valid request for the writing callback ``component_id`` (an upload, a form save, a
    confirmation). Those that act on something stored (a staged upload of ``user``, a
    version, an adjustment) need the ``store`` to prepare it in."""
    if component_id.endswith("-job"):
        kind = component_id.split("-")[1]
        return upload_body(app, kind, sample_upload(kind), f"{kind}.csv")
    if component_id.endswith("-preview"):
        assert store is not None
        kind = component_id.split("-")[1]
        staged = services.import_upload(
            store, kind, f"{kind}.csv", FILES[kind].encode(), user=user, role="admin", stage=True
        )
        assert staged.staged, staged.error
        values = {
            f"upload-{kind}-confirm.n_clicks": 1,
            f"upload-{kind}-staged.data": staged.version_id,
        }
        return body(app, component_id, values)
    if component_id == "dm-version-result":
        assert store is not None
        version_id = store.import_dataset(
            "fte",
            readers.read_input(FILES["fte"].encode(), "fte", name="fte.csv"),
            file_name="fte.csv",
            checksum="0" * 64,
            user="user_admin",
        )
        return body(app, component_id, {"dm-use.n_clicks": 1, "dm-version.value": version_id})
    if component_id == "dm-adjust-result":
        assert store is not None
        factor = store.add_supplier_factor("5566778899", 0.05, user="user_admin")
        values = {"dm-remove.n_clicks": 1, "dm-adjustment.value": f"factor-{factor}"}
        return body(app, component_id, values)
    return body(app, component_id, FORMS[component_id])


def state_of(store: Store) -> tuple[int, int]:
    """What a writing callback changes: every write adds an audit entry (and uploads a version)."""
    return len(store.audit(limit=1_000_000)), len(store.versions())


def post_json(client: Any, data: Any, headers: dict[str, str] | None = None) -> Any:
    """POST ``data`` (bytes as they are, anything else as JSON) to the callback endpoint."""
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return client.post(
        "/_dash-update-component",
        data=raw,
        content_type="application/json",
        headers={"Origin": ORIGIN} if headers is None else headers,
    )


def assert_refused(response: Any) -> None:
    """The shape check's answer: 400 with a plain-text message in Swedish and English."""
    assert response.status_code == 400, response.data
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert "Felaktig förfrågan" in text and "Malformed callback request" in text
