"""What a Whoosh index holds, for tests that compare two ways of writing one."""

from __future__ import annotations

from typing import Any


def index_contents(ix: Any, by_id: bool = False) -> list[tuple]:
    """Everything the index says about its terms and documents (documents by number, or by
    id when numbers may differ)."""
    found: list[tuple] = []
    with ix.reader() as reader:
        ids = {d: reader.stored_fields(d)["id"] for d in reader.all_doc_ids()}
        name_of = (lambda d: ids[d]) if by_id else (lambda d: d)
        for field in sorted(reader.indexed_field_names()):
            for term in reader.lexicon(field):
                info = reader.term_info(field, term)
                matcher = reader.postings(field, term)
                items = []
                while matcher.is_active():
                    items.append((name_of(matcher.id()), matcher.weight(), matcher.value()))
                    matcher.next()
                found.append((field, term, info.weight(), info.doc_frequency(),
                              info.min_length(), info.max_length(), info.max_weight(),
                              tuple(sorted(items))))
            # A document without the field has length None (0 in a segment without it)
            found.append((field, tuple(sorted((name_of(d), reader.doc_field_length(d, field)
                                               or 0) for d in ids))))
        found.append(tuple(sorted((name_of(d), sorted(reader.stored_fields(d).items()))
                                  for d in ids)))
    return found
