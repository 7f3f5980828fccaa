"""The import's fast paths give exactly what the slow ones gave.

Indexing: the term pool, the block writer, the fused analysis, the treaty scan and the
multi-process writer produce the same postings (byte for byte where they can) as Whoosh's
own machinery. Validation: the plain-Python shape check never lets through what pySHACL
would refuse, and what pySHACL refuses is still worded by pySHACL.
"""

from __future__ import annotations

import os
import random
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import rdflib.namespace as rdf_namespace
from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS
from whoosh import formats
from whoosh import index as whoosh_index
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import SegmentWriter

from archive import Archive, BadInput
from archive.corpus import read_ungdc
from archive.mapping import Batch
from archive.record import parse_record
from archive.shapes import check_shapes
from archive.shapes_fast import FastShapes, fast_shapes
from archive.store import quads_of
from archive.writes import _shapes_triples
from search import SearchIndex
from search.analysis import fold
from search.documents import Vocabulary, record_document
from search.engine.pool import TermPool
from search.engine.writer import FastSegmentWriter, open_writer
from search.formats import FastFrequency, FastPositions
from search.schema import build_schema
from search.treaties import TreatyFinder
from tests.index_contents import index_contents
from vocab import RA, SH

EDGE_TEXTS = [
    "", "the", "a the of", "x the y z", "1 2 3 the cat CAT", "l'homme d'État, l’Europe",
    "La investigación de las investigaciones sobre tecnología y sociología de los niños.",
    "Démocratie, droits de l'homme et ÉGALITÉ: la société civile a été entendue à Genève.",
    "Straße İstanbul ǅemal — a'b a''b rock'n'roll ’CAT’ 'CRC' Ⅰ CAT",
    "The Convention against Torture (CAT), the Optional Protocol to the Convention against "
    "Torture, CEDAW, the crc and the CRC, ICCPR-OP1 and the ICCPR’s committee.",
]


def _xsd(name: str) -> URIRef:
    return rdf_namespace.XSD[name]


@pytest.fixture(scope="module")
def archive() -> Archive:
    return Archive(None)


@pytest.fixture(scope="module")
def corpus_texts() -> list[str]:
    speeches = [r.get("text") or "" for r in read_ungdc(limit=25, every=251)]
    return speeches + EDGE_TEXTS


@pytest.fixture(scope="module")
def documents(archive: Archive, sample_statements: list[dict[str, Any]]
              ) -> list[dict[str, Any]]:
    """Index documents of the sample statements, a few UN speeches and edge cases."""
    vocab = Vocabulary.of(archive)
    languages = ["en", "fr", "es", "de"]
    extra = [{"id": f"edge-{n}", "title": {"en": text[:40] or "x", "fr": "Droits"},
              "issuer": "Edge Watch", "date": "2018-06", "language": languages[n % 4],
              "text": text or "y"} for n, text in enumerate(EDGE_TEXTS)]
    found = []
    for data in [*sample_statements, *read_ungdc(limit=16, every=401), *extra]:
        record, problems = parse_record(data)
        assert record is not None, problems
        found.append(record_document(record, 1, f"https://example.org/{record.id}", vocab))
    return found


# Indexing ---------------------------------------------------------------------------------

def _segment_files(folder: Path) -> list[bytes]:
    """The bytes of every file inside every segment (names differ, so sorted by content)."""
    storage = FileStorage(str(folder))
    found = []
    for name in os.listdir(folder):
        if name.endswith(".seg"):
            compound = CompoundStorage(storage.open_file(name), use_mmap=False)
            found += [compound.open_file(sub).read() for sub in compound.list()]
    return sorted(found)


def _build(folder: Path, documents: list[dict[str, Any]], writer: Callable[[Any], Any],
           batch: int) -> Any:
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), build_schema())
    for start in range(0, len(documents), batch):
        w = writer(ix)
        for doc in documents[start:start + batch]:
            w.update_document(**doc)
        w.commit()
    return whoosh_index.open_dir(str(folder))


