"""`triage serve`: the app in a browser on the practice network, each browser session starting
on the login screen (docs/security.md, In a browser)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from triage.cli import context, output
from triage.errors import UserError
from triage.services.auth import PASSWORD_FILE_VARIABLE
from triage.services.serving import check_servable

_FILE = click.Path(path_type=Path, dir_okay=False)


@click.command("serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="The address to listen on. Any but this computer's own needs --certificate and --key.",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--certificate",
    type=_FILE,
    metavar="CERT.pem",
    help="Serve over https with this PEM certificate (and its chain).",
)
@click.option(
    "--key", type=_FILE, metavar="KEY.pem", help="The certificate's private key (chmod 600)."
)
def serve_command(host: str, port: int, certificate: Path | None, key: Path | None) -> None:
    """Offer the app to web browsers at http(s)://HOST:PORT. Each browser session opens on the
    login screen and acts only as the person who logs in there; quitting ends it."""
    # aiohttp and textual-serve load only here: no other command pays for them.
    from triage.web_server import TriageServer, app_command, is_this_computer_only, tls_context

    options = context.current()
    if options.demo:
        raise click.UsageError("the demo has no passwords, so it is not served; serve a database")
    if (certificate is None) != (key is None):
        raise click.UsageError("give --certificate and --key together")
    if certificate is None and not is_this_computer_only(host):
        raise UserError(
            f"serving on {host} without TLS would send passwords and patient details across the "
            "network in clear text: give --certificate and --key (or keep to 127.0.0.1)"
        )
    tls = tls_context(certificate, key) if certificate and key else None
    servable = check_servable(options.database_url)
    for name in servable.without_password:
        output.warning(
            f"{name} has no password yet: whoever first logs in as {name} chooses it; a manager "
            f"can set a first one with `triage users reset {name} --password-file FILE`"
        )
    _leave_the_operator_out(options.database_url)
    server = TriageServer(app_command(), host, port, tls, announce=output.info)
    output.info(f"{servable.display_url}: each browser logs in as its own user")
    try:
        server.serve()
    except OSError as error:
        raise UserError(f"cannot listen on {host} port {port}: {error.strerror or error}") from None


def _leave_the_operator_out(database_url: str | None) -> None:
    """The sessions inherit this process's environment: the database to open (there, not on
    their command line, where other users of the computer would see a PostgreSQL password),
    but not the operator's password file or user name, which are not the browser's."""
    for variable in (PASSWORD_FILE_VARIABLE, "TRIAGE_USER"):
        os.environ.pop(variable, None)
    if database_url is not None:
        os.environ["TRIAGE_DB"] = database_url
