"""`triage practice show|set|templates`: the practice's details for its letters."""

from __future__ import annotations

from pathlib import Path

import click

from triage.cli import context, output
from triage.letters import copy_shipped_templates
from triage.models import Practice, QueueSort
from triage.presentation import QUEUE_ORDER_WORDS
from triage.services.practice import (
    practice_details,
    queue_opening_order,
    set_practice_details,
)


@click.group("practice")
def practice_group() -> None:
    """The practice's details, printed on every letter."""


@practice_group.command("show")
def show_command() -> None:
    """Show the practice's details."""
    found = practice_details(context.current().workspace())
    if found is None:
        output.plain(
            "The practice's details are not set: a manager sets them with `triage practice set`."
        )
        return
    practice, letters_dir = found
    opens = QUEUE_ORDER_WORDS[queue_opening_order(context.current().workspace())]
    for label, value in (
        ("Name", practice.name),
        ("ODS code", practice.ods_code),
        ("Address", practice.address.replace("\n", ", ")),
        ("Phone", practice.phone),
        ("Email", practice.email),
        ("Letter templates", letters_dir or "as shipped"),
        ("Queue opens", opens),
    ):
        output.plain(f"{label + ':':<18}{value}")


@practice_group.command("set")
@click.option("--name", help="e.g. 'Harbour Street Surgery'.")
@click.option("--ods-code", help="The practice's ODS code, e.g. Y12345.")
@click.option("--address", help="Lines separated by commas or newlines.")
@click.option("--phone")
@click.option("--email", help="The practice's NHSmail address.")
@click.option(
    "--letters-dir",
    metavar="DIR",
    help="A folder of the practice's own letter templates (see `triage practice templates`); "
    '"" goes back to the shipped ones.',
)
@click.option(
    "--queue-opens",
    type=click.Choice([QueueSort.OLDEST.value, QueueSort.DUE.value]),
    help="How everyone's queue opens: the oldest first (as shipped), or due: the most urgent "
    "first (the supply ending soonest; unknown dates last).",
)
def set_command(
    name: str | None,
    ods_code: str | None,
    address: str | None,
    phone: str | None,
    email: str | None,
    letters_dir: str | None,
    queue_opens: str | None,
) -> None:
    """Set the practice's details (managers only). The first time, give all five; after that,
    only what changes."""
    workspace = context.current().workspace()
    found = practice_details(workspace)
    given = {
        "name": name,
        "ods_code": ods_code.upper() if ods_code else None,
        "address": _address_lines(address) if address else None,
        "phone": phone,
        "email": email,
    }
    current = found[0].model_dump() if found else {}
    missing = [key for key, value in given.items() if value is None and key not in current]
    if missing:
        options = ", ".join("--" + key.replace("_", "-") for key in missing)
        raise click.UsageError(f"the practice's details are not set yet: give {options} too")
    values = {key: (value if value is not None else current[key]) for key, value in given.items()}
    practice = Practice(**{key: value.strip() for key, value in values.items()})
    if letters_dir is None:
        folder = Path(found[1]) if found and found[1] else None
    else:
        folder = Path(letters_dir) if letters_dir.strip() else None
    opening = set_practice_details(
        workspace, practice, folder, QueueSort(queue_opens) if queue_opens else None
    )
    output.plain(
        f"Saved the details of {practice.name} ({practice.ods_code}). "
        f"The queue opens {QUEUE_ORDER_WORDS[opening]}."
    )


def _address_lines(address: str) -> str:
    return "\n".join(
        line.strip() for line in address.replace(",", "\n").splitlines() if line.strip()
    )


@practice_group.command("templates")
@click.option(
    "--out",
    "destination",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="A new or empty folder.",
)
def templates_command(destination: Path) -> None:
    """Copy the shipped letter templates into a folder, to edit them; then point
    `triage practice set --letters-dir` at it."""
    written = copy_shipped_templates(destination)
    output.plain(f"Copied {len(written)} template files to {destination}.")
