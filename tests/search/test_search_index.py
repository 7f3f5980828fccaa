"""The index follows the store's change log: catch-up after a crash, check, reindex, lock."""

from __future__ import annotations

import time
from contextlib import ExitStack
from pathlib import Path

import pytest
from whoosh.index import LockError

from archive import Archive, NotFound
from search import IndexLocked, SearchIndex
from tests.support import open_app


def record(n: int, text: str = "") -> dict:
    return {"id": f"s-{n}", "title": f"Statement number {n}",
            "issuer": {"name": "Test Issuer", "kind": "non-governmental organisation"},
            "date": f"{2000 + n}", "type": "press statement",
            "text": text or f"Body of statement {n} about sanitation."}


def make(tmp_path: Path, count: int = 3, **options) -> tuple[Archive, SearchIndex]:
    archive = Archive(tmp_path / "data")
    if count:
        archive.save([record(n) for n in range(count)], agent="test")
    return archive, SearchIndex(tmp_path / "data" / "index", archive, **options)


def found(index: SearchIndex, q: str) -> list[str]:
    return [hit.id for hit in index.search(q).results]


def test_writes_are_followed(tmp_path: Path) -> None:
    archive, index = make(tmp_path)
    assert index.search("sanitation").total == 3
    archive.save([record(7, "Clean water for all")], agent="test")
    assert found(index, "water") == ["s-7"]
    archive.save([{**record(7), "text": "Now about housing"}], agent="test", replace=True)
    assert found(index, "water") == [] and found(index, "housing") == ["s-7"]
    archive.delete("s-7", agent="test")
    assert found(index, "housing") == []
    archive.restore("s-7", 2, agent="test")
    assert found(index, "housing") == ["s-7"]
    assert index.check() == []
    assert index.catch_up() == 0  # nothing new: cheap


def test_crash_between_store_and_index_heals_on_next_start(tmp_path: Path) -> None:
    archive, index = make(tmp_path, follow=False)
    archive.save([record(5, "Written while the index was down")], agent="test")
    archive.delete("s-0", agent="test")
    assert "s-5" not in found(index, "written")
    index.close()
    archive.close()
    archive = Archive(tmp_path / "data")
    reopened = SearchIndex(tmp_path / "data" / "index", archive)
    assert found(reopened, "written") == ["s-5"]
    assert "s-0" not in found(reopened, "sanitation")
    assert reopened.check() == []
    assert reopened.sequence == archive.last_sequence()


def test_sequence_is_kept_beside_the_index(tmp_path: Path) -> None:
    archive, index = make(tmp_path)
    index.close()
    again = SearchIndex(tmp_path / "data" / "index", archive)
    assert again.sequence == archive.last_sequence() == 3
    assert again.catch_up() == 0


def test_check_reports_missing_and_stale_documents(tmp_path: Path) -> None:
    archive, index = make(tmp_path, follow=False)
    archive.save([record(9)], agent="test")
    archive.save([{**record(1), "text": "edited"}], agent="test", replace=True)
    archive.delete("s-2", agent="test")
    problems = index.check()
    assert any("'s-9'" in p and "missing" in p for p in problems)
    assert any("'s-1'" in p and "version 2" in p and "version 1" in p and "stale" in p
               for p in problems)
    assert any("'s-2'" in p and "deleted" in p for p in problems)
    assert any("change log" in p for p in problems)
    index.catch_up()
    assert index.check() == []


def test_reindex_rebuilds_from_the_store(tmp_path: Path) -> None:
    archive, index = make(tmp_path, count=5)
    calls: list[tuple[int, int]] = []
    with index._writer() as writer:  # simulate drift: a document the store never had
        writer.add_document(id="ghost", version=1)
    assert any("ghost" in p for p in index.check())
    assert index.reindex(progress=lambda done, total: calls.append((done, total))) == 5
    assert calls[-1] == (5, 5)
    assert index.check() == []
    assert index.search("sanitation").total == 5
    archive.save([record(11, "after the rebuild")], agent="test")
    assert found(index, "rebuild") == ["s-11"]


