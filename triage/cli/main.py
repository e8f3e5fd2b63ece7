"""The `triage` command: global options, subcommands, and how failures end.

A problem the user can fix ends in one clear line and exit status 1; a usage mistake in status 2.
Our own bugs write a crash report (private to the user, it may hold patient data) rather than
spraying a traceback at a clerk.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import click

from triage import __version__
from triage.cli import output
from triage.cli.context import CliContext, OpenUI
from triage.cli.db_command import db_group
from triage.cli.decide_command import (
    apply_command,
    correct_command,
    decide_command,
    flag_command,
    letters_group,
    review_command,
)
from triage.cli.demo_command import demo_command
from triage.cli.history_command import history_command
from triage.cli.import_command import import_command
from triage.cli.log_command import log_group
from triage.cli.mesh_command import mesh_group
from triage.cli.notice_command import caseload_group, notice_group
from triage.cli.policy_command import policy_group
from triage.cli.practice_command import practice_group
from triage.cli.queue_command import queue_command
from triage.cli.received_command import details_command, original_command
from triage.cli.redirect_command import redirect_group
from triage.cli.report_command import report_command
from triage.cli.serve_command import serve_command
from triage.cli.users_command import logout_command, users_group
from triage.cli.watch_command import watch_command
from triage.cli.work_command import assign_command, hand_back_command, team_command
from triage.clock import SYSTEM_CLOCK, Clock
from triage.crash import write_crash_report
from triage.errors import DatabaseError, InvalidDatabaseURL, ProblemsFound, UserError
from triage.services.workspace import check_database_url

EXIT_USER_ERROR = 1
EXIT_INTERNAL_ERROR = 70  # EX_SOFTWARE
EXIT_INTERRUPTED = 130


def _check_database_url(
    _context: click.Context, _param: click.Parameter, value: str | None
) -> str | None:
    if value is None:
        return None
    try:
        check_database_url(value)
    except InvalidDatabaseURL as invalid:
        raise click.BadParameter(str(invalid)) from None
    return value


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
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


cli.add_command(import_command)
cli.add_command(details_command)
cli.add_command(original_command)
cli.add_command(watch_command)
cli.add_command(mesh_group)
cli.add_command(queue_command)
cli.add_command(caseload_group)
cli.add_command(notice_group)
cli.add_command(redirect_group)
cli.add_command(assign_command)
cli.add_command(hand_back_command)
cli.add_command(team_command)
cli.add_command(policy_group)
cli.add_command(decide_command)
cli.add_command(flag_command)
cli.add_command(review_command)
cli.add_command(correct_command)
cli.add_command(history_command)
cli.add_command(apply_command)
cli.add_command(letters_group)
cli.add_command(log_group)
cli.add_command(practice_group)
cli.add_command(report_command)
cli.add_command(users_group)
cli.add_command(logout_command)
cli.add_command(serve_command)
cli.add_command(db_group)
cli.add_command(demo_command)


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
