"""The ``rights-archive`` command: the whole life of an archive from the shell.

Every subcommand opens the data folder (``--data DIR``, $RIGHTS_ARCHIVE_DATA or ./data);
those that change records go through the one write path and then bring the index up to
date. Those that only read (``validate``, ``suggest``, ``check``, ``export``, ``backup``)
open the store read-only when a running server holds it, so they work beside it.
Refusals print their message on standard error and exit with the status of their kind
(``EXIT_CODES``; docs/operators.md repeats the table):

====  ==========================================================================
code  failure
====  ==========================================================================
0     done
1     any other refusal (e.g. a remote store's error)
2     bad input: a file or value refused (nothing was stored), or a wrong option
      or argument (click's usage error)
3     not found: no such record, account, token or archive folder (or gone)
4     conflict: the write clashes with the archive as it is now (a stale version)
5     forbidden: the account or token may not do this
6     store busy: another process holds the store for writing
7     check failed: ``check`` found the index or a record out of line
130   interrupted (Ctrl-C)
====  ==========================================================================

The commands of other modules (``token``, ``account``, ``thesaurus``, ``migrate``) are
added to the group in one place, below it.
"""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from archive import Archive, ArchiveError, BadInput, StoreLocked
from archive.errors import Conflict, Forbidden, NotFound
from archive.export import EXPORT_FORMATS, backup, export, restore
from archive.ingest import import_files, read_file
from archive.languages import language_warnings
from archive.settings import data_dir
from archive.suggest import Candidate, file_candidates, in_this_file, titles_like
from archive.suggest import suggest as suggest_from_text
from search import SearchIndex
from search.engine import check_whoosh
from web import cli_migrate, cli_tokens, cli_vocab
from web.cli_context import Context, locked

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "archive" / "sample"
SAMPLE_FILES = ("statements.jsonl", "ungdc-selection.jsonl")
CHECK_FAILED = 7  # `check` found the index or a record out of line
INTERRUPTED = 130  # Ctrl-C, as a shell reports SIGINT


def _agent() -> str:
    try:
        return f"cli-{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _bar(total: int, desc: str) -> tqdm:
    return tqdm(total=total, desc=desc, unit="rec", file=sys.stderr, leave=False,
                disable=None, dynamic_ncols=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data", "folder", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Data folder (default: $RIGHTS_ARCHIVE_DATA or ./data).")
@click.pass_context
def cli(ctx: click.Context, folder: Path | None) -> None:
    """Linked-data archive of human-rights statements."""
    ctx.obj = Context(data_dir(folder))


#: The commands kept in their own modules, added here (the rest are defined below).
for command in (cli_tokens.token, cli_tokens.account, cli_vocab.thesaurus, cli_migrate.migrate):
    cli.add_command(command)


@cli.command()
@click.option("--sample", is_flag=True, help="Also load the bundled sample collection.")
@click.pass_obj
def create(ctx: Context, sample: bool) -> None:
    """Create the archive's data folder (store, vocabulary, index)."""
    with ctx.archive(follow=False) as (archive, index):
        if sample and archive.last_sequence() == 0:
            _import(archive, [SAMPLE_DIR / name for name in SAMPLE_FILES], agent="sample")
        assert index is not None
        _index(index)
        click.echo(f"archive ready in {ctx.folder} ({sum(1 for _ in archive.record_ids())} "
                   f"statements, URIs under {archive.base})")


def _import(archive: Archive, paths: list[Path], *, agent: str, dayfirst: bool | None = None,
            dry_run: bool = False, note: str | None = None) -> list[Any]:
    bars: list[tqdm] = []

    def progress(path: Path) -> Callable[[int, int, str], None]:
        bar = _bar(0, path.name)
        bars.append(bar)

        def update(done: int, total: int, stage: str) -> None:
            bar.total = total
            bar.set_postfix_str(stage)
            bar.n = done
            bar.refresh()

        return update

    try:
        return import_files(archive, paths, agent=agent, dayfirst=dayfirst, dry_run=dry_run,
                            progress=progress, note=note)
    finally:
        for bar in bars:
            bar.close()


_DATE_ORDER = click.Choice(["day", "month"])


@cli.command("import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--first", "first", type=_DATE_ORDER, default=None,
              help="In numeric dates such as 03/04/2018, which comes first.")
@click.option("--note", default=None,
              help="Why: kept with every version this import makes, shown in the history.")
