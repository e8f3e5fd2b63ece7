"""A letter as received: `triage details REF` (what its reader could not read, and typing it
in) and `triage original REF` (its file, exactly as it arrived)."""

from __future__ import annotations

from pathlib import Path

import click

from triage.cli import context, output
from triage.presentation import STATUS_WORDS, nhs_number_shown
from triage.services.deciding import find_request
from triage.services.importing import complete_details
from triage.services.queue import save_original


@click.command("details")
@click.argument("ref")
@click.option("--sender", help="The sender, when two senders use the same ref.")
@click.option("--nhs-number", help="The patient's NHS number (it must pass its check).")
@click.option("--name", "patient_name", help="The patient's name, as on the letter.")
@click.option("--born", "date_of_birth", metavar="DATE", help="Date of birth: 12/03/1956.")
@click.option("--from", "organisation", metavar="SERVICE", help="The sending service.")
@click.option("--by", "requester", metavar="CLINICIAN", help="The clinician who wrote.")
def details_command(ref: str, sender: str | None, **typed: str | None) -> None:
    """Show what a letter still needs, or complete it (clerks and GPs). Each change is in the
    decision log; once nothing is missing the request joins the queue."""
    workspace = context.current().workspace()
    request = find_request(workspace, ref, sender)
    given = {name: value for name, value in typed.items() if value is not None}
    if given:
        request = complete_details(workspace, request.id, given)
    patient = request.patient
    output.plain(
        f"{request.ref}: {patient.name or '(no name)'}, NHS number "
        f"{nhs_number_shown(patient)}, born "
        f"{patient.date_of_birth.isoformat() if patient.date_of_birth else '(not given)'}; "
        f"from {request.organisation}, by {request.requester}"
    )
    for read in request.read_from:
        output.plain(f"  read {read}")
    if request.details_needed:
        output.plain(f"{request.ref} is {STATUS_WORDS[request.status]}. Still needed:")
        for need in request.details_needed:
            output.plain(f"  {need}")
    else:
        output.plain(f"{request.ref} is {STATUS_WORDS[request.status]}.")


@click.command("original")
@click.argument("ref")
@click.option("--sender", help="The sender, when two senders use the same ref.")
@click.option(
    "--out", "destination", required=True, type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write the file (it must not exist).",
)  # fmt: skip
def original_command(ref: str, sender: str | None, destination: Path) -> None:
    """Write the letter a request came from, exactly as it arrived (its SHA-256 is checked)."""
    workspace = context.current().workspace()
    request = find_request(workspace, ref, sender)
    saved = save_original(workspace, request.id, destination)
    output.plain(
        f"Wrote {saved.file_name} ({saved.size:,} bytes, sha256 {saved.sha256}) to {destination}"
    )
