"""`triage mesh fetch` against NHS Digital's MESH sandbox (started once for the session, with TLS
and client certificates, see tests/mesh_server.py): letters sent by a hospital's mailbox are
imported, kept as they arrived and acknowledged; a crash between import and acknowledgement
imports nothing twice; what cannot be imported is kept aside with why; every failure to reach or
log in to MESH is one clear line."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests import mesh_server
from tests.conftest import Ran, Run, table_count
from tests.letter_factory import Patient, clinic_letter, pdf_of
from triage.mesh import Mailbox

if TYPE_CHECKING:
    from mesh_client import MeshClient

OTHER_PATIENT = Patient("Mr", "Kwame", "Okonkwo", "9999458076", date(1971, 8, 2))


@pytest.fixture(scope="session")
def sandbox() -> Iterator[mesh_server.Server]:
    try:
        server = mesh_server.start()
    except mesh_server.Unavailable as why:
        if os.environ.get("TRIAGE_REQUIRE_MESH"):  # CI: a skipped MESH test is a failure
            pytest.fail(str(why))
        pytest.skip(str(why))
    yield server
    server.stop()


@dataclass
class Sandbox:
    server: mesh_server.Server
    folder: Path  # this test's settings and secrets

    def client(self, mailbox: str) -> MeshClient:
        from mesh_client import MeshClient

        certificates = self.server.certificates
        return MeshClient(
            self.server.url,
            mailbox,
            mesh_server.PASSWORD,
            shared_key=mesh_server.SHARED_KEY.encode(),
            cert=(str(certificates.client_cert), str(certificates.client_key)),
            verify=str(certificates.ca),
            max_retries=0,
        )

    def send(self, data: bytes, filename: str, workflow: str = mesh_server.WORKFLOW) -> str:
        """Send a message to the practice, as the hospital's mailbox."""
        with self.client(mesh_server.HOSPITAL_MAILBOX) as hospital:
            message_id: str = hospital.send_message(
                mesh_server.PRACTICE_MAILBOX, data, workflow_id=workflow, filename=filename
            )
        return message_id

    def report(self, description: str) -> str:
        """A report that MESH itself puts in the practice's inbox (the sandbox's admin call)."""
        import requests

        certificates = self.server.certificates
        answer = requests.post(
            f"{self.server.url}/messageexchange/admin/report",
            json={
                "mailbox_id": mesh_server.PRACTICE_MAILBOX,
                "code": "14",
                "description": description,
                "workflow_id": mesh_server.WORKFLOW,
            },
            cert=(str(certificates.client_cert), str(certificates.client_key)),
            verify=str(certificates.ca),
            timeout=10,
        )
        answer.raise_for_status()
        return str(answer.json()["message_id"])

    def waiting(self) -> list[str]:
        with self.client(mesh_server.PRACTICE_MAILBOX) as practice:
            return list(practice.list_messages())

    def settings(self, **changes: object) -> Path:
        """The practice's settings file, as docs/import-formats.md describes it."""
        secrets = {"mesh-password": mesh_server.PASSWORD, "mesh-key": mesh_server.SHARED_KEY}
        for name, secret in secrets.items():
            (self.folder / name).write_text(secret + "\n")
            (self.folder / name).chmod(0o600)
        certificates = self.server.certificates
        values: dict[str, object] = {
            "url": self.server.url,
            "mailbox": mesh_server.PRACTICE_MAILBOX,
            "password_file": "mesh-password",
            "shared_key_file": "mesh-key",
            "client_certificate": str(certificates.client_cert),
            "client_key": str(certificates.client_key),
            "ca_bundle": str(certificates.ca),
            "failed_folder": "mesh-failed",
        }
        values.update(changes)
        path = self.folder / "mesh.toml"
        path.write_text(
            "".join(
                f"{key} = {json.dumps(value)}\n"
                for key, value in values.items()
                if value is not None
            )
        )
        return path


@pytest.fixture
def mesh(sandbox: mesh_server.Server, tmp_path: Path) -> Sandbox:
    """The sandbox with the practice's inbox emptied, and a folder for this test's settings."""
    practice = Sandbox(sandbox, tmp_path / "mesh-settings")
    practice.folder.mkdir()
    with practice.client(mesh_server.PRACTICE_MAILBOX) as client:
        for message_id in client.list_messages():
            client.acknowledge_message(message_id)
    return practice


def queued(run: Run, db: Path) -> list[dict[str, object]]:
    ran = run("--db", db, "queue", "--format", "json")
    assert ran.status == 0, ran.err
    return [json.loads(line) for line in ran.out.splitlines()]


