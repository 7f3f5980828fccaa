"""Known-item search over real General Debate speeches: five distinctive words of a speech
find it in the top three."""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from pathlib import Path

import pytest

from archive import Archive
from archive.corpus import read_ungdc
from search import SearchIndex

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "ungdc-1990-2024.jsonl.gz"
SAMPLE, STEP, QUERIES, TOP = 200, 37, 100, 3
WORD = re.compile(r"[a-z]{4,}")


def speeches(count: int = SAMPLE, step: int = STEP) -> list[dict]:
    """Every ``step``-th speech of the corpus, mapped to a record, ``count`` of them."""
    return list(read_ungdc(CORPUS, limit=count, every=step))


def distinctive_words(records: list[dict], rng: random.Random) -> dict[str, list[str]]:
    """Five of the 25 words with the highest tf-idf of each speech, picked at random."""
    counts = {r["id"]: Counter(WORD.findall(r["text"].lower())) for r in records}
    df = Counter(word for c in counts.values() for word in c)
    picked = {}
    for record_id, tf in counts.items():
        ranked = sorted(tf, key=lambda w: -tf[w] * math.log(len(records) / df[w]))[:25]
        picked[record_id] = rng.sample(ranked, 5)
    return picked


@pytest.fixture(scope="module")
def corpus_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[SearchIndex, list[dict]]:
    if not CORPUS.exists():
        pytest.skip(f"the corpus is not at {CORPUS}")
    records = speeches()
    archive = Archive(None)
    archive.save(records, agent="test")
    index = SearchIndex(tmp_path_factory.mktemp("ungdc") / "index", archive)
    yield index, records
    index.close()


def test_known_item_recall(corpus_index: tuple[SearchIndex, list[dict]]) -> None:
    index, records = corpus_index
    rng = random.Random(20240922)
    words = distinctive_words(records, rng)
    sample = rng.sample(records, QUERIES)
    hits = 0
    misses = []
    for record in sample:
        q = " ".join(words[record["id"]])
        top = [hit.id for hit in index.search(q, page_size=TOP).results]
        if record["id"] in top:
            hits += 1
        else:
            misses.append((record["id"], q, top))
    recall = hits / len(sample)
    print(f"known-item recall@{TOP}: {recall:.1%} over {len(sample)} speeches")
    assert recall >= 0.95, misses


def test_corpus_facets_and_check(corpus_index: tuple[SearchIndex, list[dict]]) -> None:
    index, records = corpus_index
    results = index.search("", page_size=1)
    assert results.total == len(records)
    assert sum(f["count"] for f in results.facets["year"]) == len(records)
    assert index.check() == []
