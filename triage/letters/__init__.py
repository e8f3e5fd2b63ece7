"""Reply letters for a decision: the letter to the requesting specialist, the letter to the
patient and a text message (docs/domain.md §2 lists what a decline or redirect letter must contain;
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
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from jinja2.sandbox import SandboxedEnvironment

from policies.schema import PolicyHeader
from triage.clock import practice_date
from triage.errors import UserError
from triage.letters.paragraphs import PARAGRAPH_KEYS, PARAGRAPHS_FILE, category_paragraphs
from triage.letters.shipped import copy_shipped_templates, shipped_template_names
from triage.letters.templates import (
    LetterLoader,
    letters_environment,
    practice_folder,
    render,
    used_sources,
)
from triage.letters.words import (
    clean_or_none,
    clean_text,
    gsm_text,
    letter_date,
    lines,
    shorten,
    sms_length,
    tidy,
)
from triage.models import (
    DECIDING_ACTIONS,
    Action,
    Category,
    LetterKind,
    Practice,
    Reason,
    Request,
    Role,
    User,
    spaced_nhs_number,
)

OUTPUTS = ("specialist", "patient", "sms")
SMS_LIMIT = 306  # two concatenated GSM-7 segments of 153 characters

ROLE_WORDS = {Role.GP: "GP", Role.CLERK: "prescribing clerk", Role.MANAGER: "practice manager"}


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
    replaces: Replaced | None = None  # a GP's correction: the letters it replaces


@dataclass(frozen=True, slots=True)
class Replaced:
    """The earlier decision's letters that a correction's letters replace."""

    our_ref: str
    sent_on: date


def replacement_notices(replaced: Replaced) -> dict[LetterKind, str]:
    """What each letter of a correction says first, so that nobody acts on both: the earlier
    letter by its date and reference, and that it no longer stands."""
    sent_on, our_ref = letter_date(replaced.sent_on), clean_text(replaced.our_ref)
    earlier = f"our letter of {sent_on} (our reference {our_ref})"
    return {
        LetterKind.SPECIALIST: (
            f"This letter replaces {earlier} about this request. That decision has been "
            "corrected: please disregard that letter and act on this one only."
        ),
        LetterKind.PATIENT: (
            f"This letter replaces {earlier}. Please ignore that letter: this one tells you "
            "what happens now."
        ),
        LetterKind.SMS: "This replaces our earlier message. ",
    }


@dataclass(frozen=True, slots=True)
class LetterDraft:
    specialist: str  # the reply to the requesting specialist (plain text)
    patient: str  # the plain-English letter to the patient
    sms: str  # at most SMS_LIMIT GSM-7 characters
    template_id: str  # "shipped:decline" or "practice:decline": which set, which action
    template_version: str  # 16 hex digits of sha256 over every template file used

    def texts(self) -> dict[LetterKind, str]:
        return {
            LetterKind.SPECIALIST: self.specialist,
            LetterKind.PATIENT: self.patient,
            LetterKind.SMS: self.sms,
        }


def _context(facts: LetterFacts, paragraphs: dict[str, str | None]) -> dict[str, Any]:
    """The variables every template sees (docs/letters.md lists them): plain strings, lists and
    booleans only, every untrusted value cleaned."""
    request, patient, practice, policy = (
        facts.request,
        facts.request.patient,
        facts.practice,
        facts.policy,
    )
    number = clean_or_none(patient.nhs_number)
    if number is not None and patient.nhs_number_valid:
        number = spaced_nhs_number(number)
    signer = clean_or_none(facts.signed_by.full_name) or clean_text(facts.signed_by.name)
    return {
        "practice": practice_context(practice),
        "letter_date": letter_date(facts.decided_on),
        "our_ref": clean_text(facts.our_ref),
        "action": facts.action.value,
        "redirect_to": clean_or_none(facts.redirect_to),
        "request": {
            "ref": clean_text(request.ref),
            "received": letter_date(practice_date(request.received)),
            "organisation": clean_text(request.organisation),
            "requester": clean_text(request.requester),
            "reply_to_lines": lines(request.reply_to),
            "medications": [m for m in map(clean_text, request.medications) if m],
            "diagnosis": clean_or_none(request.diagnosis),
            "supply_ends": letter_date(request.supply_ends) if request.supply_ends else None,
            "procedure_date": (
                letter_date(request.procedure_date) if request.procedure_date else None
            ),
            "provider_type": request.provider_type.value,
            "request_type": request.request_type.value if request.request_type else None,
        },
        "patient": {
            "name": clean_or_none(patient.name),
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
            "signatory": clean_or_none(policy.signatory),
        },
        "signed_by": {"name": signer, "role": ROLE_WORDS[facts.signed_by.role]},
        "gp_reviewed_on": letter_date(facts.gp_reviewed_on) if facts.gp_reviewed_on else None,
        "replaces": _replaces(facts.replaces),
    }


def practice_context(practice: Practice) -> dict[str, Any]:
    """The letterhead's variables, for every letter the practice sends."""
    return {
        "name": clean_text(practice.name),
        "ods_code": clean_text(practice.ods_code),
        "address_lines": lines(practice.address),
        "phone": clean_text(practice.phone),
        "email": clean_text(practice.email),
    }


