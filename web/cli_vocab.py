"""``rights-archive thesaurus``: import external SKOS thesauri and list what is stored."""

from __future__ import annotations

from pathlib import Path

import click

from archive import BadInput
from vocab.skos_import import concept_schemes, import_skos
from web.cli_context import Context


@click.group()
def thesaurus() -> None:
    """External SKOS thesauri stored beside the archive's own vocabulary."""


@thesaurus.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--scheme", default=None, help="Keep only the scheme with this slug or title.")
@click.option("--name", default=None, help="Name of the stored copy (default: file name).")
@click.pass_obj
def import_thesaurus(ctx: Context, file: Path, scheme: str | None, name: str | None) -> None:
    """Import a SKOS thesaurus file (any RDF format) as extra concept schemes."""
    with ctx.archive(with_index=False) as (archive, _):
        try:
            graph = import_skos(file, archive.base, scheme)
        except ValueError as error:
            raise BadInput(str(error), file.name) from None
        target = archive.import_thesaurus(graph, name or file.stem)
        schemes = concept_schemes(graph)
    click.echo(f"stored {len(schemes)} concept schemes, "
               f"{sum(count for _, _, count in schemes):,} concepts as <{target}>")


@thesaurus.command("list")
@click.pass_obj
def list_thesauri(ctx: Context) -> None:
    """List the imported thesauri and their schemes."""
    with ctx.archive(with_index=False) as (archive, _):
        for name in archive.imported_thesauri():
            graph = archive.thesaurus_graph(name)
            click.echo(f"{name}")
            for uri, title, count in concept_schemes(graph):
                click.echo(f"  {title} ({count} concepts) <{uri}>")
