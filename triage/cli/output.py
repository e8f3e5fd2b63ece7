"""Printing for the command line. Anything that came from a file is made terminal-safe, and Rich
is only ever given Text objects, never markup strings."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from triage.safe_text import one_line, terminal_safe

PROG = "triage"


def info(message: str) -> None:
    click.echo(terminal_safe(f"{PROG}: {message}", keep_newlines=True), err=True)


def warning(message: str) -> None:
    click.echo(terminal_safe(f"{PROG}: warning: {message}"), err=True)


def error(message: str) -> None:
    click.echo(terminal_safe(f"{PROG}: error: {message}"), err=True)


def plain(message: str, *, err: bool = False) -> None:
    click.echo(terminal_safe(message), err=err)


def letter(text: str) -> None:
    """A letter or other multi-line text from the database, line breaks kept."""
    click.echo(terminal_safe(text.rstrip("\n"), keep_newlines=True))


def stdout_console() -> Console:
    console = Console(highlight=False, markup=False, emoji=False)
    if not console.is_terminal:
        # Piped into a file or another program: no terminal width to fit, so cut nothing short.
        console = Console(highlight=False, markup=False, emoji=False, width=200)
    return console


# For commands that print a table for people or JSON Lines for programs.
format_option = click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="json prints JSON Lines, one object per request.",
)


def cell(value: object) -> Text:
    """A table cell: untrusted text, on one line, never parsed as markup."""
    return Text(one_line("" if value is None else str(value)))


@contextmanager
def progress_bars(enabled: bool) -> Iterator[Callable[[str], Callable[[int, int], None]] | None]:
    """Progress bars on stderr, for work on large files. Yields a factory: label -> update(done,
    total), or None when bars are off (small files, or stderr is not a terminal)."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    console = Console(stderr=True, highlight=False, markup=False)
    columns = (
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bars:

        def start(label: str) -> Callable[[int, int], None]:
            task = bars.add_task(one_line(label), total=None)

            def update(done: int, total: int) -> None:
                bars.update(task, completed=done, total=total)

            return update

        yield start
