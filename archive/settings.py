"""Where the archive lives and which base its URIs have: defaults, then the environment.

``RIGHTS_ARCHIVE_DATA`` names the data folder (default ``./data``) and
``RIGHTS_ARCHIVE_BASE_URI`` the base of minted URIs (default ``http://localhost:5000/``),
``RIGHTS_ARCHIVE_MAX_DECOMPRESSED`` the most bytes a gzip-compressed file may unpack to
(default 128 MiB; the whole UN General Debate corpus, 31 MB compressed, unpacks to 97 MB).
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_BASE = "http://localhost:5000/"
DEFAULT_DATA = Path("data")
DEFAULT_MAX_DECOMPRESSED = 128 * 1024 * 1024


def data_dir(explicit: str | Path | None = None) -> Path:
    """The data folder: the explicit one, else $RIGHTS_ARCHIVE_DATA, else ./data."""
    return Path(explicit or os.environ.get("RIGHTS_ARCHIVE_DATA") or DEFAULT_DATA)


def base_uri(explicit: str | None = None) -> str:
    """The base of minted URIs, always ending with a slash."""
    base = explicit or os.environ.get("RIGHTS_ARCHIVE_BASE_URI") or DEFAULT_BASE
    return base if base.endswith("/") else base + "/"


def max_decompressed(explicit: int | None = None) -> int:
    """The most bytes one gzip-compressed file is unpacked to (import and upload)."""
    if explicit is not None:
        return explicit
    value = os.environ.get("RIGHTS_ARCHIVE_MAX_DECOMPRESSED", "").strip()
    if not value:
        return DEFAULT_MAX_DECOMPRESSED
    try:
        return int(value)
    except ValueError:
        raise ValueError("RIGHTS_ARCHIVE_MAX_DECOMPRESSED must be a number of bytes, "
                         f"not {value!r}") from None
