"""The category paragraphs (paragraphs.toml): read, checked, and chosen for a decision."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from functools import lru_cache

from triage.errors import UserError
from triage.letters.templates import LetterLoader
from triage.letters.words import clean_text
from triage.models import Action, Category
from triage.safe_text import one_line

PARAGRAPHS_FILE = "paragraphs.toml"
PARAGRAPH_KEYS = ("specialist", "patient", "specialist_accept", "patient_accept")


@lru_cache(maxsize=16)
def _parse_paragraphs(text: str, where: str) -> Mapping[str, Mapping[str, str]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"Letter paragraphs {where}: {one_line(str(error))}") from None
    categories = {category.value for category in Category}
    parsed: dict[str, dict[str, str]] = {}
    for slug, table in data.items():
        if slug not in categories:
            raise UserError(
                f"Letter paragraphs {where}: [{one_line(slug)}] is not a category; "
                f"use one of {', '.join(sorted(categories))}."
            )
        if not isinstance(table, dict):
            raise UserError(f"Letter paragraphs {where}: {slug} must be a table ([{slug}]).")
        for key, value in table.items():
            if key not in PARAGRAPH_KEYS or not isinstance(value, str):
                raise UserError(
                    f"Letter paragraphs {where}: in [{slug}], {one_line(key)} must be one of "
                    f"{', '.join(PARAGRAPH_KEYS)}, set to text."
                )
        parsed[slug] = {key: _paragraph(value) for key, value in table.items()}
    return parsed


def _paragraph(text: str) -> str:
    """TOML text as letter paragraphs: lines joined, a blank line starting a new paragraph."""
    blocks = re.split(r"\n[ \t]*\n", text)
    return "\n\n".join(clean_text(block) for block in blocks if block.strip())


def category_paragraphs(
    loader: LetterLoader, category: Category | None, action: Action
) -> tuple[dict[str, str | None], str]:
    """This decision's category paragraphs, and the text of the file they came from (the
    practice's paragraphs.toml wins over the shipped one, as a template does)."""
    text, filename, _ = loader.read(PARAGRAPHS_FILE)
    table = _parse_paragraphs(text, loader.described[filename])
    found = table.get(category.value, {}) if category is not None else {}
    suffix = "_accept" if action is Action.ACCEPT else ""
    paragraphs = {
        "specialist": found.get(f"specialist{suffix}") or None,
        "patient": found.get(f"patient{suffix}") or None,
    }
    return paragraphs, text
