"""Where the archive lives and which base its URIs have: defaults, then the environment.

``RIGHTS_ARCHIVE_DATA`` names the data folder (default ``./data``) and
``RIGHTS_ARCHIVE_BASE_URI`` the base of minted URIs (default ``http://localhost:5000/``).
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_BASE = "http://localhost:5000/"
DEFAULT_DATA = Path("data")


def data_dir(explicit: str | Path | None = None) -> Path:
    """The data folder: the explicit one, else $RIGHTS_ARCHIVE_DATA, else ./data."""
    return Path(explicit or os.environ.get("RIGHTS_ARCHIVE_DATA") or DEFAULT_DATA)


def base_uri(explicit: str | None = None) -> str:
    """The base of minted URIs, always ending with a slash."""
    base = explicit or os.environ.get("RIGHTS_ARCHIVE_BASE_URI") or DEFAULT_BASE
    return base if base.endswith("/") else base + "/"
