"""`triage mesh fetch`: import the requests waiting in the practice's NHS MESH mailbox."""

from __future__ import annotations

from pathlib import Path

import click

from triage.cli import context, output
from triage.services.mesh import Fetched, fetch_mesh, load_settings


@click.group("mesh")
def mesh_group() -> None:
    """The practice's NHS MESH mailbox (set up as in docs/import-formats.md, "MESH")."""


@mesh_group.command("fetch")
@click.option(
    "--settings",
    "settings_path",
    envvar="TRIAGE_MESH_SETTINGS",
    metavar="FILE",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The MESH settings file [env TRIAGE_MESH_SETTINGS; default: mesh.toml in your "
    "settings folder].",
)
def fetch_command(settings_path: Path | None) -> None:
    """Download each message waiting in the mailbox, import it as `triage import` would, then
    acknowledge it. A message that cannot be imported is kept in the failed folder with a note
    of why, then acknowledged; one already imported adds nothing."""
    settings = load_settings(settings_path)
    for notice in settings.notices:
        output.warning(notice)
    workspace = context.current().workspace()
    fetch = fetch_mesh(workspace, settings, on_message=_report)
    if not fetch.messages:
        output.plain(f"No messages waiting in MESH mailbox {fetch.mailbox}.")
        return
    count = len(fetch.messages)
    output.plain(
        f"Fetched {count} message{'s' if count != 1 else ''} from MESH mailbox {fetch.mailbox}: "
        f"{fetch.added} imported, {fetch.already_present} already present, "
        f"{fetch.failed} not imported."
    )


def _report(fetched: Fetched) -> None:
    if fetched.summary is None:
        where = fetched.kept_at
        output.plain(
            f"{fetched.name}: not imported: {fetched.problem}; kept as {where} "
            f"(why: {where}.reason.txt); acknowledged"
        )
        return
    for warning in fetched.summary.warnings:
        output.warning(str(warning))
    output.plain(
        f"{fetched.name}: {fetched.summary.added} imported, {fetched.summary.already_present} "
        "already present; acknowledged"
    )
