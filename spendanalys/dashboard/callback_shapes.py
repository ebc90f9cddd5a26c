"""The shape check of Dash callback requests: a clean 400 for a body the renderer never sends.

Dash trusts the body of ``/_dash-update-component`` and crashes (HTTP 500, a traceback in the
log) on one that does not fit the callback it names. Only a hand-made request sends such a body,
so ``guard_callback_shapes`` answers it with 400 before Dash sees it. It is a module of its own
because it is about the form of a request, not about who may send it (``security``), and
Flask-only (no dash import): it reads the callback map it is handed, so it is tested without an
app.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any

import flask
from flask.typing import ResponseReturnValue

from spendanalys.dashboard.security import CALLBACK_PATH, json_body

_WILDCARDS = ("MATCH", "ALL", "ALLSMALLER")
# Dash's page router (public: it serves the login page) reads these properties of its
# ``dcc.Location`` as text; any other JSON value crashes it, and so does a pathname that does
# not start with "/" (Dash's "unsupported relative path"; a browser's never does).
LOCATION_ID = "_pages_location"
LOCATION_TEXT = ("pathname", "search", "hash", "href")


def _wildcard(value: Any) -> bool:
    """A pattern-matching wildcard: Dash's enum in an output, ``["ALL"]`` once stringified."""
    if isinstance(value, Enum):
        return True
    return isinstance(value, list) and len(value) == 1 and value[0] in _WILDCARDS


def _pattern_id(declared: Any) -> dict[str, Any] | None:
    """The dict id of a declared dependency (inputs carry it as Dash's JSON string), else None."""
    if isinstance(declared, str) and declared.startswith("{"):
        try:
            declared = json.loads(declared)
        except ValueError:
            return None
    return declared if isinstance(declared, dict) else None


def _dependency_problem(item: Any, declared_id: Any, declared_property: str) -> str | None:
    """Why ``item`` (one entry of ``inputs``, ``state`` or ``outputs``) is not the declared one.

    A pattern-matching id (a dict) matches a sent dict id with the same keys and the same value
    wherever the declared one is not a wildcard; ALL and ALLSMALLER send a list of such items.
    """
    pattern = _pattern_id(declared_id)
    items = item if isinstance(item, list) and pattern is not None else [item]
    problems = (_item_problem(one, declared_id, pattern, declared_property) for one in items)
    return next((p for p in problems if p), None)


def _item_problem(
    item: Any, declared_id: Any, pattern: dict[str, Any] | None, declared_property: str
) -> str | None:
    if not isinstance(item, dict):
        return "an item is not an object"
    sent_id, sent_property = item.get("id"), item.get("property")
    # An output's property may carry Dash's ``@hash`` suffix (``allow_duplicate``).
    if not isinstance(sent_property, str) or sent_property.split("@", 1)[0] != declared_property:
        return "an item names another property"
    if pattern is None:
        return None if sent_id == declared_id else "an item names another component"
    if not isinstance(sent_id, dict) or sent_id.keys() != pattern.keys():
        return "an item names another component"
    if any(not _wildcard(v) and sent_id[k] != v for k, v in pattern.items()):
        return "an item names another component"
    return None


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _list_problem(sent: Any, declared: list[tuple[Any, str]], name: str) -> str | None:
    if not isinstance(sent, list) or len(sent) != len(declared):
        return f"{name} is not a list of {len(declared)}"
    problems = (_dependency_problem(s, i, p) for s, (i, p) in zip(sent, declared, strict=True))
    return next((f"{name}: {p}" for p in problems if p), None)


def _location_problem(items: list[Any]) -> str | None:
    """Why a value of the router's location (in checked ``inputs`` + ``state``) is unusable."""
    for item in items:
        if not isinstance(item, dict) or item.get("id") != LOCATION_ID:
            continue  # a list of pattern-matching items is never the location
        name, value = item.get("property"), item.get("value")
        if name not in LOCATION_TEXT or value is None:
            continue
        if not isinstance(value, str):
            return f"the location's {name} is not text"
        if name == "pathname" and not value.startswith("/"):
            return "the location's pathname does not start with /"
    return None


def malformed_callback(body: Any, callback_map: Mapping[str, Mapping[str, Any]]) -> str | None:
    """Why ``body`` is not a request for a server callback in ``callback_map``; None when it is.

    Dash trusts the body's shape and raises (HTTP 500) on one the renderer never sends: not an
    object, an unknown or clientside ``output``, ``inputs``/``state``/``outputs`` that are not the
    callback's declared dependencies in order, ``changedPropIds`` that are not strings, a value
    of the page router's location that is not text. ``state`` may be left out when the callback
    has none (the renderer omits it then). Other values are the callbacks' to check.
    """
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    key = body.get("output")
    entry = callback_map.get(key) if isinstance(key, str) else None
    if entry is None:
        return "no callback has this output"
    if "callback" not in entry:
        return "a clientside callback runs in the browser"
    for name in ("inputs", "state"):
        declared = [(d["id"], d["property"]) for d in entry.get(name) or []]
        if name == "state" and not declared and name not in body:
            continue
        problem = _list_problem(body.get(name), declared, name)
        if problem:
            return problem
    if not entry.get("no_output"):
        outputs = entry["output"]
        declared = [(o.component_id, o.component_property) for o in _as_list(outputs)]
        sent = body.get("outputs")
        if isinstance(outputs, list | tuple):
            problem = _list_problem(sent, declared, "outputs")
        else:
            found = _dependency_problem(sent, *declared[0])
            problem = found and f"outputs: {found}"
        if problem:
            return problem
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "changedPropIds is not a list of strings"
    return _location_problem([*body["inputs"], *body.get("state", [])])


def guard_callback_shapes(
    server: flask.Flask, callback_map: Callable[[], Mapping[str, Mapping[str, Any]]]
) -> None:
    """Answer 400 to a callback request that ``malformed_callback`` refuses.

    Register it after ``security.install`` and ``dash.Dash(server=server)``: before-request
    hooks run in order, so the login and CSRF guard still answers 401/403 first, and Dash's own
    hook has filled its callback map (on the first request) before this one reads it.
    """

    def _guard() -> ResponseReturnValue | None:
        request = flask.request
        if request.method != "POST" or request.path != CALLBACK_PATH or not request.is_json:
            return None  # Dash answers 415 to a body that is not JSON
        reason = malformed_callback(json_body(), callback_map())
        if reason is None:
            return None
        return flask.Response(
            f"Felaktig förfrågan. / Malformed callback request: {reason}.",
            400,
            mimetype="text/plain",
        )

    server.before_request(_guard)
