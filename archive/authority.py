"""Identifiers of the same issuer or event elsewhere (``same_as``), in their published forms.

Each authority publishes one URI form for its entities; anything else (a web page of the
entity, a search address, a typo) is refused with the accepted forms listed, and, where
the intended identifier is plain, the published URI to write instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Authority:
    """One authority file: its name, the pattern of its entity URIs and an example."""

    name: str
    pattern: re.Pattern[str]
    example: str

    def local_id(self, uri: str) -> str:
        """The identifier inside a URI of this authority ("Q42", "0524fd2")."""
        return uri.rstrip("/").rsplit("/", 1)[-1]


AUTHORITIES = (
    Authority("Wikidata", re.compile(r"^http://www\.wikidata\.org/entity/Q[1-9]\d*$"),
              "http://www.wikidata.org/entity/Q42"),
    Authority("VIAF", re.compile(r"^https?://viaf\.org/viaf/[1-9]\d*$"),
              "http://viaf.org/viaf/113230702"),
    Authority("ISNI", re.compile(r"^https?://isni\.org/isni/\d{15}[\dX]$"),
              "https://isni.org/isni/0000000121032683"),
    Authority("ROR", re.compile(r"^https://ror\.org/0[0-9a-hjkmnp-tv-z]{6}\d{2}$"),
              "https://ror.org/02mhbdp94"),
    Authority("GeoNames", re.compile(r"^https?://sws\.geonames\.org/[1-9]\d*/$"),
              "https://sws.geonames.org/2988507/"),
)

#: Addresses people copy instead of the published URI, and how to get the URI from them.
_VARIANTS = (
    (re.compile(r"^https?://(?:www\.|m\.)?wikidata\.org/(?:wiki|entity)/(Q[1-9]\d*)"
                r"(?:[#?].*)?$"), "http://www.wikidata.org/entity/{}"),
    (re.compile(r"^https?://(?:www\.)?viaf\.org/viaf/([1-9]\d*)/?(?:[#?].*)?$"),
     "http://viaf.org/viaf/{}"),
    (re.compile(r"^https?://(?:www\.)?isni\.org/(?:isni/)?(\d{15}[\dX])/?$"),
     "https://isni.org/isni/{}"),
    (re.compile(r"^https?://(?:www\.)?ror\.org/(0[0-9a-hjkmnp-tv-z]{6}\d{2})/?$"),
     "https://ror.org/{}"),
    (re.compile(r"^https?://(?:www\.|sws\.)?geonames\.org/([1-9]\d*)(?:/.*)?$"),
     "https://sws.geonames.org/{}/"),
)

FORMS = "; ".join(f"{a.name} {a.example}" for a in AUTHORITIES)


def authority_of(uri: str) -> Authority | None:
    """The authority whose published form ``uri`` has, if any."""
    for authority in AUTHORITIES:
        if authority.pattern.match(uri):
            return authority if _checksum_holds(authority, uri) else None
    return None


def same_as_problem(uri: str) -> tuple[str, str | None] | None:
    """Why ``uri`` is not a ``same_as`` the archive keeps (and the URI meant), or None."""
    if authority_of(uri) is not None:
        return None
    suggestion = None
    for pattern, form in _VARIANTS:
        if match := pattern.match(uri.strip()):
            candidate = form.format(match.group(1))
            if authority_of(candidate) is not None and candidate != uri:
                suggestion = f"'{candidate}'"
            break
    known = next((a for a in AUTHORITIES if a.pattern.match(uri)), None)
    if known:
        return (f"'{uri}' has the form of a {known.name} URI but a wrong check digit; copy "
                f"it again from {known.name}"), None
    return (f"'{uri}' is not an identifier in a published form the archive knows; "
            f"same_as takes URIs such as {FORMS}"), suggestion


def _checksum_holds(authority: Authority, uri: str) -> bool:
    """ISNI (ISO 7064 MOD 11-2) and ROR (ISO 7064 MOD 97-10) carry check digits."""
    local = authority.local_id(uri)
    if authority.name == "ISNI":
        total = 0
        for digit in local[:-1]:
            total = (total + int(digit)) * 2
        check = (12 - total % 11) % 11
        return local[-1] == ("X" if check == 10 else str(check))
    if authority.name == "ROR":
        number = int(local[1:7].translate(_CROCKFORD), 32) if local[1:7] else 0
        return 98 - (number * 100) % 97 == int(local[7:])
    return True


#: Crockford base32 digits as Python's int(…, 32) reads them.
_CROCKFORD = str.maketrans("0123456789abcdefghjkmnpqrstvwxyz", "0123456789abcdefghijklmnopqrstuv")
