"""Every setting the process reads from its environment, in one typed object.

:func:`settings` reads each ``RIGHTS_ARCHIVE_*`` variable below (``env`` in each field's
metadata, with its meaning) in one place; the rest of the code asks the returned
:class:`Settings` and never reads ``os.environ`` itself. docs/operators.md has the table
of these settings (a test checks it names every field). The web app's own limits and
names (rate limits, page cache, SPARQL, uploads, OAI-PMH) are a dataclass of the same
kind, ``web.settings.WebSettings``, read by :func:`read_environ` here too.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import Field, dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

DEFAULT_BASE = "http://localhost:5000/"
DEFAULT_DATA = Path("data")
DEFAULT_MAX_DECOMPRESSED = 128 * 1024 * 1024
DEFAULT_CORPUS = (Path(__file__).resolve().parents[2] / "shared" / "corpus"
                  / "ungdc-1990-2024.jsonl.gz")


T = TypeVar("T")
#: What a parser answers for a value that counts as unset (blank where a number is wanted).
UNSET = object()


def doc(env: str, meaning: str, shown: str | None = None, kind: type | None = None
        ) -> dict[str, Any]:
    """A field's variable, its meaning, (when the value would mislead) how its default is
    shown in the table, and (when the default is None) the type of a value."""
    return {"env": env, "meaning": meaning, "shown": shown, "kind": kind}



@dataclass(frozen=True)
class Settings:
    """The process's settings; an unset (or empty) variable leaves the default."""

    data: Path = field(default=DEFAULT_DATA, metadata=doc(
        "RIGHTS_ARCHIVE_DATA", "the data folder (store, index, accounts)"))
    base_uri: str | None = field(default=None, metadata=doc(
        "RIGHTS_ARCHIVE_BASE_URI", "the base of minted URIs when an archive is created "
        f"(default {DEFAULT_BASE})"))
    store: str | None = field(default=None, metadata=doc(
        "RIGHTS_ARCHIVE_STORE", "a SPARQL 1.1 endpoint URL (or folder) to keep the store in "
        "instead of DATA/store"))
    store_update: str | None = field(default=None, metadata=doc(
        "RIGHTS_ARCHIVE_STORE_UPDATE", "the endpoint's update URL when it differs from "
        "RIGHTS_ARCHIVE_STORE"))
    store_user: str | None = field(default=None, metadata=doc(
        "RIGHTS_ARCHIVE_STORE_USER", "the user the remote store is written as"))
    store_password: str = field(default="", metadata=doc(
        "RIGHTS_ARCHIVE_STORE_PASSWORD", "that user's password"))
    store_auth: str | None = field(default=None, metadata=doc(
        "RIGHTS_ARCHIVE_STORE_AUTH", "`digest` or `basic` (default: digest for a path "
        "ending in -auth, as Virtuoso's /sparql-auth)"))
    store_chunk: int | None = field(default=None, metadata=doc(
        "RIGHTS_ARCHIVE_STORE_CHUNK", "quads per update request (0: all; default 250 on "
        "Virtuoso, else all)"))
    max_decompressed: int = field(
        default=DEFAULT_MAX_DECOMPRESSED, metadata=doc(
        "RIGHTS_ARCHIVE_MAX_DECOMPRESSED", "the most bytes one gzip-compressed file unpacks "
        "to, on import and upload (128 MiB)"))
    secret_key: str | None = field(default=None, metadata=doc(
        "RIGHTS_ARCHIVE_SECRET_KEY", "signs sign-in sessions (default: a key kept in "
        "DATA/secret_key)"))
    token_pepper: str = field(default="", metadata=doc(
        "RIGHTS_ARCHIVE_TOKEN_PEPPER", "a secret mixed into every stored token hash"))
    access_log: str | None = field(default="-", metadata=doc(
        "RIGHTS_ARCHIVE_ACCESS_LOG", "gunicorn's access log: `-` (standard error), a file "
        "path, or `off`"))
    corpus: Path = field(default=DEFAULT_CORPUS, metadata=doc(
        "RIGHTS_ARCHIVE_CORPUS", "the UN General Debate corpus file "
        "(ungdc-1990-2024.jsonl.gz) the benchmark data is generated from",
        "the copy kept next to the project folder"))

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings in ``environ`` (default: this process's environment)."""
        return read_environ(cls, environ, _parse_setting)


_NUMBERS = ("max_decompressed", "store_chunk")


def read_environ(cls: type[T], environ: Mapping[str, str] | None = None,
                 parse: Callable[[Field, str], object] | None = None) -> T:
    """An instance of the settings dataclass ``cls`` from ``environ`` (default: this
    process's environment): each field from the variable in its metadata, parsed by
    ``parse`` (default :func:`typed_value`); an unset or empty variable keeps the default."""
    environ = os.environ if environ is None else environ
    parse = parse or typed_value
    values: dict[str, object] = {}
    for spec in fields(cls):  # type: ignore[arg-type]
        text = environ.get(spec.metadata["env"], "")
        if text:
            value = parse(spec, text)
            if value is not UNSET:
                values[spec.name] = value
    return cls(**values)


def kind_of(spec: Field) -> type:
    """The type of a field's values: its metadata's ``kind``, else its default's."""
    return spec.metadata.get("kind") or type(spec.default)


def typed_value(spec: Field, text: str) -> object:
    """``text`` as the field's type: ``true``/``false`` (also 1/0, yes/no, on/off) for a
    flag, a number (blank: unset), a path, or the text as it is."""
    kind, env, value = kind_of(spec), spec.metadata["env"], text.strip()
    if kind is bool:
        if value.lower() in ("true", "1", "yes", "on"):
            return True
        if value.lower() in ("false", "0", "no", "off"):
            return False
        raise ValueError(f"{env} must be true or false, not {value!r}")
    if kind in (int, float):
        if not value:
            return UNSET
        try:
            return kind(value)
        except ValueError:
            raise ValueError(f"{env} must be a number"
                             f"{' of seconds' if kind is float else ''}, not {value!r}"
                             ) from None
    if kind is Path:
        return Path(text)
    return text


def table(cls: type | None = None) -> str:
    """The Markdown table of every setting of ``cls`` (default :class:`Settings`), as
    docs/operators.md has it."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for spec in fields(cls or Settings):
        shown = spec.metadata["shown"]
        if shown is None:
            default = spec.default
            shown = ("(unset)" if default in (None, "") else
                     f"`{str(default).lower()}`" if isinstance(default, bool) else
                     f"`{default}`")
        rows.append(f"| `{spec.metadata['env']}` | {shown} | {spec.metadata['meaning']} |")
    return "\n".join(rows) + "\n"


def _parse_setting(spec: Field, text: str) -> object:
    if not text.strip() and spec.name in _NUMBERS:
        return UNSET
    return _parse(spec.name, spec.metadata["env"], text)


def _parse(name: str, env: str, text: str) -> object:
    if name in ("data", "corpus"):
        return Path(text)
    if name == "access_log":
        target = text.strip()
        return None if target.lower() in ("off", "none") else target
    if name in _NUMBERS:
        try:
            return int(text.strip())
        except ValueError:
            raise ValueError(f"{env} must be a number"
                             f"{' of bytes' if name == 'max_decompressed' else ''}, "
                             f"not {text.strip()!r}") from None
    return text


def settings() -> Settings:
    """The settings of this process's environment as it is now."""
    return Settings.from_environ()


def data_dir(explicit: str | Path | None = None) -> Path:
    """The data folder: the explicit one, else $RIGHTS_ARCHIVE_DATA, else ./data."""
    return Path(explicit or settings().data)


def base_uri(explicit: str | None = None) -> str:
    """The base of minted URIs, always ending with a slash."""
    base = explicit or settings().base_uri or DEFAULT_BASE
    return base if base.endswith("/") else base + "/"


def max_decompressed(explicit: int | None = None) -> int:
    """The most bytes one gzip-compressed file is unpacked to (import and upload)."""
    return explicit if explicit is not None else settings().max_decompressed