@click.pass_obj
def import_(ctx: Context, files: tuple[Path, ...], first: str | None, note: str | None
            ) -> None:
    """Import records from .json, .jsonl, .csv, .ttl, .jsonld, .nq, .trig (each all or nothing)."""
    with ctx.archive(follow=False) as (archive, index):
        try:
            saved = _import(archive, list(files), agent=_agent(), note=note,
                            dayfirst=None if first is None else first == "day")
        finally:
            assert index is not None
            _index(index)  # what was stored is indexed, even if a later file was refused
        click.echo(f"imported {_statements(len(saved))} from {len(files)} file(s)")
        for item in saved:
            if item.notice:
                click.echo(f"{item.id}: {item.notice}")


def _index(index: SearchIndex) -> None:
    """Bring the index up to date with a progress bar (the long part of an import)."""
    bar = _bar(0, "index")
    index.catch_up(lambda done, total: _advance(bar, done, total))
    bar.close()


def _advance(bar: tqdm, done: int, total: int) -> None:
    bar.total = total
    bar.n = done
    bar.refresh()


@cli.command()
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--first", type=_DATE_ORDER, default=None)
@click.pass_obj
def validate(ctx: Context, files: tuple[Path, ...], first: str | None) -> None:
    """Check files as an import would, storing nothing; every file is reported."""
    refused: list[tuple[Path, ArchiveError]] = []
    total = 0
    with ctx.reading() as archive:
        for path in files:
            try:
                saved = _import(archive, [path], agent=_agent(), dry_run=True,
                                dayfirst=None if first is None else first == "day")
            except ArchiveError as error:
                refused.append((path, error))
                click.echo(f"{path}: refused", err=True)
                click.echo(f"error: {error}", err=True)
                continue
            total += len(saved)
            warnings = _language_warnings(archive, path)
            tail = f"; {len(warnings)} warning{'s' if len(warnings) != 1 else ''}" \
                if warnings else ""
            click.echo(f"{path}: {_statements(len(saved))} would be imported; no problems "
                       f"found{tail}")
            for warning in warnings:
                click.echo(f"warning: {warning}", err=True)
    if refused:
        names = ", ".join(str(path) for path, _ in refused)
        click.echo(f"{len(refused)} of {len(files)} files have problems: {names}", err=True)
        raise click.exceptions.Exit(refused[0][1].exit_code)
    if len(files) > 1:
        click.echo(f"{_statements(total)} in {len(files)} files would be imported; "
                   "no problems found")


def _language_warnings(archive: Archive, path: Path) -> list[str]:
    """Texts whose script contradicts their language tag (warnings, not refusals)."""
    found = []
    for number, payload in enumerate(read_file(path, archive), start=1):
        data = payload.data
        if not isinstance(data, dict):
            continue
        label = data.get("id") if isinstance(data.get("id"), str) else f"#{number}"
        for key, message, meant in language_warnings(data):
            found.append(f"record {label}, key '{key}': {message}"
                         + (f" (did you mean language '{meant}'?)" if meant else ""))
    return found


def _statements(count: int) -> str:
    return f"{count} statement" + ("" if count == 1 else "s")


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the suggestions as JSON.")
@click.pass_obj
def suggest(ctx: Context, file: Path, as_json: bool) -> None:
    """Suggest treaties, dates, see-also links and topics from a text or record file."""
    with ctx.reading() as archive:
        records: list[dict[str, Any]] = []
        if file.suffix.lower() in (".txt", ".md", ".text"):
            texts = [(file.name, file.read_text(encoding="utf-8"))]
        else:
            records = [p.data for p in read_file(file, archive) if isinstance(p.data, dict)]
            texts = [(str(r.get("id") or f"#{i}"), str(r.get("text") or ""))
                     for i, r in enumerate(records, start=1)]
        in_file = file_candidates(records)

        def candidates(line: str) -> list[Candidate]:
            return [*titles_like(archive, line), *in_file]

        found = {label: [in_this_file(s, in_file, archive).as_dict()
                         for s in suggest_from_text(archive, text, candidates)]
                 for label, text in texts}
        for (label, _), record in zip(texts, records, strict=False):
            for key, message, meant in language_warnings(record):
                found[label].append({"key": "language", "value": meant or "",
                                     "evidence": key, "reason": f"warning: {message}",
                                     "usable": meant is not None})
    if as_json:
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    for label, suggestions in found.items():
        click.echo(f"{label}:")
        for s in suggestions or [{"key": "-", "value": "no suggestions", "reason": ""}]:
            click.echo(f"  {s['key']:<11} {s['value']}  ({s['reason']})")


