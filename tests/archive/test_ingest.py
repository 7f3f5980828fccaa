"""Every input format imports the same record; a malformed file is refused whole."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import pytest

from archive import BadInput
from archive.export import export
from archive.ingest import import_files, read_file

SIMPLE = {"id": "simple", "title": "Joint statement on CEDAW at 40", "date": "2019-12-18",
          "issuer": [{"name": "Equality Now", "kind": "ngo"}, "Women's Link Worldwide"],
          "type": "joint statement", "language": "en", "text": "Forty years of CEDAW.",
          "references": ["CEDAW", "OP-CEDAW"], "topics": ["women's rights"],
          "places": ["Geneva", "New York"],
          "responds_to": [{"name": "40th anniversary of CEDAW", "date": "December 18, 2019"}],
          "source": "https://example.org/cedaw-40"}


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def rdf_file(make_archive, tmp_path: Path, fmt: str, suffix: str) -> Path:
    """A file in ``fmt`` exported from another archive holding SIMPLE."""
    source = make_archive([SIMPLE], base="https://elsewhere.example/")
    buffer = io.BytesIO()
    if fmt == "jsonld":
        graph = source.record_graph("simple")
        data = graph.serialize(format="json-ld")
        return write(tmp_path / f"in{suffix}", data)
    export(source, buffer, fmt)
    return write(tmp_path / f"in{suffix}", buffer.getvalue().decode())


@pytest.mark.parametrize(("fmt", "suffix"), [
    ("json", ".json"), ("jsonl", ".jsonl"), ("nquads", ".nq"), ("trig", ".trig"),
    ("turtle", ".ttl"), ("jsonld", ".jsonld"),
])
def test_each_format_imports_the_same_record(make_archive, tmp_path, fmt, suffix) -> None:
    if fmt in ("json", "jsonl"):
        text = json.dumps([SIMPLE]) if fmt == "json" else json.dumps(SIMPLE) + "\n"
        path = write(tmp_path / f"in{suffix}", text)
    else:
        path = rdf_file(make_archive, tmp_path, fmt, suffix)
    archive = make_archive()
    import_files(archive, [path], agent="test")
    assert archive.record("simple").to_json() == SIMPLE


def test_csv_with_lists_and_nested_columns(make_archive, tmp_path) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "title", "issuer", "issuer.kind", "date", "references", "topics",
                     "places", "responds_to", "responds_to.date"])
    writer.writerow(["c1", "On torture", "Amnesty International", "ngo", "June 26, 2020",
                     "CAT|OPCAT", "torture", "Geneva|London", "Day in Support of Victims of "
                     "Torture", "2020-06-26"])
    writer.writerow(["c2", "On the death penalty", "Amnesty International", "", "2021",
                     "ICCPR-OP2", "", "", "", ""])
    archive = make_archive()
    import_files(archive, [write(tmp_path / "in.csv", buffer.getvalue())], agent="test")
    first = archive.record("c1").to_json()
    assert first["issuer"] == {"name": "Amnesty International", "kind": "ngo"}
    assert first["references"] == ["CAT", "OPCAT"]
    assert first["places"] == ["Geneva", "London"]
    assert first["responds_to"] == [{"name": "Day in Support of Victims of Torture",
                                     "date": "2020-06-26"}]
    assert archive.record("c2").to_json()["references"] == ["ICCPR-OP2"]


def test_gzip_jsonl(make_archive, tmp_path) -> None:
    path = tmp_path / "in.jsonl.gz"
    path.write_bytes(gzip.compress((json.dumps(SIMPLE) + "\n").encode()))
    archive = make_archive()
    import_files(archive, [path], agent="test")
    assert archive.record("simple").title == {"en": SIMPLE["title"]}


@pytest.mark.parametrize(("name", "text", "words", "line"), [
    ("bad.json", '[{"title": "x",\n "issuer": }]', "malformed JSON", 2),
    ("bad.jsonl", '{"title": "a", "issuer": "b", "date": "2020"}\n{"title": \n', "malformed JSON",
     2),
    ("bad.csv", 'title,issuer,date\na,b,2020\n"unclosed,b,2020\n', "malformed CSV", 3),
    ("bad.ttl", "@prefix ra: <https://w3id.org/rights-archive/vocab#> .\n<a> ra:x ", "TURTLE",
     None),
    ("bad.jsonld", '{"@context": {"ra": "x"}, "@id": ', "malformed JSON-LD", 1),
    ("remote.jsonld", '{"@context": "https://schema.org/", "@id": "x"}', "does not fetch", None),
    ("bad.nq", "<a> <b> .\n", "NQUADS", None),
    ("empty.ttl", "", "describes no statement", None),
    ("bad.xlsx", "x", "not a file type", None),
])
def test_malformed_files_are_refused_with_position(make_archive, tmp_path, name, text, words,
                                                   line) -> None:
    archive = make_archive()
    before = len(archive.store)
    with pytest.raises(BadInput) as refused:
        import_files(archive, [write(tmp_path / name, text)], agent="test")
    assert words in str(refused.value)
    if line is not None:
        assert refused.value.problems[0].line == line
    assert len(archive.store) == before
    assert archive.last_sequence() == 0


def test_turtle_with_unmapped_property_is_refused_not_lost(make_archive, tmp_path) -> None:
    path = rdf_file(make_archive, tmp_path, "turtle", ".ttl")
    text = path.read_text() + (
        "\n<https://elsewhere.example/statements/simple> "
        "<http://example.org/mood> \"hopeful\" .\n")
    archive = make_archive()
    with pytest.raises(BadInput, match="would be lost"):
        import_files(archive, [write(tmp_path / "extra.ttl", text)], agent="test")


def test_one_bad_record_refuses_the_whole_file(make_archive, tmp_path, sample_records) -> None:
    lines = [json.dumps(r) for r in sample_records[:20]]
    broken = dict(sample_records[20], date="31/31/2020")
    lines.append(json.dumps(broken))
    archive = make_archive()
    with pytest.raises(BadInput) as refused:
        import_files(archive, [write(tmp_path / "mixed.jsonl", "\n".join(lines))], agent="t")
    [problem] = refused.value.problems
    assert (problem.line, problem.key) == (21, "date")
    assert archive.last_sequence() == 0
    assert list(archive.record_ids()) == []


def test_read_file_reports_every_broken_line(make_archive, tmp_path) -> None:
    archive = make_archive()
    with pytest.raises(BadInput) as refused:
        read_file(write(tmp_path / "x.jsonl", "{]\n{}\n[\n"), archive)
    assert [p.line for p in refused.value.problems] == [1, 3]


def test_a_statements_published_turtle_imports_back(make_archive, tmp_path) -> None:
    source = make_archive([SIMPLE])
    graph = source.record_graph("simple")
    for triple in source.store.triples(source.uris.history("simple"),
                                       source.uris.statement("simple")):
        graph.add(triple)  # the page's RDF also names the current version
    path = write(tmp_path / "page.ttl", graph.serialize(format="turtle"))
    target = make_archive()
    import_files(target, [path], agent="test")
    assert target.record("simple").to_json() == SIMPLE
