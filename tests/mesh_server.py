"""A throwaway NHS MESH sandbox for the tests: NHS Digital's mesh-sandbox (a FastAPI app) under
uvicorn on a free loopback port, speaking TLS and requiring a client certificate, as the real
MESH does. The certificates are made here: a test CA, the server's (for localhost) and a
client's, so the tests configure `triage mesh fetch` exactly as a practice would.

The sandbox keeps its mailboxes in memory, with full authentication (mailbox, password and the
shared key); its mailboxes X26ABC1, X26ABC2 and X26ABC3 all have the password "password".
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import ipaddress
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SHARED_KEY = "TestSharedKey"
PASSWORD = "password"
PRACTICE_MAILBOX = "X26ABC1"
HOSPITAL_MAILBOX = "X26ABC2"
WORKFLOW = "TEST_WORKFLOW"  # X26ABC2 may send to X26ABC1 on it; TEST_WORKFLOW_ACK is the reverse
_START_SECONDS = 30.0


class Unavailable(Exception):
    """Why no sandbox can be had here (the tests that need one are skipped, saying why)."""


@dataclass
class Certificates:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


@dataclass
class Server:
    url: str
    folder: Path
    certificates: Certificates
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)

    def log(self) -> str:
        return (self.folder / "server.log").read_text(errors="replace")


def start() -> Server:
    for module in ("mesh_sandbox", "uvicorn", "cryptography"):
        if importlib.util.find_spec(module) is None:
            raise Unavailable(f"{module} is not installed: pip install -e '.[dev]'")
    folder = Path(tempfile.mkdtemp(prefix="triage-mesh-"))
    certificates = make_certificates(folder)
    port = free_port()
    environment = {
        **os.environ,
        "ENV": "local",
        "AUTH_MODE": "full",
        "STORE_MODE": "memory",
        "SHARED_KEY": SHARED_KEY,
    }
    with (folder / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn", "mesh_sandbox.api:app",
                "--host", "127.0.0.1", "--port", str(port),
                "--ssl-certfile", str(certificates.server_cert),
                "--ssl-keyfile", str(certificates.server_key),
                "--ssl-ca-certs", str(certificates.ca),
                "--ssl-cert-reqs", str(int(ssl.CERT_REQUIRED)),
                "--log-level", "warning",
            ],
            stdout=log, stderr=subprocess.STDOUT, env=environment, cwd=folder,
        )  # fmt: skip
    server = Server(f"https://localhost:{port}", folder, certificates, process)
    try:
        _wait_until_listening(server, port)
    except Unavailable:
        server.stop()
        raise
    return server


def _wait_until_listening(server: Server, port: int) -> None:
    context = ssl.create_default_context(cafile=str(server.certificates.ca))
    context.load_cert_chain(server.certificates.client_cert, server.certificates.client_key)
    deadline = time.monotonic() + _START_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise Unavailable(f"mesh-sandbox stopped at start: {server.log()[-2000:]}")
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), timeout=2) as raw,
            context.wrap_socket(raw, server_hostname="localhost") as tls,
        ):
            tls.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            if tls.recv(100).startswith(b"HTTP/1.1 200"):
                return
        time.sleep(0.1)
    raise Unavailable(f"mesh-sandbox did not answer within {_START_SECONDS:.0f} s")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_certificates(folder: Path) -> Certificates:
    """A CA, and a server and a client certificate signed by it (the server's for localhost)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)

    def name(common_name: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])

    def issue(
        subject: str,
        issuer: x509.Name,
        signer: ec.EllipticCurvePrivateKey | None,
        extensions: list[tuple[x509.ExtensionType, bool]],
    ) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder()
            .subject_name(name(subject))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=2))
        )
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical=critical)
        return builder.sign(signer or key, hashes.SHA256()), key

    ca_cert, ca_key = issue(
        "triage test MESH CA",
        name("triage test MESH CA"),
        None,
        [(x509.BasicConstraints(ca=True, path_length=None), True)],
    )
    leaf = [(x509.BasicConstraints(ca=False, path_length=None), True)]
    server_cert, server_key = issue(
        "localhost",
        ca_cert.subject,
        ca_key,
        [
            *leaf,
            (
                x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
                ),
                False,
            ),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
        ],
    )
    client_cert, client_key = issue(
        PRACTICE_MAILBOX.lower() + ".practice.test",
        ca_cert.subject,
        ca_key,
        [*leaf, (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False)],
    )

    def write_cert(path: Path, cert: x509.Certificate) -> Path:
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return path

    def write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> Path:
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        path.chmod(0o600)
        return path

    return Certificates(
        ca=write_cert(folder / "ca.pem", ca_cert),
        server_cert=write_cert(folder / "server.pem", server_cert),
        server_key=write_key(folder / "server-key.pem", server_key),
        client_cert=write_cert(folder / "client.pem", client_cert),
        client_key=write_key(folder / "client-key.pem", client_key),
    )
