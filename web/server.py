"""The production server: gunicorn with one worker process and several threads.

One process owns the on-disk store (Oxigraph allows one writer), so concurrency comes from
threads; Oxigraph and Whoosh searches release the GIL for much of their work. The worker
is gthread made safe against slow clients (:mod:`web.slow_clients`). gunicorn believes no
forwarded header from anyone (by default it takes ``SCRIPT_NAME``, ``PATH_INFO`` and
``X-Forwarded-Proto`` from 127.0.0.1, so a local proxy passing them on would let any
client re-route a request): the app's ``RIGHTS_ARCHIVE_PROXIES`` alone decides which
proxy headers count (:mod:`web.security`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

from archive.settings import settings


class _Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, folder: Path, options: dict[str, Any]) -> None:
        self.folder = folder
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:  # settings newer than the installed gunicorn are skipped
                self.cfg.set(key, value)

    def load(self) -> Any:
        from web.app import create_app  # in the worker: the store must not cross a fork

        return create_app({"DATA_DIR": self.folder})


def access_log() -> str | None:
    """Where the access log goes: ``$RIGHTS_ARCHIVE_ACCESS_LOG`` (a file, ``-`` for standard
    output, the default, or ``off``). A log line costs about a tenth of the worker's time
    for a page built afresh and a fifth for one from the page cache."""
    return settings().access_log


def run(folder: Path, host: str, port: int, threads: int = 8) -> None:
    """Serve the archive in ``folder`` on ``host:port`` until interrupted."""
    options = {"bind": f"{host}:{port}", "workers": 1, "threads": threads,
               "worker_class": "web.slow_clients.GuardedThreadWorker", "timeout": 120,
               "graceful_timeout": 10,
               # seconds a kept-alive connection, or a request not begun, may stay silent
               "keepalive": 5,
               "forwarded_allow_ips": "", "forwarder_headers": "",
               "secure_scheme_headers": {},
               "accesslog": access_log(), "errorlog": "-", "preload_app": False,
               # newer gunicorn (27 here) opens a control socket at one path per user: several
               # archives on one host would take it from each other, and nothing uses it
               "control_socket_disable": True}
    _Server(folder, options).run()
