"""The interface in the six UN languages: choosing one, remembering it, formatting for it.

The language of a request is, in order: a valid ``?lang=`` (``ar``, ``zh``, ``en``,
``fr``, ``ru``, ``es``), the ``lang`` cookie a previous ``?lang=`` set, the best match of
``Accept-Language``, else English. The catalogues are gettext files in
``web/translations/`` (Flask-Babel); record data (titles, names, vocabulary labels) is
never translated. Every HTML response says ``Vary: Accept-Language, Cookie``, and the page
cache keys on the chosen language (web/page_cache.py). Templates get ``ui_language``,
``ui_direction`` (``rtl`` for Arabic), ``language_links()`` for the switcher and the
``hreflang`` alternates, and the filters ``number``, ``local_date``, ``local_time`` and
``term`` (a fixed interface word held in a variable).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton
from flask import Flask, Response, g, request
from flask_babel import (
    Babel,
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    get_translations,
)
from flask_babel import gettext as _gettext
from werkzeug.datastructures import MultiDict
from werkzeug.urls import urlencode

#: The interface languages, in the order the switcher lists them (the UN's: alphabetical
#: by their English names).
LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
DEFAULT = "en"
RIGHT_TO_LEFT = frozenset({"ar"})
#: Languages of records written right to left (their text gets ``dir="rtl"``).
RTL_SCRIPTS = frozenset({"ar", "he", "fa", "ur", "ps", "sd", "ug", "yi", "dv", "ckb"})
#: Each language's name in itself, for the switcher.
NATIVE_NAMES = {"ar": "العربية", "zh": "中文", "en": "English", "fr": "Français",
                "ru": "Русский", "es": "Español"}
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
PARAMETER = "lang"
_ISO = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def N_(text: str) -> str:
    """Mark ``text`` for the catalogue; it is translated where it is shown (``term``)."""
    return text


#: Interface words that web/things.py holds in tables and the templates show with ``term``.
TERMS = (
    N_("Issuer"), N_("Event"), N_("Treaty or instrument"), N_("Topic"), N_("Place"),
    N_("Statement type"), N_("Kind of issuer"), N_("Part of"), N_("Date"), N_("Adopted"),
    N_("Entered into force"), N_("Kind of instrument"), N_("Also called"),
    N_("Also found as"), N_("Definition"), N_("Scope"), N_("Note"), N_("History"),
    N_("Code"), N_("Top concept of"), N_("Broader"), N_("Narrower"), N_("Related"),
    N_("Same as"), N_("See also"), N_("Comment"), N_("Identifier"), N_("Source"),
    N_("Description"), N_("Label"), N_("Type"), N_("create"), N_("update"), N_("delete"),
    N_("restore"),
    # HTTP errors by name (werkzeug's), shown as an error page's heading
    N_("Bad Request"), N_("Unauthorized"), N_("Forbidden"), N_("Not Found"), N_("Gone"),
    N_("Method Not Allowed"), N_("Not Acceptable"), N_("Request Entity Too Large"),
    N_("Unprocessable Entity"), N_("Too Many Requests"), N_("Internal Server Error"),
    N_("Service Unavailable"), N_("BadInput"), N_("NotFound"),
    # the sign-in page's refusals that name nothing (web/auth.py), shown translated
    N_("wrong account name or password"), N_("the bearer token is wrong: no such token"),
    N_("the bearer token is not one this archive issued (tokens look like ra_<id>_<secret>)"),
)


#: What static/app.js writes into the archivists' pages, handed to it translated
#: (``js_texts``, a JSON block read by its ``t()``).
JS_TEXTS = (
    N_("Remove"), N_("Remove %(what)s"), N_("this row"), N_("Add another"),
    N_("No suggestions from this text."), N_("Suggestions"), N_("not in the archive"),
    N_("Use"), N_("Use %(key)s: %(value)s"), N_("Added"), N_("Checking the file…"),
    N_("Storing the file…"), N_("%(done)s of %(total)s"),
)


def js_texts() -> dict[str, str]:
    """The script's texts in the interface language, English text → translation."""
    return {text: _gettext(text) for text in JS_TEXTS}


def translations() -> Any:
    """The catalogue of this request's interface language (looked up once per request)."""
    found = g.get("ui_translations")
    if found is None:
        found = g.ui_translations = get_translations()
    return found


def chosen_language() -> str:
    """The interface language of this request (computed once per request)."""
    chosen = g.get("ui_language")
    if chosen is None:
        chosen = g.ui_language = _choose()
    return chosen


def explicit_language() -> str | None:
    """The language the reader chose (``?lang=`` or the cookie it left); None when the
    language only comes from the browser's ``Accept-Language`` or the default."""
    asked = request.args.get(PARAMETER, "").strip().lower()
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get(COOKIE, "")
    return remembered if remembered in LANGUAGES else None


def _choose() -> str:
    return (explicit_language()
            or request.accept_languages.best_match(LANGUAGES, default=DEFAULT) or DEFAULT)


