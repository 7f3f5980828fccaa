"""The UNGDC reader maps the real corpus to records, and the bundled sample keeps the contract."""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "archive" / "sample"
STATEMENTS = SAMPLE / "statements.jsonl"
SELECTION = SAMPLE / "ungdc-selection.jsonl"
SEED_FILE = ROOT.parent / "shared" / "seeds" / "us-human-rights-cities-alliance-2018-06-22.txt"
SEED_ID = "us-human-rights-cities-alliance-2018-06-22"
REBUILD = "python archive/corpus.py > archive/sample/ungdc-selection.jsonl"

SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")
KEYS = {
    "id",
    "title",
    "issuer",
    "date",
    "type",
    "language",
    "text",
    "summary",
    "source",
    "responds_to",
    "references",
    "see_also",
    "topics",
    "places",
}
TYPES = {
    "press statement",
    "declaration",
    "resolution",
    "open letter",
    "joint statement",
    "speech",
    "report",
    "submission",
    "appeal",
    "communiqué",
    "call to action",
    "letter",
    "petition",
}
TREATIES = {
    "UDHR",
    "ICERD",
    "ICESCR",
    "ICCPR",
    "CEDAW",
    "CAT",
    "CRC",
    "ICMW",
    "CPED",
    "CRPD",
    "OP-ICESCR",
    "ICCPR-OP1",
    "ICCPR-OP2",
    "OP-CEDAW",
    "OPCAT",
    "OP-CRC-AC",
    "OP-CRC-SC",
    "OP-CRC-IC",
    "OP-CRPD",
    "ECHR",
    "ACHPR",
    "ACHR",
    "Refugee Convention",
    "Genocide Convention",
    "Paris Agreement",
    "UNDRIP",
    "Istanbul Convention",
    "Maputo Protocol",
}
TOPICS = {
    "women's rights",
    "LGBTI rights",
    "disability rights",
    "migration and refugees",
    "counter-terrorism",
    "climate and environment",
    "racial discrimination",
    "children's rights",
    "torture",
    "freedom of expression",
    "human rights defenders",
    "indigenous peoples",
    "human rights cities",
    "international cooperation and multilateralism",
    "peace and security",
    "democracy and elections",
    "death penalty",
    "poverty and economic rights",
    "health",
    "rule of law",
    "right to development",
}
KINDS = {
    "city",
    "ngo",
    "network",
    "government",
    "un-body",
    "igo",
    "nhri",
    "academic",
    "faith-based",
    "trade-union",
    "business",
    "person",
}
WITHDRAWAL = {
    "name": "US withdrawal from the UN Human Rights Council",
    "date": "2018-06-19",
    "place": "Washington, D.C.",
}


