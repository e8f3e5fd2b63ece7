"""The practice's MESH mailbox, through NHS England's mesh-client: list the messages waiting,
download one to a file, acknowledge one. No database here: the import service decides when a
message may be acknowledged (only once its requests are saved).

Whatever goes wrong on the way (no network, a certificate MESH or we do not accept, a wrong
password) is raised as MeshUnavailable: one sentence the practice can act on.
"""

from __future__ import annotations

import os
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.client import RemoteDisconnected
from pathlib import Path
from typing import TYPE_CHECKING

from triage.errors import UserError
from triage.mesh.settings import MeshSettings

if TYPE_CHECKING:
    from mesh_client import MeshClient

# A scheduled fetch runs again soon: a couple of retries ride out a blip without stalling it.
_RETRIES = 2
_TIMEOUT_SECONDS = 120
_READ_BYTES = 1024 * 1024
_APPLICATION = "shared-care-triage"


class MeshUnavailable(UserError):
    """MESH could not be reached, or refused us; nothing was acknowledged."""


@dataclass(frozen=True)
class Received:
    """A message downloaded to `path`, with what MESH says about it (all of it the sender's,
    so untrusted)."""

    message_id: str
    path: Path
    filename: str | None
    message_type: str | None  # DATA for a message; REPORT for MESH's own reports
    sender: str | None
    workflow_id: str | None
    subject: str | None
    status: str | None  # a report's: what happened to which message


class Mailbox:
    def __init__(self, client: MeshClient, settings: MeshSettings) -> None:
        self._client = client
        self._settings = settings

    def message_ids(self) -> list[str]:
        """The messages waiting, oldest first (only the settings' workflows, if it names any)."""
        with self._talking("listing the inbox"):
            if not self._settings.workflows:
                return list(self._client.iterate_message_ids())
            found: dict[str, None] = {}  # in order, once each
            for workflow in self._settings.workflows:
                found.update(
                    dict.fromkeys(self._client.iterate_message_ids(workflow_filter=workflow))
                )
            return list(found)

    def download(self, message_id: str, path: Path) -> Received:
        """Download the message (every chunk) to a new private file at `path`."""
        with self._talking(f"downloading message {message_id}"):
            message = self._client.retrieve_message(message_id)
            try:
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(descriptor, "wb") as file:
                    while chunk := message.read(_READ_BYTES):
                        file.write(chunk)
            finally:
                message.close()  # type: ignore[no-untyped-call]
        return Received(
            message_id,
            path,
            message.filename,
            message.message_type,
            message.sender,
            message.workflow_id,
            message.subject,
            _report_status(
                message.mex_header("statusdescription"), message.mex_header("linkedmsgid")
            ),
        )

    def acknowledge(self, message_id: str) -> None:
        """Tell MESH the message is safely received: it leaves the inbox for good."""
        with self._talking(f"acknowledging message {message_id}"):
            self._client.acknowledge_message(message_id)

    @contextmanager
    def _talking(self, doing: str) -> Iterator[None]:
        import requests
        import urllib3

        url, mailbox = self._settings.url, self._settings.mailbox
        try:
            yield
        except requests.HTTPError as error:
            status = error.response.status_code if error.response is not None else None
            if status in (401, 403):
                raise MeshUnavailable(
                    f"MESH refused mailbox {mailbox} at {url}: check the mailbox id, the "
                    "password and the shared key"
                ) from None
            raise MeshUnavailable(f"MESH at {url} answered {status} while {doing}") from None
        except requests.exceptions.SSLError as error:
            raise MeshUnavailable(
                f"cannot connect securely to MESH at {url}: {_tls(error)}"
            ) from None
        except requests.Timeout:
            raise MeshUnavailable(f"MESH at {url} did not answer in time ({doing})") from None
        except (requests.RequestException, urllib3.exceptions.HTTPError) as error:
            raise MeshUnavailable(f"cannot reach MESH at {url}: {_network(error)}") from None


@contextmanager
def open_mailbox(settings: MeshSettings) -> Iterator[Mailbox]:
    """The mailbox, ready to use, closed on leaving."""
    try:
        from mesh_client import MeshClient
    except ImportError:
        raise UserError(
            "MESH support is not installed: pip install 'shared-care-triage[mesh]'"
        ) from None
    try:
        # Checked here first: a MeshClient that fails half-built complains again when collected.
        ssl.create_default_context().load_cert_chain(
            settings.client_certificate, settings.client_key
        )
        if settings.ca_bundle is not None:
            ssl.create_default_context(cafile=str(settings.ca_bundle))
        client = MeshClient(
            settings.url,
            settings.mailbox,
            settings.password,
            shared_key=settings.shared_key.encode("ascii"),
            cert=(str(settings.client_certificate), str(settings.client_key)),
            verify=str(settings.ca_bundle) if settings.ca_bundle is not None else None,
            max_retries=_RETRIES,
            timeout=_TIMEOUT_SECONDS,
            application_name=_APPLICATION,
        )
    except (ssl.SSLError, OSError) as error:
        raise UserError(
            f"cannot use the client certificate {settings.client_certificate} with the key "
            f"{settings.client_key}"
            + (f" and the CA bundle {settings.ca_bundle}" if settings.ca_bundle else "")
            + f": {_ssl_reason(error)}"
        ) from None
    try:
        yield Mailbox(client, settings)
    finally:
        client.close()  # type: ignore[no-untyped-call]


def _report_status(description: str | None, linked: str | None) -> str | None:
    if not description:
        return None
    return f"{description} (message {linked})" if linked else description


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error and everything it wraps: requests and urllib3 nest the real reason in args."""
    seen: set[int] = set()
    waiting = [error]
    while waiting:
        current = waiting.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        waiting.extend(arg for arg in current.args if isinstance(arg, BaseException))
        waiting.extend(
            wrapped for wrapped in (current.__cause__, current.__context__) if wrapped is not None
        )
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            waiting.append(reason)


def _tls(error: BaseException) -> str:
    for cause in _causes(error):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return (
                f"its certificate is not trusted ({cause.verify_message}); set ca_bundle to the "
                "CA bundle for this MESH environment"
            )
    return (
        "the TLS handshake failed; check that client_certificate and client_key are the ones "
        "issued for this mailbox and environment"
    )


def _network(error: BaseException) -> str:
    for cause in _causes(error):
        if isinstance(cause, ConnectionRefusedError):
            return "the connection was refused (is the url right, and the server up?)"
        if isinstance(cause, socket.gaierror):
            return "no such host (check the url, and the network)"
        if isinstance(cause, RemoteDisconnected | ConnectionResetError):
            return (
                "the server closed the connection, as MESH does when it does not accept the "
                "client certificate"
            )
    return "a network error; try again later"


def _ssl_reason(error: BaseException) -> str:
    if isinstance(error, ssl.SSLError) and error.reason:
        return f"{error.reason} (are they PEM files, and the key the certificate's?)"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error)