def _whoosh_bytes(ix: Any, limitmb: int) -> FastSegmentWriter:
    writer = FastSegmentWriter(ix, limitmb=limitmb)
    writer.compress_from = 0
    return writer


@pytest.mark.parametrize(("limitmb", "batch"), [(256, 1000), (1, 5)])
def test_segment_files_are_whooshs_byte_for_byte(tmp_path: Path, documents: list[dict],
                                                  limitmb: int, batch: int) -> None:
    """Small batches make Whoosh merge segments; a 1 MB limit makes the pool spill runs."""
    plain = _build(tmp_path / "plain", documents, lambda ix: SegmentWriter(ix, limitmb=limitmb),
                   batch)
    fast = _build(tmp_path / "fast", documents, lambda ix: _whoosh_bytes(ix, limitmb), batch)
    assert _segment_files(tmp_path / "plain") == _segment_files(tmp_path / "fast")
    assert index_contents(plain) == index_contents(fast)
    assert len(plain._segments()) == len(fast._segments()) > (1 if batch < 100 else 0)


def test_small_blocks_left_uncompressed_read_the_same(tmp_path: Path, documents: list[dict]
                                                      ) -> None:
    plain = _build(tmp_path / "plain", documents, lambda ix: SegmentWriter(ix), 10)
    fast = _build(tmp_path / "fast", documents, open_writer, 10)
    assert index_contents(plain) == index_contents(fast)
    assert _segment_files(tmp_path / "plain") != _segment_files(tmp_path / "fast")


def test_sub_processes_index_the_same_content(tmp_path: Path, documents: list[dict]) -> None:
    one = _build(tmp_path / "one", documents, open_writer, 1000)
    many = _build(tmp_path / "many", documents,
                  lambda ix: open_writer(ix, procs=2, multisegment=True, batchsize=10), 1000)
    assert (len(one._segments()), len(many._segments())) == (1, 2)  # one per sub-process
    assert index_contents(one, by_id=True) == index_contents(many, by_id=True)


def test_term_pool_orders_postings_as_whoosh_sorts_them(tmp_path: Path) -> None:
    storage = FileStorage(str(tmp_path)).create()
    rng = random.Random(8)
    items = [(rng.choice("abc"), rng.choice([b"x", b"y", b"zz", b"\xc3\xa9"]), docnum,
              float(rng.randint(1, 3)), rng.choice([b"", b"\x00\x01", None]))
             for docnum in range(400)]
    items = list({(i[0], i[1], i[2]): i for i in items}.values())  # one posting per doc
    for limitmb in (100, 0):  # 0: a run on disk after every posting
        pool = TermPool(storage, limitmb=limitmb)
        for item in reversed(items):  # documents out of order, as merges can give them
            pool.add(item)
        assert list(pool.iter_postings()) == sorted(items, key=lambda i: i[:3])
        assert not pool.runs and not storage.list()


def test_fused_analysis_gives_the_chains_terms(corpus_texts: list[str]) -> None:
    schema = build_schema()
    checked = 0
    for name in schema.names():
        field = schema[name]
        if not isinstance(field.format, FastPositions | FastFrequency):
            continue
        analyzer = field.analyzer
        plain = formats.Positions if isinstance(field.format, FastPositions) \
            else formats.Frequency
        for text in corpus_texts:
            positions = analyzer.term_positions(text)
            assert positions == analyzer._term_positions_by_token(text), (name, text[:50])
            assert analyzer.term_counts(text) == Counter(
                {term: len(p) for term, p in positions.items()})
        for text in corpus_texts[::7] + EDGE_TEXTS:
            fast = sorted(field.format.word_values(text, analyzer, mode="index"))
            slow = sorted(plain.word_values(field.format, text, analyzer, mode="index"))
            assert fast == slow, (name, text[:50])
            postings = sorted((t.decode(), f, w, v) for t, f, w, v in
                              field.format.postings(text, analyzer))
            assert postings == slow
        checked += 1
    assert checked == 29  # every field with a fast format


