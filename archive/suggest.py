"""Suggestions from a statement's text: treaties it names, dates, "see also" lines, topics.

Suggestions are for the archivist to accept or not; nothing here changes a record. Every
suggestion offered for use can be saved as it is: a "see also" line that names another
statement becomes that statement's id when the archive holds it (found by its title, with
the issuer's name allowed in front), and is reported as not in the archive otherwise.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, RDFS

from archive.dates import DateError, parse_date
from archive.record import ID_PATTERN, normalize_newlines, url_problem
from vocab import RA
from vocab.thesaurus import Thesaurus

if TYPE_CHECKING:
    from archive.core import Archive

_MONTHS = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
           r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
_DATE_PATTERNS = [
    re.compile(rf"\b{_MONTHS}\.? \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}\b"),
    re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)? {_MONTHS}\.?,? \d{{4}}\b"),
    re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    re.compile(rf"\b{_MONTHS} \d{{4}}\b"),
]
_RELEASE_WORDS = re.compile(r"(released|issued|published|dated|adopted|signed)\W+(?:on\W+)?$",
                            re.IGNORECASE)
_URL = re.compile(r"https?://[^\s<>\"')\]]+")
_SEE_ALSO = re.compile(r"^\s*see also\b[:\s-]*(.*)$", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Suggestion:
    """One proposal: the record key, the value to put there, and the words that show why."""

    key: str
    value: str
    evidence: str
    reason: str
    #: False for what the text names but the archive cannot link to (nothing to "use").
    usable: bool = True

    def as_dict(self) -> dict[str, str | bool]:
        return asdict(self)


#: A statement the archive holds: (id, title, issuer names joined).
Candidate = tuple[str, str, str]
#: Statements whose title may be the one a see-also line names (e.g. from the search index).
Candidates = Callable[[str], list[Candidate]]
#: How alike a see-also line and a title (or "issuer title") must be to name that statement.
SAME_TITLE = 0.75


def suggest(archive: Archive, text: str, candidates: Candidates | None = None
            ) -> list[Suggestion]:
    """Everything the text suggests, treaties first, in order of appearance within a key.

    ``candidates`` proposes statements for a see-also line that is neither an address nor
    an id; without it the store's titles are scanned (:func:`titles_like`).
    """
    text = normalize_newlines(text)
    lookup = candidates or (lambda line: titles_like(archive, line))
    see_also = [resolve_see_also(archive, s, lookup) for s in _see_also(text)]
    return [*_concepts(archive.thesauri["treaties"], "references", text, strict_case=True),
            *_dates(text), *see_also,
            *_concepts(archive.thesauri["topics"], "topics", text, strict_case=False)]


def resolve_see_also(archive: Archive, found: Suggestion, candidates: Candidates
                     ) -> Suggestion:
    """A see-also target as something saving accepts: an outside address, the id of a
    statement in the archive, or (not usable) the words, reported as not in the archive."""
    target = found.value
    if "://" in target and url_problem(target) is None:
        record_id = archive.uris.record_id(target)
        if record_id and archive.known(record_id):
            return Suggestion("see_also", record_id, found.evidence,
                              "the address of a statement in the archive")
        return found
    if ID_PATTERN.match(target) and archive.known(target):
        return Suggestion("see_also", target, found.evidence, "the id of a statement in the "
                                                               "archive")
    best = best_candidate(target, candidates(target))
    if best is not None:
        record_id, title, _ = best
        return Suggestion("see_also", record_id, found.evidence,
                          f"a 'see also' line naming “{title}”, a statement in the archive")
    return Suggestion("see_also", target, found.evidence,
                      "a 'see also' line naming a statement that is not in the archive: add "
                      "it first, or give its web address", usable=False)


def best_candidate(line: str, candidates: list[Candidate]) -> Candidate | None:
    """The candidate whose title (alone or after its issuer) reads most like ``line``."""
    words = _words(line)
    scored = []
    for candidate in candidates:
        _, title, issuer = candidate
        score = max(_likeness(words, _words(title)),
                    _likeness(words, _words(f"{issuer} {title}")))
        scored.append((score, candidate))
    score, best = max(scored, default=(0.0, None), key=lambda item: item[0])
    return best if score >= SAME_TITLE else None


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def _likeness(a: list[str], b: list[str]) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() if a and b else 0.0


def titles_like(archive: Archive, line: str, limit: int = 50) -> list[Candidate]:
    """Current statements whose title holds the two longest words of ``line``, with their
    issuers' names (a scan of the titles: for the command line and tests; the web form
    asks the search index instead)."""
    words = sorted(set(_words(line)), key=len, reverse=True)[:2]
    if not words:
        return []
    contains = " && ".join(f"CONTAINS(LCASE(STR(?t)), {ox.Literal(w)})" for w in words)
    rows = archive.store.select(
        f"SELECT ?id ?t (GROUP_CONCAT(?n; separator=' ') AS ?issuers) WHERE {{ "
        f"GRAPH ?g {{ ?g a <{RA.Statement}> ; <{DCTERMS.identifier}> ?id ; "
        f"<{DCTERMS.title}> ?t . OPTIONAL {{ ?g <{RA.issuer}> ?i }} }} "
        f"OPTIONAL {{ GRAPH ?i {{ ?i <{RDFS.label}> ?n }} }} FILTER({contains}) }} "
        f"GROUP BY ?id ?t LIMIT {limit}")
    return [(str(row["id"]), str(row["t"]), str(row.get("issuers") or "")) for row in rows]
def file_candidates(records: list[dict[str, Any]]) -> list[Candidate]:
    """The statements of a file being checked, as see-also candidates: a file may link
    statements to each other before any of them is in the archive."""
    found = []
    for record in records:
        record_id, title = record.get("id"), record.get("title")
        if isinstance(record_id, str) and isinstance(title, str):
            issuers = record.get("issuer")
            names = [i.get("name") if isinstance(i, dict) else i
                     for i in (issuers if isinstance(issuers, list) else [issuers])]
            found.append((record_id, title, " ".join(n for n in names if isinstance(n, str))))
    return found


def in_this_file(found: Suggestion, in_file: list[Candidate], archive: Archive) -> Suggestion:
    """``found``, its reason saying so when the statement it names is one of the file's."""
    if found.key != "see_also" or archive.known(found.value):
        return found
    titles = {record_id: title for record_id, title, _ in in_file}
    if found.value not in titles:
        return found
    return replace(found, reason=f"a 'see also' line naming “{titles[found.value]}”, a "
                                 "statement in this file")