def init_app(app: Flask) -> None:
    """Flask-Babel with the catalogues beside this module, the cookie and ``Vary``."""
    # Fixed configuration, not settings: the interface's own default language and zone.
    app.config.update(BABEL_DEFAULT_LOCALE=DEFAULT, BABEL_DEFAULT_TIMEZONE="UTC")
    Babel(app, locale_selector=chosen_language, default_translation_directories="translations")
    # Templates translate each text through the request's catalogue, looked up once per
    # request: Flask-Babel's own callables look it up per text (16 µs each, 58 texts on a
    # statement page: a sixth of its time).
    app.jinja_env.install_gettext_callables(
        gettext=lambda text: translations().ugettext(text),
        ngettext=lambda one, many, n: translations().ungettext(one, many, n),
        pgettext=lambda context, text: translations().upgettext(context, text),
        npgettext=lambda context, one, many, n: translations().unpgettext(
            context, one, many, n),
        newstyle=True)
    app.after_request(_remember)
    app.context_processor(lambda: {
        "ui_language": chosen_language(), "ui_direction": direction(),
        "forward": "←" if direction() == "rtl" else "→", "language_links": language_links,
        "negotiated_link": negotiated_link, "js_texts": js_texts})
    app.jinja_env.filters.update(number=number, local_date=local_date, local_time=local_time,
                                 term=term, direction_of=direction_of)


def _remember(response: Response) -> Response:
    """Keep a ``?lang=`` choice in a cookie; say what HTML pages vary on, and their language."""
    if response.mimetype == "text/html":
        response.vary.update(("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", chosen_language())
    asked = request.args.get(PARAMETER, "").strip().lower()
    if asked in LANGUAGES and request.cookies.get(COOKIE) != asked:
        response.set_cookie(COOKIE, asked, max_age=COOKIE_MAX_AGE,
                            path=request.script_root or "/", secure=request.is_secure,
                            httponly=True, samesite="Lax")
    return response


def direction() -> str:
    return "rtl" if chosen_language() in RIGHT_TO_LEFT else "ltr"


def direction_of(tag: Any) -> str:
    """The writing direction of a record's language tag (``rtl`` for Arabic, Hebrew …)."""
    primary = str(tag or "").split("-", 1)[0].lower()
    return "rtl" if primary in RTL_SCRIPTS else "ltr"


def language_links() -> list[dict[str, Any]]:
    """This page in each interface language: code, own name, address, whether current."""
    current = chosen_language()
    base = request.script_root + request.path
    links = []
    for code in LANGUAGES:
        args = MultiDict(request.args)
        args.setlist(PARAMETER, [code])
        links.append({"code": code, "name": NATIVE_NAMES[code], "current": code == current,
                      "href": f"{base}?{urlencode(args)}",
                      "dir": "rtl" if code in RIGHT_TO_LEFT else "ltr"})
    return links


def negotiated_link() -> str:
    """This page without ``lang``: the language then comes from the cookie or the browser
    (the ``x-default`` alternate)."""
    args = MultiDict(request.args)
    args.poplist(PARAMETER)
    query = urlencode(args)
    return request.script_root + request.path + (f"?{query}" if query else "")


def language_name(code: str) -> str:
    """A language tag's name in the interface language ("fr" → "French", "français" …)."""
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(chosen_language())
    except (ValueError, TypeError, LookupError, UnknownLocaleError):
        return code
    return name or code


def term(text: Any) -> str:
    """A fixed interface word that reached the template in a variable, translated."""
    return translations().ugettext(str(text)) if text else ""


def number(value: Any) -> str:
    """An integer or decimal as the interface language writes it (1,234 · 1 234 · 1.234)."""
    try:
        return format_decimal(value)
    except (TypeError, ValueError):
        return str(value)


def local_date(text: Any) -> str:
    """A date at its precision in the interface language: "22 June 2018" in English stays
    as shown; "22 juin 2018", "2018年6月22日" … elsewhere. Text that is no plain day,
    month or year (EDTF, "circa 1998") is shown as it is."""
    shown = str(text or "")
    if chosen_language() == DEFAULT or not shown:
        return shown
    parsed = _parse_shown(shown)
    if parsed is None:
        return shown
    day, precision = parsed
    if precision == "day":
        return format_date(day, "long")
    if precision == "month":
        return format_skeleton("yMMMM", day, locale=get_locale())
    return str(day.year)


def _parse_shown(shown: str) -> tuple[date, str] | None:
    match = _ISO.fullmatch(shown)
    try:
        if match:
            year, month, day = match.groups()
            precision = "day" if day else "month" if month else "year"
            return date(int(year), int(month or 1), int(day or 1)), precision
        for pattern, precision in (("%d %B %Y", "day"), ("%B %d, %Y", "day"),
                                   ("%B %Y", "month")):
            try:
                return datetime.strptime(shown, pattern).date(), precision
            except ValueError:
                continue
    except ValueError:
        return None
    return None


def local_time(moment: datetime) -> str:
    """A moment in UTC: "2018-06-22 10:05:00 UTC" in English, the language's medium form
    (with "UTC") elsewhere."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if chosen_language() == DEFAULT:
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"{format_datetime(moment, 'medium')} UTC"
