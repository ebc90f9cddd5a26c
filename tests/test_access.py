"""Who may do what, enforced on the server: pages, read and write callbacks, CSRF, cookies.

One Dash app per test module (Dash registers pages process-wide), driven with Flask's test
client by hand-made requests — the way an attacker would, not through hidden buttons. The
writing callbacks are found by enumerating ``app.callback_map``, so a new writing callback
without an entry in ``ALLOWED`` fails the test. An upload starts a background job
(``spendanalys.jobs``); the tests poll it through the poll callback, as the page does.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask
import pytest
from app_process import free_port
from hypothesis import given, settings
from hypothesis import strategies as st

from spendanalys.dashboard import callback_shapes, security
from spendanalys.store import Store

ROLES = ("viewer", "procurement", "environment", "admin")
PASSWORD = "lösenord-för-test"
ORIGIN = "http://localhost"
PAGES = ("/", "/inkop", "/resor", "/faktorer-och-metod")
# Which roles may run each writing callback (by its result component id).
ALLOWED: dict[str, set[str]] = {
    "upload-contracts-job": {"procurement", "admin"},
    "upload-invoices-job": {"procurement", "admin"},
    "upload-trips-job": {"environment", "admin"},
    "upload-fte-job": {"environment", "admin"},
    "override-result": {"procurement", "admin"},
    "factor-result": {"procurement", "admin"},
    "goal-result": {"environment", "admin"},
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


def _key(app: Any, component_id: str) -> str:
    keys = [k for k in app.callback_map if f"{component_id}." in k]
    assert len(keys) == 1, (component_id, keys)
    return keys[0]


def body(app: Any, component_id: str, values: dict[str, Any]) -> dict[str, Any]:
    """A callback request as the renderer sends it; ``values`` by "id.property"."""
    return request_for(app, _key(app, component_id), values)


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
    client = app.server.test_client()
    if role is not None:
        response = client.post(
            "/_dash-update-component",
            json=login_body(app, f"user_{role}"),
            headers={"Origin": ORIGIN},
        )
        assert response.status_code == 200, response.data
        assert response.get_json()["response"]["login-redirect"]["href"] == "/"
    return client


def login_body(app: Any, name: str, password: str = PASSWORD) -> dict[str, Any]:
    return body(
        app,
        "login-message",
        {"login-submit.n_clicks": 1, "login-name.value": name, "login-password.value": password},
    )


def _upload(kind: str) -> str:
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


def job_of(response: Any, kind: str) -> str:
    return str(response.get_json()["response"][f"upload-{kind}-job"]["data"])


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
        "goal-baseline.value": 2019,
        "goal-target.value": 2026,
        "goal-reduction.value": 30,
    },
}


def write_body(app: Any, component_id: str) -> dict[str, Any]:
    if component_id.startswith("upload-"):
        kind = component_id.split("-")[1]
        return upload_body(app, kind, _upload(kind), f"{kind}.csv")
    return body(app, component_id, FORMS[component_id])


def state_of(store: Store) -> tuple[int, int]:
    """What a writing callback changes: every write adds an audit entry (and uploads a version)."""
    return len(store.audit(limit=1_000_000)), len(store.versions())


@pytest.fixture(scope="module")
def clients(app: Any) -> dict[str | None, Any]:
    return {role: client_for(app, role) for role in (None, *ROLES)}


def test_every_writing_callback_is_in_the_matrix(app: Any) -> None:
    declared = set(security.WRITE_OUTPUTS)
    assert declared == set(ALLOWED)
    for component_id in declared:
        _key(app, component_id)  # registered exactly once


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("role", [None, *ROLES])
def test_pages(clients: dict[str | None, Any], role: str | None, path: str) -> None:
    response = clients[role].get(path)
    if role is None:
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("role", [None, "viewer"])
def test_page_content_through_the_router(
    app: Any, clients: dict[str | None, Any], role: str | None, path: str
) -> None:
    """Even the page router (public, it serves the login page) gives anonymous users no content."""
    request = body(
        app, "_pages_content", {"_pages_location.pathname": path, "_pages_location.search": ""}
    )
    response = clients[role].post(
        "/_dash-update-component", json=request, headers={"Origin": ORIGIN}
    )
    assert response.status_code == 200
    if role is None:
        assert b"guard-redirect" in response.data
    else:
        assert b"guard-redirect" not in response.data and b"H1" in response.data


@pytest.mark.parametrize("role", [None, *ROLES])
def test_read_callbacks_need_a_login(
    app: Any, clients: dict[str | None, Any], role: str | None
) -> None:
    request = body(app, "inkop-analysis", {})
    response = clients[role].post(
        "/_dash-update-component", json=request, headers={"Origin": ORIGIN}
    )
    assert response.status_code == (401 if role is None else 200)


@pytest.mark.parametrize("component_id", sorted(ALLOWED))
@pytest.mark.parametrize("role", [None, *ROLES])
def test_writing_callbacks(
    app: Any, store: Store, clients: dict[str | None, Any], role: str | None, component_id: str
) -> None:
    before = state_of(store)
    response = clients[role].post(
        "/_dash-update-component", json=write_body(app, component_id), headers={"Origin": ORIGIN}
    )
    if role in ALLOWED[component_id]:
        assert response.status_code == 200, response.data
        if component_id.startswith("upload-"):
            kind = component_id.split("-")[1]
            shown = poll_until_done(app, clients[role], kind, job_of(response, kind))
            assert f"upload-{kind}-done" in json.dumps(shown), shown
        assert state_of(store) != before
    else:
        assert response.status_code == (401 if role is None else 403)
        assert state_of(store) == before


def test_the_callback_itself_refuses_a_role_the_guard_let_through(
    app: Any, store: Store, clients: dict[str | None, Any]
) -> None:
    """Defence in depth: with the guard's table emptied, the service still says no."""
    saved = dict(security.WRITE_OUTPUTS)
    security.WRITE_OUTPUTS.clear()
    try:
        before = state_of(store)
        response = clients["viewer"].post(
            "/_dash-update-component",
            json=write_body(app, "upload-fte-job"),
            headers={"Origin": ORIGIN},
        )
        assert response.status_code == 200
        assert state_of(store) == before
        assert b"message-error" in response.data
        assert response.get_json()["response"]["upload-fte-job"]["data"] is None  # no job
    finally:
        security.WRITE_OUTPUTS.update(saved)


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Referer": "https://evil.example/page"},
        {},
        {"Origin": "null"},
    ],
)
def test_cross_site_posts_are_refused(
    app: Any, store: Store, clients: dict[str | None, Any], headers: dict[str, str]
) -> None:
    before = state_of(store)
    response = clients["admin"].post(
        "/_dash-update-component", json=write_body(app, "upload-fte-job"), headers=headers
    )
    assert response.status_code == 403
    assert state_of(store) == before
    assert clients["admin"].post("/logout", headers=headers).status_code == 403


