"""A callback request the renderer never sends gets a clean 400 (or 413, 401, 403), never a 5xx.

The shape check (``spendanalys.dashboard.callback_shapes``) compares each request with the
callback it names in ``app.callback_map``: missing, extra or wrongly typed parts, bodies that do
not parse, clientside callbacks, arbitrary JSON. What the renderer does send still runs, the
login and CSRF guards still answer first, and a freshly created app (after a restart, under load)
already has its complete callback map for its first requests. Values of the wrong type inside a
well-shaped request: ``test_callback_values``.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import access_app
import pytest
from access_app import (
    ALLOWED,
    JSON_VALUES,
    ORIGIN,
    assert_refused,
    body,
    callback_key,
    login_body,
    post_json,
    state_of,
    upload_body,
    write_body,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from spendanalys.dashboard import callback_shapes
from spendanalys.store.database import Store

store, store_dir, app, clients = access_app.fixtures()  # module scope: this module's own app


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
    found = entry["output"]
    outputs = [
        {"id": o.component_id, "property": o.component_property}
        for o in (found if isinstance(found, list) else [found])
    ]
    return {
        "output": key,
        "outputs": outputs,
        "inputs": entry["inputs"],
        "state": entry["state"],
        "changedPropIds": [],
    }


@pytest.mark.parametrize("change", MALFORMED.values(), ids=list(MALFORMED))
@pytest.mark.parametrize("role", [None, "viewer"])
def test_malformed_callback_requests_get_400(
    app: Any, clients: dict[str | None, Any], role: str | None, change: Any
) -> None:
    request = change(login_body(app, "nobody", "fel-lösenord"))  # were it run: no login
    response = post_json(clients[role], request)
    if role is None and response.status_code == 401:
        return  # it names a component outsiders may not reach: the login guard answers first
    assert_refused(response)


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
    assert_refused(post_json(clients["viewer"], raw))


def test_a_clientside_callback_cannot_be_run_on_the_server(
    app: Any, clients: dict[str | None, Any]
) -> None:
    assert_refused(post_json(clients["admin"], _clientside(app)))


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
    response = post_json(clients["viewer"], make(app))
    assert response.status_code == 200, response.data
    assert response.get_json()["multi"] is True


def test_login_and_csrf_answer_before_the_shape_check(
    app: Any, store: Store, clients: dict[str | None, Any]
) -> None:
    """401 and 403 still come first: the shape check tells an outsider nothing."""
    malformed = _without("inputs")(body(app, "inkop-analysis", {}))
    assert post_json(clients[None], malformed).status_code == 401
    assert post_json(clients["viewer"], malformed, headers={}).status_code == 403
    writing = _without("state")(write_body(app, "goal-result"))
    before = state_of(store)
    assert post_json(clients["viewer"], writing).status_code == 403
    assert_refused(post_json(clients["admin"], writing))
    assert state_of(store) == before


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
    response = post_json(clients["viewer"], request)
    assert response.status_code < 500, (request, response.data)


# --- the first requests to a new app ---------------------------------------------------------


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
        callback_key(fresh_app, component_id)  # the router too, which Dash registers in that hook


def test_concurrent_first_requests_all_run(app: Any, fresh_app: Any) -> None:
    """As after a restart under load: without the setup in ``create_app`` they could meet a
    half-filled callback map (400, or a 500 inside Dash)."""
    start = threading.Barrier(8)
    codes: list[int] = []

    def first_request() -> None:
        client = fresh_app.server.test_client()
        start.wait()
        codes.append(post_json(client, login_body(app, "nobody", "fel")).status_code)

    threads = [threading.Thread(target=first_request) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [200] * 8


def test_a_malformed_first_request_gets_400(app: Any, fresh_app: Any) -> None:
    request = _without("inputs")(login_body(app, "user_admin"))  # the keys are the same
    assert_refused(post_json(fresh_app.server.test_client(), request))
    response = post_json(fresh_app.server.test_client(), login_body(app, "nobody", "fel"))
    assert response.status_code == 200 and b"message-error" in response.data


def test_a_well_formed_first_request_runs(app: Any, fresh_app: Any) -> None:
    """The first request from outside runs against the complete callback map."""
    response = post_json(fresh_app.server.test_client(), login_body(app, "user_admin"))
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


def test_too_large_body_gets_413_before_parsing(app: Any, clients: dict[str | None, Any]) -> None:
    big = "data:text/csv;base64," + "A" * 200_000
    request = upload_body(app, "fte", big, "a.csv")
    response = clients["admin"].post(
        "/_dash-update-component", json=request, headers={"Origin": ORIGIN}
    )
    assert response.status_code == 413
    assert "för stor".encode() in response.data
