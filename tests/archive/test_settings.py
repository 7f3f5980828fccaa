"""The settings object: every variable read in one place, typed, and documented."""

from __future__ import annotations

import ast
from dataclasses import fields
from pathlib import Path

import pytest

from archive.settings import DEFAULT_MAX_DECOMPRESSED, Settings, table
from tests.support import open_app
from web.settings import WebSettings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("kind", [Settings, WebSettings])
def test_operators_md_has_the_table_of_every_setting(kind: type) -> None:
    # Regenerate with: python -c "from archive.settings import table; print(table())"
    # (for the web server's: from web.settings import WebSettings; print(table(WebSettings)))
    assert table(kind) in (ROOT / "docs" / "operators.md").read_text(encoding="utf-8")
    assert table(kind).count("| `RIGHTS_ARCHIVE_") == len(fields(kind))


def test_each_web_setting_is_its_config_key_with_the_prefix() -> None:
    names = {spec.metadata["env"]: spec.name for spec in fields(WebSettings)}
    assert {env: f"RIGHTS_ARCHIVE_{name.upper()}" for env, name in names.items()} == \
        {env: env for env in names}
    assert set(WebSettings().config()) == {name.upper() for name in names.values()}
    assert not set(names) & {spec.metadata["env"] for spec in fields(Settings)}


def _config_defaults(source: str) -> list[int]:
    """Lines where ``source`` gives a config key a default of its own:
    ``….config.setdefault(…)`` or ``….config.get(key, default)``."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = ast.unparse(node.func.value)
            if owner.endswith("config") and (node.func.attr == "setdefault" or (
                    node.func.attr == "get" and len(node.args) == 2)):
                lines.append(node.lineno)
    return sorted(lines)


def test_no_web_module_keeps_a_default_of_its_own() -> None:
    keepers = {f"{path.relative_to(ROOT)}:{line}" for path in (ROOT / "web").rglob("*.py")
               for line in _config_defaults(path.read_text(encoding="utf-8"))}
    assert keepers == set()
    # The check finds the defaults this replaced (web/dumps.py and web/oai.py before it).
    assert _config_defaults('app.config.setdefault("DUMPS_FIRST_WAIT", 10.0)\n'
                            'size = current_app.config.get("OAI_PAGE_SIZE", 100)\n'
                            'name = config.get("DATA_DIR")\n') == [1, 2]


def test_the_app_takes_the_web_settings_from_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIGHTS_ARCHIVE_OAI_PAGE_SIZE", "7")
    monkeypatch.setenv("RIGHTS_ARCHIVE_PAGE_CACHE", "false")
    monkeypatch.setenv("RIGHTS_ARCHIVE_SPARQL_QUEUE_WAIT", "0.5")
    with open_app(tmp_path / "data") as app:
        assert (app.config["OAI_PAGE_SIZE"], app.config["PAGE_CACHE"],
                app.config["SPARQL_QUEUE_WAIT"]) == (7, False, 0.5)
        assert "page_cache" not in app.extensions
        assert app.config["RATELIMIT_API"] == "300 per minute"


def test_web_values_are_typed_and_a_bad_one_is_named() -> None:
    read = WebSettings.from_environ({
        "RIGHTS_ARCHIVE_PAGE_CACHE": "off", "RIGHTS_ARCHIVE_PROXIES": "1",
        "RIGHTS_ARCHIVE_SEARCH_TIME_BUDGET": "0", "RIGHTS_ARCHIVE_DUMPS_DIR": "/srv/dumps",
        "RIGHTS_ARCHIVE_UPLOAD_WORKERS": " ", "RIGHTS_ARCHIVE_RATELIMIT_API": "5 per second",
    })
    assert (read.page_cache, read.proxies, read.search_time_budget, read.dumps_dir,
            read.upload_workers, read.ratelimit_api) == (
        False, 1, 0.0, Path("/srv/dumps"), 2, "5 per second")
    assert WebSettings.from_environ({}) == WebSettings()
    with pytest.raises(ValueError, match="RIGHTS_ARCHIVE_PAGE_CACHE must be true or false, "
                                         "not 'maybe'"):
        WebSettings.from_environ({"RIGHTS_ARCHIVE_PAGE_CACHE": "maybe"})
    with pytest.raises(ValueError, match="RIGHTS_ARCHIVE_SPARQL_TIMEOUT must be a number of "
                                         "seconds, not '30s'"):
        WebSettings.from_environ({"RIGHTS_ARCHIVE_SPARQL_TIMEOUT": "30s"})


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