def test_reindex_with_processes(tmp_path: Path) -> None:
    _, index = make(tmp_path, count=4, procs=2, multisegment=True)
    assert index.reindex() == 4
    assert index.search("sanitation").total == 4 and index.check() == []


def test_one_writer_at_a_time(tmp_path: Path) -> None:
    archive, index = make(tmp_path)
    held = index.ix.writer()  # another process holding the index writer
    try:
        with pytest.raises(LockError):
            index.ix.writer()
        with pytest.raises(IndexLocked):
            index.reindex()
        archive.save([record(8)], agent="test")  # the store write still succeeds
        assert "s-8" not in found(index, "statement")
    finally:
        held.cancel()
    assert index.catch_up() == 1
    assert "s-8" in found(index, "statement")
    assert index.check() == []


def test_more_like_this_unknown_id(tmp_path: Path) -> None:
    _, index = make(tmp_path)
    with pytest.raises(NotFound):
        index.more_like_this("nope")


def test_an_empty_archive_searches_without_error(tmp_path) -> None:
    from archive import Archive
    from search import SearchIndex

    archive = Archive(tmp_path / "data")
    index = SearchIndex(tmp_path / "data" / "index", archive)
    listing = index.search("", {}, sort="-date", page=1, page_size=5)
    assert (listing.total, listing.facets["treaty"]) == (0, [])
    assert index.search("council", {}, sort="relevance", page=1, page_size=5).total == 0
    archive.close()


def far_behind(tmp_path: Path, count: int) -> tuple[Archive, SearchIndex]:
    """``count`` records stored, and an index that has applied none of them yet."""
    archive = Archive(tmp_path / "data")
    archive.save([{**record(n), "date": f"{1950 + n}"} for n in range(count)], agent="test")
    return archive, SearchIndex(tmp_path / "data" / "index", archive,
                                catch_up_at_start=False)


def _until_in_step(index: SearchIndex) -> None:
    deadline = time.monotonic() + 120
    while index.background.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not index.background.running, "the background catch-up did not finish"


def test_a_long_lag_is_made_up_in_the_background_and_absorbs_new_writes(tmp_path: Path
                                                                        ) -> None:
    """Chunks of CHUNK changes per commit; a write made meanwhile is left to the thread,
    which goes round once more, so nothing is missed."""
    from search.background import INLINE

    archive, index = far_behind(tmp_path, INLINE + 5)
    assert index.search("sanitation").total == 0
    with index._write_lock:  # the thread must wait: what happens meanwhile is checkable
        index.keep_up()
        assert index.background.running
        archive.save([{**record(500, "Clean water for all"), "date": "2020"}],
                     agent="test")  # absorbed by the thread
        assert found(index, "water") == []
    _until_in_step(index)
    assert index.search("sanitation").total == INLINE + 5
    assert found(index, "water") == ["s-500"]
    assert index.sequence == archive.last_sequence() and index.check() == []


def test_a_short_lag_is_made_up_at_once(tmp_path: Path) -> None:
    _, index = make(tmp_path, 3, catch_up_at_start=False)
    index.keep_up()
    assert not index.background.running and index.search("sanitation").total == 3


def test_a_server_starts_without_waiting_for_a_rebuild(tmp_path: Path) -> None:
    """A schema change or a lost index rebuilds at start: the app is ready at once and says
    so on /health, instead of answering nothing for as long as the rebuild takes."""
    from search.background import INLINE

    archive, index = far_behind(tmp_path, INLINE + 5)
    with ExitStack() as opened:
        with index._write_lock:
            app = opened.enter_context(open_app(tmp_path / "data", ARCHIVE=archive,
                                                INDEX=index))
            health = app.test_client().get("/health")
            assert health.status_code == 503 and health.get_json()["status"] == "catching up"
        _until_in_step(index)
        client = app.test_client()
        assert client.get("/health").status_code == 200
        assert client.get("/api/search?q=sanitation").get_json()["total"] == INLINE + 5
