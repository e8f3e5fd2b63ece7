"""`triage log verify|anchor|export`: prove the decision log is as it was written, sign its
head for keeping elsewhere, export it."""

from __future__ import annotations

from pathlib import Path

import click

from triage.cli import context, output
from triage.cli.options import chosen_decisions, decision_filter
from triage.cli.output import progress_bars
from triage.errors import UserError
from triage.services.exports import FORMATS, Exported, export_log, suffix_format
from triage.services.log import KEY_ENVIRONMENT, Stamps, anchor_log, verify_log


@click.group("log")
def log_group() -> None:
    """The decision log: every decision, flag, review, policy activation and export."""


_KEY_OPTION = click.option(
    "--key",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar=KEY_ENVIRONMENT,
    help=f"The signing key (or ${KEY_ENVIRONMENT}); default: one in your private settings folder.",
)


@log_group.command("verify")
@click.option(
    "--against",
    "checkpoints",
    multiple=True,
    metavar="CHECKPOINT",
    type=click.Path(path_type=Path),
    help="A checkpoint from `triage log anchor`, or a folder of them; repeatable.",
)
@click.option(
    "--public-key",
    "trusted",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The public key checkpoints must be signed with (KEY.pub); default: your key's.",
)
@_KEY_OPTION
def verify_command(
    checkpoints: tuple[Path, ...], trusted: tuple[Path, ...], key: Path | None
) -> None:
    """Check the whole hash chain and the rows it recorded; name the first bad entry. With
    --against, show the log still holds each signed checkpoint (not cut short, emptied or
    rewritten up to it). Prints the head (count and hash)."""
    check = verify_log(context.current().workspace(), checkpoints, trusted=trusted, key=key)
    result = check.verification
    if not result.ok:
        chain = (
            f"its chain of {check.total} entries holds"
            if result.count == check.total
            else f"{result.count} of {check.total} entries good before it"
        )
        raise UserError(f"the decision log does not verify: {result.described} ({chain})")
    output.plain(f"The decision log verifies: {result.count} entries; head {result.head_hash}")
    _print_stamps(check.stamps)
    for path, checkpoint in check.checkpoints:
        output.plain(
            f"It holds checkpoint {path} (entry {checkpoint.head_seq}, taken "
            f"{checkpoint.at:%Y-%m-%d %H:%M} UTC, key {checkpoint.key_id})"
        )


def _print_stamps(stamps: Stamps) -> None:
    """Who PostgreSQL recorded as connected when each entry was written (nothing on SQLite)."""
    if stamps.by_actor:
        counted = ", ".join(f"{name} {count}" for name, count in sorted(stamps.by_actor.items()))
        output.plain(f"Stamped by the database as written by their actor: {counted}")
    if stamps.other_login:
        counted = ", ".join(f"{name} {count}" for name, count in sorted(stamps.other_login.items()))
        output.plain(
            f"Written through a login that is no user's (a shared login, or the database's "
            f"owner): {counted}"
        )


@log_group.command("anchor")
@click.option(
    "--out",
    "destination",
    required=True,
    type=click.Path(path_type=Path),
    help="A new file, or a folder to write a new checkpoint file in (named by time and head).",
)
@_KEY_OPTION
def anchor_command(destination: Path, key: Path | None) -> None:
    """Sign the log's head (count, last hash, time) with a key kept outside the database, and
    write it where the practice keeps checkpoints: a second machine, the LMC's mailbox. Later,
    `triage log verify --against` shows the log still holds it."""
    anchored = anchor_log(context.current().workspace(), destination, key)
    if anchored.key.created:
        output.info(
            f"made a new signing key {anchored.key.path}; copy its public key "
            f"{anchored.key.path.with_suffix('.pub')} to wherever checkpoints are verified"
        )
    checkpoint = anchored.checkpoint
    output.plain(
        f"Anchored the decision log at {checkpoint.count} entries (head {checkpoint.head_hash}) "
        f"in {anchored.path}; key {checkpoint.key_id}"
    )


@log_group.command("export")
@click.option("--format", "export_format", type=click.Choice(FORMATS), help="Default: from --out.")
@click.option(
    "--out", "destination", required=True, type=click.Path(path_type=Path, dir_okay=False)
)
@decision_filter
def export_command(
    export_format: str | None,
    destination: Path,
    start: str | None,
    end: str | None,
    category: str | None,
    action: str | None,
    user: str | None,
) -> None:
    """Export the decisions with their requests and letters, as CSV, JSON Lines, XLSX or a FHIR
    R4 Bundle (managers only). The export is logged, and carries the log head it was taken at."""
    chosen_format = export_format or suffix_format(destination)
    if chosen_format is None:
        raise click.UsageError("say --format csv|jsonl|xlsx|fhir, or end --out in one of them")
    chosen = chosen_decisions(start, end, category, action, user)
    with progress_bars(True) as bars:
        progress = bars("Exporting decisions") if bars else None
        exported = export_log(
            context.current().workspace(), chosen_format, destination, chosen, progress
        )
    _report(exported, f"decision{'s' if exported.rows != 1 else ''}")


def _report(exported: Exported, what: str) -> None:
    for note in exported.notes:
        output.info(note)
    output.plain(
        f"Exported {exported.rows} {what} to {exported.path} (sha256 {exported.sha256[:16]}); "
        f"log head {exported.anchor.count} {exported.anchor.hash}"
    )
