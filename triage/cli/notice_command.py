"""`triage caseload import|list` and `triage notice plan|send|sign-off|confirm|chase|letters`:
existing patients handed back with notice (docs/caseload.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from triage.cli import context, output
from triage.cli.output import Column, cell, fitted_table
from triage.cli.render import json_line
from triage.presentation import counted
from triage.services.notices import (
    NoticePlan,
    PlannedHandBack,
    caseload,
    chase_overdue,
    confirm_from_reply,
    confirm_hand_back,
    hand_back_letters,
    import_caseload,
    notice_plan,
    send_notices,
    sign_off_hand_back,
)


@click.group("caseload")
def caseload_group() -> None:
    """The practice's existing shared-care patients."""


@caseload_group.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Import the good rows and list the bad ones (by default one bad row imports nothing).",
)
def caseload_import_command(file: Path, skip_invalid: bool) -> None:
    """Import a clinical system's search export (CSV: nhs_number, patient_name, date_of_birth,
    medication, team, last_review, next_due; other columns are ignored)."""
    imported = import_caseload(context.current().workspace(), file, skip_invalid=skip_invalid)
    for problem in imported.problems:
        output.plain(f"not imported: {problem}", err=True)
    output.plain(
        f"{imported.file}: {imported.added} added, {imported.updated} updated, "
        f"{imported.unchanged} unchanged, {imported.rejected} rejected"
    )


@caseload_group.command("list")
@output.format_option
def caseload_list_command(output_format: str) -> None:
    """Every existing patient, with the category read from their medicine and team."""
    entries = caseload(context.current().workspace())
    if output_format == "json":
        for entry in entries:
            click.echo(
                json_line(
                    {
                        "nhs_number": entry.nhs_number,
                        "patient_name": entry.patient_name,
                        "date_of_birth": entry.date_of_birth.isoformat(),
                        "medication": entry.medication,
                        "team": entry.team,
                        "category": entry.category,
                        "last_review": _day(entry.last_review),
                        "next_due": _day(entry.next_due),
                        "supply_ends": _day(entry.supply_ends),
                        "source": entry.source,
                    }
                )
            )
        return
    if not entries:
        output.plain("The caseload is empty: import a search export with `triage caseload import`.")
        return
    console = output.stdout_console()
    columns = [
        Column("NHS number", min_width=10),
        Column("Patient"),
        Column("Category"),
        Column("Medication", drop=2),
        Column("Team", drop=1),
        Column("Next due", min_width=10),
    ]
    rows = [
        [
            cell(entry.nhs_number),
            cell(entry.patient_name),
            cell(entry.category),
            cell(entry.medication),
            cell(entry.team),
            cell(_day(entry.next_due) or "unknown"),
        ]
        for entry in entries
    ]
    console.print(fitted_table(columns, rows, console.width))
    output.plain(f"{len(entries)} entries.")


@click.group("notice")
def notice_group() -> None:
    """Hand existing patients back to their specialist teams, as the policy's notices say."""


@notice_group.command("plan")
@output.format_option
def plan_command(output_format: str) -> None:
    """Who the policy in force hands back, to which team and when, and what holds each."""
    plan = notice_plan(context.current().workspace())
    if output_format == "json":
        for item in plan.hand_backs:
            click.echo(json_line(plan_json(item)))
        return
    print_plan(plan)


def plan_json(item: PlannedHandBack) -> dict[str, Any]:
    patient, record = item.patient, item.record
    return {
        "nhs_number": patient.nhs_number,
        "patient_name": patient.patient_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "category": item.category.value,
        "medications": list(item.medications),
        "team": patient.team,
        "return_to": item.return_to,
        "notice": item.notice.id,
        "hand_back_on": item.hand_back_on.isoformat(),
        "next_due": _day(item.due),
        "status": item.status,
        "our_ref": record.ref if record else None,
        "confirm_by": _day(item.confirm_by),
        "overdue": item.overdue,
        "blocked_by": [{"kind": block.kind, "says": block.says} for block in item.blocks],
        "gp_task": (
            {"kind": item.gp_task.kind, "says": item.gp_task.says} if item.gp_task else None
        ),
    }


def print_plan(plan: NoticePlan) -> None:
    if plan.hand_backs:
        console = output.stdout_console()
        columns = [
            Column("NHS number", min_width=10),
            Column("Patient"),
            Column("Category"),
            Column("Returns to", drop=2),
            Column("Hand-back", min_width=10),
            Column("Status"),
            Column("Blocked by", drop=1, wrap=True, fill=True),
        ]
        rows = [
            [
                cell(item.patient.nhs_number),
                cell(item.patient.patient_name),
                cell(item.category.value),
                cell(item.return_to),
                cell(item.hand_back_on.isoformat()),
                cell(item.status.replace("_", " ") + (", overdue" if item.overdue else "")),
                cell("; ".join(block.kind.replace("_", " ") for block in item.blocks)),
            ]
            for item in plan.hand_backs
        ]
        console.print(fitted_table(columns, rows, console.width))
    for line in plan_summary(plan):
        output.plain(line)


