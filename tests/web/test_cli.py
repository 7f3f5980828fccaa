"""The rights-archive command, run as a real process over a real data folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from rdflib import Dataset

from archive import Archive
from tests.support import ROOT, SAMPLE, SEED_ID

COMMAND = [str(Path(sys.executable).parent / "rights-archive")]


def run(folder: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "RIGHTS_ARCHIVE_DATA": str(folder)}
    env.pop("RIGHTS_ARCHIVE_BASE_URI", None)
    return subprocess.run([*COMMAND, *args], capture_output=True, text=True, env=env,
                          input=input, timeout=300)


def test_create_import_export_check(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    assert run(folder, "create").returncode == 0
    imported = run(folder, "import", str(SAMPLE / "statements.jsonl"))
    assert imported.returncode == 0, imported.stderr
    assert "imported 12 statements" in imported.stdout

    again = run(folder, "import", str(SAMPLE / "statements.jsonl"))
    assert again.returncode == 2
    assert "already used" in again.stderr and "nothing was stored" in again.stderr
    assert "Traceback" not in again.stderr

    out = tmp_path / "export.nq"
    exported = run(folder, "export", "--format", "nquads", "-o", str(out))
    assert exported.returncode == 0, exported.stderr
    dataset = Dataset()
    dataset.parse(out, format="nquads")
    statements = {str(g.identifier) for g in dataset.graphs()
                  if "/statements/" in str(g.identifier)}
    assert len(statements) == 12

    checked = run(folder, "check")
    assert checked.returncode == 0, checked.stderr
    assert "store and index agree" in checked.stdout


def test_validate_reports_every_problem_and_stores_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(json.dumps(r) for r in [
        {"id": "a", "title": "T", "issuer": "I", "date": "03/04/2018"},
        {"id": "b", "title": "T", "issuer": "I", "date": "2018", "references": ["CEDAWW"]},
    ]))
    result = run(folder, "validate", str(bad))
    assert result.returncode == 2
    assert "line 1, record a, key 'date'" in result.stderr
    assert "did you mean CEDAW" in result.stderr
    imported = run(folder, "import", "--first", "day", str(bad))
    assert imported.returncode == 2  # the unknown treaty still refuses the whole file
    archive = Archive(folder)
    assert list(archive.record_ids()) == []
    archive.close()


def test_import_while_another_process_writes_is_refused_clearly(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    holder = Archive(folder)
    result = run(folder, "import", str(SAMPLE / "statements.jsonl"))
    holder.close()
    assert result.returncode == 6
    assert "open for writing in another process" in result.stderr
    assert "Traceback" not in result.stderr


def test_suggest_prints_json(tmp_path: Path) -> None:
    result = run(tmp_path / "data", "suggest", "--json", str(SAMPLE / "statements.jsonl"))
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert {"key": "references", "value": "CEDAW"}.items() <= found[SEED_ID][0].items()


def test_backup_and_restore(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    assert run(folder, "create").returncode == 0
    assert run(folder, "import", str(SAMPLE / "statements.jsonl")).returncode == 0
    assert run(folder, "backup", str(tmp_path / "bk")).returncode == 0
    restored = run(tmp_path / "restored", "restore", str(tmp_path / "bk"))
    assert restored.returncode == 0, restored.stderr
    assert "restored 12 statements" in restored.stdout
    assert run(tmp_path / "restored", "check").returncode == 0


def test_unknown_file_type_is_a_clear_refusal(tmp_path: Path) -> None:
    path = tmp_path / "records.xlsx"
    path.write_bytes(b"PK")
    result = run(tmp_path / "data", "import", str(path))
    assert result.returncode == 2
    assert "not a file type the archive reads" in result.stderr


def test_external_thesaurus_import(tmp_path: Path) -> None:
    huridocs = ROOT.parent / "shared" / "reference" / "huridocs_micro_thesauri.ttl"
    folder = tmp_path / "data"
    result = run(folder, "thesaurus", "import", str(huridocs))
    assert result.returncode == 0, result.stderr
    assert "stored 57 concept schemes, 4,509 concepts" in result.stdout
    listed = run(folder, "thesaurus", "list")
    assert "mt_12_religions (41 concepts)" in listed.stdout
    archive = Archive(folder)
    rows = archive.store.select(
        "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { GRAPH ?g { ?c a "
        "<http://www.w3.org/2004/02/skos/core#Concept> } "
        f"FILTER(STRSTARTS(STR(?g), '{archive.base}vocab/imported/')) }}")
    assert int(rows[0]["n"]) == 4524
    archive.close()
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix x: <http://x/> .\n<a> x:b\n")
    refused = run(folder, "thesaurus", "import", str(broken))
    assert refused.returncode == 2
    assert "cannot be read as turtle" in refused.stderr


def test_reading_commands_work_beside_a_running_server(tmp_path: Path) -> None:
    """validate, suggest and check only read: they work while another process (a server)
    holds the store; reindex says exactly what to do; validate reports every file."""
    folder = tmp_path / "data"
    assert run(folder, "import", str(SAMPLE / "statements.jsonl")).returncode == 0
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"title": "T", "issuer": {"name": "I", "kind": "ngo"},
                                "date": "2018", "text": "The Convention against Torture."}))
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "b", "title": "T", "issuer": "I", "date": "2018",
                               "references": ["CEDAWW"]}))
    worse = tmp_path / "worse.jsonl"
    worse.write_text(json.dumps({"id": "c", "title": "T", "issuer": "I", "date": "never"}))
    holder = Archive(folder)  # what a running server does: hold the store for writing
    try:
        validated = run(folder, "validate", str(bad), str(good), str(worse))
        suggested = run(folder, "suggest", "--json", str(good))
        checked = run(folder, "check")
        reindexed = run(folder, "reindex")
    finally:
        holder.close()
    assert validated.returncode == 2, validated.stderr
    assert "open for writing" not in validated.stderr
    assert f"{good}: 1 statement would be imported" in validated.stdout
    assert "CEDAWW" in validated.stderr and "'never'" in validated.stderr
    assert f"2 of 3 files have problems: {bad}, {worse}" in validated.stderr
    assert suggested.returncode == 0, suggested.stderr
    assert "CAT" in json.loads(suggested.stdout)["#1"][0]["value"]
    assert checked.returncode == 0, checked.stderr
    assert "ok: 12 statements; store and index agree" in checked.stdout
    assert reindexed.returncode == 6
    assert f"Stop the server, run 'rights-archive --data {folder} reindex'" in reindexed.stderr
    assert "Traceback" not in validated.stderr + checked.stderr + reindexed.stderr
