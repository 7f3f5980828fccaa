"""Text analysis for the index: accent folding, stemming by language, exact facet values.

Folding and lower-casing happen in one ``str.translate`` pass before tokenizing (C speed),
so "Démocratie", "democratie" and "DEMOCRATIE" give the same terms at index and query
time; Arabic letter forms (alef with hamza or madda, taa marbuta, alef maqsura) and
Russian "ё" are unified the same way, Arabic diacritics and tatweel dropped. Stemming and
stop words follow the record's language for the six UN languages (Arabic, Chinese,
English, French, Russian and Spanish; :mod:`search.languages`); any other language is
folded but not stemmed.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import cache
from itertools import filterfalse

from whoosh.analysis import CompositeAnalyzer, Filter, StemFilter, StopFilter, Token, Tokenizer

from search import languages

#: Languages with their own analyzed fields; every other tag is analyzed as "xx".
LANGUAGES = ("en", "fr", "es", "ar", "zh", "ru", "xx")
#: How Chinese runs are cut: "pairs" (the index's) or "jieba" (bench/language_recall.py).
CHINESE_SEGMENTATION = "pairs"

WORD = re.compile(r"\w+")
UNIT_SEPARATOR = "\x1f"


def _fold_table() -> dict[int, str]:
    """Map every Latin letter with a diacritic to its base letters, lower-cased."""
    table: dict[int, str] = {}
    for code in range(0x00C0, 0x0250):
        char = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", char)
                       if not unicodedata.combining(c))
        if base and base != char and base.isascii():
            table[code] = base.lower()
    table.update({ord("ß"): "ss", ord("æ"): "ae", ord("Æ"): "ae", ord("œ"): "oe",
                  ord("Œ"): "oe", ord("ø"): "o", ord("Ø"): "o", ord("đ"): "d", ord("ł"): "l",
                  ord("Ł"): "l", ord("’"): "'", ord("ı"): "i"})
    # Arabic: one alef for its hamza and madda forms, haa for taa marbuta, yaa for alef
    # maqsura; no diacritics (fathatan … sukun, superscript alef) and no tatweel.
    table.update({code: "ا" for code in map(ord, "أإآٱ")})
    table.update({ord("ة"): "ه", ord("ى"): "ي", ord("ё"): "е", ord("Ё"): "е"})
    table.update({code: "" for code in (*range(0x064B, 0x0660), 0x0670, 0x0640)})
    return table


FOLD = _fold_table()
FOLD_1 = {code: base for code, base in FOLD.items() if len(base) == 1}
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _replace(table: dict[int, str]):
    return lambda match: table.get(ord(match.group()), match.group())


_FOLD_ALL, _FOLD_SAME = _replace(FOLD), _replace(FOLD_1)


def fold(text: str, same_length: bool = False) -> str:
    """Lower-case ``text`` and strip its accents (the form every term is indexed in).

    ``same_length`` keeps one character for one, so offsets into ``text`` still hold
    (unless lower-casing itself changed the length, which a few rare letters do).
    Only the non-ASCII characters are looked up: ``str.translate`` visits every one.
    """
    lowered = text.lower()
    if lowered.isascii():
        return lowered
    return _NON_ASCII.sub(_FOLD_SAME if same_length else _FOLD_ALL, lowered)


def language_key(tag: str | None) -> str:
    """The analysis language for a BCP 47 tag: "fr-CA" → "fr"; unknown → "xx"."""
    primary = (tag or "en").split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else "xx"


class FoldingTokenizer(Tokenizer):
    """Words of the folded text (lower-case, no accents), with positions."""

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        folded = fold(value)
        if not tokenize:
            token.original = token.text = folded
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        for pos, match in enumerate(WORD.finditer(folded)):
            token.text = match.group()
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = token.text
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token


@cache
def _words_of_at_least(size: int) -> re.Pattern[str]:
    """The words (``\\w+`` runs) of ``size`` characters or more."""
    return re.compile(rf"\w{{{max(size, 1)},}}")


class ValuesTokenizer(Tokenizer):
    """Each value of a list joined with U+001F is one token, kept exactly (facets)."""

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        parts = value.split(UNIT_SEPARATOR) if tokenize else [value]
        offset = start_char
        for pos, part in enumerate(parts):
            if part:
                token.text = token.original = part
                token.boost = 1.0
                token.stopped = False
                if positions:
                    token.pos = start_pos + pos
                if chars:
                    token.startchar, token.endchar = offset, offset + len(part)
                yield token
            offset += len(part) + 1


def join_values(values: list[str]) -> str:
    """Values for a :class:`ValuesTokenizer` field."""
    return UNIT_SEPARATOR.join(v for v in values if v)


class SpanishSuffixFilter(Filter):
    """Put back the accent of "-ción", "-sión", "-logía" on folded words, which the
    Spanish stemmer only removes when accented ("investigacion" → "investig", like
    "investigaciones")."""

    ENDINGS = (("cion", "ción"), ("sion", "sión"), ("logia", "logía"), ("logias", "logías"))

    @classmethod
    def accent(cls, text: str) -> str:
        for plain, accented in cls.ENDINGS:
            if text.endswith(plain):
                return text[:-len(plain)] + accented
        return text

    def __call__(self, tokens):
        for token in tokens:
            token.text = self.accent(token.text)
            yield token


class IndexingAnalyzer(CompositeAnalyzer):
    """A folding chain with a fused fast path for indexing (see :mod:`search.formats`).

    :meth:`term_positions` gives exactly the terms and positions the chain's generators
    would (folding, stop words with renumbered positions, Spanish endings, stemming) in
    one loop over ``WORD.findall``: indexing long texts spends most of its time in the
    per-token generator layers otherwise. Queries and snippets use the chain as built.
    """

    MEMO_SIZE = 200_000

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_memo"}

    def _parts(self) -> tuple[StopFilter, bool, StemFilter | None]:
        stop = next(item for item in self.items if isinstance(item, StopFilter))
        spanish = any(isinstance(item, SpanishSuffixFilter) for item in self.items)
        stem = next((item for item in self.items if isinstance(item, StemFilter)), None)
        return stop, spanish, stem

    def term_positions(self, value: str) -> dict[str, list[int]]:
        """Each indexed term of ``value`` with its positions, as the chain would give."""
        stop, spanish, stem = self._parts()
        if stop.max is not None or not stop.renumber or (stem is not None and stem.ignore):
            return self._term_positions_by_token(value)
        folded = fold(value)
        words = _words_of_at_least(stop.min)
        kept = list(filterfalse(stop.stops.__contains__, words.findall(folded)))
        if not kept:
            return {}
        # Stop words are renumbered from the position of the first word kept.
        start = next(m.start() for m in words.finditer(folded) if m.group() not in stop.stops)
        first = len(WORD.findall(folded, 0, start))
        if spanish:
            kept = [SpanishSuffixFilter.accent(text) for text in kept]
        if stem is not None:
            kept = self._stems(stem, kept)
        found: dict[str, list[int]] = {}
        for pos, text in enumerate(kept, first):
            found.setdefault(text, []).append(pos)
        return found

    def _stems(self, stem: StemFilter, words: list[str]) -> list[str]:
        """The stem of each word, looked up in (and added to) this analyzer's memo."""
        memo: dict[str, str] = self.__dict__.setdefault("_memo", {})
        stems = list(map(memo.get, words))
        if None in stems:
            for i, found in enumerate(stems):
                if found is None:
                    found = memo.get(words[i])
                    if found is None:
                        if len(memo) >= self.MEMO_SIZE:
                            memo.clear()
                        found = memo[words[i]] = stem._stem(words[i])
                    stems[i] = found
        return stems  # type: ignore[return-value]

    def _term_positions_by_token(self, value: str) -> dict[str, list[int]]:
        """:meth:`term_positions` one token at a time, for any stop filter settings."""
        stop, spanish, stem = self._parts()
        stops, low, high = stop.stops, stop.min, stop.max
        found: dict[str, list[int]] = {}
        pos = None
        for index, text in enumerate(WORD.findall(fold(value))):
            if len(text) < low or (high is not None and len(text) > high) or text in stops:
                continue
            pos = index if pos is None or not stop.renumber else pos + 1
            if spanish:
                text = SpanishSuffixFilter.accent(text)
            if stem is not None and text not in stem.ignore:
                text = self._stems(stem, [text])[0]
            found.setdefault(text, []).append(pos)
        return found

    def term_counts(self, value: str) -> dict[str, int]:
        """Each indexed term of ``value`` with its frequency (:meth:`term_positions`,
        counted; counted in C where the chain only folds and drops short words)."""
        stop, spanish, stem = self._parts()
        if stem is not None or spanish or stop.stops or stop.max is not None:
            return {term: len(positions) for term, positions in self.term_positions(value).items()}
        return Counter(_words_of_at_least(stop.min).findall(fold(value)))


