"""Language tags: BCP 47 syntax with a suggestion for a wrong tag, and the script check.

:func:`tag_problem` reads a tag by the syntax of RFC 5646 (language, extended language,
script, region, variants, extensions, private use; a language subtag of two or three
letters) and, when it is wrong, suggests the tag that was probably meant ("English" →
"en", "en_US" → "en-US", "zh-cn" stays valid). :func:`script_mismatch` says when a text is
written in another script than its tag's language uses (an Arabic text tagged "en"): a
warning for ``validate`` and ``suggest``, never a refusal, since quotations and names in
another script are common.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SUBTAGS = (r"(?P<language>[a-z]{2,3})(?:-[a-z]{3}){0,3}"
            r"(?:-(?P<script>[a-z]{4}))?"
            r"(?:-(?P<region>[a-z]{2}|\d{3}))?"
            r"(?:-(?:[a-z\d]{5,8}|\d[a-z\d]{3}))*"
            r"(?:-[a-wyz\d](?:-[a-z\d]{2,8})+)*"
            r"(?:-x(?:-[a-z\d]{1,8})+)?")
BCP47 = re.compile(rf"^(?:{_SUBTAGS}|x(?:-[a-z\d]{{1,8}})+)$", re.IGNORECASE)

#: Names people write instead of a tag (English and the language's own name).
NAMES = {
    "arabic": "ar", "العربية": "ar", "عربي": "ar", "chinese": "zh", "mandarin": "zh",
    "中文": "zh", "汉语": "zh", "english": "en", "anglais": "en", "inglés": "en",
    "french": "fr", "français": "fr", "francais": "fr", "francés": "fr", "russian": "ru",
    "русский": "ru", "spanish": "es", "español": "es", "espanol": "es", "espagnol": "es",
    "castellano": "es", "german": "de", "deutsch": "de", "portuguese": "pt",
    "português": "pt", "italian": "it", "italiano": "it", "japanese": "ja", "日本語": "ja",
    "korean": "ko", "hindi": "hi", "persian": "fa", "farsi": "fa", "turkish": "tr",
    "ukrainian": "uk", "hebrew": "he", "dutch": "nl", "swahili": "sw", "urdu": "ur",
}
#: Well-formed codes that are no language's (country codes, bibliographic codes), often
#: written for one.
WRONG_CODES = {"cn": "zh", "jp": "ja", "gr": "el", "cz": "cs", "dk": "da", "ua": "uk",
               "fre": "fr", "chi": "zh", "ger": "de"}


def tag_problem(tag: str) -> tuple[str, str | None] | None:
    """What is wrong with ``tag`` as a BCP 47 tag and the tag probably meant (or None:
    nothing wrong)."""
    primary, _, rest = tag.partition("-")
    if BCP47.match(tag):
        meant = WRONG_CODES.get(primary.lower())
        if meant is None:
            return None
        return (f"'{primary}' is not a language code in BCP 47 (it is a country or a "
                "library code)", _cased("-".join(filter(None, (meant, rest)))))
    return (f"'{tag}' is not a BCP 47 language tag such as 'en', 'fr', 'zh-Hant' or "
            "'es-419'", suggest_tag(tag))


def suggest_tag(text: str) -> str | None:
    """The tag someone who wrote ``text`` probably meant, or None."""
    cleaned = text.strip().replace("_", "-").strip("-")
    name = cleaned.casefold()
    if name in NAMES:
        return NAMES[name]
    first = re.split(r"[\s(,;/]+", name)[0] if name else ""
    if first in NAMES:
        return NAMES[first]
    if BCP47.match(cleaned):
        return _cased(cleaned)
    return None


def _cased(tag: str) -> str:
    """A tag in its usual case: "zh-hant-tw" → "zh-Hant-TW"."""
    parts = tag.split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        out.append(part.title() if len(part) == 4 and part.isalpha() else
                   part.upper() if len(part) == 2 and part.isalpha() else part.lower())
    return "-".join(out)


# The script of a text --------------------------------------------------------------------

#: Letters of the scripts the archive tells apart, as ranges for regular expressions (the
#: search analysis and the treaty finder use the same).
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # the CJK unified and compatibility blocks
ARABIC = "\u0600-\u06ff\u0750-\u077f"
CYRILLIC = "\u0400-\u04ff"

SCRIPTS = {
    "Latin": re.compile(r"[A-Za-z\u00c0-\u024f]"),
    "Arabic": re.compile(f"[{ARABIC}]"),
    "Cyrillic": re.compile(f"[{CYRILLIC}]"),
    "Han": re.compile(f"[{HAN}]"),
    "Greek": re.compile(r"[\u0370-\u03ff]"),
    "Hebrew": re.compile(r"[\u0590-\u05ff]"),
    "Devanagari": re.compile(r"[\u0900-\u097f]"),
    "Hangul": re.compile(r"[\uac00-\ud7af]"),
    "Kana": re.compile(r"[\u3040-\u30ff]"),
}
#: The script each language is written in (by its primary subtag).
LANGUAGE_SCRIPTS = {
    **dict.fromkeys(("en", "fr", "es", "de", "pt", "it", "nl", "sv", "da", "no", "fi", "pl",
                     "cs", "tr", "sw", "id", "vi", "ro", "hu"), "Latin"),
    **dict.fromkeys(("ar", "fa", "ur", "ps"), "Arabic"),
    **dict.fromkeys(("ru", "uk", "be", "bg", "mk", "kk", "ky"), "Cyrillic"),
    "zh": "Han", "el": "Greek", "he": "Hebrew", "hi": "Devanagari", "ko": "Hangul",
}
#: Script subtags as :data:`SCRIPTS` names them.
SCRIPT_SUBTAGS = {"latn": "Latin", "arab": "Arabic", "cyrl": "Cyrillic", "hans": "Han",
                  "hant": "Han", "hani": "Han", "grek": "Greek", "hebr": "Hebrew",
                  "deva": "Devanagari", "kore": "Hangul"}
#: The tag to suggest for a text in a script, where one language is the likely one.
SCRIPT_LANGUAGE = {"Arabic": "ar", "Cyrillic": "ru", "Han": "zh", "Greek": "el",
                   "Hebrew": "he", "Hangul": "ko"}
SAMPLE = 4000
#: The share of a text's letters in another script that makes it "in" that script.
SHARE = 0.6
MIN_LETTERS = 20


@dataclass(frozen=True)
class Mismatch:
    """A text whose script is not its language tag's: what it is, what the tag expects."""

    found: str
    expected: str
    suggestion: str | None

    def message(self, tag: str) -> str:
        return (f"the text is written in {self.found} script, but its language '{tag}' is "
                f"written in {self.expected} script: is the language tag right?")


