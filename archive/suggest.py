"""Suggestions from a statement's text: treaties it names, dates, "see also" lines, topics.

Suggestions are for the archivist to accept or not; nothing here changes a record.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from archive.dates import DateError, parse_date
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

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def suggest(archive: Archive, text: str) -> list[Suggestion]:
    """Everything the text suggests, treaties first, in order of appearance within a key."""
    return [*_concepts(archive.thesauri["treaties"], "references", text, strict_case=True),
            *_dates(text), *_see_also(text),
            *_concepts(archive.thesauri["topics"], "topics", text, strict_case=False)]


def _concepts(thesaurus: Thesaurus, key: str, text: str, strict_case: bool) -> list[Suggestion]:
    found: dict[str, tuple[int, Suggestion]] = {}
    for concept in thesaurus:
        for label in concept.all_labels():
            if len(label) < 3:
                continue
            is_acronym = label.isupper() or any(c.isdigit() for c in label)
            flags = 0 if (is_acronym and strict_case) else re.IGNORECASE
            match = re.search(rf"(?<![\w-]){re.escape(label)}(?![\w-])", text, flags)
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
