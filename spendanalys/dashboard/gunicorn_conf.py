"""gunicorn's configuration for the dashboard: ``gunicorn -c python:spendanalys.dashboard.gunicorn_conf
'app:server'`` (the command line may override any of it, e.g. ``-b`` or ``-w``).

Slow clients (issue 21): with the sync workers of the earlier README line, two connections that
sent a request body one byte at a time held both workers, and ``/health`` stopped answering. Here:

- threaded workers (``gthread``; no async worker is installed): 2 processes of 32 threads, so it
  takes 64 connections held open at once to occupy every thread;
- ``worker_connections`` equal to ``threads`` (kept so by ``on_starting``): a worker takes a
  connection only when it has a thread for it, so a worker whose threads are all held stops
  accepting and the other one answers, instead of queueing new requests behind the slow ones;
- no keep-alive (``keepalive = 0``): a thread is never spent on an idle kept-alive connection,
  and gunicorn closes a connection that has sent nothing within 5 s;
- the app refuses anonymous bodies unread and reads any body against a deadline
  (``body_guard``).

What a gunicorn alone cannot do is bound the time a client may take over its request line and
headers: a client that dribbles them holds a thread until it stops. Put nginx in front (README:
``client_header_timeout``, ``client_body_timeout``, request buffering), which holds thousands
of slow connections without a thread each and passes gunicorn only whole requests.
``benchmarks/RELIABILITY.md`` has the measured figures for each kind of slow client.

``post_fork`` reports the listening sockets to the app (``binding.record_bound``), so the demo
mode follows the address gunicorn really bound, not a setting.
"""

from __future__ import annotations

from typing import Any

from spendanalys.dashboard import binding

bind = ["127.0.0.1:8050"]
workers = 2
worker_class = "gthread"
threads = 32
worker_connections = threads
keepalive = 0
# gthread's main loop reports to the arbiter on its own, so this limits a hung worker, not a
# request; imports run in job processes (services.jobs), not in a request.
timeout = 60
graceful_timeout = 30
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190
proc_name = "spendanalys"


def on_starting(server: Any) -> None:
    """Keep ``worker_connections`` equal to ``threads`` when the command line changed either."""
    cfg = server.cfg
    if cfg.worker_connections != cfg.threads:
        server.log.info(
            "spendanalys: worker_connections %s -> %s (one connection per thread)",
            cfg.worker_connections,
            cfg.threads,
        )
        cfg.set("worker_connections", cfg.threads)


def post_fork(server: Any, worker: Any) -> None:
    """Tell the app, before the worker builds it, which addresses gunicorn listens on."""
    binding.record_bound(listener.getsockname() for listener in worker.sockets)
