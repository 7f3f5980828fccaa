"""Search in the six UN languages: the golden set's recall, analysis, treaty names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archive import Archive
from search import SearchIndex
from search.analysis import text_analyzer
from search.api import search_json
from search.languages import chinese_words, strip_arabic_prefix
from search.treaties import TreatyFinder

GOLDEN = Path(__file__).parents[1] / "data" / "golden_languages.json"
LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")


@pytest.fixture(scope="module")
def golden() -> dict:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def golden_index(golden: dict, tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    archive = Archive(None)
    archive.save(golden["statements"], agent="test")
    index = SearchIndex(tmp_path_factory.mktemp("golden") / "index", archive)
    yield index
    index.close()


def _top(index: SearchIndex, q: str) -> list[str]:
    return [hit.id for hit in index.search(q, page_size=10).results]


def test_golden_set_is_large_enough(golden: dict) -> None:
    assert len(golden["statements"]) == 24
    assert len(golden["queries"]) == 71
    assert {q["language"] for q in golden["queries"]} == set(LANGUAGES)


def test_recall_at_ten_per_language(golden: dict, golden_index: SearchIndex) -> None:
    found = dict.fromkeys(LANGUAGES, 0)
    wanted = dict.fromkeys(LANGUAGES, 0)
    for query in golden["queries"]:
        top = set(_top(golden_index, query["q"]))
        wanted[query["language"]] += len(query["expected"])
        found[query["language"]] += len(top & set(query["expected"]))
    recall = {lang: found[lang] / wanted[lang] for lang in LANGUAGES}
    assert all(value >= 0.9 for value in recall.values()), recall


def test_treaty_titles_find_each_other_across_languages(golden_index: SearchIndex) -> None:
    cedaw = {"en-2", "fr-2", "es-2", "ar-2", "zh-2", "ru-2"}
    arabic = "اتفاقية القضاء على جميع أشكال التمييز ضد المرأة"
    assert set(_top(golden_index, arabic)) >= cedaw
    assert set(_top(golden_index, "CEDAW")) >= cedaw
    assert set(_top(golden_index, "消除对妇女一切形式歧视公约")) >= cedaw


def test_chinese_words_inside_compounds(golden_index: SearchIndex) -> None:
    assert _top(golden_index, "人权") == ["zh-1"]
    assert _top(golden_index, "理事会") == ["zh-1"]
    assert _top(golden_index, "人权理事会") == ["zh-1"]


def test_russian_is_stemmed(golden_index: SearchIndex) -> None:
    assert _top(golden_index, "совет") == ["ru-1"]
    assert _top(golden_index, "ребенок") == ["ru-4"]  # е finds ё


def test_arabic_prefixes_and_letter_forms(golden_index: SearchIndex) -> None:
    assert _top(golden_index, "للمرأة")[0] == "ar-2"
    assert _top(golden_index, "الانسان") == ["ar-1"]  # the text has diacritics and hamza


def test_analysis_terms() -> None:
    assert chinese_words("联合国人权 iccpr") == ["联合", "合国", "国人", "人权", "iccpr"]
    assert [t.text for t in text_analyzer("ru")("Совета ёлка и")] == ["совет", "елк"]
    assert [t.text for t in text_analyzer("ar")("والمرأة في حُقُوقِ")] == ["مرا", "حقوق"]
    assert strip_arabic_prefix("والاتفاقيه") == "اتفاقيه"
    assert strip_arabic_prefix("وزاره") == "وزاره"


def test_treaty_finder_reads_arabic_and_chinese_in_running_text() -> None:
    finder = TreatyFinder(Archive(None).thesauri["treaties"])
    assert finder.notations_in("批准并执行消除对妇女一切形式歧视公约，保障") == ["CEDAW"]
    assert finder.notations_in("وفقاً لاتفاقية القضاء على جميع أشكال التمييز ضد المرأة") \
        == ["CEDAW"]
    assert finder.notations_in("العهد الدولي الخاص بالحقوق المدنية والسياسية") == ["ICCPR"]
    assert finder.notations_in("Всеобщая декларация прав человека") == ["UDHR"]
    assert finder.notations_in("ратифицировать Конвенцию о ликвидации всех форм "
                               "дискриминации в отношении женщин") == ["CEDAW"]


def test_lang_weighs_up_the_query_language(tmp_path: Path) -> None:
    archive = Archive(None)
    archive.save([
        {"id": "unesco-en", "title": "UNESCO report", "issuer": "Org", "date": "2020",
         "language": "en", "text": "The UNESCO report on education."},
        {"id": "unesco-ru", "title": "Доклад UNESCO", "issuer": "Org", "date": "2020",
         "language": "ru", "text": "Доклад UNESCO об образовании."},
    ], agent="test")
    index = SearchIndex(tmp_path / "index", archive)
    try:
        assert [h.id for h in index.search("UNESCO", lang="ru").results] == \
            ["unesco-ru", "unesco-en"]
        assert [h.id for h in index.search("UNESCO", lang="en").results] == \
            ["unesco-en", "unesco-ru"]
        assert {h.id for h in index.search("UNESCO", lang="xx").results} == \
            {"unesco-en", "unesco-ru"}
        found = search_json(index, {"q": ["UNESCO"], "lang": ["ru"]})["results"]
        assert [hit["id"] for hit in found] == ["unesco-ru", "unesco-en"]
    finally:
        index.close()


def test_no_spelling_suggestion_for_chinese(golden_index: SearchIndex) -> None:
    assert golden_index.search("不存在的词语").suggestion is None


def test_snippets_mark_chinese_and_arabic_words(golden_index: SearchIndex) -> None:
    assert golden_index.search("人权").results[0].snippet == (
        "我们对美国退出联合国<mark>人权</mark>理事会深表遗憾。<mark>人权</mark>理事会是保护<mark>人权</mark>"
        "的重要机制。")
    assert "<mark>理事会</mark>" in golden_index.search("理事会").results[0].snippet
    marked = golden_index.search("المرأة").results[0]
    assert marked.id == "ar-2"
    assert marked.snippet.count("<mark>") == 2
    assert "<mark>المرأة</mark>" in marked.snippet and "<mark>للمرأة</mark>" in marked.snippet


def test_fused_indexing_gives_the_chains_terms(golden: dict) -> None:
    for statement in golden["statements"]:
        analyzer = text_analyzer(statement["language"])
        chain: dict[str, list[int]] = {}
        for token in analyzer(statement["text"], positions=True, mode="index"):
            chain.setdefault(token.text, []).append(token.pos)
        assert analyzer.term_positions(statement["text"]) == chain, statement["id"]


def test_suggest_finds_treaty_titles_in_chinese_and_arabic_running_text() -> None:
    from archive.suggest import suggest

    archive = Archive(None)
    for text in ("我们呼吁各国批准并执行消除对妇女一切形式歧视公约，保障妇女",
                 "وفقا لاتفاقية القضاء على جميع أشكال التمييز ضد المرأة"):
        assert [(s.key, s.value) for s in suggest(archive, text, lambda line: [])] == \
            [("references", "CEDAW")]
