"""``qstation auth``, ``qstation users`` and ``qstation tokens``: logins and accounts."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from qstation.cli._common import SDKGroup, table, with_client

if TYPE_CHECKING:  # the SDK is imported when a command runs (see qstation.cli._common)
    from qstation.client import IQMClient
    from qstation.client.auth import TokensFile

_FILE_OPTION = click.option(
    "--tokens-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where the tokens live (default: IQM_TOKENS_FILE or ~/.config/qstation/tokens.json).",
)


def _file(path: Path | None) -> TokensFile:
    from qstation.client.auth import TokensFile, default_tokens_file

    env = os.environ.get("IQM_TOKENS_FILE")
    return TokensFile(path or (Path(env) if env else default_tokens_file()))


@click.group(cls=SDKGroup)
def auth() -> None:
    """Log in to a qstation server and keep a tokens file for the SDK and the CLI."""


@auth.command("login")
@click.option("--server", default=None, metavar="URL", help="Server URL (default: IQM_SERVER_URL).")
@click.option("--username", prompt=True, help="Your user name.")
@click.password_option(confirmation_prompt=False, help="Your password (prompted if left out).")
@_FILE_OPTION
def auth_login(server: str | None, username: str, password: str, tokens_file: Path | None) -> None:
    """Log in and write a tokens file (clients refresh it in place before it expires)."""
    from qstation.client import ClientConfigurationError
    from qstation.client.auth import login, save_tokens_file

    url = server or os.environ.get("IQM_SERVER_URL")
    if not url:
        raise ClientConfigurationError("no server URL: pass --server or set IQM_SERVER_URL")
    url = url.rstrip("/")
    tokens = login(url, username, password)
    file = save_tokens_file(_file(tokens_file).path, tokens, url, server_url=url)
    click.echo(f"logged in to {url} as {username}; tokens in {file.path}")


@auth.command("status")
@_FILE_OPTION
def auth_status(tokens_file: Path | None) -> None:
    """Show who is logged in and how long the tokens last (refreshing them if due)."""
    from qstation.client import IQMClient
    from qstation.client.auth import seconds_left

    file = _file(tokens_file)
    data = file.read()
    url = str(data.get("server_url") or data.get("auth_server_url") or "")
    with IQMClient(url or None, tokens_file=str(file.path)) as client:
        me = client.server.whoami()
    data = file.read()  # the client may have refreshed it
    role = " (admin)" if me.is_admin else ""
    click.echo(f"logged in to {url} as {me.username}{role}; tokens file {file.path}")
    for key in ("access_token", "refresh_token"):
        token = data.get(key)
        left = seconds_left(token) if isinstance(token, str) else None
        if left is not None:
            state = f"valid for {left:.0f} s" if left > 0 else "expired"
            click.echo(f"  {key.replace('_', ' ')}: {state}")


@auth.command("logout")
@_FILE_OPTION
def auth_logout(tokens_file: Path | None) -> None:
    """End the session on the server and delete the tokens file."""
    from qstation.client.auth import revoke

    file = _file(tokens_file)
    data = file.read()
    token = data.get("refresh_token") or data.get("access_token")
    url = data.get("auth_server_url")
    if isinstance(token, str) and isinstance(url, str):
        revoke(url, token)
    file.path.unlink(missing_ok=True)
    click.echo(f"logged out; removed {file.path}")


@click.group(cls=SDKGroup)
def users() -> None:
    """Users of the server (admin)."""


@users.command("add")
@click.argument("username")
@click.password_option(help="The new user's password (prompted if left out).")
@click.option("--admin", is_flag=True, help="Make the user an admin.")
@with_client
def users_add(client: IQMClient, username: str, password: str, admin: bool) -> None:
    """Add a user."""
    user = client.server.create_user(username, password, is_admin=admin)
    click.echo(f"added {user.username}{' (admin)' if user.is_admin else ''}")


@users.command("list")
@with_client
def users_list(client: IQMClient) -> None:
    """List users."""
    rows = [
        (u.username, "yes" if u.is_admin else "no", f"{u.created_at:%Y-%m-%d %H:%M}")
        for u in client.server.list_users()
    ]
    click.echo(table(("USER", "ADMIN", "CREATED (UTC)"), rows))


@users.command("remove")
@click.argument("username")
@with_client
def users_remove(client: IQMClient, username: str) -> None:
    """Remove a user and revoke their tokens (their jobs stay)."""
    client.server.delete_user(username)
    click.echo(f"removed {username}")


@click.group(cls=SDKGroup)
def tokens() -> None:
    """Long-lived API tokens (for scripts and services)."""


@tokens.command("create")
@click.option("--user", "username", default=None, help="For another user (admin).")
@click.option("--label", default="", help="A note to recognise the token by.")
@click.option("--expires-in", type=int, default=None, help="Lifetime in seconds (default: none).")
@with_client
def tokens_create(
    client: IQMClient, username: str | None, label: str, expires_in: int | None
) -> None:
    """Create an API token and print it (it is shown only once)."""
    issued = client.server.create_api_token(username=username, label=label, expires_in=expires_in)
    click.echo(
        f"# token {issued.id} for {issued.username}; use with IQM_TOKEN or --token", err=True
    )
    click.echo(issued.token)


@tokens.command("list")
@click.option("--all", "all_users", is_flag=True, help="Everyone's (admin).")
@with_client
def tokens_list(client: IQMClient, all_users: bool) -> None:
    """List sessions and API tokens."""
    now = time.time()
    rows = [
        (
            t.id,
            t.username,
            t.kind,
            t.label or "-",
            "revoked"
            if t.revoked
            else ("expired" if t.expires_at and t.expires_at.timestamp() < now else "active"),
        )
        for t in client.server.list_api_tokens(all_users=all_users)
    ]
    click.echo(table(("ID", "USER", "KIND", "LABEL", "STATE"), rows))


@tokens.command("revoke")
@click.argument("token_id")
@with_client
def tokens_revoke(client: IQMClient, token_id: str) -> None:
    """Revoke a session or API token by id."""
    client.server.revoke_token(token_id)
    click.echo(f"revoked {token_id}")


AUTH_COMMANDS = (auth, users, tokens)
