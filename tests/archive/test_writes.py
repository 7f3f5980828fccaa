"""The one write path: the seed becomes linked RDF, bad input changes nothing, history stays;
on the embedded store and on Virtuoso (``store_backend``)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, RDF, RDFS, SKOS, XSD

from archive import BadInput, Gone, NotFound
from archive.errors import PreconditionFailed
from archive.followers import Callback
from tests.support import SEED_ID
from vocab import RA


def snapshot(archive: Any) -> tuple[int, int]:
    """What must not move when input is refused: the quad count and the change log."""
    return len(archive.store), archive.last_sequence()


def test_seed_becomes_linked_rdf(make_archive, store_backend, sample_statements, seed_record
                                 ) -> None:
    archive = make_archive(sample_statements, backend=store_backend)
    graph = archive.record_graph(SEED_ID)
    statement = archive.uris.statement(SEED_ID)

    assert (statement, RDF.type, RA.Statement) in graph
    assert (statement, DCTERMS.issued, Literal("2018-06-22", datatype=XSD.date)) in graph
    issuer = graph.value(statement, RA.issuer)
    assert graph.value(issuer, RDFS.label) == Literal("US National Human Rights Cities Alliance")
    parent = graph.value(issuer, ORG.subOrganizationOf)
    assert graph.value(parent, RDFS.label) == Literal("US Human Rights Network")
    event = graph.value(statement, RA.respondsTo)
    assert graph.value(event, RDF.type) == RA.Event
    assert graph.value(event, RA.eventDate) == Literal("2018-06-19", datatype=XSD.date)
    cedaw = archive.uris.thing("treaties", "cedaw")
    assert (statement, RA.references, cedaw) in graph
    assert (cedaw, SKOS.inScheme, archive.uris.scheme("treaties")) in \
        archive.vocabulary[archive.uris.scheme("treaties")]
    see_also = set(graph.objects(statement, RA.seeAlso))
    assert archive.uris.statement("ushrn-2018-06-21-statement-us-withdrawal-hrc") in see_also
    places = [graph.value(p, RDFS.label) for p in graph.objects(statement, RA.place)]
    assert Literal("United States") in places


def test_seed_round_trips_to_json_unchanged(make_archive, store_backend, sample_statements,
                                            seed_record) -> None:
    archive = make_archive(sample_statements, backend=store_backend)
    assert archive.record(SEED_ID).to_json() == seed_record


def test_every_sample_record_round_trips(make_archive, store_backend, sample_records) -> None:
    archive = make_archive(sample_records, backend=store_backend)
    for record in sample_records:
        assert archive.record(record["id"]).to_json() == record


def test_same_issuer_twice_is_one_resource(make_archive, store_backend, sample_statements) -> None:
    archive = make_archive(sample_statements, backend=store_backend)
    rows = archive.store.select(
        f"SELECT ?i WHERE {{ GRAPH ?i {{ ?i a <{RA.Issuer}> ; <{RDFS.label}> "
        "\"Amnesty International\" } }")
    assert len(rows) == 1


@pytest.mark.parametrize(("change", "key", "words"), [
    ({"title": None}, "title", "is required"),
    ({"issuer": []}, "issuer", "is required"),
    ({"date": "03/04/2018"}, "date", "ambiguous"),
    ({"date": "February 30, 2018"}, "date", "not a real date"),
    ({"date": "sometime"}, "date", "not a date"),
    ({"references": ["CEDAWW"]}, "references[0]", "not a known treaty"),
    ({"type": "pres statement"}, "type", "not a known statement type"),
    ({"topics": ["womens right"]}, "topics[0]", "not a known topic"),
    ({"source": "javascript:alert(1)"}, "source", "not a web address"),
    ({"source": "https://exa mple.org/"}, "source", "spaces"),
    ({"language": "english!"}, "language", "BCP 47"),
    ({"colour": "red"}, "colour", "not a known key"),
    ({"title": 42.5}, "title", None),
    ({"id": "Not A Slug"}, "id", "not a valid id"),
    ({"see_also": ["no-such-statement"]}, "see_also[0]", "neither a web address"),
    ({"text": "page one\x0cpage two"}, "text", "control character U+000C at position 9"),
])
def test_bad_record_is_refused_with_its_key_and_nothing_changes(
        make_archive, store_backend, seed_record, change, key, words) -> None:
    archive = make_archive(backend=store_backend)
    record = copy.deepcopy(seed_record)
    record["id"] = "bad-record"
    record.pop("see_also")
    for name, value in change.items():
        if value is None:
            record.pop(name)
        else:
            record[name] = value
    if key == "title":  # 42.5 is accepted as text; use a list instead
        record["title"] = ["not", "text"] if change.get("title") == 42.5 else record.get("title")
    before = snapshot(archive)
    with pytest.raises(BadInput) as refused:
        archive.save([record], agent="test")
    assert snapshot(archive) == before
    problem = next(p for p in refused.value.problems if p.key == key)
    assert problem.record == record["id"]
    if words:
        assert words in problem.message


def test_unknown_treaty_gets_a_suggestion(make_archive, store_backend, seed_record) -> None:
    archive = make_archive(backend=store_backend)
    record = dict(seed_record, id="x",
                  references=["CEDAW", "Convention on the Rigths of the Child"])
    record.pop("see_also")
    with pytest.raises(BadInput) as refused:
        archive.save([record], agent="test")
    [problem] = refused.value.problems
    assert problem.key == "references[1]"
    assert "CRC" in problem.suggestion


def test_ambiguous_date_is_read_when_the_caller_says_day_first(make_archive, store_backend,
                                                               seed_record) -> None:
    archive = make_archive(backend=store_backend)
    record = dict(seed_record, id="x", date="03/04/2018")
    record.pop("see_also")
    archive.save([record], agent="test", dayfirst=True)
    graph = archive.record_graph("x")
    assert graph.value(archive.uris.statement("x"), DCTERMS.issued) == \
        Literal("2018-04-03", datatype=XSD.date)
    assert archive.record("x").date == "03/04/2018"


@pytest.mark.parametrize(("written", "datatype", "lexical"), [
    ("2018", XSD.gYear, "2018"), ("June 2018", XSD.gYearMonth, "2018-06"),
    ("June 22, 2018", XSD.date, "2018-06-22"), ("2018-06", XSD.gYearMonth, "2018-06"),
])
def test_date_kept_at_the_precision_given(make_archive, store_backend, written, datatype,
                                          lexical) -> None:
    archive = make_archive(backend=store_backend)
    archive.save([{"id": "d", "title": "T", "issuer": "I", "date": written}], agent="test")
    value = archive.record_graph("d").value(archive.uris.statement("d"), DCTERMS.issued)
    assert value == Literal(lexical, datatype=datatype)
    assert archive.record("d").date == written


def test_every_problem_of_a_batch_is_listed_and_none_is_stored(make_archive, store_backend,
                                                                 seed_record) -> None:
    archive = make_archive(backend=store_backend)
    good = {"id": "good", "title": "Fine", "issuer": "Someone", "date": "2020"}
    bad_one = {"id": "bad-1", "title": "T", "issuer": "I", "date": "31/31/2020"}
    bad_two = {"id": "bad-2", "title": "T", "issuer": "I", "date": "2020", "references": ["X"]}
    before = snapshot(archive)
    with pytest.raises(BadInput) as refused:
        archive.save([good, bad_one, bad_two], agent="test")
    assert {p.record for p in refused.value.problems} == {"bad-1", "bad-2"}
    assert snapshot(archive) == before
    with pytest.raises(NotFound):
        archive.record("good")


def test_duplicate_id_is_refused_even_after_delete(make_archive, store_backend) -> None:
    archive = make_archive([{"id": "one", "title": "T", "issuer": "I", "date": "2020"}],
                           backend=store_backend)
    with pytest.raises(BadInput, match="already used"):
        archive.save([{"id": "one", "title": "Other", "issuer": "I", "date": "2021"}],
                     agent="test")
    archive.delete("one", agent="test")
    with pytest.raises(BadInput) as refused:
        archive.save([{"id": "one", "title": "Other", "issuer": "I", "date": "2021"}],
                     agent="test")
    assert "deleted" in refused.value.problems[0].message
    assert refused.value.problems[0].suggestion == "'one-2'"


def test_duplicate_id_within_a_batch(make_archive, store_backend) -> None:
    archive = make_archive(backend=store_backend)
    record = {"id": "twice", "title": "T", "issuer": "I", "date": "2020"}
    with pytest.raises(BadInput, match="appears twice"):
        archive.save([record, record], agent="test")


def test_ids_are_minted_from_date_and_title(make_archive, store_backend) -> None:
    archive = make_archive(backend=store_backend)
    first, second = archive.save([{"title": "Statement on Peace", "issuer": "I", "date": "2020"},
                                  {"title": "Statement on Peace", "issuer": "I", "date": "2020"}],
                                 agent="test")
    assert first.id == "2020-statement-on-peace"
    assert second.id == "2020-statement-on-peace-2"


def test_near_duplicate_issuer_needs_new_on_purpose(make_archive, store_backend) -> None:
    archive = make_archive([{"id": "a", "title": "T", "issuer": "Human Rights Watch",
                             "date": "2020"}], backend=store_backend)
    with pytest.raises(BadInput) as refused:
        archive.save([{"id": "b", "title": "T", "issuer": "Human Right Watch", "date": "2020"}],
                     agent="test")
    assert refused.value.problems[0].suggestion == "'Human Rights Watch'"
    archive.save([{"id": "b", "title": "T", "issuer": {"name": "Human Right Watch", "new": True},
                   "date": "2020"}], agent="test")
    assert archive.record("b").issuers[0].name == "Human Right Watch"
    archive.save([{"id": "c", "title": "T", "issuer": "human rights watch", "date": "2020"}],
                 agent="test")
    assert archive.record("c").issuers[0].name == "Human Rights Watch"


def test_conflicting_issuer_facts_are_refused(make_archive, store_backend) -> None:
    archive = make_archive([{"id": "a", "title": "T", "date": "2020",
                             "issuer": {"name": "Berlin", "kind": "city"}}], backend=store_backend)
    with pytest.raises(BadInput, match="recorded with kind"):
        archive.save([{"id": "b", "title": "T", "date": "2020",
                       "issuer": {"name": "Berlin", "kind": "ngo"}}], agent="test")


def test_history_keeps_every_version_with_who_and_when(make_archive, store_backend) -> None:
    archive = make_archive([{"id": "h", "title": "First", "issuer": "I", "date": "2020"}],
                           backend=store_backend)
    archive.save([{"id": "h", "title": "Second", "issuer": "I", "date": "2020"}],
                 agent="alice", replace=True)
    versions = archive.history("h")
    assert [(v.number, v.kind, v.agent) for v in versions] == [
        (1, "create", "test"), (2, "update", "alice")]
    assert archive.version_record("h", 1).title == {"en": "First"}
    assert archive.record("h").title == {"en": "Second"}
    graph = archive.store.graph(archive.uris.history("h"))
    from rdflib.namespace import PROV
    assert (versions[1].uri, PROV.wasRevisionOf, versions[0].uri) in graph
    assert graph.value(versions[1].uri, PROV.wasAttributedTo) == archive.uris.agent("alice")


def test_delete_is_a_tombstone_and_restore_brings_it_back(make_archive, store_backend) -> None:
    archive = make_archive([{"id": "t", "title": "Kept", "issuer": "I", "date": "2020"}],
                           backend=store_backend)
    archive.delete("t", agent="bob")
    with pytest.raises(Gone):
        archive.record("t")
    assert [v.kind for v in archive.history("t")] == ["create", "delete"]
    assert archive.version_record("t", 1).title == {"en": "Kept"}
    archive.restore("t", 1, agent="carol")
    assert archive.record("t").title == {"en": "Kept"}
    assert [c.kind for c in archive.changes()] == ["create", "delete", "restore"]


def test_stale_version_is_refused(make_archive, store_backend) -> None:
    archive = make_archive([{"id": "v", "title": "One", "issuer": "I", "date": "2020"}],
                           backend=store_backend)
    archive.save([{"id": "v", "title": "Two", "issuer": "I", "date": "2020"}], agent="a",
                 replace=True, expected_version=1)
    before = snapshot(archive)
    with pytest.raises(PreconditionFailed):
        archive.save([{"id": "v", "title": "Three", "issuer": "I", "date": "2020"}], agent="b",
                     replace=True, expected_version=1)
    assert snapshot(archive) == before
    with pytest.raises(PreconditionFailed):
        archive.delete("v", agent="b", expected_version=1)


def test_change_log_numbers_every_write_without_gaps(make_archive, store_backend) -> None:
    archive = make_archive([{"id": f"r{i}", "title": "T", "issuer": "I", "date": "2020"}
                            for i in range(3)], backend=store_backend)
    archive.delete("r1", agent="x")
    changes = archive.changes()
    assert [c.sequence for c in changes] == [1, 2, 3, 4]
    assert archive.changes(after=2) == changes[2:]
    assert archive.last_sequence() == 4


def test_followers_are_called_after_each_write(make_archive, store_backend) -> None:
    archive = make_archive(backend=store_backend)
    seen: list[int] = []
    archive.followers.add(Callback("seen", lambda: seen.append(archive.last_sequence())))
    archive.save([{"id": "f", "title": "T", "issuer": "I", "date": "2020"}], agent="x")
    archive.delete("f", agent="x")
    assert seen == [1, 2]


def test_dry_run_stores_nothing(make_archive, store_backend, sample_records) -> None:
    archive = make_archive(backend=store_backend)
    before = snapshot(archive)
    saved = archive.save(sample_records, agent="x", dry_run=True)
    assert len(saved) == len(sample_records)
    assert snapshot(archive) == before


# Oxigraph only: about the data folder's settings file, the same whichever store it uses.
def test_base_uri_is_kept_by_the_data_folder(make_archive, tmp_path) -> None:
    archive = make_archive(folder=tmp_path / "based", base="https://archive.example.org/")
    archive.close()
    from archive import Archive, ArchiveError
    reopened = Archive(tmp_path / "based")
    assert reopened.base == "https://archive.example.org/"
    reopened.close()
    with pytest.raises(ArchiveError, match="mints URIs under"):
        Archive(tmp_path / "based", "http://other.example/")


def test_uri_of_the_statement_is_under_the_base(make_archive, store_backend) -> None:
    archive = make_archive([{"id": "u", "title": "T", "issuer": "I", "date": "2020"}],
                           base="https://archive.example.org/", backend=store_backend)
    assert archive.uris.statement("u") == URIRef("https://archive.example.org/statements/u")
    assert (archive.uris.statement("u"), RDF.type, RA.Statement) in archive.record_graph("u")


def test_concurrent_creates_of_one_id_store_it_once(make_archive, store_backend) -> None:
    import threading

    archive = make_archive(backend=store_backend)
    outcomes: list[str] = []

    def create(title: str) -> None:
        try:
            archive.save([{"id": "race", "title": title, "issuer": "I", "date": "2020"}],
                         agent=title)
            outcomes.append("stored")
        except BadInput:
            outcomes.append("refused")

    threads = [threading.Thread(target=create, args=(f"writer-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "refused", "refused", "stored"]
    assert [v.number for v in archive.history("race")] == [1]


def test_a_preview_leaves_no_names_behind(make_archive, store_backend) -> None:
    archive = make_archive(backend=store_backend)
    archive.save([{"id": "p", "title": "T", "issuer": "Front Line Defenders", "date": "2020"}],
                 agent="x", dry_run=True)
    archive.save([{"id": "q", "title": "T", "issuer": "Front Line Defender", "date": "2020"}],
                 agent="x")
    assert archive.record("q").issuers[0].name == "Front Line Defender"


def test_agent_names_with_spaces_and_slashes_are_kept(make_archive, store_backend) -> None:
    archive = make_archive(backend=store_backend)
    archive.save([{"id": "a", "title": "T", "issuer": "I", "date": "2020"}],
                 agent="Maria José / desk")
    assert archive.history("a")[0].agent == "Maria José / desk"
    assert archive.changes()[0].agent == "Maria José / desk"


def test_validation_leaves_the_shapes_graph_as_it_was(make_archive) -> None:
    """pySHACL adds triples to the shapes graph it validates with; ours must not change, or
    every later archive opened in the process would rewrite the stored shapes graph."""
    from rdflib import RDF, Graph, URIRef

    from archive.shapes import check_shapes
    from vocab import RA

    archive = make_archive()
    before = set(archive.shapes)
    data = Graph()
    data.add((URIRef(archive.base + "statements/x"), RDF.type, RA.Statement))
    assert check_shapes(data, archive.shapes, str)  # a statement with nothing is refused
    assert set(archive.shapes) == before
