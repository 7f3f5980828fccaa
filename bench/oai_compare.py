"""Byte-for-byte comparison of OAI-PMH output, to check a change to web/oai*.py alters nothing.

``build DIR`` makes an archive of generated statements, then edits, deletes and restores
some (so the log holds updates, tombstones and restores). ``dump DIR OUT`` harvests it
through the Flask test client (ListRecords in both formats, ListIdentifiers, a set, dates,
ListSets, GetRecord of current and deleted records) and writes every response, with its
responseDate blanked, to OUT. Run ``dump`` before and after a change and compare with cmp.

RDF/XML once listed a record's subjects (rdf:Description elements) in the order of a
Python set, which follows the process's string hashing: pass ``--canonical-rdf`` to sort
them in every dump (each description, and everything else, still compared byte for byte).

    .venv/bin/python bench/oai_compare.py build /tmp/oai2k --n 2000
    .venv/bin/python bench/oai_compare.py dump /tmp/oai2k /tmp/oai-after.xml --canonical-rdf
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from generate import generate

OAI = "{http://www.openarchives.org/OAI/2.0/}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
BATCH = 500


def build(folder: Path, n: int, seed: int) -> None:
    """An archive of ``n`` statements with edits, deletes and a restore in its log, and some
    titles in several languages."""
    from web.app import create_app

    app = create_app({"TESTING": True, "DATA_DIR": folder})
    archive = app.extensions["archive"]
    records = list(generate(n, seed))
    for record in records[3::41]:  # titles in several languages (their order is the store's)
        record["title"] = {"en": record["title"], "fr": "Titre " + record["title"],
                           "de": "Titel " + record["title"], "pt-BR": "Título"}
    for start in range(0, n, BATCH):
        archive.save(records[start:start + BATCH], agent="bench")
    for record in records[::37]:
        archive.save([dict(record, summary="Revised.")], agent="editor", replace=True)
    for record in records[5::53]:
        archive.delete(record["id"], agent="editor")
    archive.restore(records[5]["id"], 1, agent="editor")
    archive.close()


def dump(folder: Path, output: Path, canonical_rdf: bool, page_size: int,
         max_pages: int | None = None) -> int:
    """Every response of a full harvest, in request order; returns the number of requests."""
    from web.app import create_app

    app = create_app({"TESTING": True, "DATA_DIR": folder, "OAI_PAGE_SIZE": page_size})
    client = app.test_client()
    archive = app.extensions["archive"]
    bodies: list[bytes] = []

    def ask(query: str) -> bytes:
        body = client.get("/oai?" + query).data
        body = re.sub(rb"<responseDate>[^<]*</responseDate>", b"<responseDate/>", body)
        if canonical_rdf:
            body = canonical(body)
        bodies.append(f"=== {query}\n".encode() + body)
        return body

    def walk(query: str) -> None:
        body, pages = ask(query), 1
        while (token := re.search(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>", body)) \
                and (max_pages is None or pages < max_pages):
            body = ask(f"verb={query.split('&')[0][5:]}&resumptionToken={token[1].decode()}")
            pages += 1

    ask("verb=Identify")
    ask("verb=ListMetadataFormats")
    ask("verb=ListSets")
    for prefix in ("oai_dc", "rdf"):
        walk(f"verb=ListRecords&metadataPrefix={prefix}")
    walk("verb=ListIdentifiers&metadataPrefix=oai_dc")
    walk("verb=ListRecords&metadataPrefix=oai_dc&set=type")
    walk("verb=ListIdentifiers&metadataPrefix=oai_dc&set=issuer:human-rights-watch")
    walk("verb=ListRecords&metadataPrefix=oai_dc&from=2000-01-01&until=2100-01-01")
    changes = archive.changes(0)
    for change in (changes[0], changes[-1], *[c for c in changes if c.deleted][:3]):
        uri = archive.uris.statement(change.record_id)
        for prefix in ("oai_dc", "rdf"):
            ask(f"verb=GetRecord&metadataPrefix={prefix}&identifier={uri}")
        ask(f"verb=ListMetadataFormats&identifier={uri}")
    output.write_bytes(b"\n".join(bodies))
    archive.close()
    return len(bodies)


def canonical(body: bytes) -> bytes:
    """The response with each record's rdf:Description elements sorted (each kept byte for
    byte): the order rdflib wrote them in followed the process's string hashing."""
    root = etree.fromstring(body)
    for block in root.iter(f"{RDF}RDF"):
        descriptions = sorted(block, key=lambda element: etree.tostring(element).strip())
        for position, element in enumerate(descriptions):
            block.remove(element)
            element.tail = "\n" if position == len(descriptions) - 1 else "\n  "
        block.extend(descriptions)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("build")
    make.add_argument("folder", type=Path)
    make.add_argument("--n", type=int, default=2000)
    make.add_argument("--seed", type=int, default=7)
    out = commands.add_parser("dump")
    out.add_argument("folder", type=Path)
    out.add_argument("output", type=Path)
    out.add_argument("--canonical-rdf", action="store_true")
    out.add_argument("--page-size", type=int, default=100)
    out.add_argument("--max-pages", type=int, help="pages per list at most (large archives)")
    args: Any = parser.parse_args(argv)
    if args.command == "build":
        build(args.folder, args.n, args.seed)
    else:
        count = dump(args.folder, args.output, args.canonical_rdf, args.page_size,
                     args.max_pages)
        print(f"{count} responses → {args.output}")


if __name__ == "__main__":
    main()