def expected_script(tag: str) -> str | None:
    match = BCP47.match(tag)
    if match and match.group("script"):
        return SCRIPT_SUBTAGS.get(match.group("script").lower())
    return LANGUAGE_SCRIPTS.get(tag.split("-", 1)[0].lower())


def script_mismatch(tag: str, text: str) -> Mismatch | None:
    """How ``text`` contradicts ``tag``'s script, or None (no contradiction, or too few
    letters to tell, or a language whose script is not known here)."""
    expected = expected_script(tag)
    if expected is None:
        return None
    sample = text[:SAMPLE]
    counts = {name: len(pattern.findall(sample)) for name, pattern in SCRIPTS.items()}
    total = sum(counts.values())
    if total < MIN_LETTERS:
        return None
    found = max(counts, key=counts.__getitem__)
    if expected == "Han" and found == "Kana":
        return None
    if found == expected or counts[found] < SHARE * total or counts[expected] >= 0.3 * total:
        return None
    by_subtag = bool(BCP47.match(tag) and BCP47.match(tag).group("script"))
    return Mismatch(found, expected, None if by_subtag else SCRIPT_LANGUAGE.get(found))


def language_warnings(data: dict) -> list[tuple[str, str, str | None]]:
    """(key, warning, tag probably meant) for each text of a contract JSON record whose
    script contradicts its tag: the text and summary against ``language``, each title
    against its own tag. Tags that are wrong themselves are refused elsewhere."""
    tag = data.get("language") if isinstance(data.get("language"), str) else "en"
    found: list[tuple[str, str, str | None]] = []
    texts = [(key, data[key]) for key in ("text", "summary") if isinstance(data.get(key), str)]
    title = data.get("title")
    titles = title.items() if isinstance(title, dict) else [(tag, title)]
    checks = [(key, tag, value) for key, value in texts]
    checks += [("title" if not isinstance(title, dict) else f"title.{lang}", lang, value)
               for lang, value in titles if isinstance(lang, str) and isinstance(value, str)]
    for key, lang, value in checks:
        if tag_problem(lang) is None and (mismatch := script_mismatch(lang, value)):
            found.append((key, mismatch.message(lang), mismatch.suggestion))
    return found