@cli.command("export")
@click.option("--format", "fmt", type=click.Choice(list(EXPORT_FORMATS)), default="nquads")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Output file (default: standard output).")
@click.option("--with-history", is_flag=True, help="Include versions and the change log.")
@click.option("--with-vocabulary", is_flag=True, help="Include the vocabulary graphs.")
@click.pass_obj
def export_(ctx: Context, fmt: str, output: Path | None, with_history: bool,
            with_vocabulary: bool) -> None:
    """Export the dataset (N-Quads, TriG, Turtle, JSON or JSON Lines)."""
    with ctx.reading() as archive:
        if output is None:
            count = export(archive, sys.stdout.buffer, fmt, with_history=with_history,
                           with_vocabulary=with_vocabulary)
        else:
            partial = output.with_name(output.name + ".part")
            with partial.open("wb") as handle:
                count = export(archive, handle, fmt, with_history=with_history,
                               with_vocabulary=with_vocabulary)
            partial.replace(output)
    click.echo(f"exported {count} statements", err=True)


@cli.command()
@click.pass_obj
def reindex(ctx: Context) -> None:
    """Rebuild the search index from the store (the server must be stopped)."""
    if locked(ctx):
        raise StoreLocked(
            f"the archive in {ctx.folder} is open in another process (a running "
            "'rights-archive serve' or an import), and the rebuilt index must replace the "
            "one that process searches. Stop the server, run "
            f"'rights-archive --data {ctx.folder} reindex', then start the server again. "
            "A server never needs this to catch up after its own writes, and it rebuilds an "
            "index of an older schema by itself when it starts.")
    with ctx.archive(with_index=False) as (archive, _):
        index = SearchIndex(ctx.folder / "index", archive, follow=False)
        bar = _bar(0, "reindex")
        count = index.reindex(lambda done, total: _advance(bar, done, total))
        bar.close()
        click.echo(f"indexed {count} statements")


@cli.command()
@click.pass_obj
def check(ctx: Context) -> None:
    """Check that the index agrees with the store and every record passes the shapes."""
    from archive.writes import Payload

    beside_server = locked(ctx)
    with ctx.reading() as archive:
        # Beside a running server the index is the server's to write: only read it.
        index = SearchIndex(ctx.folder / "index", archive, follow=False,
                            catch_up_at_start=not beside_server)
        differences = index.check()
        index.close()
        ids = list(archive.record_ids())
        records = [Payload(archive.record(i).to_json()) for i in ids]
        problems: list[str] = []
        for start in range(0, len(records), 500):
            chunk = records[start:start + 500]
            try:
                archive.save(chunk, agent="check", replace=True, dry_run=True)
            except BadInput as error:
                problems += [str(p) for p in error.problems]
    for line in differences:
        click.echo(f"index: {line}", err=True)
    for line in problems:
        click.echo(f"record: {line}", err=True)
    if differences or problems:
        raise click.exceptions.Exit(CHECK_FAILED)
    click.echo(f"ok: {len(ids)} statements; store and index agree; every record passes the "
               "shapes")


@cli.command("backup")
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def backup_(ctx: Context, target: Path) -> None:
    """Copy the archive consistently into TARGET (works while the server runs)."""
    with ctx.reading() as archive:
        backup(archive, target)
        count = archive.last_sequence()
    click.echo(f"backup written to {target} (change log at {count})")


@cli.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.pass_obj
def restore_(ctx: Context, source: Path) -> None:
    """Restore a backup into the (empty) data folder and rebuild the index."""
    restore(source, ctx.folder)
    with ctx.archive(with_index=False) as (archive, _):
        count = SearchIndex(ctx.folder / "index", archive).reindex(None)
    click.echo(f"restored {count} statements into {ctx.folder}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.pass_obj
def serve(ctx: Context, host: str, port: int, threads: int) -> None:
    """Serve the archive over HTTP (gunicorn, one process, several threads)."""
    from web.server import run

    check_whoosh()  # here, not in the worker, whose failure ends as a line deep in a log
    run(ctx.folder, host, port, threads)


#: Exit status of each kind of failure (the table in this module's docstring).
EXIT_CODES: dict[str, int] = {
    "bad input": BadInput.exit_code,
    "not found": NotFound.exit_code,
    "conflict": Conflict.exit_code,
    "forbidden": Forbidden.exit_code,
    "store busy": StoreLocked.exit_code,
    "check failed": CHECK_FAILED,
    "other refusal": ArchiveError.exit_code,
    "interrupted": INTERRUPTED,
}


def main() -> None:
    """Entry point: run the command, mapping refusals to messages and exit codes."""
    try:
        # Without standalone mode click returns an Exit's status instead of raising it.
        status = cli.main(standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(INTERRUPTED)
    except ArchiveError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(error.exit_code)
    if isinstance(status, int) and status:
        sys.exit(status)
