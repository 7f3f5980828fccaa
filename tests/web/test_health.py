"""``/health`` for load balancers and monitoring: 200 while the store answers and the
index keeps up, 503 with the reason otherwise (a lagging follower is checked in
test_remote_store.py, beside the background catch-up), never cached."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support import open_app


def test_an_archive_in_step_is_healthy(make_app: Any, sample_statements: list[dict[str, Any]]
                                       ) -> None:
    client = make_app(sample_statements).test_client()
    response = client.get("/health")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["status"] == "ok" and body["store"]["kind"] == "embedded"
    assert body["store"]["sequence"] == body["index"]["sequence"] == len(sample_statements)
    assert body["index"]["behind"] == 0 and client.head("/health").status_code == 200


def test_an_engine_that_stopped_answering_is_unavailable(
        tmp_path: Path, virtuoso_login: tuple[str, str]) -> None:
    from tests.support import require_package
    from tests.virtuoso import Virtuoso, installed

    require_package(installed(), "virtuoso-opensource")
    server = Virtuoso(tmp_path / "engine", user=virtuoso_login[0],
                      password=virtuoso_login[1]).start()
    try:
        with open_app(tmp_path / "data", store=server.url) as app:
            client = app.test_client()
            before = client.get("/health")
            assert before.status_code == 200 and before.get_json()["store"]["kind"] == "remote"
            server.stop()
            response = client.get("/health")
            assert response.status_code == 503
            body = response.get_json()
            assert body["status"] == "unavailable"
            assert server.url not in response.get_data(as_text=True)  # no engine address leaks
    finally:
        server.stop()