def test_a_form_post_cannot_reach_a_callback(app: Any, clients: dict[str | None, Any]) -> None:
    response = clients["admin"].post(
        "/_dash-update-component", data="x=1", content_type="text/plain", headers={"Origin": ORIGIN}
    )
    assert response.status_code in (400, 415)


# --- malformed callback requests: a clean 400, never a 500 -----------------------------------


def _without(key: str) -> Any:
    return lambda b: {k: v for k, v in b.items() if k != key}


def _with(key: str, value: Any) -> Any:
    return lambda b: {**b, key: value}


def _with_item(key: str, index: int, **changes: Any) -> Any:
    def change(b: dict[str, Any]) -> dict[str, Any]:
        items = [dict(item) for item in b[key]]
        items[index] = {**items[index], **changes}
        return {**b, key: items}

    return change


# Each is a change of the login request (public, two outputs, two inputs, two states) that the
# renderer never sends; every one of them used to crash inside Dash (HTTP 500).
MALFORMED: dict[str, Any] = {
    "a list": lambda b: [1, 2],
    "a string": lambda b: "output",
    "null": lambda b: None,
    "an empty object": lambda b: {},
    "an unknown output": _with("output", "nope.children"),
    "an output that is a number": _with("output", 5),
    "no inputs": _without("inputs"),
    "inputs a string": _with("inputs", "x"),
    "inputs too short": lambda b: {**b, "inputs": b["inputs"][:1]},
    "inputs too long": lambda b: {**b, "inputs": [*b["inputs"], b["inputs"][0]]},
    "an input that is a number": lambda b: {**b, "inputs": [1, b["inputs"][1]]},
    "an input of another component": _with_item("inputs", 0, id="login-name"),
    "an input of another property": _with_item("inputs", 0, property="value"),
    "an input without a property": lambda b: {
        **b,
        "inputs": [{"id": "login-submit"}, b["inputs"][1]],
    },
    "an input id that is a list": _with_item("inputs", 0, id=["login-submit"]),
    "a list of inputs for a plain id": lambda b: {**b, "inputs": [b["inputs"], b["inputs"][1]]},
    "state null": _with("state", None),
    "no state although the callback has some": _without("state"),
    "state an object": lambda b: {**b, "state": b["state"][0]},
    "no outputs": _without("outputs"),
    "one output for a two-output callback": lambda b: {**b, "outputs": b["outputs"][0]},
    "an output of another component": lambda b: {
        **b,
        "outputs": [{"id": "x", "property": "children"}, b["outputs"][1]],
    },
    "an output property that is a number": lambda b: {
        **b,
        "outputs": [{"id": "login-message", "property": 1}, b["outputs"][1]],
    },
    "changedPropIds a string": _with("changedPropIds", "login-submit.n_clicks"),
    "changedPropIds of numbers": _with("changedPropIds", [1]),
    "changedPropIds of lists": _with("changedPropIds", [["login-submit.n_clicks"]]),
}


