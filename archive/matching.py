"""How close a name someone typed is to a name the archive holds: a score from 0 to 100.

Three tiers, so that a score means the same thing everywhere (docs/archivists.md):

- **100, exact**: equal once case, accents, punctuation and "the" are folded away — the
  archive's own comparison (``normalize_label``): an import naming it would resolve to it.
- **88–99, close**: the same words but for small typos (one edit in a word of 5–8
  letters, two from 9), word order, spacing ("Viet Nam"), "and"/"of" and common
  abbreviations ("St" for "Saint", "&" for "and"); 99 less 3 per edit. Numbers never
  differ ("45th" is not "50th"). 88 is the archive's near-duplicate threshold.
- **below 88, similar**: a fuzzy score (character and word similarity), at most 85, and
  halved when the numbers in the names differ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from archive.resources import NEAR_DUPLICATE
from vocab.thesaurus import normalize_label

EXACT = 100.0
CLOSE = 100 * NEAR_DUPLICATE  # 88: the lowest close score, the archive's near-duplicate cut
SIMILAR_AT_MOST = 85.0
EDIT_COST = 3.0
#: Abbreviations read as the words they stand for (after folding), both sides alike.
ABBREVIATIONS = {"st": "saint", "ste": "sainte", "mt": "mount", "ft": "fort",
                 "intl": "international", "int": "international", "univ": "university",
                 "govt": "government", "natl": "national", "assn": "association",
                 "dept": "department", "rep": "republic", "dem": "democratic", "fed": "federal"}
#: Words that may be left out or added without making another name (several languages).
STOP_WORDS = frozenset({"and", "of", "et", "de", "la", "le", "les", "des", "du", "del", "y",
                        "el", "los", "las", "da", "do", "dos", "und", "der", "die", "das"})
_DIGITS = re.compile(r"\d")


def fold(text: str) -> str:
    """The archive's folded form of a name (case, accents, punctuation, "the")."""
    return normalize_label(text.replace("&", " and "))


def content_words(folded: str) -> list[str]:
    """The words that make a name, abbreviations spelled out, small words left out."""
    words = [ABBREVIATIONS.get(word, word) for word in folded.split()]
    return [word for word in words if word not in STOP_WORDS] or words


@dataclass(frozen=True)
class Name:
    """A name prepared once for many comparisons."""

    text: str
    folded: str
    words: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> Name:
        folded = fold(text)
        return cls(text, folded, tuple(content_words(folded)))

    @property
    def numbers(self) -> list[str]:
        return sorted(word for word in self.folded.split() if _DIGITS.search(word))


@dataclass(frozen=True)
class Comparison:
    """How ``query`` compares with one name: the score and its tier."""

    score: float
    name: str
    exact: bool = False
    close: bool = False


def allowed_edits(word: str) -> int:
    """Typos forgiven in one word: none in short words or numbers, one, then two."""
    if _DIGITS.search(word) or len(word) <= 4:
        return 0
    return 1 if len(word) <= 8 else 2


def word_edits(query: tuple[str, ...], name: tuple[str, ...]) -> int | None:
    """The typos between two lists of words paired one to one (any order), or None when
    they are not the same words (a word more or less, or a word too far off)."""
    if len(query) != len(name):
        return None
    left = list(name)
    edits = 0
    for word in sorted(query, key=lambda w: (w not in left, -len(w))):
        if word in left:
            left.remove(word)
            continue
        best = min(left, key=lambda other: OSA.distance(word, other))
        distance = OSA.distance(word, best)
        if distance > min(allowed_edits(word), allowed_edits(best)):
            return None
        edits += distance
        left.remove(best)
    return edits


def word_similarity(query: tuple[str, ...], name: tuple[str, ...]) -> float:
    """Symmetric Monge-Elkan similarity (0–1): each word's best match on the other side,
    averaged both ways, so a missing word costs what it weighs in the name."""
    if not query or not name:
        return 0.0

    def one_way(a: tuple[str, ...], b: tuple[str, ...]) -> float:
        return sum(max(OSA.normalized_similarity(x, y) for y in b) for x in a) / len(a)

    return (one_way(query, name) + one_way(name, query)) / 2


def compare(query: Name, name: Name) -> Comparison:
    """Score ``name`` against what was typed (both prepared with :meth:`Name.of`)."""
    if query.folded == name.folded:
        return Comparison(EXACT, name.text, exact=True)
    same_numbers = query.numbers == name.numbers
    if same_numbers:
        edits = word_edits(query.words, name.words)
        if edits is None and "".join(query.words) == "".join(name.words):
            edits = 0  # "Viet Nam" and "Vietnam"
        if edits is not None and 99 - EDIT_COST * edits >= CLOSE:
            return Comparison(99 - EDIT_COST * edits, name.text, close=True)
    similar = max(fuzz.ratio(query.folded, name.folded) / 100,
                  word_similarity(query.words, name.words))
    score = min(SIMILAR_AT_MOST, 100 * similar) * (1 if same_numbers else 0.5)
    return Comparison(round(score, 1), name.text)


def best(query: Name, names: list[Name]) -> Comparison:
    """The best comparison of ``query`` with any of a thing's names (its name first)."""
    found = Comparison(0.0, names[0].text if names else "")
    for name in names:
        current = compare(query, name)
        if current.score > found.score:
            found = current
    return found