def the_error(ran: Ran) -> str:
    """The one line a failure prints (after any first-run notice), exit status 1."""
    assert ran.status == 1, ran.err
    assert "Traceback" not in ran.err
    [line] = [line for line in ran.err_lines if not line.startswith("triage: first run:")]
    assert line.startswith("triage: error: ")
    return line.removeprefix("triage: error: ")


def two_letters(mesh: Sandbox) -> tuple[str, str, bytes]:
    pdf = pdf_of(clinic_letter())
    first = mesh.send(pdf, "rheumatology.pdf")
    second = mesh.send(
        clinic_letter(OTHER_PATIENT, service=1, layout=1, ref="HAEM/88/SR").encode(),
        "haematology.txt",
    )
    return first, second, pdf


def test_fetch_imports_each_letter_keeps_it_and_acknowledges_it(
    run: Run, db_path: Path, mesh: Sandbox, tmp_path: Path
) -> None:
    first, second, pdf = two_letters(mesh)
    ran = run("--db", db_path, "mesh", "fetch", "--settings", mesh.settings())
    assert ran.status == 0, ran.err
    assert ran.out.splitlines() == [
        f"mesh:{first}/rheumatology.pdf: 1 imported, 0 already present; acknowledged",
        f"mesh:{second}/haematology.txt: 1 imported, 0 already present; acknowledged",
        "Fetched 2 messages from MESH mailbox X26ABC1: 2 imported, 0 already present, "
        "0 not imported.",
    ]
    requests = {str(request["ref"]): request for request in queued(run, db_path)}
    assert sorted(requests) == ["HAEM/88/SR", "RHEU/2291/JO"]
    assert requests["RHEU/2291/JO"]["source"] == {
        "file": f"mesh:{first}/rheumatology.pdf",
        "format": "pdf",
        "location": "the letter",
    }
    assert requests["HAEM/88/SR"]["nhs_number"] == OTHER_PATIENT.nhs_number
    saved = run("--db", db_path, "original", "RHEU/2291/JO", "--out", tmp_path / "back.pdf")
    assert saved.status == 0, saved.err
    assert (tmp_path / "back.pdf").read_bytes() == pdf  # kept exactly as it arrived
    assert mesh.waiting() == []  # acknowledged
    assert list((mesh.folder / "mesh-failed").iterdir()) == []

    again = run("--db", db_path, "mesh", "fetch", "--settings", mesh.settings())
    assert again.out == "No messages waiting in MESH mailbox X26ABC1.\n"


