"""Query-string arguments to the ``/api/search`` JSON (the web layer mounts it).

Arguments arrive as lists (``?treaty=CEDAW&treaty=CRC``); every bad one is reported as a
:class:`archive.Problem` naming the parameter, all at once, in one :class:`BadInput`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archive import BadInput, Problem
from archive.dates import DateError, parse_date
from search.indexer import SearchIndex
from search.query import QueryRefused
from search.schema import FACETS
from search.searching import MAX_PAGE_SIZE, SORTS

PARAMETERS = ("q", *FACETS, "from", "to", "sort", "page", "page_size", "lang")
MAX_PAGE = 10_000


def _single(args: Mapping[str, list[str]], name: str, problems: list[Problem]) -> str | None:
    values = [v for v in args.get(name, []) if v.strip()]
    if len(values) > 1:
        problems.append(Problem(f"give '{name}' once, not {len(values)} times", key=name))
    return values[-1].strip() if values else None


def _number(text: str | None, name: str, default: int, top: int,
            problems: list[Problem]) -> int:
    if text is None:
        return default
    if not text.isdigit() or not 1 <= int(text) <= top:
        problems.append(Problem(f"'{text}' is not a {name} number: expected a whole number "
                                f"from 1 to {top:,}", key=name))
        return default
    return int(text)


def _date(text: str | None, name: str, problems: list[Problem]) -> str | None:
    if text is None:
        return None
    try:
        parse_date(text)
    except DateError as error:
        problems.append(Problem(str(error), key=name,
                                suggestion=error.suggestion or "'2018', 'June 2018' or "
                                "'2018-06-22'"))
        return None
    return text


def search_json(index: SearchIndex, args: Mapping[str, list[str]]) -> dict[str, Any]:
    """The contract JSON of one search; BadInput listing every bad parameter."""
    problems: list[Problem] = []
    q = " ".join(v for v in args.get("q", []) if v.strip())
    filters = {name: [v.strip() for v in args.get(name, []) if v.strip()] for name in FACETS}
    for year in filters["year"]:
        if not (year.isdigit() and len(year) == 4):
            problems.append(Problem(f"'{year}' is not a year: expected four digits such as "
                                    "2018", key="year"))
    sort = _single(args, "sort", problems) or "relevance"
    if sort not in SORTS:
        problems.append(Problem(f"'{sort}' is not a sort order: use {', '.join(SORTS)}",
                                key="sort", suggestion="'-date'" if "new" in sort else None))
    page = _number(_single(args, "page", problems), "page", 1, MAX_PAGE, problems)
    size = _number(_single(args, "page_size", problems), "page_size", 20, MAX_PAGE_SIZE,
                   problems)
    date_from = _date(_single(args, "from", problems), "from", problems)
    date_to = _date(_single(args, "to", problems), "to", problems)
    if date_from and date_to and (parse_date(date_from).bounds()[0]
                                  > parse_date(date_to).bounds()[1]):
        problems.append(Problem(f"'from' ({date_from}) is after 'to' ({date_to})", key="from"))
    # The query's language; also the interface's, so an unknown one is no error here.
    lang = (args.get("lang") or [None])[-1]
    if problems:
        raise BadInput(problems, "search", outcome="the search was not run")
    try:
        results = index.search(q, filters, sort, page, size, date_from, date_to, lang=lang)
    except QueryRefused as refusal:
        raise BadInput([Problem(str(refusal), key="q")], "search",
                       outcome="the search was not run") from None
    return results.to_json()