def _clientside(app: Any) -> dict[str, Any]:
    """A request for a clientside callback (it has no server function)."""
    key = next(k for k in app.callback_map if "callback" not in app.callback_map[k])
    entry = app.callback_map[key]
    outputs = [{"id": o.component_id, "property": o.component_property} for o in entry["output"]]
    return {
        "output": key,
        "outputs": outputs,
        "inputs": entry["inputs"],
        "state": entry["state"],
        "changedPropIds": [],
    }


def _post_json(client: Any, data: Any, headers: dict[str, str] | None = None) -> Any:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return client.post(
        "/_dash-update-component",
        data=raw,
        content_type="application/json",
        headers={"Origin": ORIGIN} if headers is None else headers,
    )


def _assert_refused(response: Any) -> None:
    assert response.status_code == 400, response.data
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert "Felaktig förfrågan" in text and "Malformed callback request" in text


@pytest.mark.parametrize("change", MALFORMED.values(), ids=list(MALFORMED))
@pytest.mark.parametrize("role", [None, "viewer"])
def test_malformed_callback_requests_get_400(
    app: Any, clients: dict[str | None, Any], role: str | None, change: Any
) -> None:
    request = change(login_body(app, "nobody", "fel-lösenord"))  # were it run: no login
    response = _post_json(clients[role], request)
    if role is None and response.status_code == 401:
        return  # it names a component outsiders may not reach: the login guard answers first
    _assert_refused(response)


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"[" * 5_000 + b"]" * 5_000,  # too deep for Python's parser (RecursionError)
        b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
    ],
    ids=["invalid", "deep list", "deep object"],
)
def test_a_body_that_does_not_parse_gets_400(clients: dict[str | None, Any], raw: bytes) -> None:
    _assert_refused(_post_json(clients["viewer"], raw))


def test_a_clientside_callback_cannot_be_run_on_the_server(
    app: Any, clients: dict[str | None, Any]
) -> None:
    _assert_refused(_post_json(clients["admin"], _clientside(app)))


def _poll_with_suffixed_outputs(app: Any) -> dict[str, Any]:
    """A poll request whose output properties carry the ``@hash`` of ``allow_duplicate``, as the
    renderer copies them from the callback's key."""
    request = body(app, "refresh-fte", {})
    suffixes = dict(part.rsplit(".", 1) for part in request["output"].strip(".").split("..."))
    for item in request["outputs"]:
        item["property"] = suffixes[item["id"]]
    assert any("@" in item["property"] for item in request["outputs"])
    return request


# What the renderer sends and the shape check must let through.
WELL_FORMED: dict[str, Any] = {
    "the login form, empty": lambda app: login_body(app, "", ""),
    "no state for a callback without any": lambda app: _without("state")(
        body(app, "inkop-analysis", {})
    ),
    "no changedPropIds": lambda app: _without("changedPropIds")(body(app, "whatif", {})),
    "outputs with the @hash of allow_duplicate": _poll_with_suffixed_outputs,
}