def plan_summary(plan: NoticePlan) -> list[str]:
    if not plan.declared:
        return ["The policy in force declares no notices: no existing patient is handed back."]
    counts = {
        status: len(plan.with_status(status))
        for status in ("ready", "awaiting_sign_off", "sent", "confirmed")
    }
    lines = [
        f"{len(plan.hand_backs)} hand-backs: {counts['ready']} ready to send, "
        f"{counts['awaiting_sign_off']} waiting for a GP's sign-off, {counts['sent']} sent and "
        f"not yet confirmed, {counts['confirmed']} confirmed."
    ]
    if plan.gp_tasks:
        lines.append(f"{len(plan.gp_tasks)} need a GP now: `triage notice tasks` lists them.")
    if plan.overdue:
        lines.append(
            f"{len(plan.overdue)} replies are overdue: `triage notice chase` writes to the teams."
        )
    if plan.funded:
        lines.append(
            f"{len(plan.funded)} existing patients are kept: a funded arrangement pays for them."
        )
    if plan.not_covered:
        lines.append(f"{plan.not_covered} caseload entries are in categories no notice covers.")
    return lines


@notice_group.command("tasks")
@output.format_option
def tasks_command(output_format: str) -> None:
    """The hand-backs a GP must act on now: sign-offs, and patients whose next dose or supply
    falls before their team has confirmed."""
    plan = notice_plan(context.current().workspace())
    tasks = plan.gp_tasks
    if output_format == "json":
        for item in tasks:
            click.echo(json_line(plan_json(item)))
        return
    if not tasks:
        output.plain("No hand-back needs a GP now.")
        return
    for item in tasks:
        assert item.gp_task is not None
        patient = item.patient
        ref = f" ({item.record.ref})" if item.record and item.record.ref else ""
        output.plain(
            f"{patient.nhs_number} {patient.patient_name}, {item.category.label}{ref}: "
            f"{item.gp_task.says}"
        )
    output.plain(f"{len(tasks)} hand-backs need a GP.")


@notice_group.command("send")
def send_command() -> None:
    """Record the notices ready to go: per patient the letter to the team, the letter to the
    patient and the SMS; per team a covering letter listing its patients. Running it again
    sends nothing twice."""
    sent = send_notices(context.current().workspace())
    for batch in sent.batches:
        output.plain(f"{batch.our_ref} to {batch.team}: {counted(len(batch.refs), 'patient')}")
    if sent.sent:
        output.plain(
            f"Sent {sent.sent} notices to {len(sent.batches)} teams; "
            "`triage notice letters REF` prints any of them."
        )
    else:
        output.plain("Nothing to send: every hand-back ready has been sent.")
    if sent.awaiting_sign_off:
        output.plain(
            f"{sent.awaiting_sign_off} wait for a GP's sign-off (`triage notice sign-off`)."
        )


@notice_group.command("sign-off")
@click.argument("nhs_number")
@click.option("--note", required=True, help="What the GP checked.")
def sign_off_command(nhs_number: str, note: str) -> None:
    """Sign off handing back this patient (GPs only): their notice goes with the next send."""
    signed = sign_off_hand_back(context.current().workspace(), nhs_number, note)
    output.plain(f"Signed off the hand-back of {nhs_number}: {', '.join(signed)}.")


@notice_group.command("confirm")
@click.argument("our_ref", required=False)
@click.option("--note", help="How the team confirmed (their letter, e-mail).")
@click.option(
    "--from",
    "reply",
    type=click.Path(path_type=Path),
    help="The team's reply letter (PDF, Word, e-mail, scan or text): every reference of ours "
    "it quotes is confirmed, if its words plainly take the patients on.",
)
def confirm_command(our_ref: str | None, note: str | None, reply: Path | None) -> None:
    """Record that the team confirmed taking the patient on: OUR_REF (HB-000123) with --note,
    or --from their reply letter."""
    workspace = context.current().workspace()
    if reply is not None:
        if our_ref or note:
            raise click.UsageError("give OUR_REF with --note, or --from a reply letter, not both")
        read = confirm_from_reply(workspace, reply)
        output.plain(f"{read.file}: confirmed {', '.join(read.confirmed) or 'none'}.")
        if read.already:
            output.plain(f"Already confirmed before: {', '.join(read.already)}.")
        if read.unknown:
            output.plain(f"No notice was sent under: {', '.join(read.unknown)}.", err=True)
        return
    if not our_ref or not note:
        raise click.UsageError("give OUR_REF with --note, or --from a reply letter")
    item = confirm_hand_back(workspace, our_ref, note)
    output.plain(
        f"Confirmed {our_ref.upper()}: {item.patient.patient_name} goes to {item.return_to} "
        f"on {item.hand_back_on.isoformat()}."
    )


@notice_group.command("chase")
def chase_command() -> None:
    """Write to each team whose confirmations are overdue, listing its patients."""
    chased = chase_overdue(context.current().workspace())
    for batch in chased:
        output.plain(f"{batch.our_ref} to {batch.team}: {len(batch.refs)} overdue")
    if not chased:
        output.plain("Nothing to chase: no reply is overdue, or each was chased recently.")


@notice_group.command("letters")
@click.argument("our_ref")
def letters_command(our_ref: str) -> None:
    """Print the letters recorded under a reference (HB-, HBT- or HBC-), as the log holds them."""
    letters = hand_back_letters(context.current().workspace(), our_ref)
    for kind, text in letters.items():
        output.plain(f"--- {kind} ---")
        output.letter(text)


def _day(value: object) -> str | None:
    return None if value is None else str(value)