def test_positions_encode_as_whoosh() -> None:
    for positions in ([0], [7], [3, 9], list(range(0, 400, 7))):
        assert FastPositions().encode(positions) == formats.Positions().encode(positions)


def test_folding_keeps_every_character_in_or_out_of_words() -> None:
    """What the treaty scan relies on to pair folded words with words as written."""
    word, apostrophes = re.compile(r"\w"), "'’"
    for code in (*range(0xD800), *range(0xE000, 0x110000)):
        char = chr(code)
        folded = fold(char, same_length=True)
        if len(folded) == 1:
            assert bool(word.match(char)) == bool(word.match(folded)), hex(code)
            assert (char in apostrophes) == (folded in apostrophes), hex(code)


def test_treaty_scan_finds_what_mentions_finds(archive: Archive, corpus_texts: list[str]
                                               ) -> None:
    finder = TreatyFinder(archive.thesauri["treaties"])
    found = 0
    for text in corpus_texts + [t.upper() for t in EDGE_TEXTS]:
        slow = list(dict.fromkeys(m.notation for m in finder.mentions(text)))
        assert finder.notations_in(text) == slow, text[:60]
        found += bool(slow)
    assert found == 17  # the corpus texts and edge texts that name a treaty
    assert finder.notations_in(EDGE_TEXTS[-1]) == ["CAT", "OPCAT", "CEDAW", "CRC", "ICCPR-OP1"]


def _searches(index: SearchIndex) -> list[tuple]:
    found = []
    for q in ("rights", "human rights council", '"international community"', "cedaw",
              "peace OR security", "year:2001"):
        results = index.search(q, page_size=50)
        found.append((results.total, results.facets,
                      sorted((h.id, round(h.score or 0, 6)) for h in results.results)))
    return found


def test_catch_up_in_sub_processes_finds_the_same(tmp_path: Path,
                                                  sample_records: list[dict]) -> None:
    archive = Archive(tmp_path / "data")
    archive.save(sample_records[:60], agent="test")
    one = SearchIndex(tmp_path / "one", archive, follow=False)
    many = SearchIndex(tmp_path / "many", archive, follow=False, procs=2, multisegment=True,
                       large_catch_up=1)
    assert _searches(one) == _searches(many)
    many.reindex()
    archive.save([{**sample_records[0], "id": None, "title": "A second seed"}], agent="test")
    archive.delete(sample_records[3]["id"], agent="test")
    assert one.catch_up() == many.catch_up() == 2
    assert _searches(one) == _searches(many) and _searches(one)[0][0]
    assert many.check() == [] and one.check() == []
    one.close(), many.close(), archive.close()


# Validation -------------------------------------------------------------------------------

RECORD = {
    "id": "shape-1", "title": {"en": "Water rights", "fr": "Droit à l'eau"},
    "issuer": {"name": "Shape Watch", "kind": "ngo", "new": True}, "date": "2018-06-22",
    "type": "press statement", "language": "en", "text": "Water. " * 50,
    "summary": "On water.", "source": "https://example.org/s",
    "responds_to": [{"name": "Shape Summit", "date": "2018-06", "place": "Geneva",
                     "new": True}],
    "references": ["CEDAW"], "topics": ["women's rights"], "places": ["Geneva"],
    "see_also": ["https://example.org/x"],
}


