"""The store on disk: survives restarts, admits one writer process, refuses a second clearly."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from archive import Archive, StoreLocked


def test_records_persist_across_process_restarts(tmp_path, sample_statements) -> None:
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
    lines = "\n".join(__import__("json").dumps(r) for r in sample_statements)
    subprocess.run([sys.executable, "-c", script], input=lines, text=True, check=True)
    archive = Archive(folder)
    assert sorted(archive.record_ids()) == sorted(r["id"] for r in sample_statements)
    assert archive.changes()[0].agent == "first-process"
    assert archive.last_sequence() == len(sample_statements)
    archive.close()


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


def test_same_process_second_open_is_refused_too(tmp_path) -> None:
    holder = Archive(tmp_path / "data")
    with pytest.raises(StoreLocked):
        Archive(tmp_path / "data")
    holder.close()


def test_read_only_view_sees_committed_records(tmp_path, sample_statements) -> None:
    writer = Archive(tmp_path / "data")
    writer.save(sample_statements, agent="test")
    writer.store.flush()
    reader = Archive(tmp_path / "data", read_only=True)
    assert len(list(reader.record_ids())) == len(sample_statements)
    reader.close()
    writer.close()
