"""Start the dashboard: ``python app.py [--host 127.0.0.1] [--port 8050]`` or under gunicorn.

For a server, run several workers with a timeout long enough for a large import::

    SPENDANALYS_SECRET_KEY=... SPENDANALYS_HTTPS=1 \\
        gunicorn 'app:server' -w 2 --timeout 300 -b 0.0.0.0:8050

Under gunicorn the bind address is not known to the app, so it assumes a non-loopback one and
refuses to start without users unless ``SPENDANALYS_HOST=127.0.0.1`` says otherwise.

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

from spendanalys.dashboard.app_factory import create_app
from spendanalys.errors import SpendanalysError
from spendanalys.settings import settings


def build_server(host: str | None = None) -> flask.Flask:
    """The Flask server of a new dashboard app (the WSGI callable for gunicorn)."""
    app = create_app(host=host if host is not None else settings().host)
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
    server.run(host=args.host, port=args.port, debug=False, threaded=True)
    return 0
