"""Each kind of failure of ``rights-archive`` exits with its own status, as the table says."""

from __future__ import annotations

import re
from pathlib import Path

from archive import Archive
from tests.support import SAMPLE
from tests.web.test_cli import run
from web import cli


def test_the_docstring_table_is_the_exit_codes() -> None:
    assert cli.__doc__ is not None
    rows = {int(code) for code in re.findall(r"^(\d+) {2,}\S", cli.__doc__, re.M)}
    assert rows == {0, *cli.EXIT_CODES.values()}
    assert cli.EXIT_CODES == {"bad input": 2, "not found": 3, "conflict": 4, "forbidden": 5,
                              "store busy": 6, "check failed": 7, "other refusal": 1,
                              "interrupted": 130}


def test_each_failure_kind_gives_its_code(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    usage = run(folder, "import")  # no files: click's usage error
    assert usage.returncode == cli.EXIT_CODES["bad input"], usage.stderr
    missing = run(folder, "token", "list")  # was 1 (a bare ClickException)
    assert missing.returncode == cli.EXIT_CODES["not found"], missing.stderr
    assert f"error: there is no archive in {folder}" in missing.stderr
    holder = Archive(folder)
    busy = run(folder, "reindex")
    holder.close()
    assert busy.returncode == cli.EXIT_CODES["store busy"], busy.stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": 1}', encoding="utf-8")
    refused = run(folder, "validate", str(bad))
    assert refused.returncode == cli.EXIT_CODES["bad input"], refused.stderr
    assert run(folder, "import", str(SAMPLE / "statements.jsonl")).returncode == 0
    assert "Traceback" not in missing.stderr + busy.stderr + refused.stderr