class ChainAnalyzer(IndexingAnalyzer):
    """An analyzer without the fused path: its terms are what its chain gives."""

    def term_positions(self, value: str) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for token in self(value, positions=True, mode="index"):
            found.setdefault(token.text, []).append(token.pos)
        return found

    _term_positions_by_token = term_positions

    def term_counts(self, value: str) -> dict[str, int]:
        return {term: len(positions) for term, positions in self.term_positions(value).items()}


def text_analyzer(language: str) -> IndexingAnalyzer:
    """Folding, stop words and stemming for one of :data:`LANGUAGES`."""
    if language == "xx":
        return IndexingAnalyzer(FoldingTokenizer(), StopFilter(stoplist=frozenset(), minsize=1))
    if language == "zh":
        return ChainAnalyzer(languages.ChineseTokenizer(CHINESE_SEGMENTATION))
    if language == "ar":
        stops = frozenset(map(fold, languages.ARABIC_STOPS))
        return IndexingAnalyzer(FoldingTokenizer() | StopFilter(stoplist=stops, minsize=1)
                                | StemFilter(stemfn=languages.arabic_stem, cachesize=200_000))
    if language == "ru":
        return IndexingAnalyzer(FoldingTokenizer()
                                | StopFilter(stoplist=languages.RUSSIAN_STOPS, minsize=1)
                                | StemFilter(lang="ru", cachesize=200_000))
    lang = {"en": "en", "fr": "fr", "es": "es"}[language]
    chain = FoldingTokenizer() | StopFilter(lang=lang)
    if lang == "es":
        chain = chain | SpanishSuffixFilter()
    return IndexingAnalyzer(chain | StemFilter(lang=lang, cachesize=200_000))


def words_analyzer() -> IndexingAnalyzer:
    """Folded words, unstemmed: the vocabulary behind "did you mean"."""
    return IndexingAnalyzer(FoldingTokenizer(), StopFilter(stoplist=frozenset(), minsize=2))


def values_analyzer() -> Tokenizer:
    return ValuesTokenizer()
