"""Export and import give back an isomorphic dataset; backup and restore the whole archive,
on the embedded store and on Virtuoso (backed up as an embedded store, restored into an
engine or a data folder)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from archive import Archive, ArchiveError
from archive.export import backup, export, public_graphs, restore
from archive.ingest import import_files
from archive.store import open_store

COMMAND = str(Path(sys.executable).with_name("rights-archive"))


@pytest.fixture
def round_trip_records(store_backend: str, sample_records: list[dict[str, Any]],
                       sample_statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The whole sample, or on Virtuoso (slower to write) the statements and six speeches."""
    if store_backend == "oxigraph":
        return sample_records
    return sample_statements + sample_records[len(sample_statements):][:6]


def same_archive(copy: Archive, archive: Archive, deleted: str) -> None:
    """``copy`` holds the change log, graphs and history of ``archive``."""
    assert copy.changes() == archive.changes()
    assert sorted(public_graphs(copy)) == sorted(public_graphs(archive))
    for name in public_graphs(archive):
        assert isomorphic(copy.store.graph(name), archive.store.graph(name))
    assert copy.history(deleted) == archive.history(deleted)


@pytest.mark.parametrize(("fmt", "suffix"), [("nquads", ".nq"), ("trig", ".trig"),
                                             ("jsonl", ".jsonl"), ("json", ".json")])
def test_export_then_import_is_isomorphic(make_archive, store_backend, tmp_path,
                                          round_trip_records, fmt, suffix) -> None:
    source = make_archive(round_trip_records, backend=store_backend)
    path = tmp_path / f"export{suffix}"
    with path.open("wb") as handle:
        assert export(source, handle, fmt) == len(round_trip_records)
    target = make_archive()  # embedded: the round trip crosses backends on Virtuoso
    import_files(target, [path], agent="test")
    for name in public_graphs(source):
        assert isomorphic(source.store.graph(name), target.store.graph(name)), name
    assert sorted(public_graphs(source)) == sorted(public_graphs(target))


def test_an_embedded_export_imports_into_virtuoso(make_archive, sample_statements, tmp_path
                                                  ) -> None:
    source = make_archive(sample_statements)
    path = tmp_path / "export.nq"
    with path.open("wb") as handle:
        export(source, handle, "nquads")
    target = make_archive(backend="virtuoso")
    import_files(target, [path], agent="test")
    assert sorted(public_graphs(source)) == sorted(public_graphs(target))
    for name in public_graphs(source):
        assert isomorphic(source.store.graph(name), target.store.graph(name)), name


def test_turtle_export_parses_and_holds_every_triple(make_archive, store_backend,
                                                     sample_statements) -> None:
    archive = make_archive(sample_statements, backend=store_backend)
    buffer = io.BytesIO()
    export(archive, buffer, "turtle")
    graph = Graph().parse(data=buffer.getvalue(), format="turtle")
    expected = Graph()
    for name in public_graphs(archive):
        archive.store.graph(name, into=expected)
    assert isomorphic(graph, expected)


def test_json_export_is_the_contract_json(make_archive, store_backend, sample_statements
                                          ) -> None:
    archive = make_archive(sample_statements, backend=store_backend)
    buffer = io.BytesIO()
    export(archive, buffer, "json")
    by_id = {r["id"]: r for r in sample_statements}
    exported = json.loads(buffer.getvalue())
    assert {r["id"]: r for r in exported} == by_id


def test_unknown_export_format_is_refused(make_archive) -> None:
    with pytest.raises(ArchiveError, match="cannot export"):
        export(make_archive(), io.BytesIO(), "xlsx")


def test_backup_and_restore_give_the_same_archive(make_archive, store_backend, tmp_path: Path,
                                                  sample_statements, monkeypatch) -> None:
    archive = make_archive(sample_statements, backend=store_backend)
    deleted = sample_statements[1]["id"]
    archive.delete(deleted, agent="x")
    backup(archive, tmp_path / "backup")
    monkeypatch.delenv("RIGHTS_ARCHIVE_STORE", raising=False)
    restore(tmp_path / "backup", tmp_path / "restored")  # into a data folder
    copy = Archive(tmp_path / "restored", store=tmp_path / "restored" / "store")
    try:
        same_archive(copy, archive, deleted)
    finally:
        copy.close()


def test_a_remote_backup_restores_into_an_emptied_engine(make_archive, tmp_path: Path,
                                                         sample_statements, remote_store_url
                                                         ) -> None:
    archive = make_archive(sample_statements, backend="virtuoso", folder=tmp_path / "live")
    deleted = sample_statements[1]["id"]
    archive.delete(deleted, agent="x")
    backup(archive, tmp_path / "backup")
    with pytest.raises(ArchiveError, match="already holds an archive"):
        restore(tmp_path / "backup", tmp_path / "again", store=archive.store.url)
    held = len(archive.store)
    expected = Archive(tmp_path / "expected", archive.base)  # the records the engine held
    expected.store.apply(list(archive.store.quads()))
    archive.close()
    url = remote_store_url(archive.base)  # the engine loses the archive
    restore(tmp_path / "backup", tmp_path / "restored", store=url)
    loaded = open_store(url, prefix=archive.base)
    assert len(loaded) == held
    loaded.close()
    copy = Archive(tmp_path / "restored", store=url)
    try:
        same_archive(copy, expected, deleted)
        assert (tmp_path / "restored" / "archive.json").exists()
        assert not (tmp_path / "restored" / "store").exists()
    finally:
        copy.close()
        expected.close()


def test_backup_and_restore_commands_on_virtuoso(make_archive, tmp_path: Path,
                                                 sample_statements, remote_store_url) -> None:
    """What an operator runs: backup, then restore into an emptied engine and reindex."""
    archive = make_archive(sample_statements, backend="virtuoso", folder=tmp_path / "live")
    url = archive.store.url
    archive.close()
    env = {**os.environ, "RIGHTS_ARCHIVE_STORE": url}
    env.pop("RIGHTS_ARCHIVE_BASE_URI", None)

    def run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([COMMAND, "--data", str(folder), *args], capture_output=True,
                              text=True, env=env, timeout=300)

    made = run(tmp_path / "live", "backup", str(tmp_path / "backup"))
    assert made.returncode == 0, made.stderr
    remote_store_url(archive.base)
    restored = run(tmp_path / "restored", "restore", str(tmp_path / "backup"))
    assert restored.returncode == 0, restored.stderr
    assert f"restored {len(sample_statements)} statements" in restored.stdout  # reindexed
    copy = Archive(tmp_path / "restored", store=url)
    assert sorted(copy.record_ids()) == sorted(r["id"] for r in sample_statements)
    copy.close()


# Oxigraph only: a data folder's store; on an engine, see the refusal above.
def test_restore_refuses_to_overwrite_an_archive(make_archive, tmp_path: Path) -> None:
    archive = make_archive([{"id": "a", "title": "T", "issuer": "I", "date": "2020"}],
                           folder=tmp_path / "live")
    backup(archive, tmp_path / "backup")
    with pytest.raises(ArchiveError, match="already holds an archive"):
        restore(tmp_path / "backup", tmp_path / "live")
    (tmp_path / "random").mkdir()
    with pytest.raises(ArchiveError, match="not a backup"):
        restore(tmp_path / "random", tmp_path / "elsewhere")
