"""A follower of the change log that fails after a write cannot fail the write.

The write is committed before the followers hear of it: its answer stays 201, the error
is logged, and the follower (the real search index here) makes the change up from the log.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_api import ApiEnv, api_new


@pytest.fixture
def env(tmp_path: Path) -> Iterator[ApiEnv]:
    environment = ApiEnv(tmp_path / "data", FOLLOWER_RETRY_SECONDS=0)
    yield environment
    environment.close()


def found(env: ApiEnv, words: str) -> list[str]:
    response = env.client.get("/api/search", query_string={"q": words})
    assert response.status_code == 200, response.get_data(as_text=True)
    return [hit["id"] for hit in response.get_json()["results"]]


def test_a_follower_that_raises_leaves_the_write_stored_and_answered(
        env: ApiEnv, caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> None:
        raise RuntimeError("this cache is out of order")

    env.archive.follow(broken)
    with caplog.at_level(logging.ERROR, logger="archive.core"):
        created = env.client.post("/api/statements", json=api_new("after-broken-follower"),
                                  headers=env.headers())
    assert created.status_code == 201, created.get_data(as_text=True)
    assert env.client.get("/statements/after-broken-follower",
                          headers={"Accept": "application/json"}).status_code == 200
    assert env.archive.changes()[-1].record_id == "after-broken-follower"
    assert "this cache is out of order" in caplog.text
    assert "the write is stored" in caplog.text
    deleted = env.client.delete("/api/statements/after-broken-follower",
                                headers=env.headers(
                                    **{"If-Match": '"after-broken-follower-v1"'}))
    assert deleted.status_code == 200, deleted.get_data(as_text=True)
    assert env.archive.state("after-broken-follower") == (2, "delete")


def test_an_index_that_cannot_write_makes_the_write_up_from_the_log(
        env: ApiEnv, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    index = env.app.extensions["index"]
    assert found(env, "glaciers") == []  # the index open for searching, as on a server
    aside = tmp_path / "index-aside"
    os.replace(index.path, aside)
    index.path.write_text("not a folder: the index cannot take a writer's lock here")
    with caplog.at_level(logging.ERROR):
        created = env.client.post("/api/statements",
                                  json=api_new("while-index-broken",
                                               title="Statement on the right to glaciers"),
                                  headers=env.headers())
        assert created.status_code == 201, created.get_data(as_text=True)
        assert env.archive.state("while-index-broken") == (1, "create")
        assert index.sequence < env.archive.last_sequence()
        # requests meanwhile are answered from the index as it stands
        assert "while-index-broken" not in found(env, "glaciers")
    assert "failed after change" in caplog.text
    index.path.unlink()
    shutil.move(aside, index.path)
    assert found(env, "glaciers") == ["while-index-broken"]
    assert index.sequence == env.archive.last_sequence()
