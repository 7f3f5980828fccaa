"""Export and import give back an isomorphic dataset; backup and restore the whole archive."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from archive import Archive, ArchiveError
from archive.export import backup, export, public_graphs, restore
from archive.ingest import import_files


@pytest.mark.parametrize(("fmt", "suffix"), [("nquads", ".nq"), ("trig", ".trig"),
                                             ("jsonl", ".jsonl"), ("json", ".json")])
def test_export_then_import_is_isomorphic(make_archive, tmp_path, sample_records, fmt,
                                          suffix) -> None:
    source = make_archive(sample_records)
    path = tmp_path / f"export{suffix}"
    with path.open("wb") as handle:
        assert export(source, handle, fmt) == len(sample_records)
    target = make_archive()
    import_files(target, [path], agent="test")
    for name in public_graphs(source):
        assert isomorphic(source.store.graph(name), target.store.graph(name)), name
    assert sorted(public_graphs(source)) == sorted(public_graphs(target))


def test_turtle_export_parses_and_holds_every_triple(make_archive, sample_statements) -> None:
    archive = make_archive(sample_statements)
    buffer = io.BytesIO()
    export(archive, buffer, "turtle")
    graph = Graph().parse(data=buffer.getvalue(), format="turtle")
    expected = Graph()
    for name in public_graphs(archive):
        archive.store.graph(name, into=expected)
    assert isomorphic(graph, expected)


def test_json_export_is_the_contract_json(make_archive, sample_statements) -> None:
    archive = make_archive(sample_statements)
    buffer = io.BytesIO()
    export(archive, buffer, "json")
    by_id = {r["id"]: r for r in sample_statements}
    exported = json.loads(buffer.getvalue())
    assert {r["id"]: r for r in exported} == by_id


def test_unknown_export_format_is_refused(make_archive) -> None:
    with pytest.raises(ArchiveError, match="cannot export"):
        export(make_archive(), io.BytesIO(), "xlsx")


def test_backup_and_restore_give_the_same_archive(make_archive, tmp_path: Path,
                                                  sample_statements) -> None:
    archive = make_archive(sample_statements)
    archive.delete(sample_statements[1]["id"], agent="x")
    backup(archive, tmp_path / "backup")
    restore(tmp_path / "backup", tmp_path / "restored")
    copy = Archive(tmp_path / "restored")
    assert copy.changes() == archive.changes()
    assert sorted(public_graphs(copy)) == sorted(public_graphs(archive))
    for name in public_graphs(archive):
        assert isomorphic(copy.store.graph(name), archive.store.graph(name))
    assert copy.history(sample_statements[1]["id"]) == archive.history(sample_statements[1]["id"])
    copy.close()


def test_restore_refuses_to_overwrite_an_archive(make_archive, tmp_path: Path) -> None:
    archive = make_archive([{"id": "a", "title": "T", "issuer": "I", "date": "2020"}],
                           folder=tmp_path / "live")
    backup(archive, tmp_path / "backup")
    with pytest.raises(ArchiveError, match="already holds an archive"):
        restore(tmp_path / "backup", tmp_path / "live")
    (tmp_path / "random").mkdir()
    with pytest.raises(ArchiveError, match="not a backup"):
        restore(tmp_path / "random", tmp_path / "elsewhere")