@pytest.mark.parametrize("make", WELL_FORMED.values(), ids=list(WELL_FORMED))
def test_well_formed_callback_requests_still_run(
    app: Any, clients: dict[str | None, Any], make: Any
) -> None:
    response = _post_json(clients["viewer"], make(app))
    assert response.status_code == 200, response.data
    assert response.get_json()["multi"] is True


def test_login_and_csrf_answer_before_the_shape_check(
    app: Any, store: Store, clients: dict[str | None, Any]
) -> None:
    """401 and 403 still come first: the shape check tells an outsider nothing."""
    malformed = _without("inputs")(body(app, "inkop-analysis", {}))
    assert _post_json(clients[None], malformed).status_code == 401
    assert _post_json(clients["viewer"], malformed, headers={}).status_code == 403
    writing = _without("state")(write_body(app, "goal-result"))
    before = state_of(store)
    assert _post_json(clients["viewer"], writing).status_code == 403
    _assert_refused(_post_json(clients["admin"], writing))
    assert state_of(store) == before


def test_a_login_with_values_that_are_not_text_logs_nobody_in(app: Any) -> None:
    """The login callback is public; a name or password that is no string is a failed login."""
    for value in ({"a": 1}, [1], 7, 1.5, True):
        request = login_body(app, "user_admin")
        for item in request["state"]:
            item["value"] = value
        client = app.server.test_client()
        response = _post_json(client, request)
        assert response.status_code == 200 and b"message-error" in response.data
        assert client.get("/").status_code == 302


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children, max_size=4)
    ),
    max_leaves=20,
)
TOP_KEYS = ("output", "outputs", "inputs", "state", "changedPropIds")


@settings(max_examples=50)
@given(
    whole=JSON_VALUES,
    key=st.sampled_from(TOP_KEYS),
    value=JSON_VALUES,
    component_id=st.sampled_from(["login-message", "inkop-analysis", "whatif", "refresh-fte"]),
    which=st.booleans(),
)
def test_no_json_body_makes_a_callback_request_fail_with_5xx(
    app: Any,
    clients: dict[str | None, Any],
    whole: Any,
    key: str,
    value: Any,
    component_id: str,
    which: bool,
) -> None:
    """Arbitrary JSON, or a real request with one of its fields replaced by arbitrary JSON."""
    request = body(app, component_id, {}) if which else whole
    if which:
        request[key] = value
    response = _post_json(clients["viewer"], request)
    assert response.status_code < 500, (request, response.data)


# --- well-shaped requests with values of the wrong type: bad input, never a 500 -------------


def _location(pathname: Any, search: Any = "") -> dict[str, Any]:
    return {"_pages_location.pathname": pathname, "_pages_location.search": search}


# Dash's page router crashed (500) on each; it is public, so anyone could send them.
BAD_LOCATIONS: dict[str, dict[str, Any]] = {
    "a pathname that is an object": _location({"a": 1}),
    "a pathname that is a list": _location(["/"]),
    "a pathname that is a number": _location(7),
    "a pathname that is true": _location(True),
    "a relative pathname": _location("inkop"),
    "a search that is a number": _location("/", 7),
    "a search that is a list": _location("/", ["?a=1"]),
}


@pytest.mark.parametrize("values", BAD_LOCATIONS.values(), ids=list(BAD_LOCATIONS))
@pytest.mark.parametrize("role", [None, "viewer"])
def test_the_page_router_refuses_a_location_that_is_not_text(
    app: Any, clients: dict[str | None, Any], role: str | None, values: dict[str, Any]
) -> None:
    _assert_refused(_post_json(clients[role], body(app, "_pages_content", values)))


@pytest.mark.parametrize("pathname", [None, "/", "/inkop", "/nowhere"])
def test_the_page_router_serves_any_location_a_browser_sends(
    app: Any, clients: dict[str | None, Any], pathname: str | None
) -> None:
    request = body(app, "_pages_content", _location(pathname, "?x=1"))
    response = _post_json(clients["viewer"], request)
    assert response.status_code == 200, response.data


