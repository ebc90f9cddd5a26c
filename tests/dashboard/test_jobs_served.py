"""An import job started on one server process is followed from another: gunicorn, 2 workers.

The real deployment (``gunicorn 'app:server' -w 2``) and a second process (``python app.py``)
share the database, the secret key and the job folder. The upload is started on gunicorn and
polled on the other process, which never saw the request: the job's state must come from disk,
not from the memory of the worker that runs it. Hand-made HTTP requests, no browser.
"""

from __future__ import annotations

import base64
import http.cookiejar
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from app_process import free_port, wait_healthy

from spendanalys.store.database import Store

# Starts gunicorn and app.py on free ports: `make test` runs it, `make test-fast` does not.
pytestmark = pytest.mark.served

USER, PASSWORD = "miljo", "ett-långt-lösenord"
FTE = "År;Årsarbetskrafter\n2019;100\n2024;120\n"


@pytest.fixture(scope="module")
def servers(repo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists() and shutil.which("gunicorn") is None:
        pytest.skip("gunicorn is not installed")
    folder = tmp_path_factory.mktemp("served")
    url = f"sqlite:///{folder / 'db.sqlite'}"
    Store(url).add_user(USER, PASSWORD, "environment")
    (folder / "no-samples").mkdir()
    env = {
        **os.environ,
        "SPENDANALYS_DATABASE_URL": url,
        "SPENDANALYS_SECRET_KEY": "served-test-" + "k" * 40,
        "SPENDANALYS_SAMPLE_DIR": str(folder / "no-samples"),
        "SPENDANALYS_JOB_DIR": str(folder / "jobs"),
        "PYTHONPATH": str(repo_dir),
    }
    env.pop("SPENDANALYS_HOST", None)
    ports = free_port(), free_port()
    commands = [
        [str(gunicorn), "app:server", "-w", "2", "--timeout", "300", "-b", f"127.0.0.1:{ports[0]}"],
        [sys.executable, str(repo_dir / "app.py"), "--port", str(ports[1])],
    ]
    log = (folder / "servers.log").open("wb")
    processes = [
        subprocess.Popen(c, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
        for c in commands
    ]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        for base, process in zip(bases, processes, strict=True):
            wait_healthy(base, process)
        yield {"gunicorn": bases[0], "other": bases[1], "db": url}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


@pytest.fixture(scope="module")
def callback_map(servers: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The callbacks as the servers register them (the same code, built in this process)."""
    from spendanalys.dashboard.app_factory import create_app

    folder = tmp_path_factory.mktemp("map")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SPENDANALYS_SECRET_KEY", "map-" + "x" * 40)
        app = create_app(
            Store(f"sqlite:///{folder / 'm.sqlite'}"), seed=False, job_dir=folder / "jobs"
        )
    app.server.test_client().get("/login")
    return app.callback_map


def _body(callback_map: Any, component_id: str, values: dict[str, Any]) -> bytes:
    key = next(k for k in callback_map if f"{component_id}." in k)
    entry = callback_map[key]
    specs = entry["output"] if isinstance(entry["output"], list) else [entry["output"]]

    def fill(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**s, "value": values.get(f"{s['id']}.{s['property']}")} for s in items]

    outputs = [{"id": o.component_id, "property": o.component_property} for o in specs]
    return json.dumps(
        {
            "output": key,
            "outputs": outputs if len(outputs) > 1 else outputs[0],
            "inputs": fill(entry["inputs"]),
            "state": fill(entry["state"]),
            "changedPropIds": [f"{entry['inputs'][0]['id']}.{entry['inputs'][0]['property']}"],
        }
    ).encode()


def _post(opener: Any, base: str, data: bytes) -> dict[str, Any]:
    request = urllib.request.Request(
        base + "/_dash-update-component",
        data=data,
        headers={"Content-Type": "application/json", "Origin": base},
    )
    with opener.open(request, timeout=60) as response:
        return dict(json.loads(response.read())["response"])


def test_a_job_started_on_gunicorn_is_followed_from_another_process(
    servers: dict[str, Any], callback_map: Any
) -> None:
    cookies = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))
    base, other = servers["gunicorn"], servers["other"]
    login = _body(
        callback_map,
        "login-message",
        {"login-submit.n_clicks": 1, "login-name.value": USER, "login-password.value": PASSWORD},
    )
    assert _post(opener, base, login)["login-redirect"]["href"] == "/"
    contents = "data:text/csv;base64," + base64.b64encode(FTE.encode()).decode()
    start = _body(
        callback_map,
        "upload-fte-job",
        {"upload-fte-accepted.data": {"contents": contents, "filename": "fte.csv", "at": 1}},
    )
    job_id = _post(opener, base, start)["upload-fte-job"]["data"]
    assert isinstance(job_id, str)

    # The session cookie is for 127.0.0.1 and carries over to the other port.
    poll = _body(callback_map, "refresh-fte", {"upload-fte-job.data": job_id})
    deadline = time.monotonic() + 90
    shown = _post(opener, other, poll)
    while not shown["upload-fte-poll"]["disabled"] and time.monotonic() < deadline:
        time.sleep(0.2)
        shown = _post(opener, other, poll)
    text = json.dumps(shown, ensure_ascii=False)
    assert "upload-fte-preview" in text and "2 rader godtas" in text, text
    for _ in range(6):  # and from either gunicorn worker
        assert "upload-fte-preview" in json.dumps(_post(opener, base, poll))
    versions = Store(servers["db"]).versions()
    assert list(versions["uploaded_by"]) == [USER] and list(versions["file_name"]) == ["fte.csv"]
