"""Suggestions from the seed's text: CEDAW, its release date, the see-also line."""

from __future__ import annotations

from pathlib import Path

from archive.suggest import suggest

SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / \
    "us-human-rights-cities-alliance-2018-06-22.txt"


def test_seed_text_suggests_treaty_date_and_see_also(make_archive, seed_record) -> None:
    archive = make_archive(in_memory=True)
    text = SEED.read_text(encoding="utf-8") if SEED.exists() else seed_record["text"]
    found = suggest(archive, text)
    by_key: dict[str, list[str]] = {}
    for item in found:
        by_key.setdefault(item.key, []).append(item.value)
    assert by_key["references"] == ["CEDAW"]
    assert by_key["date"][0] == "June 22, 2018"
    assert by_key["see_also"][0].startswith("US Human Rights Network Statement")
    assert "human rights cities" in by_key["topics"]


def test_acronyms_match_case_sensitively_and_names_in_any_case(make_archive) -> None:
    archive = make_archive(in_memory=True)
    found = suggest(archive, "The convention against torture and the ICCPR; a cat sat.")
    assert [s.value for s in found if s.key == "references"] == ["CAT", "ICCPR"]