def test_every_text_property_of_the_location_is_checked() -> None:
    """The router reads pathname and search; hash and href follow the same rule if a callback
    on the location reads them."""
    from dash import Input, Output, State

    callback_map = {
        "x.children": {
            "callback": object(),
            "inputs": [Input("_pages_location", "pathname").to_dict()],
            "state": [
                State("_pages_location", "hash").to_dict(),
                State("_pages_location", "href").to_dict(),
            ],
            "output": Output("x", "children"),
        }
    }

    def problem(pathname: Any = "/", hash_: Any = "#a", href: Any = "http://h/") -> str | None:
        items = (("pathname", pathname), ("hash", hash_), ("href", href))
        request = {
            "output": "x.children",
            "outputs": {"id": "x", "property": "children"},
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": pathname}],
            "state": [
                {"id": "_pages_location", "property": name, "value": value}
                for name, value in items[1:]
            ],
        }
        return callback_shapes.malformed_callback(request, callback_map)

    assert problem() is None and problem(None, None, None) is None
    for bad in ({"pathname": "x"}, {"pathname": 1}, {"hash_": [1]}, {"href": {"a": 1}}):
        assert problem(**bad), bad


YEAR_FIELDS = ("factor-year.value", "goal-baseline.value", "goal-target.value")


def _wrong_values(field: str, valid: Any) -> list[Any]:
    """Values a form field never holds; for a year also no year (an empty field, a fraction,
    beyond what the database stores: these crashed, or stored a price year of 0)."""
    wrong: list[Any] = [{"a": 1}, ["x"], True]
    if isinstance(valid, str):
        return [*wrong, 7]
    if field in YEAR_FIELDS:
        return [*wrong, "x", None, 2019.5, 10**30, 1e300]
    return [*wrong, "x"]


WRONG_FORM_VALUES = [
    pytest.param(form, field, value, id=f"{field}={json.dumps(value)}")
    for form, values in FORMS.items()
    for field, valid in values.items()
    if not field.endswith(".n_clicks")
    for value in _wrong_values(field, valid)
]


@pytest.mark.parametrize(("form", "field", "value"), WRONG_FORM_VALUES)
def test_a_form_value_of_the_wrong_type_is_bad_input(
    app: Any, store: Store, clients: dict[str | None, Any], form: str, field: str, value: Any
) -> None:
    """One field of an otherwise valid save replaced: the form's error message, nothing
    written and no refresh of the analysis."""
    before = state_of(store)
    response = _post_json(clients["admin"], body(app, form, {**FORMS[form], field: value}))
    assert response.status_code == 200, response.data
    shown = response.get_json()["response"]
    assert list(shown) == [form] and "message-error" in json.dumps(shown[form]), shown
    assert state_of(store) == before


@pytest.mark.parametrize(
    ("value", "number"),
    [
        (7, 7.0),
        (0.05, 0.05),
        ("12.5", 12.5),  # an input may send its number as text
        (None, None),
        (True, None),
        ("x", None),
        ([1], None),
        ({"a": 1}, None),
        (float("nan"), None),
        (float("inf"), None),
        (10**400, None),
    ],
)
def test_number_or_none(value: Any, number: float | None) -> None:
    from spendanalys.dashboard.components import number_or_none

    assert number_or_none(value) == number


def test_as_year() -> None:
    from spendanalys.dashboard.components import as_year
    from spendanalys.errors import ConfigurationError

    assert as_year(2024, "y") == as_year(2024.0, "y") == as_year("2024", "y") == 2024
    for value in (None, True, 2019.5, 1899, 2101, "x", [2024]):
        with pytest.raises(ConfigurationError, match="the year must be a year from 1900 to 2100"):
            as_year(value, "the year")


def _server_callbacks(app: Any) -> list[str]:
    return sorted(k for k, entry in app.callback_map.items() if "callback" in entry)


def _jobs(store_dir: Path) -> int:
    return len(list((store_dir / "jobs").glob("*.json")))


@settings(max_examples=150)
@given(data=st.data())
def test_no_input_or_state_value_makes_a_callback_fail_with_5xx(
    app: Any, store: Store, store_dir: Path, clients: dict[str | None, Any], data: Any
) -> None:
    """Any server callback, a well-shaped request from an admin whose values are arbitrary
    JSON: never a 5xx. A form writes nothing when a field is empty (null) or holds a type no
    field has (true/false, a list, an object); an upload starts no job for a value that is not
    an object with text contents."""
    key = data.draw(st.sampled_from(_server_callbacks(app)), label="callback")
    entry = app.callback_map[key]
    inputs = [f"{d['id']}.{d['property']}" for d in entry["inputs"]]
    states = [f"{d['id']}.{d['property']}" for d in entry["state"]]
    values = {name: data.draw(JSON_VALUES, label=name) for name in inputs + states}
    jobs, before = _jobs(store_dir), state_of(store)
    response = _post_json(clients["admin"], request_for(app, key, values))
    assert response.status_code < 500, (values, response.data)
    empty_or_junk = [
        v for n in states if (v := values[n]) is None or isinstance(v, bool | list | dict)
    ]
    if any(f"{form}." in key for form in FORMS) and empty_or_junk:
        assert state_of(store) == before, values
    upload = [values[n] for n in inputs if n.endswith("-accepted.data")]
    if upload and not (isinstance(upload[0], dict) and isinstance(upload[0].get("contents"), str)):
        assert _jobs(store_dir) == jobs, values


