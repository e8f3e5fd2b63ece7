"""The shipped letter files (policies/letters/): their names, and a copy for a practice to edit."""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from triage.errors import UserError

SHIPPED: Traversable = resources.files("policies") / "letters"


def shipped_template_names() -> list[str]:
    """Every shipped letter file: the templates and the category paragraphs."""
    return sorted(
        entry.name
        for entry in SHIPPED.iterdir()
        if entry.is_file() and entry.name.endswith((".j2", ".toml"))
    )


def copy_shipped_templates(destination: Path) -> list[Path]:
    """Copy every shipped letter file into `destination` (made if need be) for a practice to
    edit. Nothing is overwritten: if any of the files is already there, nothing is copied."""
    if destination.exists() and not destination.is_dir():
        raise UserError(
            f"{destination} is a file, not a folder: choose a folder for the templates."
        )
    names = shipped_template_names()
    clashes = [name for name in names if (destination / name).exists()]
    if clashes:
        raise UserError(
            f"{destination} already has {', '.join(clashes)}: nothing was copied. "
            "Choose a new or empty folder, or move those files first."
        )
    try:
        destination.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        for name in names:
            target = destination / name
            with target.open("x", encoding="utf-8", newline="") as file:
                file.write((SHIPPED / name).read_text(encoding="utf-8"))
            written.append(target)
    except FileExistsError as error:
        raise UserError(
            f"{error.filename} appeared while copying: it was not overwritten."
        ) from None
    except OSError as error:
        raise UserError(f"Cannot copy the letter templates to {destination}: {error}") from None
    return written
