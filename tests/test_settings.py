"""The settings object: every variable read in one place, typed, and documented."""

from __future__ import annotations

import ast
from dataclasses import fields
from pathlib import Path

import pytest

from archive.settings import DEFAULT_MAX_DECOMPRESSED, Settings, table

ROOT = Path(__file__).resolve().parent.parent


def test_operators_md_has_the_table_of_every_setting() -> None:
    # Regenerate with: python -c "from archive.settings import table; print(table())"
    assert table() in (ROOT / "docs" / "operators.md").read_text(encoding="utf-8")
    assert table().count("| `RIGHTS_ARCHIVE_") == len(fields(Settings))


def _environment_reads(source: str) -> list[int]:
    """Lines where ``source`` reads one variable (os.environ.get/[...], os.getenv)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        target = node.func if isinstance(node, ast.Call) else (
            node.value if isinstance(node, ast.Subscript) else None)
        text = ast.unparse(target) if target is not None else ""
        if text in ("os.environ.get", "os.getenv", "os.environ"):
            lines.append(node.lineno)
    return sorted(lines)


def test_only_the_settings_module_reads_the_environment() -> None:
    readers = {
        f"{path.relative_to(ROOT)}:{line}"
        for package in ("archive", "search", "web", "vocab")
        for path in (ROOT / package).rglob("*.py")
        if path != ROOT / "archive" / "settings.py"
        for line in _environment_reads(path.read_text(encoding="utf-8"))
    }
    assert readers == set()
    # The check finds the reads this replaced (web/security.py and web/server.py before it).
    assert _environment_reads('if os.environ.get("A"):\n    key = os.environ["A"]\n'
                              'log = os.getenv("B", "-")\n') == [1, 2, 3]


def test_values_are_typed_and_empty_means_default() -> None:
    read = Settings.from_environ({
        "RIGHTS_ARCHIVE_DATA": "/srv/archive", "RIGHTS_ARCHIVE_STORE_CHUNK": "0",
        "RIGHTS_ARCHIVE_MAX_DECOMPRESSED": " ", "RIGHTS_ARCHIVE_ACCESS_LOG": "off",
        "RIGHTS_ARCHIVE_BASE_URI": "", "RIGHTS_ARCHIVE_STORE_PASSWORD": " secret ",
    })
    assert read.data == Path("/srv/archive")
    assert read.store_chunk == 0
    assert read.max_decompressed == DEFAULT_MAX_DECOMPRESSED
    assert read.access_log is None
    assert read.base_uri is None
    assert read.store_password == " secret "  # a password is taken as it is
    assert Settings.from_environ({}) == Settings()


def test_a_number_that_is_not_one_is_named() -> None:
    with pytest.raises(ValueError, match="RIGHTS_ARCHIVE_STORE_CHUNK must be a number, "
                                         "not 'many'"):
        Settings.from_environ({"RIGHTS_ARCHIVE_STORE_CHUNK": "many"})