def test_a_crash_between_import_and_acknowledgement_imports_nothing_twice(
    run: Run, db_path: Path, mesh: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, _pdf = two_letters(mesh)

    def power_cut(_mailbox: Mailbox, _message_id: str) -> None:
        raise RuntimeError("the power went off")

    with monkeypatch.context() as patched:
        patched.setattr(Mailbox, "acknowledge", power_cut)
        crashed = run("--db", db_path, "mesh", "fetch", "--settings", mesh.settings())
    assert crashed.status == 70  # a crash report, as for any fault
    assert table_count(db_path, "requests") == 1  # the first letter was saved, then the crash
    assert mesh.waiting() == [first, second]  # neither acknowledged

    ran = run("--db", db_path, "mesh", "fetch", "--settings", mesh.settings())
    assert ran.status == 0, ran.err
    assert ran.out.splitlines() == [
        f"mesh:{first}/rheumatology.pdf: 0 imported, 1 already present; acknowledged",
        f"mesh:{second}/haematology.txt: 1 imported, 0 already present; acknowledged",
        "Fetched 2 messages from MESH mailbox X26ABC1: 1 imported, 1 already present, "
        "0 not imported.",
    ]
    assert table_count(db_path, "requests") == 2
    assert table_count(db_path, "originals") == 2  # each letter's file once
    assert mesh.waiting() == []


def test_a_message_that_cannot_be_imported_is_kept_aside_with_why_and_acknowledged(
    run: Run, db_path: Path, mesh: Sandbox
) -> None:
    bad = b"ref,received,nhs_number\nX1,not a date,1\n"
    message_id = mesh.send(bad, "../../outside.csv")  # the name cannot reach another folder
    letter_id = mesh.send(pdf_of(clinic_letter()), "letter.pdf")
    ran = run("--db", db_path, "mesh", "fetch", "--settings", mesh.settings())
    assert ran.status == 0, ran.err
    kept = mesh.folder / "mesh-failed" / f"{message_id}-outside.csv"
    assert ran.out.splitlines() == [
        f"mesh:{message_id}/../../outside.csv: not imported: nothing imported: 4 problems in "
        f"mesh:{message_id}/../../outside.csv; correct the file, or use --skip-invalid to import "
        f"the good rows; kept as {kept} (why: {kept}.reason.txt); acknowledged",
        f"mesh:{letter_id}/letter.pdf: 1 imported, 0 already present; acknowledged",
        "Fetched 2 messages from MESH mailbox X26ABC1: 1 imported, 0 already present, "
        "1 not imported.",
    ]
    assert kept.read_bytes() == bad
    reason = Path(f"{kept}.reason.txt").read_text()
    assert "organisation: required column missing" in reason
    assert "from mailbox: X26ABC2" in reason
    assert sorted(path.name for path in kept.parent.iterdir()) == [
        kept.name,
        f"{kept.name}.reason.txt",
    ]
    assert mesh.waiting() == []


def test_a_report_from_mesh_itself_is_kept_aside_not_imported(
    run: Run, db_path: Path, mesh: Sandbox
) -> None:
    report_id = mesh.report("undeliverable: the recipient's mailbox is closed")
    ran = run("--db", db_path, "mesh", "fetch", "--settings", mesh.settings())
    assert ran.status == 0, ran.err
    kept = mesh.folder / "mesh-failed" / f"{report_id}-{report_id}.dat"
    assert ran.out.splitlines()[0] == (
        f"mesh:{report_id}/{report_id}.dat: not imported: a MESH REPORT message, not a request (NDR); "
        f"kept as {kept} (why: {kept}.reason.txt); acknowledged"
    )
    reason = Path(f"{kept}.reason.txt").read_text()
    assert "\nMESH says: " in reason  # the report's own description, for a person to read
    assert table_count(db_path, "requests") == 0
    assert mesh.waiting() == []


def test_only_the_workflows_named_are_fetched(run: Run, db_path: Path, mesh: Sandbox) -> None:
    mesh.send(pdf_of(clinic_letter()), "letter.pdf")
    other = mesh.send(
        b"a pathology result for someone else's system", "result.txt", "TEST_WORKFLOW2"
    )
    settings = mesh.settings(workflows=[mesh_server.WORKFLOW])
    ran = run("--db", db_path, "mesh", "fetch", "--settings", settings)
    assert ran.status == 0, ran.err
    assert "Fetched 1 message from MESH mailbox X26ABC1: 1 imported" in ran.out
    assert mesh.waiting() == [other]  # left for whatever else reads this mailbox


def test_the_secrets_can_come_from_the_environment_instead_of_files(
    run: Run, db_path: Path, mesh: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    mesh.send(pdf_of(clinic_letter()), "letter.pdf")
    settings = mesh.settings(password_file=None, shared_key_file=None)
    monkeypatch.setenv("TRIAGE_MESH_PASSWORD", mesh_server.PASSWORD)
    monkeypatch.setenv("TRIAGE_MESH_SHARED_KEY", mesh_server.SHARED_KEY)
    monkeypatch.setenv("TRIAGE_MESH_SETTINGS", str(settings))  # no --settings either
    ran = run("--db", db_path, "mesh", "fetch")
    assert ran.status == 0, ran.err
    assert "1 imported, 0 already present, 0 not imported." in ran.out
    assert mesh.waiting() == []


def test_a_wrong_password_is_one_clear_line(run: Run, db_path: Path, mesh: Sandbox) -> None:
    message_id = mesh.send(pdf_of(clinic_letter()), "letter.pdf")
    settings = mesh.settings()
    (mesh.folder / "mesh-password").write_text("not the password\n")
    ran = run("--db", db_path, "mesh", "fetch", "--settings", settings)
    assert ran.out == ""
    assert the_error(ran) == (
        f"MESH refused mailbox X26ABC1 at {mesh.server.url}: check the mailbox id, the password "
        "and the shared key"
    )
    assert mesh.waiting() == [message_id]


def test_a_server_that_cannot_be_reached_is_one_clear_line(
    run: Run, db_path: Path, mesh: Sandbox
) -> None:
    url = f"https://localhost:{mesh_server.free_port()}"
    ran = run("--db", db_path, "mesh", "fetch", "--settings", mesh.settings(url=url))
    assert the_error(ran) == (
        f"cannot reach MESH at {url}: the connection was refused (is the url right, and the "
        "server up?)"
    )


def test_a_server_certificate_not_signed_by_the_ca_bundle_is_refused(
    run: Run, db_path: Path, mesh: Sandbox
) -> None:
    ran = run("--db", db_path, "mesh", "fetch", "--settings", mesh.settings(ca_bundle=None))
    line = the_error(ran)
    assert line.startswith(f"cannot connect securely to MESH at {mesh.server.url}:")
    assert "not trusted" in line and "set ca_bundle" in line


def test_a_client_key_that_is_not_the_certificates_is_one_clear_line(
    run: Run, db_path: Path, mesh: Sandbox
) -> None:
    certificates = mesh.server.certificates
    settings = mesh.settings(client_key=str(certificates.server_key))
    ran = run("--db", db_path, "mesh", "fetch", "--settings", settings)
    assert the_error(ran).startswith(
        f"cannot use the client certificate {certificates.client_cert} with the key "
        f"{certificates.server_key}"
    )


# --- the settings: each mistake is one line, before MESH or the database is touched -----------


@pytest.fixture
def settings_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "settings"
    folder.mkdir()
    for name in ("password", "key", "cert.pem", "key.pem"):
        (folder / name).write_text("secret\n")
        (folder / name).chmod(0o600)
    return folder


def write_settings(folder: Path, **changes: object) -> Path:
    values: dict[str, object] = {
        "url": "https://msg.intspineservices.nhs.uk",
        "mailbox": "A1B2C3OT001",
        "password_file": "password",
        "shared_key_file": "key",
        "client_certificate": "cert.pem",
        "client_key": "key.pem",
    }
    values.update(changes)
    path = folder / "mesh.toml"
    path.write_text(
        "".join(
            f"{key} = {json.dumps(value)}\n" for key, value in values.items() if value is not None
        )
    )
    return path


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"url": "http://msg.intspineservices.nhs.uk"}, "url must be an https:// address"),
        ({"client_certificate": "missing.pem"}, "client_certificate: no such file"),
        ({"password_file": None}, "password_file is missing (or set TRIAGE_MESH_PASSWORD)"),
        ({"mailbox": None}, "mailbox is missing"),
        ({"mailbx": "A1B2C3OT001"}, "unknown setting mailbx (known: ca_bundle, client_certificate"),
        ({"workflows": "SCR"}, "workflows must be a list of MESH workflow ids"),
    ],
)
def test_a_mistake_in_the_settings_is_one_line(
    run: Run, new_db_path: Path, settings_folder: Path, changes: dict[str, object], says: str
) -> None:
    db_path = new_db_path
    settings = write_settings(settings_folder, **changes)
    ran = run("--db", db_path, "mesh", "fetch", "--settings", settings)
    assert ran.status == 1
    [line] = ran.err_lines
    assert line.startswith(f"triage: error: {settings}: ")
    assert says in line
    assert not db_path.exists()  # nothing was opened


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("workflows = " + "[\n" * 30_000, "33: is nested more than 32 levels deep"),
        ("a" + ".a" * 1_000 + " = 1", "1: has a key of more than 64 parts"),
    ],
    ids=["nested", "dotted-key"],
)
def test_a_settings_file_that_would_blow_up_the_toml_parser_is_one_line(
    run: Run, new_db_path: Path, settings_folder: Path, text: str, says: str
) -> None:
    """tomllib recurses per bracket and takes memory by the square of a key's parts: a file of
    64 KiB could crash it or take gigabytes (found beside the policy loader's by fuzzing)."""
    settings = settings_folder / "mesh.toml"
    settings.write_text(text + "\n")
    ran = run("--db", new_db_path, "mesh", "fetch", "--settings", settings)
    assert ran.status == 1
    assert ran.err_lines == [f"triage: error: {settings}:{says}"]
    assert not new_db_path.exists()


def test_without_settings_the_default_place_is_named(run: Run, db_path: Path) -> None:
    ran = run("--db", db_path, "mesh", "fetch")
    assert ran.status == 1
    assert re.fullmatch(
        r"triage: error: no MESH settings at .*shared-care-triage/mesh\.toml: write them there, "
        r"or name the file with --settings \(see the MESH section of docs/import-formats\.md\)\n",
        ran.err,
    )


def test_a_password_file_others_can_read_is_warned_of(
    run: Run, db_path: Path, mesh: Sandbox
) -> None:
    settings = mesh.settings()
    (mesh.folder / "mesh-password").chmod(0o644)
    ran = run("--db", db_path, "mesh", "fetch", "--settings", settings)
    assert ran.status == 0, ran.err
    assert (
        f"triage: warning: {mesh.folder / 'mesh-password'} can be read by other users: chmod 600 it"
        in ran.err_lines
    )
