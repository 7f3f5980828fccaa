"""The interface in the six UN languages through the real app: chosen by ``?lang=``, the
cookie it leaves, or ``Accept-Language``; ``<html lang dir>``, the switcher and ``hreflang``
alternates; dates and numbers per language; the page cache never mixing languages; and the
committed catalogues complete and compiled from their ``.po`` files."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from web.i18n import LANGUAGES

SEED = "us-human-rights-cities-alliance-2018-06-22"
ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "web" / "translations"
HTML = {"Accept": "text/html"}
PASSWORD = "a long enough password"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_HTML_TAG = re.compile(r"<html ([^>]*)>")
#: The search box's label on the home page, in each language.
SEARCH_LABEL = {
    "ar": "ابحث في النص الكامل لكل بيان",
    "zh": "在所有声明的全文中搜索",
    "en": "Search the full text of every statement",
    "fr": "Rechercher dans le texte intégral de chaque déclaration",
    "ru": "Поиск по полному тексту всех заявлений",
    "es": "Buscar en el texto completo de cada declaración",
}


@pytest.fixture
def app(make_app: Any, sample_statements: list[dict[str, Any]]) -> Any:
    return make_app(sample_statements)


def html_attributes(body: str) -> str:
    match = _HTML_TAG.search(body)
    assert match, body[:200]
    return match.group(1)


@pytest.mark.parametrize("code", LANGUAGES)
def test_lang_parameter_chooses_the_interface(app: Any, code: str) -> None:
    response = app.test_client().get(f"/?lang={code}", headers=HTML)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    direction = "rtl" if code == "ar" else "ltr"
    assert html_attributes(body) == f'lang="{code}" dir="{direction}"'
    assert SEARCH_LABEL[code] in body


def test_accept_language_chooses_when_nothing_else_does(app: Any) -> None:
    client = app.test_client()
    body = client.get("/", headers={**HTML, "Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}
                      ).get_data(as_text=True)
    assert html_attributes(body) == 'lang="ru" dir="ltr"'
    chinese = client.get("/", headers={**HTML, "Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert html_attributes(chinese) == 'lang="zh" dir="ltr"'
    unknown = client.get("/", headers={**HTML, "Accept-Language": "de, nl;q=0.5"}
                         ).get_data(as_text=True)
    assert html_attributes(unknown) == 'lang="en" dir="ltr"'


def test_the_choice_is_remembered_in_a_cookie(app: Any) -> None:
    client = app.test_client()
    chosen = client.get("/?lang=fr", headers=HTML)
    cookie = chosen.headers["Set-Cookie"]
    assert cookie.startswith("lang=fr;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    later = client.get("/about", headers={**HTML, "Accept-Language": "es"})
    assert "Set-Cookie" not in later.headers
    assert html_attributes(later.get_data(as_text=True)) == 'lang="fr" dir="ltr"'
    assert "À propos de ces archives" in later.get_data(as_text=True)
    # ?lang= wins over the cookie, and replaces it
    switched = client.get("/about?lang=ar", headers=HTML)
    assert switched.headers["Set-Cookie"].startswith("lang=ar;")
    assert html_attributes(client.get("/about", headers=HTML).get_data(as_text=True)) == \
        'lang="ar" dir="rtl"'


def test_an_unknown_lang_is_ignored(app: Any) -> None:
    response = app.test_client().get("/?lang=xx", headers={**HTML, "Accept-Language": "es"})
    assert "Set-Cookie" not in response.headers
    assert html_attributes(response.get_data(as_text=True)) == 'lang="es" dir="ltr"'


def test_pages_say_what_they_vary_on(app: Any) -> None:
    response = app.test_client().get(f"/statements/{SEED}", headers=HTML)
    vary = {name.strip().lower() for name in response.headers["Vary"].split(",")}
    assert {"accept", "accept-language", "cookie"} <= vary
    assert response.headers["Content-Language"] == "en"
    french = app.test_client().get(f"/statements/{SEED}?lang=fr", headers=HTML)
    assert french.headers["Content-Language"] == "fr"


def test_the_page_cache_keeps_each_language_apart(app: Any) -> None:
    client, cache = app.test_client(use_cookies=False), app.extensions["page_cache"]
    english = client.get("/about", headers=HTML).get_data(as_text=True)
    assert "About this archive" in english and len(cache) == 1
    french = client.get("/about", headers={**HTML, "Cookie": "lang=fr"}).get_data(as_text=True)
    assert "À propos de ces archives" in french and len(cache) == 2
    hits = cache.hits
    again = client.get("/about", headers=HTML).get_data(as_text=True)
    assert again == english and cache.hits == hits + 1
    again_fr = client.get("/about", headers={**HTML, "Cookie": "lang=fr"}).get_data(as_text=True)
    assert again_fr == french and cache.hits == hits + 2
    # a ?lang= page is kept without its cookie, which each answer from memory sets again
    chinese = client.get("/about?lang=zh", headers=HTML)
    assert chinese.headers["Set-Cookie"].startswith("lang=zh;") and len(cache) == 3
    hits = cache.hits
    again_zh = client.get("/about?lang=zh", headers=HTML)
    assert cache.hits == hits + 1 and again_zh.data == chinese.data
    assert again_zh.headers.getlist("Set-Cookie") == chinese.headers.getlist("Set-Cookie")
    remembered = client.get("/about?lang=zh", headers={**HTML, "Cookie": "lang=zh"})
    assert "Set-Cookie" not in remembered.headers


def test_hreflang_alternates_and_the_switcher(app: Any) -> None:
    body = app.test_client().get("/search?q=council&lang=es", headers=HTML).get_data(
        as_text=True)
    alternates = re.findall(r'<link rel="alternate" hreflang="(\w+)" href="([^"]+)">', body)
    assert alternates == [(code, f"/search?q=council&amp;lang={code}") for code in LANGUAGES]
    assert '<link rel="alternate" hreflang="x-default" href="/search?q=council">' in body
    switcher = body.split('class="language-switcher"', 1)[1].split("</nav>", 1)[0]
    assert re.findall(r'hreflang="(\w+)" lang="\w+" dir="(\w+)"', switcher) == [
        (code, "rtl" if code == "ar" else "ltr") for code in LANGUAGES]
    assert 'lang="es" dir="ltr" aria-current="true">Español</a>' in switcher
    assert 'aria-label="Idioma de la interfaz"' in body


def test_dates_and_numbers_follow_the_language(app: Any) -> None:
    client = app.test_client()
    page = {code: client.get(f"/statements/{SEED}?lang={code}", headers=HTML).get_data(
        as_text=True) for code in ("en", "fr", "zh", "ru", "es", "ar")}
    assert '<time datetime="2018-06-22">22 June 2018</time>' in page["en"]
    assert '<time datetime="2018-06-22">22 juin 2018</time>' in page["fr"]
    assert '<time datetime="2018-06-22">2018年6月22日</time>' in page["zh"]
    assert '<time datetime="2018-06-22">22 июня 2018\u202fг.</time>' in page["ru"]
    assert '<time datetime="2018-06-22">22 de junio de 2018</time>' in page["es"]
    assert '<time datetime="2018-06-22">22 يونيو 2018</time>' in page["ar"]
    # record data stays as it is: the title is not translated
    title = re.search(r"<h1>([^<]+)</h1>", page["en"]).group(1)
    assert f"<h1>{title}</h1>" in page["zh"]
    assert "<dt>Émis par</dt>" in page["fr"] and "<dt>发布方</dt>" in page["zh"]


def test_a_refused_sign_in_says_so_in_spanish(app: Any) -> None:
    client = app.test_client()
    form = client.get("/signin?lang=es", headers=HTML).get_data(as_text=True)
    refused = client.post("/signin", data={"username": "nobody", "password": "wrong words",
                                           "csrf_token": _CSRF.search(form).group(1)})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 401
    assert "<h2>Sesión no iniciada</h2><p>nombre de cuenta o contraseña incorrectos</p>" in body


def test_a_version_page_in_russian(app: Any) -> None:
    body = app.test_client().get(f"/statements/{SEED}/versions/1?lang=ru", headers=HTML
                                 ).get_data(as_text=True)
    assert "Версия 1 этого заявления (создание: test," in body
    assert "Это текущая версия." in body and "Все версии (TimeMap)" in body


def test_search_page_counts_and_facets_in_french(app: Any) -> None:
    body = app.test_client().get("/search?q=council&lang=fr", headers=HTML).get_data(
        as_text=True)
    total = app.extensions["index"].search("council", {}, page=1, page_size=1).total
    assert f'<h2 id="results-h">{total} déclarations pour « council »</h2>' in body
    assert '<h3 id="facet-language">Langue</h3>' in body
    assert '<span class="facet-label" dir="auto">anglais</span>' in body
    assert '<option value="-date">Les plus récentes d&#39;abord</option>' in body


def test_the_chosen_interface_language_is_the_query_language(app: Any) -> None:
    """A reader who chose French (the cookie) searches as with lang=fr; a browser that
    only prefers French does not change the order."""
    client = app.test_client(use_cookies=False)

    def order(query: str, **headers: str) -> list[str]:
        body = client.get(f"/search?{query}", headers={**HTML, **headers}).get_data(
            as_text=True)
        return re.findall(r'<h3 class="result-title" dir="auto"><a href="/statements/([^"]+)"',
                          body)

    french_first = order("q=human+rights&lang=fr")
    found = app.extensions["index"].search("human rights", {}, page=1, page_size=20).total
    assert len(french_first) == min(found, 20)
    assert order("q=human+rights", Cookie="lang=fr") == french_first
    assert order("q=human+rights", **{"Accept-Language": "fr"}) == order("q=human+rights")
    assert order("q=human+rights&lang=en", Cookie="lang=fr") == order(
        "q=human+rights&lang=en")


def test_json_is_not_translated(app: Any) -> None:
    response = app.test_client().get("/api/search?q=council&lang=fr")
    assert response.get_json()["results"][0]["date_display"] in {
        hit["date_display"] for hit in app.test_client().get(
            "/api/search?q=council").get_json()["results"]}


def test_the_form_script_gets_its_texts_translated(app: Any) -> None:
    app.extensions["auth"].create_account("archivist", "editor", PASSWORD)
    client = app.test_client()
    form = client.get("/signin", headers=HTML).get_data(as_text=True)
    signed = client.post("/signin", data={"username": "archivist", "password": PASSWORD,
                                          "csrf_token": _CSRF.search(form).group(1)})
    assert signed.status_code == 302
    english = client.get("/edit/new", headers=HTML).get_data(as_text=True)
    assert 'id="ui-text"' not in english  # the script's own English
    french = client.get("/edit/new?lang=fr", headers=HTML).get_data(as_text=True)
    block = re.search(r'<script type="application/json" id="ui-text">(.*?)</script>', french)
    texts = json.loads(block.group(1))
    assert texts["Add another"] == "Ajouter une ligne"
    assert texts["Use %(key)s: %(value)s"] == "Utiliser %(key)s : %(value)s"
    assert "<h1>Ajouter une déclaration</h1>" in french


def test_the_template_holds_every_text_the_code_marks() -> None:
    """messages.pot is what pybabel extracts now (docs/operators.md): a text wrapped for
    translation but not extracted would stay English in every language."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    marked = {message for _, _, message, _, _ in extract_from_dir(
        ROOT, method_map, options_map, keywords={**DEFAULT_KEYWORDS, "N_": None})}
    with (TRANSLATIONS / "messages.pot").open("rb") as pot:
        template = {m.id for m in read_po(pot) if m.id}
    assert marked == template


@pytest.mark.parametrize("code", [c for c in LANGUAGES if c != "en"])
def test_catalogues_are_complete_and_compiled_from_their_po(code: str) -> None:
    folder = TRANSLATIONS / code / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as po:
        catalog = read_po(po)
    with (TRANSLATIONS / "messages.pot").open("rb") as pot:
        template = read_po(pot)
    assert {m.id for m in catalog if m.id} == {m.id for m in template if m.id}
    untranslated = [m.id for m in catalog if m.id and not all(
        m.string if isinstance(m.string, tuple) else (m.string,))]
    assert untranslated == []
    assert not catalog.fuzzy
    problems = [(m.id, errors) for m, errors in catalog.check() if errors]
    assert problems == []
    fresh = io.BytesIO()
    write_mo(fresh, catalog)
    assert (folder / "messages.mo").read_bytes() == fresh.getvalue(), \
        "messages.mo is older than messages.po: run pybabel compile (docs/operators.md)"