def _chunk(archive: Archive) -> tuple[set, URIRef, URIRef, URIRef]:
    batch = Batch()
    for n, data in enumerate([RECORD, {**RECORD, "id": "shape-2", "title": "Second",
                                       "responds_to": [], "date": "2019"}]):
        record, problems = parse_record(data)
        assert record is not None and not problems
        batch.ids.add(record.id)
        assert archive.mapper.to_rdf(record, batch, f"#{n}") == []
    subject = next(iter(batch.statements))
    triples = _shapes_triples(archive, batch, list(batch.statements))
    issuer = next(o for s, p, o in triples if p == RA.issuer)
    event = next(o for s, p, o in triples if p == RA.respondsTo)
    archive.resources.forget()
    return triples, subject, issuer, event


def _replace(triples: set, s: Any, p: Any, *objects: Any) -> set:
    return {t for t in triples if (t[0], t[1]) != (s, p)} | {(s, p, o) for o in objects}


def _mutations(triples: set, s: URIRef, issuer: URIRef, event: URIRef, archive: Archive
               ) -> dict[str, set]:
    base = archive.base
    treaty, topic = URIRef(base + "vocab/treaties/cat"), URIRef(base + "vocab/topics/x")
    day = _xsd("date")
    return {
        "no title": _replace(triples, s, DCTERMS.title),
        "blank title": _replace(triples, s, DCTERMS.title, Literal("  ", lang="en")),
        "typed title": _replace(triples, s, DCTERMS.title, Literal("5", datatype=_xsd("integer"))),
        "two dates": triples | {(s, DCTERMS.issued, Literal("2019", datatype=_xsd("gYear")))},
        "bad month": _replace(triples, s, DCTERMS.issued,
                              Literal("2018-13", datatype=_xsd("gYearMonth"))),
        "ill-typed day": _replace(triples, s, DCTERMS.issued, Literal("2018-02-30",
                                                                       datatype=day)),
        "untyped date": _replace(triples, s, DCTERMS.issued, Literal("2018-06-22")),
        "short year": _replace(triples, s, DCTERMS.issued, Literal("999", datatype=_xsd("gYear"))),
        "no issuer": _replace(triples, s, RA.issuer),
        "issuer untyped": {t for t in triples if t != (issuer, RDF.type, RA.Issuer)},
        "issuer literal": _replace(triples, s, RA.issuer, Literal("Shape Watch")),
        "upper-case id": _replace(triples, s, DCTERMS.identifier, Literal("Shape-1")),
        "two ids": triples | {(s, DCTERMS.identifier, Literal("shape-9"))},
        "plain language": _replace(triples, s, DCTERMS.language, Literal("en")),
        "type not a type": _replace(triples, s, RA.statementType, treaty),
        "reference not a treaty": _replace(triples, s, RA.references, topic),
        "literal source": _replace(triples, s, DCTERMS.source, Literal("https://x.org")),
        "two texts": triples | {(s, RA.text, Literal("y", lang="fr"))},
        "typed text": _replace(triples, s, RA.text, Literal("1", datatype=_xsd("integer"))),
        "literal see-also": _replace(triples, s, RA.seeAlso, Literal("x")),
        "blank see-also": _replace(triples, s, RA.seeAlso, BNode()),
        "issuer two names": triples | {(issuer, RDFS.label, Literal("Other"))},
        "issuer no name": _replace(triples, issuer, RDFS.label),
        "issuer kind not a kind": _replace(triples, issuer, RA.issuerKind, treaty),
        "event two dates": triples | {(event, RA.eventDate,
                                        Literal("2017", datatype=_xsd("gYear")))},
        "event bad date": _replace(triples, event, RA.eventDate, Literal("June")),
        "place untyped": {t for t in triples if not (t[1] == RDF.type and t[2] == RA.Place)},
    }


def _pyshacl_problems(archive: Archive, triples: set) -> list:
    data = Graph()
    for triple in triples:
        data.add(triple)
    return check_shapes(data, archive.shapes, lambda node: None)


