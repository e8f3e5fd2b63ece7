"""What every command shares: the global options, the workspace they open, and the way to start
the terminal app (handed in by screens/, which the command line must not import)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import click

from triage.cli import output
from triage.clock import Clock
from triage.services.workspace import Workspace, open_workspace

OpenUI = Callable[[Workspace], None]


@dataclass
class CliContext:
    database_url: str | None
    user_name: str | None
    demo: bool
    open_ui: OpenUI | None
    clock: Clock
    _workspace: Workspace | None = field(default=None, init=False)

    def workspace(self, *, create: bool = False) -> Workspace:
        """Open the database as the acting user (once), telling them anything they should know;
        with `create`, a database file named by --db is created if it is not there."""
        if self._workspace is None:
            if self.demo:
                from triage.demo import DEMO_CLERK, build_demo, demo_database_is_built

                if not demo_database_is_built():  # (--demo with --db is refused earlier)
                    output.info("building the demo database")
                    build_demo(clock=self.clock)
                default_user = DEMO_CLERK
            else:
                default_user = None
            self._workspace = open_workspace(
                self.database_url,
                self.user_name,
                demo=self.demo,
                default_user=default_user,
                clock=self.clock,
                create=create,
            )
            for notice in self._workspace.notices:
                output.info(notice)
        return self._workspace

    def close(self) -> None:
        if self._workspace is not None:
            self._workspace.close()

    def run_ui(self, workspace: Workspace) -> None:
        if self.open_ui is None:
            raise click.UsageError("the terminal app is not available from here; run `triage`")
        self.open_ui(workspace)


def current() -> CliContext:
    context = click.get_current_context().find_object(CliContext)
    assert context is not None, "commands run inside the triage group"
    return context
