"""Highlighted snippets: the passage of a text with the most query words, HTML-escaped.

Only the words that could match are analyzed: a regular expression over the original
text finds candidates (accent-tolerant prefixes of the query's stems), and each candidate
is run through the field's analyzer to confirm it. A phrase is marked only where its words
stand in its order with nothing between them but spaces, punctuation or stop words (one
mark for the whole phrase, never its words elsewhere). Treaty names the query expanded to
are marked where the text names them. Everything but the ``<mark>`` tags is escaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from itertools import pairwise

from whoosh.analysis import CompositeAnalyzer

from search.analysis import fold
from search.languages import ARABIC_LETTER, HAN_CHAR
from search.treaties import TreatyFinder

SNIPPET_CHARS = 240
SCAN_CHARS = 100_000
MAX_HITS = 60
#: A phrase's words are frequent ("human", "rights"): look further for them in order.
MAX_PHRASE_WORD_HITS = 5000
#: Characters between two words of a phrase at most (a stop word or two, punctuation).
PHRASE_GAP = 24
TREATY_SCAN_CHARS = 20_000


def folded_text(text: str) -> str:
    """``text`` lower-cased and without accents, one character for one (offsets hold)."""
    folded = fold(text, same_length=True)
    return folded if len(folded) == len(text) else text.lower()


def candidate_pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    """Folded words that may analyze to one of ``terms`` (stems lose a letter or two; an
    Arabic word may carry a conjunction, preposition and article in front). Terms of Han
    characters (overlapping pairs) are found where they stand, overlaps included."""
    terms = [t for t in terms if t]
    han = sorted({t for t in terms if HAN_CHAR.match(t)}, key=len, reverse=True)
    prefixes = sorted({t if len(t) <= 3 else t[:max(3, len(t) - 2)] for t in terms
                       if t not in han}, key=len, reverse=True)
    arabic = [p for p in prefixes if ARABIC_LETTER.match(p)]
    parts = []
    if prefixes:
        parts.append(r"\b(?:" + "|".join(map(re.escape, prefixes)) + r")\w*")
    if arabic:
        parts.append(r"\b[وفبلك]{0,2}(?:ال)?(?:" + "|".join(map(re.escape, arabic)) + r")\w*")
    if han:
        parts.append(r"(?=(?P<han>" + "|".join(map(re.escape, han)) + r"))")
    return re.compile("|".join(parts)) if parts else None


def find_hits(text: str, terms: set[str], pattern: re.Pattern[str] | None,
              analyzer: CompositeAnalyzer, max_hits: int = MAX_HITS
              ) -> list[tuple[int, int, str]]:
    """(start, end, term) of the words of ``text`` that analyze to one of ``terms``."""
    hits: list[tuple[int, int, str]] = []
    if pattern is None:
        return hits
    known: dict[str, str | None] = {}
    folded = folded_text(text[:SCAN_CHARS])
    han = "han" in pattern.groupindex
    for match in pattern.finditer(folded):
        word = (han and match.group("han")) or match.group()
        if not word:
            continue
        if word not in known:
            known[word] = next((t.text for t in analyzer(word, mode="query")
                                if t.text in terms), None)
        if known[word] is not None:
            hits.append((match.start(), match.start() + len(word), known[word]))
            if len(hits) >= max_hits:
                break
    return hits


def phrase_hits(text: str, phrases: set[tuple[str, ...]], analyzer: CompositeAnalyzer
                ) -> list[tuple[int, int, str]]:
    """(start, end, phrase) of each place where one of ``phrases`` (analyzed words, in
    order) stands in ``text``: its words adjacent, up to stop words and punctuation."""
    found: list[tuple[int, int, str]] = []
    for phrase in phrases:
        words = set(phrase)
        hits = find_hits(text, words, candidate_pattern(words), analyzer,
                         max_hits=MAX_PHRASE_WORD_HITS)
        size, i = len(phrase), 0
        while i + size <= len(hits):
            run = hits[i:i + size]
            if tuple(h[2] for h in run) == phrase and all(
                    _adjacent(text[a[1]:b[0]], analyzer) for a, b in pairwise(run)):
                found.append((run[0][0], run[-1][1], " ".join(phrase)))
                if len(found) >= MAX_HITS:
                    return found
                i += size
            else:
                i += 1
    return found


def _adjacent(gap: str, analyzer: CompositeAnalyzer) -> bool:
    """Whether two words with ``gap`` between them are neighbours in the index."""
    return len(gap) <= PHRASE_GAP and not any(True for _ in analyzer(gap, mode="query"))


def treaty_hits(text: str, notations: set[str], finder: TreatyFinder
                ) -> list[tuple[int, int, str]]:
    if not notations:
        return []
    # The word-by-word treaty scan is the slow part of a snippet: look at the start only.
    return [(m.start, m.end, m.notation) for m in finder.mentions(text[:TREATY_SCAN_CHARS])
            if m.notation in notations]


def _best_window(hits: list[tuple[int, int, str]], size: int) -> int:
    best, best_score = 0, (-1, -1)
    for i, (start, _, _) in enumerate(hits):
        inside = [h for h in hits[i:] if h[1] <= start + size]
        score = (len({h[2] for h in inside}), len(inside))
        if score > best_score:
            best, best_score = i, score
    return hits[best][0] if hits else 0


def snippet(text: str, hits: list[tuple[int, int, str]], size: int = SNIPPET_CHARS) -> str:
    """An escaped passage of about ``size`` characters with every hit in ``<mark>``."""
    if not text:
        return ""
    hits = sorted(set(hits))
    first = _best_window(hits, size)
    merged: list[tuple[int, int, str]] = []
    for hit in hits:
        if merged and hit[0] < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], hit[1]), last[2])
        else:
            merged.append(hit)
    start = max(0, first - size // 5)
    if start:
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 and start - space < 30 else start
    end = min(len(text), start + size)
    if end < len(text):
        space = text.find(" ", end)
        end = space if 0 <= space < end + 30 else end
    out, position = [], start
    for hit_start, hit_end, _ in merged:
        if hit_start < start or hit_end > end:
            continue
        out.append(html.escape(text[position:hit_start], quote=False))
        out.append(f"<mark>{html.escape(text[hit_start:hit_end], quote=False)}</mark>")
        position = hit_end
    out.append(html.escape(text[position:end], quote=False))
    body = " ".join("".join(out).split())
    return ("…" if start else "") + body + ("…" if end < len(text) else "")
