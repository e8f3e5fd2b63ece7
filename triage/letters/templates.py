"""The letter templates: loaded from the practice's folder over the shipped ones, run in Jinja2's
sandbox, the files a letter used (for its version), and a template's mistake as one UserError."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, Environment, StrictUndefined, TemplateNotFound, TemplateSyntaxError
from jinja2 import meta as jinja_meta
from jinja2.loaders import split_template_path
from jinja2.sandbox import SandboxedEnvironment

from triage.errors import UserError
from triage.letters.shipped import SHIPPED
from triage.safe_text import one_line


def _first_upper(text: str) -> str:
    """ "prescribing clerk" -> "Prescribing clerk"; unlike `capitalize`, "GP" stays "GP"."""
    return text[:1].upper() + text[1:]


def _finalize(value: Any) -> Any:
    """An optional value that is not set prints as nothing, never as "None"."""
    return "" if value is None else value


class LetterLoader(BaseLoader):
    """The practice's folder first, then the shipped templates (a ChoiceLoader that can also say
    where each template came from, and notices a practice file added while the app runs)."""

    def __init__(self, practice_dir: Path | None) -> None:
        self.practice_dir = practice_dir
        self.described: dict[str, str] = {}  # the file name Jinja knows -> how a message names it
        self._sources: dict[Path, tuple[tuple[int, int], str]] = {}  # (mtime, size), text

    def practice_file(self, name: str) -> Path | None:
        if self.practice_dir is None:
            return None
        path = self.practice_dir.joinpath(*split_template_path(name))
        return path if path.is_file() else None

    def read(self, name: str) -> tuple[str, str, Callable[[], bool]]:
        """The template's source, the file name errors are reported against, and whether the
        copy Jinja compiled is still the one to use."""
        pieces = split_template_path(name)  # refuses "..": no template reaches outside
        path = self.practice_file(name)
        if path is not None:
            try:
                stat = path.stat()
                seen = (stat.st_mtime_ns, stat.st_size)
                source = self._practice_source(path, seen)
            except (OSError, UnicodeDecodeError) as error:
                raise UserError(f"Cannot read the letter template {path}: {error}") from None
            filename = str(path)
            self.described[filename] = filename
            return source, filename, _unchanged(path, seen)
        shipped = _shipped_source(tuple(pieces))
        if shipped is None:
            raise TemplateNotFound(name)
        filename = f"{name} (shipped)"
        self.described[filename] = filename
        return shipped, filename, lambda: self.practice_file(name) is None

    def _practice_source(self, path: Path, seen: tuple[int, int]) -> str:
        """The file's text, read again only when its time or size has changed: every decision
        reads each template it uses, to know the letters' version."""
        cached = self._sources.get(path)
        if cached is None or cached[0] != seen:
            cached = (seen, path.read_text(encoding="utf-8"))
            self._sources[path] = cached
        return cached[1]

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        return self.read(template)

    def list_templates(self) -> list[str]:
        names = {entry.name for entry in SHIPPED.iterdir() if entry.name.endswith(".j2")}
        if self.practice_dir is not None and self.practice_dir.is_dir():
            names.update(path.name for path in self.practice_dir.glob("*.j2"))
        return sorted(names)


@lru_cache(maxsize=64)
def _shipped_source(pieces: tuple[str, ...]) -> str | None:
    """A shipped template's text (installed with the program, so it never changes while it
    runs); None if there is no such template."""
    entry = SHIPPED.joinpath(*pieces)
    if not pieces or not entry.is_file():
        return None
    return entry.read_text(encoding="utf-8")


def _unchanged(path: Path, seen: tuple[int, int]) -> Callable[[], bool]:
    def uptodate() -> bool:
        try:
            stat = path.stat()
        except OSError:
            return False
        return (stat.st_mtime_ns, stat.st_size) == seen

    return uptodate


def _environment(loader: BaseLoader | None) -> SandboxedEnvironment:
    environment = SandboxedEnvironment(
        loader=loader,
        undefined=StrictUndefined,
        autoescape=False,  # plain-text letters, never HTML
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=True,
        finalize=_finalize,
    )
    environment.filters["first_upper"] = _first_upper
    return environment


_environments: dict[Path | None, SandboxedEnvironment] = {}
_PARSER = _environment(None)  # finds the templates a template includes or imports


def letters_environment(practice_dir: Path | None) -> tuple[SandboxedEnvironment, LetterLoader]:
    """One environment per folder, kept so compiled templates are reused (Jinja recompiles a
    practice template when its file changes)."""
    environment = _environments.get(practice_dir)
    if environment is None:
        environment = _environment(LetterLoader(practice_dir))
        _environments[practice_dir] = environment
    loader = environment.loader
    assert isinstance(loader, LetterLoader)
    return environment, loader


def practice_folder(template_dir: Path | None) -> Path | None:
    if template_dir is None:
        return None
    if not template_dir.is_dir():
        raise UserError(f"The letters folder {template_dir} does not exist or is not a folder.")
    return template_dir.resolve()


@lru_cache(maxsize=256)
def _references(source: str) -> tuple[str, ...] | None:
    """The templates a template includes, imports or extends; None if it names one only at
    render time (then every template counts as used)."""
    names = list(jinja_meta.find_referenced_templates(_PARSER.parse(source)))
    if any(name is None for name in names):
        return None
    return tuple(sorted({name for name in names if name is not None}))


def used_sources(loader: LetterLoader, top_level: list[str]) -> dict[str, str]:
    used: dict[str, str] = {}
    pending = list(top_level)
    while pending:
        name = pending.pop()
        if name in used:
            continue
        source = loader.read(name)[0]
        used[name] = source
        try:
            referenced = _references(source)
        except TemplateSyntaxError:  # not rendered this time: only its text counts
            referenced = ()
        pending.extend(loader.list_templates() if referenced is None else referenced)
    return used


def render(
    environment: SandboxedEnvironment, loader: LetterLoader, name: str, context: dict[str, Any]
) -> str:
    """Render one template; a mistake in a template is one UserError naming file and line."""
    try:
        return environment.get_template(name).render(context)
    except UserError:
        raise
    except TemplateSyntaxError as error:
        where = loader.described.get(error.filename or "", error.filename or error.name or name)
        raise UserError(
            f"Letter template {where}, line {error.lineno}: {one_line(error.message or '')}"
        ) from None
    except TemplateNotFound as error:
        place = _template_line(error, loader)
        missing = one_line(str(error.name or name))
        if place is None:
            raise UserError(
                f"Letter template {missing} is missing: it is neither in the letters folder "
                "nor among the shipped templates."
            ) from None
        raise UserError(
            f"Letter template {place}: it uses {missing}, which is neither in the letters "
            "folder nor among the shipped templates."
        ) from None
    except Exception as error:
        place = _template_line(error, loader)
        if place is None:
            raise
        raise UserError(f"Letter template {place}: {one_line(str(error))}") from None


def _template_line(error: BaseException, loader: LetterLoader) -> str | None:
    """ "<file>, line <n>" of the template line the error happened on (Jinja rewrites its
    tracebacks so that template frames carry the template's file name and line)."""
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename in loader.described:
            return f"{loader.described[frame.filename]}, line {frame.lineno}"
    return None