@pytest.fixture
def fresh_app(store: Store, tmp_path: Path) -> Any:
    """A new app that has not served a request from outside yet."""
    from spendanalys.dashboard.app_factory import create_app

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SPENDANALYS_SECRET_KEY", "test-secret-" + "y" * 40)
        return create_app(
            store, host="127.0.0.1", https=False, seed=False, job_dir=tmp_path / "jobs"
        )


def test_create_app_finishes_dashs_setup_before_any_request(app: Any, fresh_app: Any) -> None:
    """Dash fills its callback map in a hook on the first request, without a lock: two
    concurrent first requests could meet a half-filled map (400, or a KeyError inside Dash).
    ``create_app`` serves one request itself, so the map is complete before any real one."""
    assert set(fresh_app.callback_map) == set(app.callback_map)
    for component_id in ("_pages_content", "login-message", *ALLOWED):
        _key(fresh_app, component_id)  # the router too, which Dash registers in that hook


def test_concurrent_first_requests_all_run(app: Any, fresh_app: Any) -> None:
    """As after a restart under load: without the setup in ``create_app`` they could meet a
    half-filled callback map (400, or a 500 inside Dash)."""
    start = threading.Barrier(8)
    codes: list[int] = []

    def first_request() -> None:
        client = fresh_app.server.test_client()
        start.wait()
        codes.append(_post_json(client, login_body(app, "nobody", "fel")).status_code)

    threads = [threading.Thread(target=first_request) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [200] * 8


def test_a_malformed_first_request_gets_400(app: Any, fresh_app: Any) -> None:
    request = _without("inputs")(login_body(app, "user_admin"))  # the keys are the same
    _assert_refused(_post_json(fresh_app.server.test_client(), request))
    response = _post_json(fresh_app.server.test_client(), login_body(app, "nobody", "fel"))
    assert response.status_code == 200 and b"message-error" in response.data


def test_a_well_formed_first_request_runs(app: Any, fresh_app: Any) -> None:
    """The first request from outside runs against the complete callback map."""
    response = _post_json(fresh_app.server.test_client(), login_body(app, "user_admin"))
    assert response.status_code == 200, response.data
    assert response.get_json()["response"]["login-redirect"]["href"] == "/"


def test_pattern_matching_callbacks_are_checked_by_their_declared_ids() -> None:
    """No page uses pattern-matching ids yet; the rule follows Dash's: a declared wildcard
    matches any value, ALL sends a list of items, the keys must be the same."""
    from dash import ALL, MATCH, Input, Output, State

    row = {"type": "row", "index": ALL}
    callback_map = {
        "x": {
            "callback": object(),
            "inputs": [Input(row, "value").to_dict(), Input("plain", "value").to_dict()],
            "state": [State({"type": "cell", "index": MATCH}, "data").to_dict()],
            "output": Output({"type": "total", "index": ALL}, "children"),
        }
    }

    def request(**changes: Any) -> dict[str, Any]:
        rows = [{"id": {"type": "row", "index": i}, "property": "value"} for i in range(2)]
        return {
            "output": "x",
            "outputs": [{"id": {"type": "total", "index": 3}, "property": "children"}],
            "inputs": [rows, {"id": "plain", "property": "value", "value": 1}],
            "state": [{"id": {"type": "cell", "index": 1}, "property": "data"}],
            **changes,
        }

    assert callback_shapes.malformed_callback(request(), callback_map) is None
    assert (
        callback_shapes.malformed_callback(request(outputs=[]), callback_map) is None
    )  # ALL: none
    for changes in (
        {
            "inputs": [
                [{"id": {"type": "other", "index": 0}, "property": "value"}],
                request()["inputs"][1],
            ]
        },
        {"inputs": [[{"id": {"type": "row"}, "property": "value"}], request()["inputs"][1]]},
        {"inputs": [[[request()["inputs"][0][0]]], request()["inputs"][1]]},  # nested
        {"inputs": [[{"id": "row", "property": "value"}], request()["inputs"][1]]},
        {"outputs": {"id": {"type": "total", "index": ["ALL"], "x": 1}, "property": "children"}},
        {"state": [{"id": {"type": "cell", "index": 1}, "property": "value"}]},
    ):
        assert callback_shapes.malformed_callback(request(**changes), callback_map), changes


def test_wrong_password_logs_nobody_in(app: Any) -> None:
    client = app.server.test_client()
    response = client.post(
        "/_dash-update-component",
        json=login_body(app, "user_admin", "fel-lösenord"),
        headers={"Origin": ORIGIN},
    )
    assert response.status_code == 200 and b"message-error" in response.data
    assert client.get("/inkop").status_code == 302


def test_logout_ends_the_session(app: Any) -> None:
    client = client_for(app, "viewer")
    assert client.get("/").status_code == 200
    assert client.post("/logout", headers={"Origin": ORIGIN}).status_code == 302
    assert client.get("/").status_code == 302


def test_too_large_body_gets_413_before_parsing(app: Any, clients: dict[str | None, Any]) -> None:
    big = "data:text/csv;base64," + "A" * 200_000
    request = upload_body(app, "fte", big, "a.csv")
    response = clients["admin"].post(
        "/_dash-update-component", json=request, headers={"Origin": ORIGIN}
    )
    assert response.status_code == 413
    assert "för stor".encode() in response.data


def test_health_is_public(app: Any) -> None:
    response = app.server.test_client().get("/health")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


# --- cookies, demo mode, refusing to start -------------------------------------------------


def _bare_server(store: Store, config: security.SecurityConfig) -> flask.Flask:
    server = flask.Flask("cookie-test")
    security.install(server, store, config, "k" * 64)

    @server.post("/try-login")
    def _try() -> str:
        return security.log_in("user_admin", PASSWORD) or "no"

    @server.get("/who")
    def _who() -> str:
        return str(security.current_role())

    return server


@pytest.mark.parametrize("https", [True, False])
def test_session_cookie_flags(store: Store, https: bool) -> None:
    server = _bare_server(store, security.SecurityConfig(demo_allowed=False, https=https))
    response = server.test_client().post("/try-login", headers={"Origin": ORIGIN})
    assert response.status_code == 200 and response.data == b"admin"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert ("Secure" in cookie) is https


def test_https_is_set_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from spendanalys.dashboard.app_factory import https_from_env

    monkeypatch.setenv("SPENDANALYS_HTTPS", "1")
    assert https_from_env()
    monkeypatch.setenv("SPENDANALYS_HTTPS", "0")
    assert not https_from_env()


def test_demo_mode_only_on_loopback_without_users(tmp_path: Path) -> None:
    empty = Store(f"sqlite:///{tmp_path / 'e.sqlite'}")
    local = _bare_server(empty, security.SecurityConfig(demo_allowed=True)).test_client()
    assert local.get("/who").data == b"admin"
    remote = _bare_server(empty, security.SecurityConfig(demo_allowed=False)).test_client()
    assert remote.get("/who").data == b"None"
    assert security.is_loopback("127.0.0.1") and security.is_loopback("::1")
    assert not security.is_loopback("0.0.0.0") and not security.is_loopback(None)


def test_refuses_to_start_on_a_public_address_without_users(tmp_path: Path, repo_dir: Path) -> None:
    env = {**os.environ, "SPENDANALYS_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"}
    result = subprocess.run(
        [sys.executable, "app.py", "--host", "0.0.0.0", "--port", str(free_port())],
        cwd=repo_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "no users" in result.stderr and "spendanalys users add" in result.stderr


def _nodes(tree: Any) -> Iterator[dict[str, Any]]:
    if isinstance(tree, dict):
        if "props" in tree and "type" in tree:
            yield tree
        for value in tree.values():
            yield from _nodes(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _nodes(value)


def test_uploaded_text_reaches_leadership_only_as_text(
    app: Any, store: Store, clients: dict[str | None, Any]
) -> None:
    """A hostile supplier name is shown as a text child, never as HTML, a link or markdown."""
    hostile = '<img src=x onerror="alert(1)">'
    link = "javascript:alert(1)"
    contracts = (
        "Avtalsnummer;Avtalsnamn;Leverantör;Organisationsnummer;Inköpskategori;CPV-kod;Startdatum;"
        "Slutdatum;Avtalsvärde per år (kr);Miljökrav\n"
        f"X-1;{link};{hostile};556677-8899;Städtjänster;90910000;2023-01-01;2026-12-31;900000;Nej\n"
    )
    upload = "data:text/csv;base64," + base64.b64encode(contracts.encode()).decode()
    request = upload_body(app, "contracts", upload, "x.csv")
    started = clients["admin"].post(
        "/_dash-update-component", json=request, headers={"Origin": ORIGIN}
    )
    assert started.status_code == 200
    poll_until_done(app, clients["admin"], "contracts", job_of(started, "contracts"))
    page = body(
        app, "_pages_content", {"_pages_location.pathname": "/", "_pages_location.search": ""}
    )
    response = clients["viewer"].post(
        "/_dash-update-component", json=page, headers={"Origin": ORIGIN}
    )
    tree = response.get_json()
    texts = [n for n in _nodes(tree) if isinstance(n["props"].get("children"), str)]
    found = [
        n for n in texts if hostile in n["props"]["children"] or link in n["props"]["children"]
    ]
    assert len(found) >= 2
    assert {n["type"] for n in found} <= {"Td", "Div", "Span"}
    # Every occurrence in the response is one of those text children.
    raw = json.dumps(tree)
    assert raw.count(json.dumps(hostile)[1:-1]) == sum(
        hostile in n["props"]["children"] for n in found
    )
    for node in _nodes(tree):
        assert "dangerously_allow_html" not in node["props"]
        assert link not in str(node["props"].get("href", ""))


def test_repeated_wrong_passwords_lock_the_name_for_a_while(app: Any, store: Store) -> None:
    store.add_user("guessed", PASSWORD, "viewer")
    client = app.server.test_client()
    for _ in range(security.MAX_FAILURES):
        response = client.post(
            "/_dash-update-component",
            json=login_body(app, "guessed", "fel-lösenord"),
            headers={"Origin": ORIGIN},
        )
        assert b"login-redirect" not in response.data
    response = client.post(
        "/_dash-update-component", json=login_body(app, "guessed"), headers={"Origin": ORIGIN}
    )
    shown = response.get_json()["response"]["login-message"]["children"]["props"]["children"]
    assert shown.startswith("För många misslyckade inloggningar")
    assert client.get("/").status_code == 302


def test_a_job_answers_only_the_user_who_started_it(
    app: Any, store: Store, clients: dict[str | None, Any]
) -> None:
    """Another user polling the job id (or a forged id) learns nothing about the import."""
    started = clients["admin"].post(
        "/_dash-update-component",
        json=write_body(app, "upload-fte-job"),
        headers={"Origin": ORIGIN},
    )
    job_id = job_of(started, "fte")
    for role, forged in (("environment", job_id), ("admin", "../../secret_key"), ("admin", 7)):
        shown = poll_until_done(app, clients[role], "fte", forged)
        text = json.dumps(shown)
        assert "upload-fte-done" not in text and shown["upload-fte-poll"]["disabled"], text
        assert "fte.csv" not in text
    assert "upload-fte-done" in json.dumps(poll_until_done(app, clients["admin"], "fte", job_id))


def test_the_job_checks_the_role_again(app: Any, store: Store, store_dir: Path) -> None:
    """A job queued with a role that may not import fails inside the job and stores nothing."""
    from spendanalys import services
    from spendanalys.jobs import JobBoard

    board = JobBoard(store_dir / "direct")
    before = state_of(store)
    job_id = board.submit(
        "user_viewer",
        "fte.csv",
        lambda progress: services.run_upload(
            store,
            "fte",
            "fte.csv",
            _upload("fte"),
            max_bytes=100_000,
            user="user_viewer",
            role="viewer",
            progress=progress,
        ).to_dict(),
    )
    job = board.wait(job_id, "user_viewer")
    assert job is not None and job.state == "failed" and job.error is not None
    assert job.error.startswith("access denied")
    assert job.phase is None  # refused before decoding
    assert state_of(store) == before