def test_fast_shapes_pass_good_data_and_never_pass_bad(archive: Archive) -> None:
    fast = fast_shapes(archive.shapes)
    assert fast.usable and fast_shapes(archive.shapes) is fast
    triples, subject, issuer, event = _chunk(archive)
    assert fast.conforms(triples) and _pyshacl_problems(archive, triples) == []
    for name, broken in _mutations(triples, subject, issuer, event, archive).items():
        assert _pyshacl_problems(archive, broken), name
        assert not fast.conforms(broken), name


def test_fast_shapes_agree_on_random_damage(archive: Archive) -> None:
    """Drop, retype or duplicate random triples: a fast yes is always pySHACL's yes."""
    fast = fast_shapes(archive.shapes)
    triples, *_ = _chunk(archive)
    rng, ordered = random.Random(5), sorted(triples)
    odd = [Literal("x"), Literal("x", lang="en"), Literal("2018", datatype=_xsd("gYear")),
           Literal("5", datatype=_xsd("integer")), URIRef("https://example.org/y"), BNode()]
    agreed = 0
    for _ in range(120):
        damaged = set(ordered)
        for triple in rng.sample(ordered, 2):
            action = rng.randrange(3)
            if action == 0:
                damaged.discard(triple)
            elif action == 1:
                damaged.discard(triple)
                damaged.add((triple[0], triple[1], rng.choice(odd)))
            else:
                damaged.add((triple[0], triple[1], rng.choice(odd)))
        if fast.conforms(damaged):
            assert _pyshacl_problems(archive, damaged) == []
            agreed += 1
    assert agreed  # some damage is harmless (an extra rdf:type, an extra place)


def test_fast_shapes_defer_to_pyshacl_when_unsure(archive: Archive) -> None:
    triples, *_ = _chunk(archive)
    fast = fast_shapes(archive.shapes)
    assert not fast.conforms(triples | {(RA.Issuer, RDFS.subClassOf, RA.Agent)})
    for extra in [(SH.minLength, Literal(2)), (SH.flags, Literal("i")),
                  (SH.path, BNode()), (SH.maxCount, Literal(2))]:
        shapes = Graph()
        shapes += archive.shapes
        shapes.add((RA.StatementText, *extra))
        assert not FastShapes(shapes).usable, extra
    shapes = Graph()
    shapes += archive.shapes
    shapes.add((RA.StatementShape, SH.targetNode, RA.x))
    assert not FastShapes(shapes).usable


def test_pyshacl_still_words_what_it_refuses(tmp_path: Path) -> None:
    """An issuer graph stored without its type (say, by hand): refused, in pySHACL's words."""
    archive = Archive(tmp_path / "data")
    issuer = URIRef(archive.base + "issuers/hand-made")
    graph = Graph().add((issuer, RDFS.label, Literal("Hand Made")))
    archive.store.apply(quads_of(graph, issuer))
    with pytest.raises(BadInput) as refused:
        archive.save([{**RECORD, "issuer": {"name": "Hand Made", "uri": str(issuer)}}],
                     agent="test")
    assert [(p.key, p.message) for p in refused.value.problems] == [
        ("issuer", "Each issuer must be an organisation or person recorded as an issuer. "
                   "(found: hand-made)")]
    archive.close()


def test_a_failing_sub_process_fails_the_commit(tmp_path: Path) -> None:
    """Whoosh's own multi-process writer would commit without the failed documents."""
    from whoosh.writing import IndexingError

    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    writer = open_writer(ix, procs=2, multisegment=True, batchsize=1)
    writer.add_document(id="a", text_en="water")
    writer.add_document(id="b", no_such_field="x")  # refused in its sub-process
    with pytest.raises(IndexingError):
        writer.commit()
    writer.cancel()
    assert whoosh_index.open_dir(str(tmp_path)).doc_count() == 0
    writer = open_writer(ix, procs=2, multisegment=True)  # the index is not left locked
    writer.add_document(id="c", text_en="water")
    writer.commit()
    assert whoosh_index.open_dir(str(tmp_path)).doc_count() == 1