def load_corpus_module(name: str = "corpus_under_test") -> ModuleType:
    """Load archive/corpus.py on its own: it imports nothing from the rest of the package,
    so the sample can be checked whatever state the other archive modules are in."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "archive" / "corpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


corpus = load_corpus_module()
needs_corpus = pytest.mark.skipif(
    not corpus.UNGDC_PATH.exists(), reason=f"corpus not found at {corpus.UNGDC_PATH}"
)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        record = json.loads(line)
        assert isinstance(record, dict), f"{path.name}:{number} is not a JSON object"
        records.append(record)
    return records


def issuers(record: dict[str, Any]) -> list[dict[str, Any]]:
    issuer = record["issuer"]
    listed = issuer if isinstance(issuer, list) else [issuer]
    return [i if isinstance(i, dict) else {"name": i} for i in listed]


STATEMENT_RECORDS = read_jsonl(STATEMENTS)
SELECTION_RECORDS = read_jsonl(SELECTION)
ALL_RECORDS = STATEMENT_RECORDS + SELECTION_RECORDS


# --- read_ungdc over the real corpus ----------------------------------------------


@needs_corpus
def test_read_ungdc_maps_the_first_record() -> None:
    with gzip.open(corpus.UNGDC_PATH, "rt", encoding="utf-8") as lines:
        raw = json.loads(next(lines))
    [record] = list(corpus.read_ungdc(corpus.UNGDC_PATH, limit=1))
    assert record["id"] == "ungdc-afg-45-1990"
    assert record["title"] == raw["title"]
    assert record["issuer"] == {"name": "Afghanistan", "kind": "government"}
    assert record["date"] == "1990"
    assert record["type"] == "speech"
    assert record["language"] == "en"
    assert record["text"] == raw["text"]
    assert record["source"] == "https://doi.org/10.7910/DVN/0TJX8Y"
    assert record["responds_to"] == [
        {
            "name": "General Debate of the 45th session of the UN General Assembly",
            "date": "1990",
            "place": "New York",
        }
    ]
    assert record["places"] == ["Afghanistan"]
    assert "references" not in record and "topics" not in record


@needs_corpus
def test_read_ungdc_stops_at_the_limit() -> None:
    assert len(list(corpus.read_ungdc(corpus.UNGDC_PATH, limit=5))) == 5


def test_env_var_overrides_the_corpus_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = {
        "id": "ungdc:EU_66_2011",
        "issuer_iso3": "EU",
        "issuer_name": None,
        "session": 66,
        "year": 2011,
        "title": "Statement by EU",
        "text": "Mr. President,",
    }
    path = tmp_path / "mini.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.write(json.dumps(raw) + "\n")
    monkeypatch.setenv("RIGHTS_ARCHIVE_CORPUS", str(path))
    module = load_corpus_module("corpus_with_env")
    assert path == module.UNGDC_PATH
    [record] = list(module.read_ungdc(module.UNGDC_PATH))
    # A missing name in the corpus still gives the one canonical issuer name.
    assert record["id"] == "ungdc-eu-66-2011"
    assert record["issuer"] == {"name": "European Union", "kind": "igo"}
    assert record["title"].startswith("Statement by European Union in the General Debate of")
    assert record["responds_to"][0]["name"] == (
        "General Debate of the 66th session of the UN General Assembly"
    )


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (45, "45th"),
        (51, "51st"),
        (52, "52nd"),
        (53, "53rd"),
        (61, "61st"),
        (71, "71st"),
        (72, "72nd"),
        (73, "73rd"),
        (79, "79th"),
        (111, "111th"),
        (112, "112th"),
    ],
)
def test_ordinal(n: int, expected: str) -> None:
    assert corpus.ordinal(n) == expected


def test_named_treaties_reads_full_names_and_skips_drafts() -> None:
    text = (
        "We ratified the Convention on the Rights of the Child and the Convention\n"
        "against Torture, and we support the Paris Agreement and CEDAW."
    )
    assert corpus.named_treaties(text, 2018) == ["CAT", "CEDAW", "CRC", "Paris Agreement"]
    # Before 2016 "Paris Agreement(s)" is not the climate treaty.
    assert corpus.named_treaties("the Paris Agreements on Cambodia", 1991) == []
    assert corpus.named_treaties("the Paris Agreement on Cambodia", 1992) == []


# --- the bundled sample -----------------------------------------------------------


@pytest.mark.parametrize("path", [STATEMENTS, SELECTION], ids=lambda p: p.name)
def test_every_line_is_a_record_with_the_required_keys(path: Path) -> None:
    for record in read_jsonl(path):
        where = f"{path.name}: {record.get('id')}"
        assert {"title", "issuer", "date"} <= record.keys(), where
        assert record.keys() <= KEYS, f"{where}: unknown keys {record.keys() - KEYS}"
        assert all(v not in (None, "", [], {}) for v in record.values()), where
        assert isinstance(record["title"], str) and record["title"], where
        assert re.fullmatch(r"\d{4}|.*\b(19|20)\d\d\b.*", record["date"]), where
        assert record.get("type", "speech") in TYPES, where
        assert set(record.get("references", [])) <= TREATIES, where
        assert set(record.get("topics", [])) <= TOPICS, where
        for issuer in issuers(record):
            assert issuer["name"] and issuer.get("kind", "ngo") in KINDS, where


def test_ids_are_unique_slugs() -> None:
    ids = [r["id"] for r in ALL_RECORDS]
    assert len(ids) == len(set(ids))
    assert [i for i in ids if not SLUG.match(i)] == []


def test_see_also_ids_point_into_the_sample() -> None:
    ids = {r["id"] for r in ALL_RECORDS}
    dangling = [
        (r["id"], target)
        for r in ALL_RECORDS
        for target in r.get("see_also", [])
        if not target.startswith(("http://", "https://")) and target not in ids
    ]
    assert dangling == []


def test_an_issuer_name_always_has_the_same_description() -> None:
    seen: dict[str, dict[str, Any]] = {}
    for record in ALL_RECORDS:
        for issuer in issuers(record):
            assert seen.setdefault(issuer["name"], issuer) == issuer, issuer["name"]


@pytest.mark.skipif(not SEED_FILE.exists(), reason="seed file not found")
def test_seed_record_carries_the_seed_text() -> None:
    [seed] = [r for r in STATEMENT_RECORDS if r["id"] == SEED_ID]
    assert seed["text"] == SEED_FILE.read_text(encoding="utf-8").strip()
    assert seed["date"] == "June 22, 2018"
    assert seed["references"] == ["CEDAW"]
    assert "ushrn-2018-06-21-statement-us-withdrawal-hrc" in seed["see_also"]


def test_only_the_seed_statement_has_full_text() -> None:
    with_text = [r["id"] for r in STATEMENT_RECORDS if "text" in r]
    assert with_text == [SEED_ID]
    assert all(r.get("summary") for r in STATEMENT_RECORDS)


def test_every_statement_responds_to_the_2018_withdrawal() -> None:
    assert all(WITHDRAWAL in r["responds_to"] for r in STATEMENT_RECORDS)


def test_selection_spans_years_and_regions_and_names_the_wanted_treaties() -> None:
    years = {r["date"] for r in SELECTION_RECORDS}
    assert {str(y) for y in range(1990, 2021, 5)} | {"2024"} <= years
    regions = {corpus.STATE_REGIONS[r["id"].split("-")[1].upper()] for r in SELECTION_RECORDS}
    assert regions == {"Africa", "Americas", "Asia", "Europe", "Oceania"}
    named = {ref for r in SELECTION_RECORDS for ref in r.get("references", [])}
    assert {"CEDAW", "CRC", "CAT", "Paris Agreement", "Refugee Convention"} <= named
    assert any("Human Rights Council" in r["text"] for r in SELECTION_RECORDS)
    assert SELECTION.stat().st_size < 3_000_000


def test_selection_references_and_topics_are_backed_by_the_text() -> None:
    for record in SELECTION_RECORDS:
        text, year = record["text"], int(record["date"])
        assert record.get("references", []) == corpus.named_treaties(text, year), record["id"]
        assert 1 <= len(record["topics"]) <= 3, record["id"]
        assert record["topics"] == corpus.clear_topics(text), record["id"]


@needs_corpus
@pytest.mark.slow
def test_selection_file_is_what_build_selection_gives() -> None:
    rebuilt = [json.loads(json.dumps(r, ensure_ascii=False)) for r in corpus.build_selection()]
    assert rebuilt == SELECTION_RECORDS, f"out of date: rebuild with `{REBUILD}`"
