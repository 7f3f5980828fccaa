"""Language tags: BCP 47 refused with a suggestion; a script that contradicts its tag is
a warning from validate and suggest, never a refusal."""

from __future__ import annotations

import json
from pathlib import Path

from archive.languages import language_warnings, script_mismatch, tag_problem
from archive.record import parse_record
from tests.web.test_cli import run

ARABIC = "ندعو جميع الدول إلى تنفيذ اتفاقية القضاء على جميع أشكال التمييز ضد المرأة"


def test_well_formed_tags_pass() -> None:
    for tag in ("en", "fr-CA", "es-419", "zh-Hant-TW", "sr-Latn", "de-CH-1996", "ar-EG",
                "x-private"):
        assert tag_problem(tag) is None, tag


def test_wrong_tags_are_refused_with_the_tag_meant() -> None:
    assert tag_problem("English")[1] == "en"
    assert tag_problem("en_US")[1] == "en-US"
    assert tag_problem("zh_cn")[1] == "zh-CN"
    assert tag_problem("Français")[1] == "fr"
    assert tag_problem("русский")[1] == "ru"
    assert tag_problem("cn") == ("'cn' is not a language code in BCP 47 (it is a country or "
                                 "a library code)", "zh")
    assert tag_problem("e") == ("'e' is not a BCP 47 language tag such as 'en', 'fr', "
                                "'zh-Hant' or 'es-419'", None)


def test_a_record_with_a_wrong_tag_names_the_key_and_the_tag_meant() -> None:
    _, problems = parse_record({"title": {"en": "A", "Arabic": "ب"}, "issuer": "Org",
                                "date": "2018", "language": "en_GB"})
    assert [(p.key, p.suggestion) for p in problems] == [("language", "'en-GB'"),
                                                          ("title.Arabic", "'ar'")]


def test_script_mismatch() -> None:
    assert script_mismatch("ar", ARABIC) is None
    found = script_mismatch("en", ARABIC)
    assert (found.found, found.expected, found.suggestion) == ("Arabic", "Latin", "ar")
    assert script_mismatch("zh", "联合国人权理事会 Human Rights Council") is None
    assert script_mismatch("en", "short: حقوق") is None  # too few letters to tell
    assert script_mismatch("sr-Latn", "Ово је текст на српском језику, ћирилицом").suggestion \
        is None
    assert language_warnings({"title": {"en": "Statement", "ar": "بيان"}, "language": "ar",
                              "text": ARABIC}) == []


def test_validate_and_suggest_warn_but_do_not_refuse(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    assert run(folder, "create").returncode == 0
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps([{"id": "ar-tagged-en", "title": "Statement", "issuer": "Org",
                                 "date": "2018", "language": "en", "text": ARABIC}]),
                    encoding="utf-8")
    checked = run(folder, "validate", str(path))
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.strip() == (f"{path}: 1 statement would be imported; no problems "
                                      "found; 1 warning")
    assert checked.stderr.strip() == (
        "warning: record ar-tagged-en, key 'text': the text is written in Arabic script, but "
        "its language 'en' is written in Latin script: is the language tag right? (did you "
        "mean language 'ar'?)")
    suggested = run(folder, "suggest", "--json", str(path))
    assert suggested.returncode == 0, suggested.stderr
    found = json.loads(suggested.stdout)["ar-tagged-en"]
    assert {"key": "language", "value": "ar", "evidence": "text", "usable": True,
            "reason": "warning: the text is written in Arabic script, but its language 'en' "
                      "is written in Latin script: is the language tag right?"} in found
