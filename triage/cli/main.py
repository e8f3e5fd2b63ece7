"""The `triage` command: global options, subcommands, and how failures end.

A problem the user can fix ends in one clear line and exit status 1; a usage mistake in status 2.
Our own bugs write a crash report (private to the user, it may hold patient data) rather than
spraying a traceback at a clerk.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from triage import __version__
from triage.cli import output
from triage.clock import SYSTEM_CLOCK, Clock
from triage.crash import write_crash_report
from triage.errors import DatabaseError, InvalidDatabaseURL, ProblemsFound, UserError

if TYPE_CHECKING:
    from triage.cli.context import OpenUI

# Each command, and the module and name it is defined by: imported only when the command runs,
# so that `triage queue` does not load what `triage log export` needs (openpyxl, FHIR models).
COMMANDS = {
    "import": "triage.cli.import_command:import_command",
    "details": "triage.cli.received_command:details_command",
    "original": "triage.cli.received_command:original_command",
    "watch": "triage.cli.watch_command:watch_command",
    "mesh": "triage.cli.mesh_command:mesh_group",
    "queue": "triage.cli.queue_command:queue_command",
    "caseload": "triage.cli.notice_command:caseload_group",
    "notice": "triage.cli.notice_command:notice_group",
    "redirect": "triage.cli.redirect_command:redirect_group",
    "assign": "triage.cli.work_command:assign_command",
    "hand-back": "triage.cli.work_command:hand_back_command",
    "team": "triage.cli.work_command:team_command",
    "policy": "triage.cli.policy_command:policy_group",
    "decide": "triage.cli.decide_command:decide_command",
    "flag": "triage.cli.decide_command:flag_command",
    "review": "triage.cli.decide_command:review_command",
    "correct": "triage.cli.decide_command:correct_command",
    "history": "triage.cli.history_command:history_command",
    "apply": "triage.cli.decide_command:apply_command",
    "letters": "triage.cli.decide_command:letters_group",
    "log": "triage.cli.log_command:log_group",
    "practice": "triage.cli.practice_command:practice_group",
    "report": "triage.cli.report_command:report_command",
    "users": "triage.cli.users_command:users_group",
    "logout": "triage.cli.users_command:logout_command",
    "serve": "triage.cli.serve_command:serve_command",
    "db": "triage.cli.db_command:db_group",
    "demo": "triage.cli.demo_command:demo_command",
}


class LazyGroup(click.Group):
    """A group whose commands are imported when one is run (or help lists them)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = COMMANDS.get(cmd_name)
        if where is None:
            return None
        module, name = where.split(":")
        command = getattr(importlib.import_module(module), name)
        assert isinstance(command, click.Command)
        return command


EXIT_USER_ERROR = 1
EXIT_INTERNAL_ERROR = 70  # EX_SOFTWARE
EXIT_INTERRUPTED = 130


def _check_database_url(
    _context: click.Context, _param: click.Parameter, value: str | None
) -> str | None:
    if value is None:
        return None
    from triage.services.workspace import check_database_url

    try:
        check_database_url(value)
    except InvalidDatabaseURL as invalid:
        raise click.BadParameter(str(invalid)) from None
    return value


@click.group(
    cls=LazyGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--db",
    "database_url",
    envvar="TRIAGE_DB",
    metavar="URL",
    callback=_check_database_url,
    help="Database: a file path, sqlite:///PATH, or postgresql://USER@HOST/NAME "
    "[env TRIAGE_DB; default: a private file in your data folder].",
)
@click.option(
    "--user",
    "user_name",
    envvar="TRIAGE_USER",
    metavar="NAME",
    help="Act as this known user instead of your login name [env TRIAGE_USER].",
)
@click.option("--demo", is_flag=True, help="Use the demo database (see `triage demo`).")
# Set by `triage serve` for each browser session (serve_command.py), never typed by a person.
@click.option("--served", is_flag=True, hidden=True)
@click.version_option(__version__, "--version", prog_name="triage")
@click.pass_context
def cli(
    context: click.Context,
    database_url: str | None,
    user_name: str | None,
    demo: bool,
    served: bool,
) -> None:
    """Triage shared-care requests against your practice's declared policy.

    Run without a command to open the terminal app.
    """
    if demo and database_url is not None:
        raise click.UsageError("--demo uses the demo's own database; leave out --db (or TRIAGE_DB)")
    if served and (demo or context.invoked_subcommand is not None):
        raise click.UsageError("--served is how `triage serve` opens the app for a browser")
    from triage.cli.context import CliContext

    meta = context.meta  # main() hands these in; click's test runner calls cli directly
    context.obj = CliContext(
        database_url,
        user_name,
        demo,
        meta.get("triage.open_ui"),
        meta.get("triage.clock", SYSTEM_CLOCK),
        served=served,
    )
    context.call_on_close(context.obj.close)
    if context.invoked_subcommand is None:
        context.obj.run_ui()


def main(
    argv: Sequence[str] | None = None,
    *,
    open_ui: OpenUI | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> None:
    """Run the command line and exit with its status. Tests pass a fixed clock."""
    try:
        with cli.make_context("triage", list(sys.argv[1:] if argv is None else argv)) as context:
            context.meta["triage.open_ui"] = open_ui
            context.meta["triage.clock"] = clock
            cli.invoke(context)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as usage:
        usage.show()
        sys.exit(usage.exit_code)
    except click.exceptions.Abort:
        output.error("interrupted")
        sys.exit(EXIT_INTERRUPTED)
    except ProblemsFound as problems:
        for line in problems.lines:
            output.plain(line, err=True)
        output.error(str(problems))
        sys.exit(EXIT_USER_ERROR)
    except (UserError, DatabaseError) as failure:
        output.error(str(failure))
        sys.exit(EXIT_USER_ERROR)
    except KeyboardInterrupt:
        output.error("interrupted; anything not yet saved was not saved")
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        # The reader went away (`triage queue | head`): stop quietly, as Unix tools do, and keep
        # Python's final flush of stdout from failing again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(EXIT_USER_ERROR)
    except Exception as bug:
        report = write_crash_report(bug)
        where = f"; details are in {report}" if report else ""
        output.error(f"internal error ({type(bug).__name__}){where}. Please report it.")
        sys.exit(EXIT_INTERNAL_ERROR)
    sys.exit(0)
