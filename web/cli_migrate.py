"""The ``migrate`` command: copy the archive between the embedded store and a SPARQL engine.

``rights-archive migrate --to URL`` moves the data folder's archive onto a remote engine
(credentials from $RIGHTS_ARCHIVE_STORE_USER/_PASSWORD); ``--from URL --to DIR`` brings it
back. Change log and history come along; the copy is verified graph by graph.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from tqdm import tqdm

from archive import Archive
from archive.migrate import migrate as copy_archive
from archive.settings import settings
from archive.store import is_remote


def _open(location: str | None, folder: Path, base: str | None) -> Archive:
    """The archive at a URL or folder (None: the data folder, or $RIGHTS_ARCHIVE_STORE)."""
    if location is None:
        return Archive(folder, base)
    if is_remote(location):
        return Archive(None, base, store=location)
    return Archive(Path(location), base, store=Path(location) / "store")


@click.command("migrate")
@click.option("--to", "target", required=True,
              help="Where to copy the archive: a new data folder or a SPARQL endpoint URL.")
@click.option("--from", "source", default=None,
              help="Copy from this folder or URL instead of the data folder.")
@click.option("--base", default=None,
              help="Base URI of the archive (needed when the source is a URL; default: "
                   "$RIGHTS_ARCHIVE_BASE_URI).")
@click.pass_context
def migrate(ctx: click.Context, target: str, source: str | None, base: str | None) -> None:
    """Copy the whole archive to another store backend, verified isomorphic."""
    base = base or settings().base_uri
    folder = ctx.find_root().obj.folder
    with _open(source, folder, base) as origin, _open(target, folder, origin.base) as copy:
        bar = tqdm(total=0, desc="graphs", unit="graph", file=sys.stderr, leave=False,
                   disable=None)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            result = copy_archive(origin, copy, progress)
        finally:
            bar.close()
    click.echo(f"copied {result.graphs} graphs ({result.quads} quads, change log up to "
               f"{result.last_sequence}) to {target}; verified isomorphic. Run "
               "'rights-archive reindex' where the search index should follow it.")
