"""`triage redirect list|confirm`: following up the requests the practice redirected."""

from __future__ import annotations

import click

from triage.cli import context, output
from triage.cli.output import Column, cell, fitted_table
from triage.cli.render import json_line
from triage.services.redirects import confirm_redirect, redirect_follow_ups


@click.group("redirect")
def redirect_group() -> None:
    """Redirected requests: which services have confirmed taking the patient on."""


@redirect_group.command("list")
@click.option("--overdue", is_flag=True, help="Only those past their date and not confirmed.")
@output.format_option
def list_command(overdue: bool, output_format: str) -> None:
    """Every redirect waiting for, or given, the service's confirmation; soonest due first."""
    workspace = context.current().workspace()
    today = workspace.clock.today()
    follow_ups = redirect_follow_ups(workspace, overdue_only=overdue)
    if output_format == "json":
        for item in follow_ups:
            confirmed = item.confirmed
            click.echo(
                json_line(
                    {
                        "ref": item.ref,
                        "our_ref": item.our_ref,
                        "nhs_number": item.nhs_number,
                        "patient_name": item.patient_name,
                        "redirect_to": item.redirect_to,
                        "decided_on": item.decided_on.isoformat(),
                        "confirm_by": item.confirm_by.isoformat(),
                        "confirmed_on": confirmed.on.isoformat() if confirmed else None,
                        "overdue": item.overdue(today),
                    }
                )
            )
        return
    if not follow_ups:
        output.plain("No redirect is overdue." if overdue else "No redirect waits for a reply.")
        return
    columns = [
        Column("Ref"),
        Column("Patient", drop=2),
        Column("Redirected to", wrap=True),
        Column("Confirm by", min_width=10),
        Column("State"),
    ]
    rows = [
        [
            cell(item.ref),
            cell(item.patient_name),
            cell(item.redirect_to),
            cell(item.confirm_by.isoformat()),
            cell(
                f"confirmed {item.confirmed.on.isoformat()}"
                if item.confirmed
                else "OVERDUE"
                if item.overdue(today)
                else "waiting"
            ),
        ]
        for item in follow_ups
    ]
    console = output.stdout_console()
    console.print(fitted_table(columns, rows, console.width))
    late = sum(item.overdue(today) for item in follow_ups)
    output.plain(f"{len(follow_ups)} redirects; {late} overdue.")


@redirect_group.command("confirm")
@click.argument("ref")
@click.option("--note", required=True, help="How the service confirmed.")
def confirm_command(ref: str, note: str) -> None:
    """Record that the service took the patient on (REF: the request's ref, or SCT-...)."""
    item = confirm_redirect(context.current().workspace(), ref, note)
    output.plain(f"Recorded: {item.redirect_to} took on the patient of {item.ref}.")
