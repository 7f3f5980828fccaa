"""The ``token`` and ``account`` commands: who may write, managed from the shell.

``token create`` prints the new token once (only its hash is kept); ``account create`` reads
the password from a prompt or standard input. Both act on ``DATA_DIR/auth.sqlite3`` and may
run while the server does (SQLite handles the two processes).
"""

from __future__ import annotations

import sys

import click

from archive.errors import NotFound
from web.auth import ROLES, AuthStore

_ROLE = click.Choice(ROLES)


def _auth(ctx: click.Context) -> AuthStore:
    folder = ctx.find_root().obj.folder
    if not folder.is_dir():
        raise NotFound(f"there is no archive in {folder}; run 'rights-archive create' first")
    return AuthStore(folder / "auth.sqlite3")


@click.group()
def token() -> None:
    """Write tokens for the API: create, list, revoke."""


@token.command("create")
@click.option("--role", type=_ROLE, default="editor", show_default=True)
@click.option("--name", required=True, help="Who or what the token is for (shown in history).")
@click.option("--expires-days", type=click.IntRange(min=1), default=None,
              help="Days until the token expires (default: never).")
@click.pass_context
def token_create(ctx: click.Context, role: str, name: str, expires_days: int | None) -> None:
    """Create a token and print it once."""
    token_id, secret = _auth(ctx).create_token(name, role, expires_days)
    click.echo(f"token {token_id} for '{name}' ({role}); store it now, it is not shown again:",
               err=True)
    click.echo(secret)


@token.command("list")
@click.pass_context
def token_list(ctx: click.Context) -> None:
    """List tokens (never their secrets)."""
    for row in _auth(ctx).tokens():
        state = (f"revoked {row['revoked']}" if row["revoked"]
                 else f"expires {row['expires']}" if row["expires"] else "active")
        click.echo(f"{row['id']}  {row['role']:<6}  {row['name']}  ({state}; last used "
                   f"{row['last_used'] or 'never'})")


@token.command("revoke")
@click.argument("token_id")
@click.pass_context
def token_revoke(ctx: click.Context, token_id: str) -> None:
    """Revoke a token by its id (effective at once, also for a running server)."""
    _auth(ctx).revoke_token(token_id)
    click.echo(f"token {token_id} revoked")


@click.group()
def account() -> None:
    """Accounts for web sign-in: create, list, disable."""


@account.command("create")
@click.argument("name")
@click.option("--role", type=_ROLE, default="editor", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_context
def account_create(ctx: click.Context, name: str, role: str, password_stdin: bool) -> None:
    """Create an account (the password is asked for, or read from stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    _auth(ctx).create_account(name, role, password)
    click.echo(f"account '{name}' created ({role})")


@account.command("list")
@click.pass_context
def account_list(ctx: click.Context) -> None:
    """List accounts."""
    for row in _auth(ctx).accounts():
        state = f"disabled {row['disabled']}" if row["disabled"] else "active"
        click.echo(f"{row['name']:<24} {row['role']:<6} {state}")


@account.command("disable")
@click.argument("name")
@click.pass_context
def account_disable(ctx: click.Context, name: str) -> None:
    """Disable an account: it can no longer sign in, and its sessions end."""
    _auth(ctx).disable_account(name)
    click.echo(f"account '{name}' disabled")