_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_ARABIC = re.compile("[\u0620-\u064a]")


def _label_pattern(label: str) -> str:
    """A label as a whole word: Chinese has no spaces around words, so a Chinese label is
    found inside a run of text; an Arabic one also after a one-letter prefix (لـ، بـ، و …)."""
    before = "" if _HAN.match(label) else r"(?<![\w-])"
    if _ARABIC.match(label):
        before += "(?:[وفبلك]{1,2})?"
    after = "" if _HAN.match(label[-1]) else r"(?![\w-])"
    return before + re.escape(label) + after


def _concepts(thesaurus: Thesaurus, key: str, text: str, strict_case: bool) -> list[Suggestion]:
    found: dict[str, tuple[int, Suggestion]] = {}
    for concept in thesaurus:
        for label in concept.all_labels():
            if len(label) < 3:
                continue
            is_acronym = label.isupper() or any(c.isdigit() for c in label)
            flags = 0 if (is_acronym and strict_case) else re.IGNORECASE
            match = re.search(_label_pattern(label), text, flags)
            if match and (concept.notation not in found or match.start() <
                          found[concept.notation][0]):
                value = concept.notation if key == "references" else concept.label()
                found[concept.notation] = (match.start(), Suggestion(
                    key, value, _around(text, match.start(), match.end()),
                    f"the text names {label}"))
    # a protocol's name contains its parent's: keep the parent only if named on its own
    return [s for _, s in sorted(found.values(), key=lambda item: item[0])]


def _dates(text: str) -> list[Suggestion]:
    seen: dict[str, tuple[int, bool, Suggestion]] = {}
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            try:
                date = parse_date(match.group(0))
            except DateError:
                continue
            release = bool(_RELEASE_WORDS.search(text[max(0, match.start() - 30):match.start()]))
            reason = "a release date in the text" if release else "a date in the text"
            if date.iso not in seen:
                seen[date.iso] = (match.start(), release, Suggestion(
                    "date", match.group(0), _around(text, match.start(), match.end()), reason))
    ranked = sorted(seen.values(), key=lambda item: (not item[1], item[0]))
    return [suggestion for _, _, suggestion in ranked]


def _see_also(text: str) -> list[Suggestion]:
    suggestions = []
    for match in _SEE_ALSO.finditer(text):
        rest = match.group(1).strip()
        following = text[match.end():].lstrip("\n").split("\n", 1)[0].strip()
        target = following if (not rest or rest.endswith(":")) and following else rest
        if target:
            suggestions.append(Suggestion("see_also", target, match.group(0).strip()[:200],
                                          "a 'see also' line"))
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,;")
        suggestions.append(Suggestion("see_also", url, _around(text, match.start(), match.end()),
                                      "a web address in the text"))
    return suggestions


def _around(text: str, start: int, end: int, width: int = 60) -> str:
    left = text[max(0, start - width):start].split("\n")[-1]
    right = text[end:end + width].split("\n")[0]
    return " ".join(f"{left}{text[start:end]}{right}".split())
