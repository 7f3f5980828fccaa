"""Cells for CSV downloads that a spreadsheet will not run as formulas (OWASP CSV injection).

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula
to Excel, LibreOffice and Google Sheets (``=HYPERLINK(…)`` links out, DDE runs programs):
such cells get a leading ``'``, which spreadsheets read as "text" and do not show. Used by
the search CSV (:mod:`web.search_views`) and the SPARQL CSV
(:mod:`web.sparql_engine.formats`).
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """``value`` as text, with a leading ``'`` when it would start a formula."""
    text = str(value or "")
    return "'" + text if text[:1] in FORMULA_STARTS else text
