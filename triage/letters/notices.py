"""Letters for handing existing patients back (docs/caseload.md): per patient, the notice to the
specialist team, the letter to the patient and the SMS; per team, the covering letter listing its
patients, and the reminder listing those whose hand-back it has not confirmed.

The same templates machinery as the reply letters: shipped files in policies/letters/, a
practice's own folder first, Jinja2's sandbox, every value from a file cleaned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from triage.letters import ROLE_WORDS, practice_context, render_sms
from triage.letters.paragraphs import category_paragraphs
from triage.letters.templates import letters_environment, practice_folder, render
from triage.letters.words import (
    clean_or_none,
    clean_text,
    letter_date,
    tidy,
)
from triage.models import Action, Category, Practice, User, spaced_nhs_number


@dataclass(frozen=True)
class NoticePatient:
    """One patient as the notice letters name them."""

    name: str
    date_of_birth: date
    nhs_number: str
    medications: tuple[str, ...]
    team: str  # whose care they are under now
    our_ref: str
    hand_back_on: date
    confirm_by: date
    sent_on: date | None = None  # for a reminder


@dataclass(frozen=True)
class NoticeHeader:
    """What the letters say of the policy behind the notice."""

    title: str
    version: str
    source: str
    signatory: str | None
    notice_months: int


@dataclass(frozen=True)
class NoticeLetters:
    specialist: str
    patient: str
    sms: str


def draft_notice(
    practice: Practice,
    patient: NoticePatient,
    return_to: str,
    category: Category,
    policy: NoticeHeader,
    signed_by: User,
    on: date,
    template_dir: Path | None,
) -> NoticeLetters:
    environment, loader = letters_environment(practice_folder(template_dir))
    paragraphs, _ = category_paragraphs(loader, category, Action.DECLINE)
    context = {
        **_common(practice, policy, signed_by, on, patient.our_ref),
        "patient": _patient(patient),
        "medications": [clean_text(name) for name in patient.medications],
        "team": clean_text(patient.team),
        "return_to": clean_text(return_to),
        "hand_back_on": letter_date(patient.hand_back_on),
        "confirm_by": letter_date(patient.confirm_by),
        "category_label": category.label,
        "paragraph": paragraphs,
        "notice_months": policy.notice_months,
        "replaces": None,
    }
    specialist = tidy(render(environment, loader, "notice.specialist.j2", context))
    letter = tidy(render(environment, loader, "notice.patient.j2", context))
    return NoticeLetters(
        specialist, letter, render_sms(environment, loader, "notice.sms.j2", context)
    )


def draft_team_letter(
    template: str,
    practice: Practice,
    team: str,
    patients: Sequence[NoticePatient],
    policy: NoticeHeader,
    signed_by: User,
    on: date,
    our_ref: str,
    template_dir: Path | None,
) -> str:
    """A team's covering letter ("notice.covering.j2") or reminder ("chase.covering.j2")."""
    environment, loader = letters_environment(practice_folder(template_dir))
    context = {
        **_common(practice, policy, signed_by, on, our_ref),
        "team": clean_text(team),
        "patients": [_patient(patient) for patient in patients],
        "confirm_by": letter_date(min(patient.confirm_by for patient in patients)),
    }
    return tidy(render(environment, loader, template, context))


def _common(
    practice: Practice, policy: NoticeHeader, signed_by: User, on: date, our_ref: str
) -> dict[str, Any]:
    signer = clean_or_none(signed_by.full_name) or clean_text(signed_by.name)
    return {
        "practice": practice_context(practice),
        "letter_date": letter_date(on),
        "our_ref": clean_text(our_ref),
        "policy": {
            "title": clean_text(policy.title),
            "version": clean_text(policy.version),
            "source": clean_text(policy.source),
            "signatory": clean_or_none(policy.signatory),
        },
        "signed_by": {"name": signer, "role": ROLE_WORDS[signed_by.role]},
    }


def _patient(patient: NoticePatient) -> dict[str, Any]:
    return {
        "name": clean_text(patient.name),
        "date_of_birth": letter_date(patient.date_of_birth),
        "nhs_number": spaced_nhs_number(patient.nhs_number),
        "medications": [clean_text(name) for name in patient.medications],
        "our_ref": clean_text(patient.our_ref),
        "hand_back_on": letter_date(patient.hand_back_on),
        "confirm_by": letter_date(patient.confirm_by),
        "sent_on": letter_date(patient.sent_on) if patient.sent_on else None,
    }
