"""`triage log verify`: prove the decision log is as it was written."""

from __future__ import annotations

import click

from triage.cli import context, output
from triage.decision_log import verify_log
from triage.errors import UserError


@click.group("log")
def log_group() -> None:
    """The decision log: every decision, flag, review, policy activation and export."""


@log_group.command("verify")
def verify_command() -> None:
    """Check the whole hash chain; name the first bad entry. Prints the head (count and hash):
    keep it outside the database, to catch a log rewritten from the start."""
    check = verify_log(context.current().workspace())
    result = check.verification
    if not result.ok:
        raise UserError(
            f"the decision log does not verify: entry {result.first_bad}: {result.problem} "
            f"({result.count} of {check.total} entries good before it)"
        )
    output.plain(f"The decision log verifies: {result.count} entries; head {result.head_hash}")