def _replaces(replaced: Replaced | None) -> dict[str, str] | None:
    if replaced is None:
        return None
    return {
        "our_ref": clean_text(replaced.our_ref),
        "letter_date": letter_date(replaced.sent_on),
        "notice": replacement_notices(replaced)[LetterKind.SPECIALIST],
        "patient_notice": replacement_notices(replaced)[LetterKind.PATIENT],
    }


def render_sms(
    environment: SandboxedEnvironment,
    loader: LetterLoader,
    name: str,
    context: dict[str, Any],
    first: str = "",
) -> str:
    """The text message in at most SMS_LIMIT places, shortened in fixed steps when too long:
    the short wording (`sms_short`), then the practice name cut to 40, then a cut between words.
    `first` (a correction's notice) comes before the rest, so no shortening cuts it."""
    short_name = {**context["practice"], "name": shorten(context["practice"]["name"], 40)}
    text = ""
    for short, practice in (
        (False, context["practice"]),
        (True, context["practice"]),
        (True, short_name),
    ):
        variables = {**context, "practice": practice, "sms_short": short}
        text = gsm_text(first + render(environment, loader, name, variables))
        if sms_length(text) <= SMS_LIMIT:
            return text
    return shorten(text, SMS_LIMIT)


def draft_letters(facts: LetterFacts, template_dir: Path | None = None) -> LetterDraft:
    """The specialist letter, the patient letter and the SMS for a decision.

    `template_dir` is a practice's folder of edited templates: a file there wins over the shipped
    one of the same name. A mistake in a template raises UserError naming the file and line.
    """
    if facts.action not in DECIDING_ACTIONS:
        raise ValueError(
            f"no letters are drafted for {facts.action.value}: only decline, redirect or accept"
        )
    if facts.action is Action.REDIRECT and not clean_or_none(facts.redirect_to):
        # Reachable from what a person typed (a redirect to "  "): their mistake, not a crash.
        raise UserError("A redirect needs the service it goes to: redirect_to is empty.")
    practice_dir = practice_folder(template_dir)
    environment, loader = letters_environment(practice_dir)
    paragraphs, paragraphs_text = category_paragraphs(loader, facts.category, facts.action)
    context = _context(facts, paragraphs)
    names = {output: f"{facts.action.value}.{output}.j2" for output in OUTPUTS}

    specialist = tidy(render(environment, loader, names["specialist"], context))
    patient = tidy(render(environment, loader, names["patient"], context))
    notices = replacement_notices(facts.replaces) if facts.replaces else {}
    sms = render_sms(environment, loader, names["sms"], context, notices.get(LetterKind.SMS, ""))
    if facts.replaces is not None:
        specialist = _saying_first(specialist, notices[LetterKind.SPECIALIST])
        patient = _saying_first(patient, notices[LetterKind.PATIENT])

    used = {**used_sources(loader, list(names.values())), PARAGRAPHS_FILE: paragraphs_text}
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


def _saying_first(letter: str, notice: str) -> str:
    """The shipped templates place a correction's notice under the letterhead; a practice's own
    template that does not gets it at the very top, so no correction goes out without it."""
    if notice in letter:
        return letter
    return tidy(f"{notice}\n\n{letter}")


__all__ = [
    "OUTPUTS",
    "PARAGRAPHS_FILE",
    "PARAGRAPH_KEYS",
    "ROLE_WORDS",
    "SMS_LIMIT",
    "LetterDraft",
    "LetterFacts",
    "Replaced",
    "clean_text",
    "copy_shipped_templates",
    "draft_letters",
    "gsm_text",
    "letter_date",
    "practice_context",
    "render_sms",
    "replacement_notices",
    "shipped_template_names",
    "sms_length",
]
