"""``/health``: whether this process can serve, for load balancers and monitoring.

200 when the store answers and the search index is at most
:data:`search.background.INLINE` changes behind it; 503 when the store cannot be reached or
the index is further behind (a host catching up after another host's import), so a
balancer sends readers elsewhere meanwhile; the check itself keeps the catch-up going,
since such a host gets no other requests. Never cached.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify

from search.background import INLINE

bp = Blueprint("health", __name__)


def report() -> tuple[dict[str, Any], int]:
    """The health document and its HTTP status."""
    archive, index = current_app.extensions["archive"], current_app.extensions["index"]
    store = {"kind": "remote" if archive.remote else "embedded"}
    try:
        index.keep_up()
        last = archive.last_sequence()
    except Exception as error:  # whatever the engine or the disk says, this is the answer
        current_app.logger.warning("health: the store did not answer: %s", error)
        return {"status": "unavailable", "store": {
            **store, "error": "the store did not answer (the server log says why)"}}, 503
    behind = abs(last - index.sequence)
    in_step = behind <= INLINE and not index.background.running
    body = {"status": "ok" if in_step else "catching up",
            "store": {**store, "sequence": last},
            "index": {"sequence": index.sequence, "behind": behind,
                      "catching_up": index.background.running}}
    return body, 200 if in_step else 503


@bp.get("/health")
def health() -> Any:
    body, status = report()
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
