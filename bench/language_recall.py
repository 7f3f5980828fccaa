"""Recall@10 per language on the golden set of the six UN languages.

    .venv/bin/python bench/language_recall.py [--chinese pairs|jieba]

Loads tests/data/golden_languages.json (statements in Arabic, Chinese, English, French,
Russian and Spanish, queries with the statements each must find) into a fresh archive and
index, runs every query and prints, per language, the recall at 10 (expected statements
found in the first ten results, over all expected), the queries that missed, and the size
of the index. ``--chinese jieba`` indexes Chinese with jieba's dictionary segmentation
instead of pairs of characters (``pip install jieba``), for the comparison in
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive import Archive  # noqa: E402
from search import SearchIndex, analysis  # noqa: E402

GOLDEN = ROOT / "tests" / "data" / "golden_languages.json"
TOP = 10


def load_golden(path: Path = GOLDEN) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def recall(index: SearchIndex, queries: list[dict]) -> tuple[dict[str, float], list[str]]:
    """Recall@10 per language, and each miss as "lang: query → missing ids"."""
    found: dict[str, int] = defaultdict(int)
    wanted: dict[str, int] = defaultdict(int)
    misses = []
    for query in queries:
        top = {hit.id for hit in index.search(query["q"], page_size=TOP).results}
        missing = [i for i in query["expected"] if i not in top]
        wanted[query["language"]] += len(query["expected"])
        found[query["language"]] += len(query["expected"]) - len(missing)
        if missing:
            misses.append(f"{query['language']}: {query['q']} → {', '.join(missing)}")
    return {lang: found[lang] / wanted[lang] for lang in wanted}, misses


def index_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chinese", choices=("pairs", "jieba"), default="pairs")
    args = parser.parse_args()
    analysis.CHINESE_SEGMENTATION = args.chinese
    golden = load_golden()
    with tempfile.TemporaryDirectory() as folder:
        archive = Archive(None)
        archive.save(golden["statements"], agent="bench")
        index = SearchIndex(Path(folder) / "index", archive)
        scores, misses = recall(index, golden["queries"])
        size = index_size(Path(folder) / "index")
        with index.ix.reader() as reader:
            terms = sum(1 for name in ("title_zh", "text_zh") for _ in reader.lexicon(name))
            postings = sum(reader.doc_frequency(name, term) for name in ("title_zh", "text_zh")
                           for term in reader.lexicon(name))
        index.close()
    print(f"Chinese segmentation: {args.chinese}; {len(golden['statements'])} statements, "
          f"{len(golden['queries'])} queries; index {size:,} bytes; Chinese title and text "
          f"fields: {terms} distinct terms, {postings} postings\n")
    print("| language | queries | recall@10 |\n|---|---|---|")
    counts = defaultdict(int)
    for query in golden["queries"]:
        counts[query["language"]] += 1
    for lang in sorted(scores):
        print(f"| {lang} | {counts[lang]} | {scores[lang]:.3f} |")
    for miss in misses:
        print("missed:", miss)


if __name__ == "__main__":
    main()
