"""Reply letters for a decision: the letter to the requesting specialist, the letter to the
patient and a text message (domain.md §2 lists what a decline or redirect letter must contain;
docs/letters.md explains the letters and the template variables).

The wording lives in Jinja2 templates shipped as package data (policies/letters/), with the
category paragraphs as data (policies/letters/paragraphs.toml). A practice can copy them, edit
them and use its own folder: a file there wins over the shipped one of the same name.

Templates run in Jinja2's sandbox with strict undefined variables and no autoescaping (the
letters are plain text). Everything that came from a request (names, medicines, references)
reaches a template only as a variable, cleaned of control characters, so a patient called
"{{ 7*7 }}" is printed as written and never evaluated.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import traceback
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, Environment, StrictUndefined, TemplateNotFound, TemplateSyntaxError
from jinja2 import meta as jinja_meta
from jinja2.loaders import split_template_path
from jinja2.sandbox import SandboxedEnvironment

from policies.schema import PolicyHeader
from triage.clock import practice_date
from triage.errors import UserError
from triage.models import Action, Category, Practice, Reason, Request, Role, User
from triage.safe_text import one_line

OUTPUTS = ("specialist", "patient", "sms")
LETTER_ACTIONS = (Action.DECLINE, Action.REDIRECT, Action.ACCEPT)
SMS_LIMIT = 306  # two concatenated GSM-7 segments of 153 characters
PARAGRAPHS_FILE = "paragraphs.toml"
PARAGRAPH_KEYS = ("specialist", "patient", "specialist_accept", "patient_accept")

ROLE_WORDS = {Role.GP: "GP", Role.CLERK: "prescribing clerk", Role.MANAGER: "practice manager"}

_SHIPPED: Traversable = resources.files("policies") / "letters"
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True, slots=True)
class LetterFacts:
    """Everything a reply is drafted from: the request, the decision and who made it."""

    practice: Practice
    request: Request
    category: Category | None
    action: Action  # DECLINE, REDIRECT or ACCEPT
    reasons: tuple[Reason, ...]
    redirect_to: str | None  # set for REDIRECT
    policy: PolicyHeader
    signed_by: User
    decided_on: date
    our_ref: str  # our reference for the decision, e.g. "SCT-000123"
    gp_reviewed_on: date | None = None  # a GP reviewed a flagged request: the sign-off says so


@dataclass(frozen=True, slots=True)
class LetterDraft:
    specialist: str  # the reply to the requesting specialist (plain text)
    patient: str  # the plain-English letter to the patient
    sms: str  # at most SMS_LIMIT GSM-7 characters
    template_id: str  # "shipped:decline" or "practice:decline": which set, which action
    template_version: str  # 16 hex digits of sha256 over every template file used


# --- Words ---------------------------------------------------------------------------------------


def letter_date(day: date) -> str:
    """A date as letters write it: "3 March 2025" (the same in every locale)."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def spaced_nhs_number(number: str) -> str:
    """A valid NHS number in the 3 3 4 form people read it in: "943 476 5919"."""
    digits = "".join(ch for ch in number if "0" <= ch <= "9")
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


# Control and format characters (ESC, C1, bidi overrides, zero-width), separators, surrogates and
# private-use characters have no place in a letter. Zero-width (non-)joiners spell some names.
_DROPPED = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co"})
_JOINERS = frozenset({"\u200c", "\u200d"})
_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


def clean_text(text: str, *, multi_line: bool = False) -> str:
    """Untrusted text made fit for a letter: control characters removed, whitespace tidied.

    One-line fields become one line; with multi_line, line breaks stay (blank lines go).
    """
    kept: list[str] = []
    for char in text:
        if char in _BREAKS:
            kept.append("\n")
        elif char == "\t":
            kept.append(" ")
        elif char in _JOINERS or unicodedata.category(char) not in _DROPPED:
            kept.append(char)
    lines = (" ".join(line.split()) for line in "".join(kept).split("\n"))
    return ("\n" if multi_line else " ").join(line for line in lines if line)


def _clean_or_none(text: str | None) -> str | None:
    if text is None:
        return None
    return clean_text(text) or None


def _lines(text: str | None) -> list[str]:
    return clean_text(text, multi_line=True).split("\n") if text else []


def _first_upper(text: str) -> str:
    """ "prescribing clerk" -> "Prescribing clerk"; unlike `capitalize`, "GP" stays "GP"."""
    return text[:1].upper() + text[1:]


def _finalize(value: Any) -> Any:
    """An optional value that is not set prints as nothing, never as "None"."""
    return "" if value is None else value


# --- Templates -----------------------------------------------------------------------------------


