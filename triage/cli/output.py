"""Printing for the command line. Anything that came from a file is made terminal-safe, and Rich
is only ever given Text objects, never markup strings."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
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
    if not console.is_terminal and not os.environ.get("COLUMNS", "").isdigit():
        # Piped into a file or another program, and no width asked for: cut nothing short.
        console = Console(highlight=False, markup=False, emoji=False, width=200)
    return console


GAP = 2  # between two columns of a table (a cell's padding on each side)


@dataclass(frozen=True)
class Column:
    """A column of a table for people, and what gives way when the terminal is narrow."""

    header: str
    drop: int = 0  # 0: always shown; else dropped, 1 first, until the table fits
    wrap: bool = False  # a long cell wraps between words (never inside one) rather than cut
    min_width: int = 6  # how narrow a cut column may get (with "…")
    max_width: int | None = None
    fill: bool = False  # takes the width left over (one column of prose), wrapping


def fitted_table(columns: Sequence[Column], rows: Sequence[Sequence[Text]], width: int) -> Table:
    """A table no wider than `width`: the columns always shown, then each of the others, most
    important first, that still fits whole (the least important are dropped); when even the
    first do not fit, the widest are cut short with "…"."""
    kept = [index for index, column in enumerate(columns) if not column.drop]
    for column in sorted((c for c in columns if c.drop), key=lambda c: -c.drop):
        trying = sorted([*kept, columns.index(column)])
        if _needed(columns, rows, trying) <= width:
            kept = trying
    table = Table(box=None, header_style="bold", pad_edge=False, expand=False)
    for index in kept:
        column = columns[index]
        if column.wrap or column.fill:
            table.add_column(
                column.header,
                min_width=_longest_word(column, rows, index),
                max_width=column.max_width,
                ratio=1 if column.fill else None,
                overflow="fold",  # only a word longer than the whole terminal is split
            )
        else:
            table.add_column(
                column.header,
                min_width=min(column.min_width, _natural(column, rows, index)),
                max_width=column.max_width,
                no_wrap=True,
                overflow="ellipsis",
            )
    for row in rows:
        table.add_row(*(row[index] for index in kept))
    return table


def _needed(columns: Sequence[Column], rows: Sequence[Sequence[Text]], kept: list[int]) -> int:
    """The width the kept columns need to show their cells whole: a wrapped column its longest
    word, a column of prose its minimum, every other its widest cell."""
    widths = []
    for index in kept:
        column = columns[index]
        if column.wrap:
            widths.append(_longest_word(column, rows, index))
        elif column.fill:
            widths.append(max(column.min_width, _longest_word(column, rows, index)))
        else:
            widths.append(_natural(column, rows, index))
    return sum(widths) + GAP * (len(kept) - 1)


def _natural(column: Column, rows: Sequence[Sequence[Text]], index: int) -> int:
    widest = max([len(column.header), *(row[index].cell_len for row in rows)])
    return min(widest, column.max_width or widest)


def _longest_word(column: Column, rows: Sequence[Sequence[Text]], index: int) -> int:
    words = [len(column.header)] + [len(word) for row in rows for word in row[index].plain.split()]
    return max(words)


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


# Below this much data a progress bar would only flicker.
PROGRESS_THRESHOLD_BYTES = 1_000_000


def large_files(files: Sequence[Path]) -> bool:
    """Whether reading the files is worth progress bars."""
    total = 0
    for file in files:
        with contextlib.suppress(OSError):  # whoever reads them reports missing files
            total += file.stat().st_size
    return total > PROGRESS_THRESHOLD_BYTES


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
