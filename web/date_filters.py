"""Template filters for dates: a stored date as the HTML ``<time datetime>`` value."""

from __future__ import annotations

from flask import Flask

from archive.dates import machine_date


def init_app(app: Flask) -> None:
    """``{{ date | machine_date }}``: "1998" for "1998~", "" for "199X" (see
    :func:`archive.dates.machine_date`)."""
    app.add_template_filter(machine_date, "machine_date")