class _LetterLoader(BaseLoader):
    """The practice's folder first, then the shipped templates (a ChoiceLoader that can also say
    where each template came from, and notices a practice file added while the app runs)."""

    def __init__(self, practice_dir: Path | None) -> None:
        self.practice_dir = practice_dir
        self.described: dict[str, str] = {}  # the file name Jinja knows -> how a message names it

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
                source = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise UserError(f"Cannot read the letter template {path}: {error}") from None
            filename = str(path)
            self.described[filename] = filename
            return source, filename, _unchanged(path, (stat.st_mtime_ns, stat.st_size))
        entry = _SHIPPED.joinpath(*pieces)
        if not pieces or not entry.is_file():
            raise TemplateNotFound(name)
        filename = f"{name} (shipped)"
        self.described[filename] = filename
        return entry.read_text(encoding="utf-8"), filename, lambda: self.practice_file(name) is None

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        return self.read(template)

    def list_templates(self) -> list[str]:
        names = {entry.name for entry in _SHIPPED.iterdir() if entry.name.endswith(".j2")}
        if self.practice_dir is not None and self.practice_dir.is_dir():
            names.update(path.name for path in self.practice_dir.glob("*.j2"))
        return sorted(names)


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


def _letters_environment(practice_dir: Path | None) -> tuple[SandboxedEnvironment, _LetterLoader]:
    """One environment per folder, kept so compiled templates are reused (Jinja recompiles a
    practice template when its file changes)."""
    environment = _environments.get(practice_dir)
    if environment is None:
        environment = _environment(_LetterLoader(practice_dir))
        _environments[practice_dir] = environment
    loader = environment.loader
    assert isinstance(loader, _LetterLoader)
    return environment, loader


def _practice_folder(template_dir: Path | None) -> Path | None:
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


def _used_sources(loader: _LetterLoader, top_level: list[str]) -> dict[str, str]:
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


# --- Category paragraphs -------------------------------------------------------------------------


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


def _category_paragraphs(
    loader: _LetterLoader, category: Category | None, action: Action
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


# --- Drafting ------------------------------------------------------------------------------------


def _context(facts: LetterFacts, paragraphs: dict[str, str | None]) -> dict[str, Any]:
    """The variables every template sees (docs/letters.md lists them): plain strings, lists and
    booleans only, every untrusted value cleaned."""
    request, patient, practice, policy = (
        facts.request,
        facts.request.patient,
        facts.practice,
        facts.policy,
    )
    number = _clean_or_none(patient.nhs_number)
    if number is not None and patient.nhs_number_valid:
        number = spaced_nhs_number(number)
    signer = _clean_or_none(facts.signed_by.full_name) or clean_text(facts.signed_by.name)
    return {
        "practice": {
            "name": clean_text(practice.name),
            "ods_code": clean_text(practice.ods_code),
            "address_lines": _lines(practice.address),
            "phone": clean_text(practice.phone),
            "email": clean_text(practice.email),
        },
        "letter_date": letter_date(facts.decided_on),
        "our_ref": clean_text(facts.our_ref),
        "action": facts.action.value,
        "redirect_to": _clean_or_none(facts.redirect_to),
        "request": {
            "ref": clean_text(request.ref),
            "received": letter_date(practice_date(request.received)),
            "organisation": clean_text(request.organisation),
            "requester": clean_text(request.requester),
            "reply_to_lines": _lines(request.reply_to),
            "medications": [m for m in map(clean_text, request.medications) if m],
            "diagnosis": _clean_or_none(request.diagnosis),
            "supply_ends": letter_date(request.supply_ends) if request.supply_ends else None,
            "procedure_date": (
                letter_date(request.procedure_date) if request.procedure_date else None
            ),
            "provider_type": request.provider_type.value,
            "request_type": request.request_type.value,
        },
        "patient": {
            "name": _clean_or_none(patient.name),
            "date_of_birth": letter_date(patient.date_of_birth) if patient.date_of_birth else None,
            "nhs_number": number,
            "nhs_number_valid": bool(number and patient.nhs_number_valid),
        },
        "category": facts.category.value if facts.category else None,
        "category_label": facts.category.label if facts.category else None,
        "paragraph": paragraphs,
        "reasons": [reason.value for reason in facts.reasons],
        "policy": {
            "id": policy.id,
            "title": clean_text(policy.title),
            "version": clean_text(policy.version),
            "effective_from": letter_date(policy.effective_from),
            "effective_until": (
                letter_date(policy.effective_until) if policy.effective_until else None
            ),
            "source": clean_text(policy.source),
            "signatory": _clean_or_none(policy.signatory),
        },
        "signed_by": {"name": signer, "role": ROLE_WORDS[facts.signed_by.role]},
        "gp_reviewed_on": letter_date(facts.gp_reviewed_on) if facts.gp_reviewed_on else None,
    }


def _render(
    environment: SandboxedEnvironment, loader: _LetterLoader, name: str, context: dict[str, Any]
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


def _template_line(error: BaseException, loader: _LetterLoader) -> str | None:
    """ "<file>, line <n>" of the template line the error happened on (Jinja rewrites its
    tracebacks so that template frames carry the template's file name and line)."""
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename in loader.described:
            return f"{loader.described[frame.filename]}, line {frame.lineno}"
    return None


def _tidy(text: str) -> str:
    """No trailing spaces, no runs of blank lines, no blank lines at either end."""
    lines: list[str] = []
    for line in text.splitlines():
        line = line.rstrip()
        if line or (lines and lines[-1]):
            lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


# GSM 03.38: the default alphabet, and the extension table whose characters take two places.
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = frozenset("^{}\\[~]|€")
_TYPOGRAPHIC = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2026": "...",
        "\u00a0": " ",
    }
)


