"""The app in a browser (`triage serve`): textual-serve's web server, which starts the app as a
new process for each browser connection and relays its screen and keys over a websocket, with
what a practice network needs and textual-serve does not give: TLS, the page's addresses taken
from the request it answers (a server listening on every address has no one name to give), a
refusal of other web pages that try to open the app, and logs that never print what was typed.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import shlex
import ssl
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from textual_serve.server import Server, to_int
from yarl import URL

from triage.errors import UserError

TITLE = "Shared-care triage"


def is_this_computer_only(host: str) -> bool:
    """Whether listening on `host` keeps the server to this computer (a loopback address)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name: it may stand for any address
        return False


def tls_context(certificate: Path, key: Path) -> ssl.SSLContext:
    """The server's side of TLS from a PEM certificate (chain) and its unencrypted private key,
    which must be private to its owner, as the log's signing key must."""
    try:
        mode = key.stat().st_mode
    except FileNotFoundError:
        raise UserError(f"{key}: no such key file") from None
    except OSError as error:
        raise UserError(f"{key}: cannot read the key ({error.strerror})") from None
    if os.name != "nt" and stat.S_IMODE(mode) & 0o077:
        raise UserError(
            f"{key}: the TLS key can be read by others; make it private: chmod 600 {key}"
        )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)  # TLS 1.2 at least
    try:
        context.load_cert_chain(certificate, key, password=_no_passphrase)
    except FileNotFoundError as missing:
        raise UserError(f"{missing.filename or certificate}: no such file") from None
    except _EncryptedKey:
        raise UserError(
            f"{key}: the key is protected by a passphrase; give an unencrypted one"
        ) from None
    except (OSError, ssl.SSLError):
        raise UserError(
            f"cannot use {certificate} and {key} for TLS: they must be a PEM certificate and "
            "the private key that goes with it"
        ) from None
    return context


class _EncryptedKey(Exception):
    """The key asked for a passphrase, which a server started unattended cannot type."""


def _no_passphrase() -> bytes:
    raise _EncryptedKey


def app_command() -> str:
    """The command textual-serve runs for each browser: the app, by the interpreter this runs
    in, on its login screen only (`--served`). `exec`: the app is the process textual-serve
    starts and stops, not a shell waiting for it."""
    parts = [sys.executable, "-m", "screens", "--served"]
    if os.name == "nt":
        return subprocess.list2cmdline(parts)
    return "exec " + shlex.join(parts)


class TriageServer(Server):
    """textual-serve's Server, with TLS, per-request addresses and same-site connections only."""

    def __init__(
        self,
        command: str,
        host: str,
        port: int,
        tls: ssl.SSLContext | None,
        announce: Callable[[str], None],
    ) -> None:
        super().__init__(command, host=host, port=port, title=TITLE)
        self._tls = tls
        self._announce = announce
        shown_host = f"[{host}]" if ":" in host else host
        self.public_url = f"{'https' if tls else 'http'}://{shown_host}:{port}"

    def initialize_logging(self) -> None:
        # textual-serve's handler prints tracebacks with their local variables, which here are
        # the keys a person typed (a password); one line per event is all the console needs.
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

    async def on_startup(self, app: web.Application) -> None:
        self._announce(f"serving the app at {self.public_url} (Ctrl+C stops)")

    def serve(self, debug: bool = False) -> None:
        """Listen until stopped (Ctrl+C, SIGTERM). textual-serve's own serve() has no way to
        give aiohttp an SSL context, so this is it with one."""
        self.debug = debug
        self.initialize_logging()
        web.run_app(
            self._make_app(),
            host=self.host,
            port=self.port,
            ssl_context=self._tls,
            print=None,
            handle_signals=True,
        )

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        """The page (static: the app's screen arrives over the websocket once it is open),
        pointing at this server by the address the browser used."""
        origin = request.url.origin()
        websocket = origin.with_scheme("wss" if request.secure else "ws") / "ws"
        return {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": str(websocket),
            "config": {"static": {"url": f"{origin}/static/"}},
            "application": {"name": self.title},
        }

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """A browser's session. A websocket may be opened by any page the browser shows, which
        the same-origin rule does not stop: a page elsewhere could otherwise start sessions and
        guess passwords (locking people out) from inside the practice's network."""
        origin = request.headers.get("Origin")
        if origin is not None and not _same_site(origin, request):
            raise web.HTTPForbidden(text="the app may only be opened from its own page")
        return await super().handle_websocket(request)


def _same_site(origin: str, request: web.Request) -> bool:
    try:
        theirs = URL(origin)
    except ValueError:
        return False
    return (theirs.raw_authority or "").lower() == request.host.lower()
