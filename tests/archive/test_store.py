"""The store survives restarts on both backends; the embedded one admits one writer process
and refuses a second clearly (a remote engine takes writers from many processes: see the
two-server test in test_remote_store.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from rdflib import Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import SKOS

from archive import Archive, StoreLocked
from archive.settings import DEFAULT_BASE
from archive.store import quads_of


@pytest.fixture
def store_location(store_backend: str, request: pytest.FixtureRequest) -> str | None:
    """None for the data folder's embedded store, else the emptied Virtuoso endpoint."""
    if store_backend == "oxigraph":
        return None
    return request.getfixturevalue("remote_store_url")(DEFAULT_BASE)


def test_records_persist_across_process_restarts(tmp_path, sample_statements, store_location
                                                 ) -> None:
    folder = tmp_path / "data"
    script = textwrap.dedent(f"""
        import json, sys
        from pathlib import Path
        from archive import Archive
        archive = Archive(Path({str(folder)!r}))
        records = [json.loads(line) for line in sys.stdin]
        archive.save(records, agent="first-process")
        archive.close()
    """)
    lines = "\n".join(json.dumps(r) for r in sample_statements)
    env = {**os.environ, **({"RIGHTS_ARCHIVE_STORE": store_location} if store_location else {})}
    subprocess.run([sys.executable, "-c", script], input=lines, text=True, check=True, env=env)
    archive = Archive(folder, store=store_location)
    assert sorted(archive.record_ids()) == sorted(r["id"] for r in sample_statements)
    assert archive.changes()[0].agent == "first-process"
    assert archive.last_sequence() == len(sample_statements)
    archive.close()


def test_a_vocabulary_changed_in_the_files_is_stored_again_on_open(tmp_path, store_location
                                                                   ) -> None:
    """A corrected label keeps the triple count; the stored vocabulary still follows the
    files (the version of the vocabulary files a new release brings)."""
    folder = tmp_path / "data"
    archive = Archive(folder, store=store_location)
    name = URIRef(DEFAULT_BASE + "vocab/treaties")
    stored = archive.store.graph(name)
    subject, _, label = next(iter(stored.triples((None, SKOS.prefLabel, None))))
    stored.remove((subject, SKOS.prefLabel, label))
    stored.add((subject, SKOS.prefLabel, Literal("A label the files never had", lang="en")))
    archive.store.apply(quads_of(stored, name), drop=[name])
    files = archive.vocabulary[name]
    assert len(archive.store.graph(name)) == len(files)
    archive.close()

    reopened = Archive(folder, store=store_location)
    assert isomorphic(reopened.store.graph(name), files)
    assert (subject, SKOS.prefLabel, label) in reopened.store.graph(name)
    reopened.close()


# Oxigraph only: the lock on the data folder's store is the embedded store's own.
def test_second_writer_process_is_refused_with_advice(tmp_path) -> None:
    folder = tmp_path / "data"
    holder = Archive(folder)
    script = textwrap.dedent(f"""
        from pathlib import Path
        from archive import Archive, StoreLocked
        try:
            Archive(Path({str(folder)!r}))
        except StoreLocked as error:
            print("LOCKED:", error)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True)
    assert "LOCKED:" in result.stdout
    assert "another process" in result.stdout and "write API" in result.stdout
    assert result.stderr == ""
    holder.close()


# Oxigraph only: the same lock, within one process.
def test_same_process_second_open_is_refused_too(tmp_path) -> None:
    holder = Archive(tmp_path / "data")
    with pytest.raises(StoreLocked):
        Archive(tmp_path / "data")
    holder.close()


def test_read_only_view_sees_committed_records(tmp_path, sample_statements, store_location
                                               ) -> None:
    writer = Archive(tmp_path / "data", store=store_location)
    writer.save(sample_statements, agent="test")
    writer.store.flush()
    reader = Archive(tmp_path / "data", read_only=True, store=store_location)
    assert len(list(reader.record_ids())) == len(sample_statements)
    with pytest.raises(Exception, match="read-only"):
        reader.save([{"id": "refused", "title": "T", "issuer": "I", "date": "2020"}],
                    agent="test")
    assert not writer.known("refused")
    reader.close()
    writer.close()