def gsm_text(text: str) -> str:
    """Text every phone shows in two plain SMS segments: typographic marks made plain, accents
    dropped where GSM-7 has no such letter, anything else left as "?"."""
    kept: list[str] = []
    for char in " ".join(text.translate(_TYPOGRAPHIC).split()):
        if char in _GSM_BASIC or char in _GSM_EXTENDED:
            kept.append(char)
            continue
        base = "".join(
            part
            for part in unicodedata.normalize("NFKD", char)
            if part in _GSM_BASIC or part in _GSM_EXTENDED
        )
        kept.append(base or "?")
    return "".join(kept)


def sms_length(text: str) -> int:
    """How many of an SMS's places the (GSM-7) text takes: extension characters take two."""
    return sum(2 if char in _GSM_EXTENDED else 1 for char in text)


def _shorten(text: str, limit: int) -> str:
    """At most `limit` places, cut between words with "..." if it had to be cut."""
    if sms_length(text) <= limit:
        return text
    words: list[str] = []
    used = 3
    for word in text.split(" "):
        cost = sms_length(word) + (1 if words else 0)
        if used + cost > limit:
            break
        words.append(word)
        used += cost
    if not words:  # one word longer than the limit: nothing to cut between
        return text[: limit - 3] + "..."
    return " ".join(words).rstrip(",;:.") + "..."


def _render_sms(
    environment: SandboxedEnvironment, loader: _LetterLoader, name: str, context: dict[str, Any]
) -> str:
    """The text message in at most SMS_LIMIT places, shortened in fixed steps when too long:
    the short wording (`sms_short`), then the practice name cut to 40, then a cut between words."""
    short_name = {**context["practice"], "name": _shorten(context["practice"]["name"], 40)}
    text = ""
    for short, practice in (
        (False, context["practice"]),
        (True, context["practice"]),
        (True, short_name),
    ):
        text = gsm_text(
            _render(
                environment, loader, name, {**context, "practice": practice, "sms_short": short}
            )
        )
        if sms_length(text) <= SMS_LIMIT:
            return text
    return _shorten(text, SMS_LIMIT)


def draft_letters(facts: LetterFacts, template_dir: Path | None = None) -> LetterDraft:
    """The specialist letter, the patient letter and the SMS for a decision.

    `template_dir` is a practice's folder of edited templates: a file there wins over the shipped
    one of the same name. A mistake in a template raises UserError naming the file and line.
    """
    if facts.action not in LETTER_ACTIONS:
        raise ValueError(
            f"no letters are drafted for {facts.action.value}: only decline, redirect or accept"
        )
    if facts.action is Action.REDIRECT and not _clean_or_none(facts.redirect_to):
        # Reachable from what a person typed (a redirect to "  "): their mistake, not a crash.
        raise UserError("A redirect needs the service it goes to: redirect_to is empty.")
    practice_dir = _practice_folder(template_dir)
    environment, loader = _letters_environment(practice_dir)
    paragraphs, paragraphs_text = _category_paragraphs(loader, facts.category, facts.action)
    context = _context(facts, paragraphs)
    names = {output: f"{facts.action.value}.{output}.j2" for output in OUTPUTS}

    specialist = _tidy(_render(environment, loader, names["specialist"], context))
    patient = _tidy(_render(environment, loader, names["patient"], context))
    sms = _render_sms(environment, loader, names["sms"], context)

    used = {**_used_sources(loader, list(names.values())), PARAGRAPHS_FILE: paragraphs_text}
    digest = hashlib.sha256()
    for name in sorted(used):  # the same text gives the same version, wherever it was read from
        digest.update(f"{name}\0{used[name]}\0".encode())
    from_practice = any(loader.practice_file(name) for name in names.values())
    return LetterDraft(
        specialist=specialist,
        patient=patient,
        sms=sms,
        template_id=f"{'practice' if from_practice else 'shipped'}:{facts.action.value}",
        template_version=digest.hexdigest()[:16],
    )


def shipped_template_names() -> list[str]:
    """Every shipped letter file: the templates and the category paragraphs."""
    return sorted(
        entry.name
        for entry in _SHIPPED.iterdir()
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
                file.write((_SHIPPED / name).read_text(encoding="utf-8"))
            written.append(target)
    except FileExistsError as error:
        raise UserError(
            f"{error.filename} appeared while copying: it was not overwritten."
        ) from None
    except OSError as error:
        raise UserError(f"Cannot copy the letter templates to {destination}: {error}") from None
    return written
