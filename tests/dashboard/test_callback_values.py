"""A well-shaped callback request whose values have the wrong type is bad input, never a 5xx.

The page router refuses a location that is not text (it is public: anyone could send one); a
form shows its own error message and writes nothing; a login with values that are not text logs
nobody in; the readers of form values (``number_or_none``, ``as_year``) accept what an input
sends and nothing else; and, for any server callback, arbitrary JSON values from an admin never
make a 5xx, a write or a job.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import access_app
import pytest
from access_app import (
    FORMS,
    JSON_VALUES,
    assert_refused,
    body,
    login_body,
    post_json,
    request_for,
    state_of,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from spendanalys.dashboard import callback_shapes
from spendanalys.store.database import Store

store, store_dir, app, clients = access_app.fixtures()  # module scope: this module's own app


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
    assert_refused(post_json(clients[role], body(app, "_pages_content", values)))


@pytest.mark.parametrize("pathname", [None, "/", "/inkop", "/nowhere"])
def test_the_page_router_serves_any_location_a_browser_sends(
    app: Any, clients: dict[str | None, Any], pathname: str | None
) -> None:
    request = body(app, "_pages_content", _location(pathname, "?x=1"))
    response = post_json(clients["viewer"], request)
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
    response = post_json(clients["admin"], body(app, form, {**FORMS[form], field: value}))
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
    response = post_json(clients["admin"], request_for(app, key, values))
    assert response.status_code < 500, (values, response.data)
    empty_or_junk = [
        v for n in states if (v := values[n]) is None or isinstance(v, bool | list | dict)
    ]
    if any(f"{form}." in key for form in FORMS) and empty_or_junk:
        assert state_of(store) == before, values
    upload = [values[n] for n in inputs if n.endswith("-accepted.data")]
    if upload and not (isinstance(upload[0], dict) and isinstance(upload[0].get("contents"), str)):
        assert _jobs(store_dir) == jobs, values


def test_a_login_with_values_that_are_not_text_logs_nobody_in(app: Any) -> None:
    """The login callback is public; a name or password that is no string is a failed login."""
    for value in ({"a": 1}, [1], 7, 1.5, True):
        request = login_body(app, "user_admin")
        for item in request["state"]:
            item["value"] = value
        client = app.server.test_client()
        response = post_json(client, request)
        assert response.status_code == 200 and b"message-error" in response.data
        assert client.get("/").status_code == 302
