"""A follower of the change log that fails after a write cannot fail the write.

The write is committed before the followers hear of it: its answer stays 2xx, the error
is logged with the follower's name, the followers after it still run, and the failed one
makes the change up from the log (from its last good change) on a later request.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive import Archive
from archive.followers import Follower
from tests.support import ApiEnv, api_new


@pytest.fixture
def env(tmp_path: Path) -> Iterator[ApiEnv]:
    environment = ApiEnv(tmp_path / "data", FOLLOWER_RETRY_SECONDS=0)
    yield environment
    environment.close()


def found(env: ApiEnv, words: str) -> list[str]:
    response = env.client.get("/api/search", query_string={"q": words})
    assert response.status_code == 200, response.get_data(as_text=True)
    return [hit["id"] for hit in response.get_json()["results"]]


class TitleList(Follower):
    """A real follower: keeps the ids of changed records in a file in ``folder``, reading
    the change log from the last change it wrote down."""

    name = "title-list"

    def __init__(self, archive: Archive, folder: Path) -> None:
        self.archive = archive
        self.folder = folder

    def follow(self, sequence: int) -> None:
        changed = [change.record_id for change in
                   self.archive.changes(after=self.sequence, limit=sequence - self.sequence)]
        with open(self.folder / "changed.txt", "a", encoding="utf-8") as handle:
            handle.writelines(f"{record_id}\n" for record_id in changed)
        self.sequence = sequence

    def lines(self) -> list[str]:
        return (self.folder / "changed.txt").read_text(encoding="utf-8").splitlines()


class Heard(Follower):
    """Notes each change it is told of."""

    name = "heard"

    def __init__(self) -> None:
        self.heard: list[int] = []

    def follow(self, sequence: int) -> None:
        self.heard.append(sequence)
        self.sequence = sequence


def test_the_followers_run_in_the_stated_order(env: ApiEnv) -> None:
    assert env.archive.followers.names() == [
        "index", "oai_log", "oai_resources", "void", "sitemap", "reconcile", "dumps", "pages"]


def test_a_follower_that_fails_leaves_the_write_stored_and_catches_up_from_the_log(
        env: ApiEnv, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "titles"
    folder.mkdir()
    titles = TitleList(env.archive, folder)
    titles.sequence = env.archive.last_sequence()
    env.archive.followers.add(titles)
    heard = env.archive.followers.add(Heard())
    heard.sequence = titles.sequence
    folder.rename(tmp_path / "titles-aside")
    folder.write_text("not a folder: the follower cannot write its file here")
    with caplog.at_level(logging.ERROR, logger="archive.followers"):
        created = env.client.post("/api/statements", json=api_new("after-broken-follower"),
                                  headers=env.headers())
    assert created.status_code == 201, created.get_data(as_text=True)
    last = env.archive.last_sequence()
    assert [record.getMessage() for record in caplog.records] == [
        f"a follower of the change log (title-list) failed after change {last}; the write "
        f"is stored, and the follower makes it up from the log (from change {last - 1})"]
    assert "NotADirectoryError" in caplog.text
    # while it stays broken, each request tries again (and is answered all the same)
    assert env.client.get("/statements/after-broken-follower",
                          headers={"Accept": "application/json"}).status_code == 200
    assert env.archive.changes()[-1].record_id == "after-broken-follower"
    assert titles.sequence == last - 1
    assert heard.heard == [last]  # the followers after the failed one still ran
    assert env.app.extensions["index"].sequence == last  # and the index before it

    folder.unlink()
    (tmp_path / "titles-aside").rename(folder)
    assert env.client.get("/").status_code == 200  # a request: the follower catches up
    assert titles.sequence == last
    assert titles.lines() == ["after-broken-follower"]
    deleted = env.client.delete("/api/statements/after-broken-follower",
                                headers=env.headers(
                                    **{"If-Match": '"after-broken-follower-v1"'}))
    assert deleted.status_code == 200, deleted.get_data(as_text=True)
    assert titles.lines() == ["after-broken-follower", "after-broken-follower"]
    assert heard.heard == [last, last + 1]


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
        assert index.sequence == env.archive.last_sequence() - 1
        # requests meanwhile are answered from the index as it stands
        assert found(env, "glaciers") == []
    assert (f"a follower of the change log (index) failed after change "
            f"{env.archive.last_sequence()}") in caplog.text
    index.path.unlink()
    shutil.move(aside, index.path)
    assert found(env, "glaciers") == ["while-index-broken"]
    assert index.sequence == env.archive.last_sequence()


def test_a_failed_follower_waits_for_its_retry_time_on_requests_but_not_on_writes(
        tmp_path: Path) -> None:
    env = ApiEnv(tmp_path / "data", FOLLOWER_RETRY_SECONDS=3600)
    try:
        folder = tmp_path / "titles"
        titles = TitleList(env.archive, folder)  # no folder yet: it fails
        titles.sequence = env.archive.last_sequence()
        env.archive.followers.add(titles)
        first = env.client.post("/api/statements", json=api_new("first-while-broken"),
                                headers=env.headers())
        assert first.status_code == 201, first.get_data(as_text=True)
        folder.mkdir()
        assert env.client.get("/").status_code == 200
        assert titles.sequence == env.archive.last_sequence() - 1  # not before its time
        second = env.client.post("/api/statements", json=api_new("second"),
                                 headers=env.headers())
        assert second.status_code == 201, second.get_data(as_text=True)
        assert titles.sequence == env.archive.last_sequence()  # a write always tries
        assert titles.lines() == ["first-while-broken", "second"]
    finally:
        env.close()
