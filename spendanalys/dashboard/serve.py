"""Start the dashboard: ``python app.py [--host 127.0.0.1] [--port 8050]`` or under gunicorn.

On a server, gunicorn with the committed configuration (``gunicorn_conf.py`` beside this file:
threaded workers that slow clients cannot tie up one by one, no keep-alive, a short idle
timeout), behind a reverse proxy (README, "Serving")::

    SPENDANALYS_SECRET_KEY=... SPENDANALYS_HTTPS=1 \\
        gunicorn -c python:spendanalys.dashboard.gunicorn_conf 'app:server' -b 127.0.0.1:8050

The configuration reports the addresses gunicorn listens on to the app (``binding``), so the
demo mode (no users) follows the real bind: bound anywhere but loopback, the app refuses to
start without users. ``SPENDANALYS_HOST`` is read only when the server reports nothing (another
WSGI server, or gunicorn without this configuration); the demo mode then still answers only
requests from and to this machine (``demo_guard``).

Environment:

- ``SPENDANALYS_DATABASE_URL``: the database (default SQLite ``var/spendanalys.sqlite``);
- ``SPENDANALYS_SECRET_KEY``: session signing key, ≥ 32 characters (default: a random key kept
  in ``var/secret_key``, shared by the workers of one host);
- ``SPENDANALYS_HTTPS=1``: served over HTTPS, so session cookies get ``Secure``;
- ``SPENDANALYS_BEHIND_PROXY=1``: a reverse proxy sets X-Forwarded-For/Proto/Host, believed only
  from ``SPENDANALYS_TRUSTED_PROXIES`` (default loopback; ``dashboard.proxies``);
- session lifetimes and the login brake: ``spendanalys/settings.py``;
- ``SPENDANALYS_ALLOWED_ORIGINS``: extra origins (comma-separated) accepted on POSTs;
- ``SPENDANALYS_MAX_UPLOAD_MB``: the largest upload (default 25; the request cap is 4/3 of it);
- ``SPENDANALYS_SAMPLE_DIR``: where the first start finds sample data (default sample_data/);
- ``SPENDANALYS_JOB_DIR``: the state of import jobs (default var/jobs/); the workers of a host
  share it, so a progress poll may reach any of them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import flask
from werkzeug.serving import WSGIRequestHandler

from spendanalys.dashboard import binding
from spendanalys.dashboard.app_factory import create_app
from spendanalys.errors import SpendanalysError
from spendanalys.settings import settings

SERVER_HEADER = "spendanalys"


class PlainServerHeader(WSGIRequestHandler):
    """Flask's development server without its ``Server: Werkzeug/x Python/y`` banner."""

    def version_string(self) -> str:
        return SERVER_HEADER


def build_server(host: str | None = None) -> flask.Flask:
    """The Flask server of a new dashboard app (the WSGI callable for gunicorn).

    ``host`` is the bound address; by default the one the server reported
    (``binding.bound_host``), else ``SPENDANALYS_HOST``."""
    if host is None:
        host = binding.bound_host() or settings().host
    app = create_app(host=host)
    server: flask.Flask = app.server
    return server


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and serve until interrupted; 2 with a message when it cannot."""
    parser = argparse.ArgumentParser(prog="app.py", description="Spendanalys dashboard")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8050, help="port (default 8050)")
    args = parser.parse_args(argv)
    try:
        server = build_server(args.host)
    except SpendanalysError as exc:
        print(f"spendanalys dashboard: {exc}", file=sys.stderr)
        return 2
    print(f"Spendanalys: http://{args.host}:{args.port}/", flush=True)
    server.run(
        host=args.host,
        port=args.port,
        debug=False,
        threaded=True,
        request_handler=PlainServerHeader,
    )
    return 0
