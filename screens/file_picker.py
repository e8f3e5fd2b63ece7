"""Choosing files to import, and reading why a file was refused.

The picker lists folders and the files the importer reads (Textual's DirectoryTree); Enter on
a file adds it to the list or takes it off. The box above takes a file, a folder (to go there)
or patterns such as `~/Downloads/*.pdf`. A tick imports the good rows of a file with problems,
as `triage import --skip-invalid` does. A refused import's problems stay on screen, one row
each (file, row, field, problem), until the person closes them."""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import ClassVar, NamedTuple

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, DataTable, DirectoryTree, Input, Label, Static

from triage.errors import Problem, UserError
from triage.paths import expand_user
from triage.presentation import first_few
from triage.safe_text import one_line
from triage.services.importing import IMPORTABLE_SUFFIXES, ImportSummary


class ImportChoice(NamedTuple):
    files: list[Path]
    skip_invalid: bool  # import the good rows of a file with problems


class ImportableTree(DirectoryTree):
    """Folders, and the files the importer reads; nothing hidden."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [
            path
            for path in paths
            if not path.name.startswith(".")
            and (_is_dir(path) or path.suffix.lower() in IMPORTABLE_SUFFIXES)
        ]


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # unreadable: not offered
        return False


class FilePicker(ModalScreen[ImportChoice | None]):
    """The files to import and how; None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+x", "clear", "Clear the list", tooltip="Take every file off the list"),
    ]
    AUTO_FOCUS = "#pattern"

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self._folder = folder
        self.chosen: list[Path] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker"):
            yield Label("Import which files?", classes="dialog-title")
            yield Input(
                id="pattern",
                placeholder="a file, folder or pattern, e.g. ~/Downloads/*.pdf",
                compact=True,
            )
            yield ImportableTree(self._folder, id="tree")
            yield Static(id="chosen")
            yield Checkbox(
                "Import the good rows of a file with problems", id="skip-invalid", compact=True
            )
            yield Static(id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Import", id="ok", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self._show_chosen()

    @on(DirectoryTree.FileSelected)
    def _toggled(self, event: DirectoryTree.FileSelected) -> None:
        path = event.path
        if path in self.chosen:
            self.chosen.remove(path)
        else:
            self.chosen.append(path)
        self._show_chosen()

    @on(Input.Submitted, "#pattern")
    def _typed(self, event: Input.Submitted) -> None:
        """Patterns and files join the list; a folder opens in the tree; an empty box, with
        files chosen, imports them."""
        if not event.value.strip():
            self._import()
            return
        if self._add_typed(event.value):
            event.input.value = ""

    def _add_typed(self, typed: str) -> bool:
        problem = self.query_one("#problem", Static)
        try:
            words = [expand_user(Path(word)) for word in shlex.split(typed)]
        except (ValueError, UserError) as why:  # an unclosed quote, ~nosuchuser
            problem.update(Text(one_line(f"Not understood: {why}.")))
            return False
        if len(words) == 1 and _is_dir(words[0]):
            self.query_one(ImportableTree).path = words[0]
            problem.update("")
            return True
        found: list[Path] = []
        missing: list[str] = []
        for word in words:
            matches = matching(word)
            found += [path for path in matches if path.is_file()]
            if not matches:
                missing.append(str(word))
        if missing:
            problem.update(Text(one_line(f"Nothing is there: {', '.join(missing)}")))
        else:
            problem.update("")
        self.chosen += [path for path in found if path not in self.chosen]
        self._show_chosen()
        return not missing

    def _show_chosen(self) -> None:
        self.query_one("#chosen", Static).update(Text(one_line(files_in_words(self.chosen))))

    @on(Button.Pressed, "#ok")
    def _import(self) -> None:
        pattern = self.query_one("#pattern", Input)
        if pattern.value.strip() and not self._add_typed(pattern.value):
            return
        if not self.chosen:
            self.query_one("#problem", Static).update(
                Text("Choose a file: Enter on one in the list, or type a name or pattern.")
            )
            return
        skip_invalid = self.query_one("#skip-invalid", Checkbox).value
        self.dismiss(ImportChoice(list(self.chosen), skip_invalid))

    def action_clear(self) -> None:
        self.chosen.clear()
        self._show_chosen()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def matching(pattern: Path) -> list[Path]:
    """What a typed name or pattern (`*`, `?`, `[...]`) names, in order; nothing if nothing."""
    parts = pattern.parts
    wild = next((i for i, part in enumerate(parts) if any(c in part for c in "*?[")), None)
    if wild is None:
        return [pattern] if pattern.exists() else []
    folder = Path(*parts[:wild]) if wild else Path()
    return sorted(folder.glob(str(Path(*parts[wild:]))))


def files_in_words(files: list[Path]) -> str:
    """ "No file chosen yet", "2 files: a.csv, b.pdf", "81 files: a.pdf, b.pdf, c.pdf and 78
    more"."""
    if not files:
        return "No file chosen yet: Enter on a file adds it (again: takes it off)."
    return f"{_count(len(files), 'file')}: {names_in_words([path.name for path in files])}"


def names_in_words(names: list[str]) -> str:
    return first_few([Path(name).name for name in names])


def _count(number: int, thing: str) -> str:
    return f"{number:,} {thing}{'' if number == 1 else 's'}"


class ImportProblems(ModalScreen[bool]):
    """Every problem of an import, one row each, until closed. With `offer_good_rows` (nothing
    was imported), g imports the good rows instead: True."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("g", "good_rows", "Import the good rows", show=False),
    ]
    AUTO_FOCUS = "#problems"

    def __init__(self, heading: str, problems: Sequence[Problem], *, offer_good_rows: bool) -> None:
        super().__init__()
        self._heading, self._problems = heading, problems
        self._offer_good_rows = offer_good_rows

    @classmethod
    def refused(cls, summary: ImportSummary) -> ImportProblems:
        """Nothing was imported. The good rows are offered when some file's rows can be read
        (a file with a header we do not understand is refused whole, with or without)."""
        problems = summary.problems
        files = [outcome.name for outcome in summary.files if outcome.problems]
        good_rows = any(outcome.problems and not outcome.file_rejected for outcome in summary.files)
        heading = (
            f"Nothing imported: {_count(len(problems), 'problem')} in {names_in_words(files)}. "
            + ("Correct the file, or import its good rows (g)." if good_rows else "Correct it.")
        )
        return cls(heading, problems, offer_good_rows=good_rows)

    @classmethod
    def left_out(cls, summary: ImportSummary) -> ImportProblems:
        """The good rows were imported; these were not."""
        heading = (
            f"{_count(summary.added, 'request')} imported; {_count(summary.rejected, 'row')} "
            f"not, for {_count(len(summary.problems), 'problem')}:"
        )
        return cls(heading, summary.problems, offer_good_rows=False)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog problems"):
            yield Static(Text(one_line(self._heading)), classes="dialog-title")
            yield DataTable(id="problems", cursor_type="row", zebra_stripes=True)
            with Horizontal(classes="buttons"):
                if self._offer_good_rows:
                    yield Button("Import the good rows (g)", id="good-rows", compact=True)
                yield Button("Close (Esc)", id="close", variant="primary", compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#problems", DataTable)
        for label, width in (("File", 16), ("Row", 6), ("Field", 12), ("Problem", 32)):
            table.add_column(label, width=width)
        for problem in self._problems:
            place = str(problem.place) if problem.place else ""  # a line, or a FHIR entry
            cells = (Path(problem.file).name, place, problem.field or "", problem.message)
            table.add_row(*(Text(one_line(cell)) for cell in cells), height=None)

    def action_close(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "good-rows")

    def action_good_rows(self) -> None:
        if self._offer_good_rows:
            self.dismiss(True)
