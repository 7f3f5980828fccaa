"""Name scores (archive/matching.py): each tier against a table of real spellings."""

from __future__ import annotations

import pytest

from archive.matching import Name, best, compare, fold
from archive.resources import NEAR_DUPLICATE


def score(query: str, name: str) -> tuple[float, bool, bool]:
    found = compare(Name.of(query), Name.of(name))
    return found.score, found.exact, found.close


@pytest.mark.parametrize(("query", "name"), [
    ("bulgaria", "Bulgaria"),
    ("BULGARIA", "Bulgaria"),
    ("México", "Mexico"),
    ("Haïti", "Haiti"),
    ("VIET-NAM", "Viet Nam"),
    ("Trinidad & Tobago", "Trinidad and Tobago"),
    ("UN Secretary General", "UN Secretary-General"),
    ("The Bahamas", "Bahamas"),
    ("  Papua-New  Guinea ", "Papua New Guinea"),
])
def test_names_equal_once_folded_score_100_exact(query: str, name: str) -> None:
    assert score(query, name) == (100.0, True, False)
    assert fold(query) == fold(name)


@pytest.mark.parametrize(("query", "name", "expected"), [
    ("Bulgeria", "Bulgaria", 96.0),  # one letter wrong
    ("Philipines", "Philippines", 96.0),  # one letter missing
    ("Centre for International Environmental Law",
     "Center for International Environmental Law", 96.0),  # two letters swapped
    ("Kazakstan", "Kazakhstan", 96.0),
    ("Lichtenstein", "Liechtenstein", 96.0),
    ("Kyrgystan", "Kyrgyzstan", 96.0),
    ("Azerbeidjan", "Azerbaijan", 93.0),  # two edits in a word of 10 letters
    ("Korea, Republic of", "Republic of Korea", 99.0),  # word order
    ("Vietnam", "Viet Nam", 99.0),  # spacing
    ("U.S. Human Rights Network", "US Human Rights Network", 99.0),
    ("Trinidad Tobago", "Trinidad and Tobago", 99.0),  # "and" left out
    ("St Kitts & Nevis", "Saint Kitts and Nevis", 99.0),  # an abbreviation
    ("Democratic Rep. of the Congo", "Democratic Republic of the Congo", 99.0),
    ("Franciscans Intl", "Franciscans International", 99.0),
])
def test_small_typos_word_order_and_abbreviations_are_close(query: str, name: str,
                                                            expected: float) -> None:
    assert score(query, name) == (expected, False, True)
    assert expected >= 100 * NEAR_DUPLICATE


@pytest.mark.parametrize(("query", "name", "expected"), [
    ("Sudan", "South Sudan", 80.0),  # a word more is another name
    ("Niger", "Nigeria", 83.3),  # two letters more in a short word
    ("Iraq", "Iran", 75.0),  # no typo forgiven in a word of four letters
    ("Austria", "Australia", 85.0),  # similar at most 85
    ("Guinea", "Equatorial Guinea", 80.0),
    ("Amnesty", "Amnesty International", 78.8),
    ("Amnesty", "Amnesty International Canada", 71.6),
    ("Congo", "Democratic Republic of the Congo", 68.3),
    ("Brésil", "Brazil", 66.7),
    ("General Debate of the 50th session", "General Debate of the 45th session", 42.5),
])
def test_other_names_are_only_similar(query: str, name: str, expected: float) -> None:
    assert score(query, name) == (expected, False, False)


def test_numbers_never_differ_in_a_close_name() -> None:
    assert score("45th session", "46th session") == (42.5, False, False)
    assert score("Session 1995", "Session 1996") == (42.5, False, False)  # 85, halved


def test_the_best_of_a_things_names_counts() -> None:
    names = [Name.of("Saint Kitts and Nevis"), Name.of("St Kitts and Nevis")]
    assert best(Name.of("st kitts and nevis"), names).name == "St Kitts and Nevis"
    assert best(Name.of("st kitts and nevis"), names).exact is True
    assert best(Name.of("Saint Kitts and Nevvis"), names).score == 96.0
    assert best(Name.of("Saint Kits and Nevis"), names).close is False  # "kits": 4 letters
