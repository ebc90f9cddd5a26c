"""Entry point of the dashboard.

``python app.py [--host 127.0.0.1] [--port 8050]`` serves it with Flask's server (a laptop);
``gunicorn -c python:spendanalys.dashboard.gunicorn_conf 'app:server' -b 127.0.0.1:8050``
serves it on a server, behind nginx (README, "Serving on a server"; the environment variables
are listed in ``spendanalys/dashboard/serve.py``).
"""

from __future__ import annotations

import sys
from typing import Any


def __getattr__(name: str) -> Any:
    # ``server`` is built on first access, so importing this module stays cheap.
    if name == "server":
        from spendanalys.dashboard.serve import build_server

        value = build_server()
        globals()["server"] = value
        return value
    raise AttributeError(name)


if __name__ == "__main__":
    from spendanalys.dashboard.serve import main

    sys.exit(main())
