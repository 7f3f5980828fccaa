"""Analysis for Arabic, Chinese and Russian: stemmers, stop words, word segmentation.

Folding (:func:`search.analysis.fold`) has already unified the letters by then: Arabic
alef and hamza forms, taa marbuta and alef maqsura, diacritics and tatweel removed; Russian
"ё" as "е". Arabic words then lose the conjunction and article (و، ف، ال، بال، لل …) and
go through the Snowball Arabic light stemmer; Russian goes through Snowball Russian
(Whoosh's own). Chinese has no spaces between words: a run of Han characters is indexed as
its overlapping pairs of characters ("人权理事会" → 人权 权理 理事 事会) and a query's run as a
phrase of its pairs, which finds every word inside a compound (docs/benchmarks.md has the
figures against jieba's dictionary segmentation).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from whoosh.analysis import Token, Tokenizer

from archive.languages import HAN

HAN_CHAR = re.compile(f"[{HAN}]")
_HAN_OR_WORD = re.compile(rf"[{HAN}]+|[^\W{HAN}]+")
ARABIC_LETTER = re.compile("[\u0620-\u064a]")
#: Conjunction and article prefixes, longest first (after folding: no hamza forms).
ARABIC_PREFIXES = ("وال", "فال", "بال", "كال", "لل", "ال")

#: Frequent Arabic function words, as folded (alef maqsura read as yaa, taa marbuta as haa).
ARABIC_STOPS = frozenset(" ".join("""
في من الي علي عن مع ان او ام ما لا لم لن قد ثم بل اذا اذ كل بعض غير بين حتي عند منذ
هذا هذه ذلك تلك هؤلاء اولئك هنا هناك الذي التي الذين اللذان اللتان اللواتي اللاتي
هو هي هم هن انا نحن انت انتم كان كانت يكون تكون ليس كما لكن او و ف ب ل ك يا
ايضا اي عليه عليها فيه فيها منه منها له لها لهم به بها اليه كذلك وقد وفي ومن وعلي
""".splitlines()).split())

def _russian_stops() -> frozenset[str]:
    from whoosh.lang import stopwords_for_language
    return frozenset(w.replace("ё", "е") for w in stopwords_for_language("ru"))


#: Frequent Russian function words (Whoosh's list with "ё" folded).
RUSSIAN_STOPS = _russian_stops()


@cache
def _arabic_stemmer() -> Any:  # snowballstemmer has no type hints
    import snowballstemmer
    return snowballstemmer.stemmer("arabic")


def strip_arabic_prefix(word: str) -> str:
    """``word`` without a leading conjunction (و، ف) and article (ال، بال، لل …), when at
    least two letters remain: "والاتفاقيه" → "اتفاقيه"."""
    if len(word) > 3 and word[0] in "وف" and word[1:].startswith(ARABIC_PREFIXES):
        word = word[1:]
    for prefix in ARABIC_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            return word[len(prefix):]
    return word


def arabic_stem(word: str) -> str:
    """The light stem of a folded Arabic word (prefixes off, then Snowball Arabic)."""
    if not ARABIC_LETTER.search(word):
        return word
    return _arabic_stemmer().stemWord(strip_arabic_prefix(word))


def han_pairs(run: str) -> list[str]:
    """The overlapping pairs of characters of a run of Han characters (a lone one alone)."""
    if len(run) < 2:
        return [run]
    return [run[i:i + 2] for i in range(len(run) - 1)]


def chinese_words(folded: str) -> list[str]:
    """The index terms of a folded text: pairs of Han characters, other words whole."""
    terms: list[str] = []
    for match in _HAN_OR_WORD.finditer(folded):
        part = match.group()
        if HAN_CHAR.match(part):
            terms += han_pairs(part)
        else:
            terms.append(part)
    return terms


def jieba_words(folded: str, query: bool = False) -> list[str]:
    """The terms jieba's dictionary segmentation gives (for the comparison in
    bench/language_recall.py only: the index uses :func:`chinese_words`)."""
    import jieba  # the bench extra: not a dependency of the archive
    terms: list[str] = []
    for match in _HAN_OR_WORD.finditer(folded):
        part = match.group()
        if HAN_CHAR.match(part):
            cut = jieba.lcut(part) if query else jieba.lcut_for_search(part)
            terms += [w for w in cut if w.strip()]
        else:
            terms.append(part)
    return terms


class ChineseTokenizer(Tokenizer):
    """Folded text as Chinese terms (see :func:`chinese_words`), one position each."""

    def __init__(self, segmentation: str = "pairs") -> None:
        self.segmentation = segmentation

    def terms(self, value: str, query: bool = False) -> list[str]:
        from search.analysis import fold
        folded = fold(value)
        if self.segmentation == "jieba":
            return jieba_words(folded, query)
        return chinese_words(folded)

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "", **kwargs
                 ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        terms = self.terms(value, query=mode == "query") if tokenize else [value]
        for pos, text in enumerate(terms):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + pos
            if chars:  # pairs overlap: each term is given the whole value's span
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
