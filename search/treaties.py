"""Treaty synonyms: find the treaties a text names, by acronym or by any of their labels.

Every label of every concept of the treaty thesaurus (notation, preferred and alternative
labels, all languages) becomes a sequence of folded words; a text is scanned once,
leftmost-longest, so "Optional Protocol to the Convention against Torture" is OPCAT, not
CAT. Acronyms ("CAT", "CRC", "ICCPR-OP1") match only when written in capitals in a text;
in a query, acronyms of five letters or more match in any case ("cedaw"), shorter ones
only in capitals (so the word "cat" stays a word).

Chinese is written without spaces: each Han character is a word here, so a title matches
inside any run of text. Arabic words are compared without their conjunction and article
(:func:`search.languages.strip_arabic_prefix`), and a label's first word also after a
one-letter preposition ("لاتفاقية", "وبالعهد"); diacritics are ignored. Russian words are
compared by their stem, so a title is found in any case ("ратифицировать Конвенцию о
ликвидации …").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import compress, filterfalse
from operator import not_

from archive.languages import ARABIC, CYRILLIC, HAN
from search.analysis import fold
from search.languages import ARABIC_LETTER, HAN_CHAR, strip_arabic_prefix
from vocab.thesaurus import Thesaurus

_TOKEN = re.compile(r"\w+(?:['’]\w+)*")
_TOKEN_HAN = re.compile(rf"[{HAN}]|[^\W{HAN}]+(?:['’][^\W{HAN}]+)*")
_SKIP = frozenset({"the"})  # as vocab.thesaurus.normalize_label drops it
_DIACRITICS = re.compile("[\u064b-\u065f\u0670]")
#: One-letter prefixes an Arabic title's first word may carry (and, so, with, for, like).
_ARABIC_PARTICLES = "وفبلك"
_CYRILLIC = re.compile(f"[{CYRILLIC}]")
#: Any letter of the scripts the finder treats apart (Cyrillic, Arabic, Han): one scan tells
#: whether a text needs the checks for each (most texts do not).
_OTHER_SCRIPTS = re.compile(f"[{CYRILLIC}{ARABIC}{HAN}]")


def _other_scripts(text: str) -> bool:
    return not text.isascii() and _OTHER_SCRIPTS.search(text) is not None


def _arabic_key(word: str) -> str:
    return strip_arabic_prefix(word) if ARABIC_LETTER.match(word) else word


@functools.lru_cache(maxsize=100_000)
def _russian_key(word: str) -> str:
    """A Cyrillic word by its Russian stem: "Конвенцию" and "Конвенция" are one word."""
    return _russian_stem()(word) if _CYRILLIC.match(word) else word


@functools.cache
def _russian_stem() -> Callable[[str], str]:
    from whoosh.lang import stemmer_for_language
    return stemmer_for_language("ru")


def _keys(words: list[str], text: str) -> list[str]:
    """``words`` as the finder compares them, for a text with Arabic or Cyrillic letters."""
    if ARABIC_LETTER.search(text):
        words = [_arabic_key(w) for w in words]
    if _CYRILLIC.search(text):
        words = [_russian_key(w) for w in words]
    return words


@dataclass(frozen=True)
class Label:
    words: tuple[str, ...]
    originals: tuple[str, ...]
    notation: str
    acronym: bool


@dataclass(frozen=True)
class Mention:
    notation: str
    start: int
    end: int


def words_of(text: str) -> list[tuple[str, str, int, int]]:
    """(folded word, original word, start, end) for every word of ``text``, "the" left out.

    The text is folded once (one character for one, so offsets hold); the original form,
    needed only to check an acronym's capitals, is sliced lazily by :func:`original`.
    """
    folded = fold(text, same_length=True)
    if len(folded) != len(text):
        folded = text  # a rare length-changing lower-casing: fall back to the raw text
    other = _other_scripts(folded)
    arabic = other and ARABIC_LETTER.search(folded) is not None
    cyrillic = other and _CYRILLIC.search(folded) is not None
    found = []
    for match in (_TOKEN_HAN if other and HAN_CHAR.search(folded) else _TOKEN).finditer(folded):
        word = match.group()
        if "'" in word or "’" in word:
            word = word.replace("'", "").replace("’", "")
        if arabic:
            word = _arabic_key(word)
        if cyrillic:
            word = _russian_key(word)
        if word not in _SKIP:
            found.append((word, text, match.start(), match.end()))
    return found


_INNER_APOSTROPHE = re.compile(r"['’](?<=\w['’])(?=\w)")
_WORD = re.compile(r"\w+")
_WORD_HAN = re.compile(rf"[{HAN}]|[^\W{HAN}]+")


def _tokens(text: str, han: bool = False) -> list[str]:
    """The words of :func:`words_of` as strings, "the" included ("l'homme" → "lhomme")."""
    return (_WORD_HAN if han else _WORD).findall(_INNER_APOSTROPHE.sub("", text))


def _original_words(text: str, tokens: list[str], han: bool) -> list[str] | None:
    """The words of ``text`` as written, paired with its folded ``tokens`` ("the" left out);
    None if they cannot be paired. Folding one character for one never changes whether
    a character is part of a word (tests/search/test_import_speed_paths.py checks every code
    point), so the words of the text and of its folded form line up one for one."""
    written = _tokens(text, han)
    if len(written) != len(tokens):
        return None
    return list(compress(written, map(not_, map(_SKIP.__contains__, tokens))))


def original(word: tuple[str, str, int, int]) -> str:
    """The word as written (apostrophes removed)."""
    return word[1][word[2]:word[3]].replace("'", "").replace("’", "")


def _is_acronym(label: str) -> bool:
    letters = [c for c in label if c.isalpha()]
    return " " not in label.strip() and sum(c.isupper() for c in letters) >= 2


class TreatyFinder:
    """Leftmost-longest matching of every treaty label over a text's words."""

    def __init__(self, thesaurus: Thesaurus) -> None:
        self.by_first: dict[str, list[Label]] = {}
        seen: set[tuple[str, ...]] = set()
        for concept in thesaurus:
            for text in concept.all_labels():
                pairs = words_of(text)
                words = tuple(w for w, _, _, _ in pairs)
                if not words or words in seen:
                    continue
                seen.add(words)
                label = Label(words, tuple(original(p) for p in pairs), concept.notation,
                              _is_acronym(text))
                self.by_first.setdefault(words[0], []).append(label)
        for labels in self.by_first.values():
            labels.sort(key=lambda lab: -len(lab.words))
        self.notations = {lab.notation for labels in self.by_first.values() for lab in labels}

    def first_word(self, word: str) -> str | None:
        """The form of ``word`` that begins a label: itself, or an Arabic word without one
        or two one-letter prefixes ("لاتفاقيه" → "اتفاقيه"); None if no label starts so."""
        if word in self.by_first:
            return word
        for _ in range(2):
            if len(word) < 4 or word[0] not in _ARABIC_PARTICLES:
                return None
            word = _arabic_key(word[1:])
            if word in self.by_first:
                return word
        return None

    def _match(self, label: Label, words: list[tuple[str, str, int, int]], i: int,
               in_query: bool) -> bool:
        size = len(label.words)
        if i + size > len(words):
            return False
        if any(words[i + k][0] != label.words[k] for k in range(1, size)):
            return False
        if not label.acronym:
            return True
        written = tuple(original(words[i + k]) for k in range(size))
        if written == label.originals:
            return True
        return in_query and sum(len(w) for w in label.words) >= 5

    def scan(self, words: list[tuple[str, str, int, int]], in_query: bool = False
             ) -> Iterable[tuple[int, int, str]]:
        """(first word, word after the last, notation) of each mention, left to right."""
        i = 0
        while i < len(words):
            first = self.first_word(words[i][0])
            for label in self.by_first.get(first, ()) if first else ():
                if self._match(label, words, i, in_query):
                    yield i, i + len(label.words), label.notation
                    i += len(label.words)
                    break
            else:
                i += 1

    def mentions(self, text: str) -> list[Mention]:
        """Every treaty named in ``text`` with its character span."""
        words = words_of(text)
        return [Mention(notation, words[a][2], words[b - 1][3])
                for a, b, notation in self.scan(words)]

    def notations_in(self, text: str) -> list[str]:
        """The treaties named in ``text``, each once, in order of first mention.

        The same as :meth:`mentions` gives, from the words as plain strings (found in C)
        instead of one match object and tuple per word, visiting only the words that begin
        a label; the words as written are read only when an acronym is a candidate.
        """
        other = _other_scripts(text)
        if other and _DIACRITICS.search(text):
            text = _DIACRITICS.sub("", text)
        folded = fold(text, same_length=True)
        if len(folded) != len(text):
            folded = text
        han = other and HAN_CHAR.search(folded) is not None
        tokens = _tokens(folded, han)
        words = list(filterfalse(_SKIP.__contains__, tokens))
        firsts: list[str | None] = words
        if other and (ARABIC_LETTER.search(folded) or _CYRILLIC.search(folded)):
            words = _keys(words, folded)
            firsts = [self.first_word(w) for w in words]
        originals: list[str] | None = None
        found: dict[str, None] = {}
        free = 0  # the first word not inside a mention found
        for i in compress(range(len(words)), map(self.by_first.__contains__, firsts)):
            if i < free:
                continue
            for label in self.by_first[firsts[i]]:
                size = len(label.words)
                if tuple(words[i + 1:i + size]) != label.words[1:] or i + size > len(words):
                    continue
                if label.acronym:
                    if originals is None:
                        originals = _original_words(text, tokens, han)
                        if originals is None:
                            return list(dict.fromkeys(m.notation for m in self.mentions(text)))
                    if tuple(originals[i:i + size]) != label.originals:
                        continue
                found[label.notation] = None
                free = i + size
                break
        return list(found)

    def resolve_query(self, text: str) -> str | None:
        """The treaty a whole query phrase names ("cedaw", "Convention against Torture")."""
        words = words_of(text)
        matches = list(self.scan(words, in_query=True))
        if len(matches) == 1 and matches[0][:2] == (0, len(words)):
            return matches[0][2]
        return None
