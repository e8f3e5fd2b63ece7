"""Reply letters: what the specialist, the patient and the SMS are told (docs/domain.md §2, §3), that
untrusted text stays text, and that a practice can edit the templates safely."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from policies import load_shipped_policy
from policies.schema import PolicyHeader
from tests.factories import make_request
from triage.errors import UserError
from triage.letters import (
    SMS_LIMIT,
    LetterDraft,
    LetterFacts,
    copy_shipped_templates,
    draft_letters,
    gsm_text,
    letter_date,
    sms_length,
)
from triage.models import (
    DECIDING_ACTIONS,
    Action,
    Category,
    Practice,
    Reason,
    Request,
    Role,
    Status,
    User,
)

PRACTICE = Practice(
    name="Harbour Street Surgery",
    ods_code="Y12345",
    address="12 Harbour Street\nWeymouth\nDT4 8AA",
    phone="01305 760000",
    email="harbourstreet.surgery@nhs.net",
)
LONG_PRACTICE_NAME = (
    "The Royal Crescent, Preston Road and Wyke Regis Surgeries at the Weymouth and Portland "
    "Community Health and Wellbeing Centre"
)
LONG_REDIRECT = (
    "Community Specialist Haematology and Myeloma Monitoring Service, University Hospitals "
    "Dorset NHS Foundation Trust (Royal Bournemouth and Poole Hospitals), Castle Lane East"
)
GP = User(id=1, name="apatel", role=Role.GP, full_name="Dr Asha Patel")
SHIPPED_NAMES = [
    f"{action}.{output}.j2"
    for action in ("decline", "redirect", "accept")
    for output in ("specialist", "patient", "sms")
]


def _policy() -> PolicyHeader:
    loaded = load_shipped_policy("weymouth-portland-pcn")
    assert loaded is not None
    return loaded.policy.policy


POLICY = _policy()
PARAGRAPHS: dict[str, dict[str, str]] = tomllib.loads(
    (resources.files("policies") / "letters" / "paragraphs.toml").read_text(encoding="utf-8")
)


def stored(**fields: Any) -> Request:
    """A request as the queue holds it."""
    incoming = make_request(**fields)
    return Request(
        **incoming.model_dump(),
        id=42,
        status=Status.DECIDED,
        imported_at=datetime(2025, 1, 14, 10, 0, tzinfo=UTC),
    )


ADHD_REQUEST = stored(
    ref="ADHD/2025/0117",
    requester="Dr R Okafor, Consultant Psychiatrist",
    organisation="Wessex Adult ADHD Service",
    medications=("Concerta XL 36mg",),
    diagnosis="Attention deficit hyperactivity disorder",
    supply_ends=date(2025, 3, 20),
    reply_to="wessex.adhd@nhs.net",
)


def facts(**changes: Any) -> LetterFacts:
    base = LetterFacts(
        practice=PRACTICE,
        request=ADHD_REQUEST,
        category=Category.ADHD,
        action=Action.DECLINE,
        reasons=(Reason.SPECIALIST_KNOWLEDGE, Reason.CAPACITY),
        redirect_to=None,
        policy=POLICY,
        signed_by=GP,
        decided_on=date(2025, 3, 3),
        our_ref="SCT-000123",
    )
    if changes.get("action") is Action.REDIRECT and "redirect_to" not in changes:
        changes["redirect_to"] = "Local specialist haematology service"
    return dataclasses.replace(base, **changes)


def flat(text: str) -> str:
    """A letter with its line breaks folded, to look for sentences."""
    return " ".join(text.split())


def paragraph_text(category: Category, key: str) -> str:
    return flat(PARAGRAPHS[category.value][key])


def assert_tidy(text: str) -> None:
    assert "\n\n\n" not in text
    assert not text.startswith("\n")
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert all(line == line.rstrip() for line in text.splitlines())


# --- Every category and action --------------------------------------------------------------------


@pytest.mark.parametrize("action", DECIDING_ACTIONS, ids=str)
@pytest.mark.parametrize("category", [*Category, None], ids=str)
def test_every_category_and_action_drafts_all_three(
    category: Category | None, action: Action
) -> None:
    draft = draft_letters(facts(category=category, action=action))

    for letter in (draft.specialist, draft.patient):
        assert_tidy(letter)
        assert "None" not in letter
    assert sms_length(draft.sms) <= SMS_LIMIT
    assert draft.template_id == f"shipped:{action.value}"
    assert re.fullmatch(r"[0-9a-f]{16}", draft.template_version)
    if category is not None:
        suffix = "_accept" if action is Action.ACCEPT else ""
        assert paragraph_text(category, f"specialist{suffix}") in flat(draft.specialist)
        assert paragraph_text(category, f"patient{suffix}") in flat(draft.patient)


def test_every_category_has_both_paragraphs_for_every_decision() -> None:
    for category in Category:
        assert set(PARAGRAPHS[category.value]) == {
            "specialist",
            "patient",
            "specialist_accept",
            "patient_accept",
        }


@pytest.mark.parametrize(
    ("category", "specialist_says", "patient_says"),
    [
        (
            Category.DENOSUMAB,
            "the next 6-monthly dose must not be missed or delayed",
            "your next injection is not missed or late",
        ),
        (Category.INR, "INR testing and dosing must continue without a gap", "miss an INR test"),
        (Category.ADHD, "not left without medication", "well before your medicine runs out"),
        (Category.LITHIUM, "should not be stopped abruptly", "do not stop taking lithium suddenly"),
    ],
)
@pytest.mark.parametrize("action", [Action.DECLINE, Action.REDIRECT], ids=str)
def test_continuity_of_supply_is_secured_where_a_gap_is_dangerous(
    category: Category, specialist_says: str, patient_says: str, action: Action
) -> None:
    draft = draft_letters(facts(category=category, action=action))

    assert specialist_says in flat(draft.specialist)
    assert patient_says.lower() in flat(draft.patient).lower()


def test_denosumab_letter_says_the_next_dose_is_the_specialists_to_arrange() -> None:
    draft = draft_letters(facts(category=Category.DENOSUMAB))

    assert "are the specialist service's to arrange" in flat(draft.specialist)
    assert "vertebral fractures" in draft.specialist


# --- The letter to the specialist ---------------------------------------------------------------


def test_decline_letter_has_every_element_a_good_reply_needs() -> None:
    draft = draft_letters(
        facts(reasons=tuple(Reason), gp_reviewed_on=date(2025, 3, 1), signed_by=GP)
    )
    letter = flat(draft.specialist)

    # 1. header
    for part in (
        "Harbour Street Surgery 12 Harbour Street Weymouth DT4 8AA",
        "ODS code: Y12345",
        "Telephone: 01305 760000",
        "NHSmail: harbourstreet.surgery@nhs.net",
        "3 March 2025",
        "Our reference: SCT-000123",
        "Your reference: ADHD/2025/0117 (your request received 14 January 2025)",
    ):
        assert part in letter
    # 2. recipient, copy to the patient
    assert "To: Dr R Okafor, Consultant Psychiatrist Wessex Adult ADHD Service" in letter
    assert "Reply sent to: wessex.adhd@nhs.net" in letter
    assert "Copy to: the patient" in letter
    # 3. identifiers
    assert "Patient: Test Patient" in letter
    assert "Date of birth: 15 June 1980" in letter
    assert "NHS number: 943 476 5919" in letter
    # 4. what was asked
    assert "Medicines: Concerta XL 36mg" in letter
    assert "Diagnosis: Attention deficit hyperactivity disorder" in letter
    assert "Area of care: ADHD" in letter
    assert "original request is attached" in letter
    # 5. decision and responsibility
    assert "We are unable to accept this request." in letter
    assert (
        "Clinical and prescribing responsibility, and the monitoring, stay with your "
        "specialist service." in letter
    )
    # 6. a paragraph per reason
    for heading in (
        "Contract and funding:",
        "Clinical safety and competence:",
        "Governance:",
        "Capacity and safe working:",
        "Practice policy:",
    ):
        assert draft.specialist.count(heading) == 1
    assert (
        "Practice policy: this decision follows Weymouth and Portland PCN collective action "
        "(version 2025-01.2), in effect from 1 January 2025" in letter
    )
    assert (
        "consistently to every patient in the same circumstances, and without discrimination"
        in (letter)
    )
    # 7. what the specialist must do
    assert "no gap in supply" in letter
    assert "current supply ends on 20 March 2025" in letter
    assert "contact the patient directly" in letter
    # 8. the patient has been told
    assert "We have written to the patient" in letter
    assert "usual GP care" in letter
    # 9. open door and contact route
    assert "reconsider if a commissioned, formal shared-care agreement with specialist support" in (
        letter
    )
    assert "telephone 01305 760000 or email harbourstreet.surgery@nhs.net" in letter
    # 10. sign-off
    assert (
        "Yours sincerely, Dr Asha Patel GP On behalf of the partners, Harbour Street Surgery"
        in (letter)
    )
    assert "This decision was reviewed by a GP on 1 March 2025." in letter
    assert "Policy agreed by: The partners, Weymouth and Portland PCN" in letter
    assert draft.specialist.rstrip().endswith(
        "Policy: Weymouth and Portland PCN collective action (version 2025-01.2)"
    )


def test_only_the_reasons_given_are_argued() -> None:
    letter = draft_letters(facts(reasons=(Reason.CAPACITY,))).specialist

    assert "Capacity and safe working:" in letter
    for heading in ("Contract and funding:", "Governance:", "Practice policy:"):
        assert heading not in letter


def test_no_gp_review_line_unless_a_gp_reviewed_it() -> None:
    assert "reviewed by a GP" not in draft_letters(facts()).specialist


def test_redirect_names_where_the_work_goes_and_who_keeps_it_meanwhile() -> None:
    draft = draft_letters(
        facts(
            category=Category.MGUS,
            action=Action.REDIRECT,
            redirect_to="Local specialist haematology service",
        )
    )
    letter = flat(draft.specialist)

    assert "provided by another service: Local specialist haematology service." in letter
    assert "stay with the specialist service: with your service until that service" in letter
    assert "consultant to consultant" in letter
    assert "Shared care request redirected" in letter
    assert "reconsider if a commissioned, formal shared-care agreement" in letter
    assert "Local specialist haematology service" in draft.patient


def test_redirect_without_a_destination_is_refused() -> None:
    with pytest.raises(UserError, match="redirect_to is empty"):
        draft_letters(facts(action=Action.REDIRECT, redirect_to="  "))


def test_accept_letter_states_the_practices_terms() -> None:
    letter = flat(draft_letters(facts(action=Action.ACCEPT, reasons=())).specialist)

    assert "We accept this request under the practice's terms" in letter
    assert "until we confirm in writing the date the practice takes over" in letter
    assert "no gap in supply" in letter
    assert "Our reasons" not in letter
    assert "Policy: Weymouth and Portland PCN collective action (version 2025-01.2)" in letter


@pytest.mark.parametrize(
    ("role", "full_name", "signed"),
    [
        (Role.CLERK, "Sam Jones", "Sam Jones Prescribing clerk On behalf of the partners"),
        (Role.MANAGER, None, "mlee Practice manager On behalf of the partners"),
        (Role.GP, "Dr Asha Patel", "Dr Asha Patel GP On behalf of the partners"),
    ],
)
def test_sign_off_names_the_signer_and_their_role(
    role: Role, full_name: str | None, signed: str
) -> None:
    user = User(id=2, name="mlee", role=role, full_name=full_name)
    draft = draft_letters(facts(signed_by=user))

    assert signed in flat(draft.specialist)
    assert signed in flat(draft.patient)


def test_invalid_nhs_number_is_quoted_as_written_and_flagged() -> None:
    letter = flat(draft_letters(facts(request=stored(nhs_valid=False))).specialist)

    assert "9434765918" in letter
    assert "943 476 5918" not in letter
    assert "could not be validated" in letter


def test_missing_patient_details_are_said_to_be_missing() -> None:
    request = stored().model_copy(
        update={
            "patient": stored().patient.model_copy(
                update={
                    "nhs_number": None,
                    "nhs_number_valid": False,
                    "name": None,
                    "date_of_birth": None,
                }
            )
        }
    )
    draft = draft_letters(facts(request=request))
    letter = flat(draft.specialist)

    assert "Patient: name not given in your request" in letter
    assert "Date of birth: not given in your request" in letter
    assert "NHS number: not given in your request" in letter
    assert "Dear patient," in draft.patient


def test_received_date_is_the_date_in_england() -> None:
    late = stored(received=datetime(2025, 6, 30, 23, 30, tzinfo=UTC))  # 00:30 BST on 1 July

    assert "received 1 July 2025" in draft_letters(facts(request=late)).specialist


def test_dates_read_the_way_letters_write_them() -> None:
    assert letter_date(date(2025, 3, 3)) == "3 March 2025"
    assert letter_date(date(1990, 12, 25)) == "25 December 1990"


# --- The letter to the patient ------------------------------------------------------------------


@pytest.mark.parametrize("action", DECIDING_ACTIONS, ids=str)
def test_patient_letter_is_plain_and_safety_nets(action: Action) -> None:
    draft = draft_letters(facts(action=action, reasons=tuple(Reason)))
    letter = flat(draft.patient)

    for jargon in (*(reason.value for reason in Reason), "GMS", "ICB", "SC8.4", "GMC", "BMA"):
        assert jargon not in letter
    assert "Wessex Adult ADHD Service asked us, your GP practice, to take over" in letter
    assert "Please do not stop taking your medicine." in letter
    assert "If your supply is about to run out, contact your specialist team" in letter
    assert "call 111" in letter and "call 999" in letter
    assert "01305 760000" in letter and "harbourstreet.surgery@nhs.net" in letter
    assert "Our reference: SCT-000123" in letter
    if action is not Action.ACCEPT:
        assert "all your usual GP care" in letter
        assert "in the same way to all our patients" in letter
    # Short sentences: none in the body longer than 30 words.
    body = draft.patient.split("Dear Test Patient,")[1].split("Yours sincerely,")[0]
    sentences = re.split(r"(?<=[.!?]) |\n", body)
    assert max(len(sentence.split()) for sentence in sentences) <= 30


def test_patient_letter_says_who_now_prescribes() -> None:
    decline = flat(draft_letters(facts()).patient)
    redirect = flat(
        draft_letters(
            facts(action=Action.REDIRECT, redirect_to="Dorset Bone Health Service")
        ).patient
    )

    assert "Your specialist team at Wessex Adult ADHD Service will keep looking after" in decline
    assert "They will keep prescribing your medicine" in decline
    assert "provided by another service: Dorset Bone Health Service" in redirect
    assert "is still responsible for prescribing your medicine" in redirect


def test_monitoring_only_request_does_not_talk_about_medicine() -> None:
    request = stored(diagnosis="IgG MGUS")
    draft = draft_letters(facts(request=request, category=Category.MGUS))

    assert "medicine" not in draft.patient.lower()
    assert "Please keep going to your tests and check-ups." in flat(draft.patient)
    assert "no gap in supply" not in draft.specialist


# --- The text message ---------------------------------------------------------------------------


@pytest.mark.parametrize("action", DECIDING_ACTIONS, ids=str)
@pytest.mark.parametrize("name", ["Harbour Street Surgery", LONG_PRACTICE_NAME, "Practice " * 60])
@pytest.mark.parametrize("medications", [(), ("Concerta XL 36mg",)])
def test_sms_always_fits_two_segments(
    action: Action, name: str, medications: tuple[str, ...]
) -> None:
    practice = PRACTICE.model_copy(update={"name": name})
    request = stored(medications=medications, diagnosis="Attention deficit hyperactivity disorder")
    sms = draft_letters(
        facts(practice=practice, request=request, action=action, redirect_to=LONG_REDIRECT)
    ).sms

    assert len(sms) <= SMS_LIMIT
    assert sms_length(sms) <= SMS_LIMIT
    assert "\n" not in sms and "  " not in sms
    assert gsm_text(sms) == sms
    assert "01305 760000" in sms
    if medications:
        assert "Do not stop any medicine" in sms


def test_sms_with_a_realistic_long_name_keeps_its_full_wording() -> None:
    practice = PRACTICE.model_copy(update={"name": LONG_PRACTICE_NAME})

    sms = draft_letters(facts(practice=practice)).sms

    assert sms.startswith(LONG_PRACTICE_NAME + ": ")
    assert "Our letter explains" in sms


def test_sms_cut_as_a_last_resort_ends_between_words() -> None:
    practice = PRACTICE.model_copy(update={"phone": "call " * 80})

    sms = draft_letters(facts(practice=practice)).sms

    assert sms_length(sms) <= SMS_LIMIT
    assert sms.endswith("call...")


@pytest.mark.parametrize("action", DECIDING_ACTIONS, ids=str)
def test_sms_keeps_the_condition_private(action: Action) -> None:
    sms = draft_letters(facts(action=action, redirect_to="Dorset Eating Disorder Service")).sms

    for private in ("Test Patient", "Concerta", "ADHD", "hyperactivity", "Eating", "Wessex"):
        assert private not in sms
    assert "letter" in sms


def test_sms_is_plain_gsm_text() -> None:
    practice = PRACTICE.model_copy(update={"name": "St Mary’s – Ynys Môn Surgery"})

    sms = draft_letters(facts(practice=practice)).sms

    assert sms.startswith("St Mary's - Ynys Mon Surgery: ")


# --- Untrusted text stays text ------------------------------------------------------------------

PAYLOADS = "{{ 7*7 }} {% raw %} {{ config }} [bold]x[/] \x1b[2J"


def test_request_text_is_printed_never_evaluated() -> None:
    patient = stored().patient.model_copy(update={"name": f"Ann {PAYLOADS}"})
    request = stored(
        requester=f"Dr {PAYLOADS}",
        organisation=f"Clinic {PAYLOADS}",
        medications=(f"Drug {PAYLOADS}",),
        diagnosis=f"Dx {PAYLOADS}\u202e",
        ref=f"R-{PAYLOADS}",
        reply_to=f"Ward 3\n{PAYLOADS}",
    ).model_copy(update={"patient": patient})
    for action in DECIDING_ACTIONS:
        draft = draft_letters(
            facts(request=request, action=action, redirect_to=f"Service {PAYLOADS}")
        )
        for output in (draft.specialist, draft.patient, draft.sms):
            assert "49" not in output
            assert "\x1b" not in output and "\u202e" not in output
            assert "<Config" not in output
        for letter in (draft.specialist, draft.patient):
            assert "{{ 7*7 }} {% raw %} {{ config }} [bold]x[/] [2J" in letter
        assert "Ann {{ 7*7 }}" in draft.specialist
        assert "Drug {{ 7*7 }}" in draft.specialist


def test_control_characters_are_removed_and_lines_joined() -> None:
    request = stored(organisation="Wessex\tADHD\r\nService\x07\x9b")

    letter = draft_letters(facts(request=request)).specialist

    assert "Wessex ADHD Service\n" in letter


# --- A practice's own templates -----------------------------------------------------------------


def test_copy_shipped_templates_copies_every_file(tmp_path: Path) -> None:
    written = copy_shipped_templates(tmp_path / "letters")

    names = sorted(path.name for path in written)
    assert set(SHIPPED_NAMES) <= set(names)
    assert "paragraphs.toml" in names
    assert "_specialist.j2" in names and "_patient.j2" in names
    assert all(path.parent == tmp_path / "letters" and path.is_file() for path in written)


def test_copy_refuses_to_overwrite_and_copies_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "letters"
    folder.mkdir()
    (folder / "decline.patient.j2").write_text("ours", encoding="utf-8")

    with pytest.raises(UserError, match=r"decline\.patient\.j2"):
        copy_shipped_templates(folder)

    assert (folder / "decline.patient.j2").read_text(encoding="utf-8") == "ours"
    assert [path.name for path in folder.iterdir()] == ["decline.patient.j2"]


def test_copy_into_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "letters"
    target.write_text("", encoding="utf-8")

    with pytest.raises(UserError, match="not a folder"):
        copy_shipped_templates(target)


def test_an_unedited_copy_drafts_the_same_letters(tmp_path: Path) -> None:
    copy_shipped_templates(tmp_path)
    shipped = draft_letters(facts())

    copied = draft_letters(facts(), tmp_path)

    assert (copied.specialist, copied.patient, copied.sms) == (
        shipped.specialist,
        shipped.patient,
        shipped.sms,
    )
    assert copied.template_id == "practice:decline"
    assert copied.template_version == shipped.template_version


def test_a_practice_template_wins_over_the_shipped_one(tmp_path: Path) -> None:
    (tmp_path / "decline.patient.j2").write_text(
        '{% import "_patient.j2" as part with context %}\n'
        "{{ part.letterhead() }}\n"
        "We are sorry: {{ practice.name }} cannot take this on.\n"
        "{{ part.sign_off() }}\n",
        encoding="utf-8",
    )
    shipped = draft_letters(facts())

    draft = draft_letters(facts(), tmp_path)

    assert "We are sorry: Harbour Street Surgery cannot take this on." in draft.patient
    assert draft.specialist == shipped.specialist
    assert draft.template_id == "practice:decline"
    assert draft.template_version != shipped.template_version
    # Other actions still come from the shipped set, unchanged.
    redirect = draft_letters(facts(action=Action.REDIRECT), tmp_path)
    assert redirect.template_id == "shipped:redirect"
    assert (
        redirect.template_version == draft_letters(facts(action=Action.REDIRECT)).template_version
    )


def test_editing_a_shared_part_changes_the_version(tmp_path: Path) -> None:
    copy_shipped_templates(tmp_path)
    before = draft_letters(facts(), tmp_path)
    part = tmp_path / "_specialist.j2"
    part.write_text(
        part.read_text(encoding="utf-8").replace("Yours sincerely,", "Yours faithfully,"),
        encoding="utf-8",
    )

    after = draft_letters(facts(), tmp_path)

    assert "Yours faithfully," in after.specialist
    assert after.template_version != before.template_version


def test_practice_paragraphs_replace_the_shipped_ones(tmp_path: Path) -> None:
    (tmp_path / "paragraphs.toml").write_text(
        '[adhd]\nspecialist = """\nOur own ADHD\nparagraph.\n\nSecond paragraph.\n"""\n',
        encoding="utf-8",
    )

    draft = draft_letters(facts(), tmp_path)

    assert "Our own ADHD paragraph.\n\nSecond paragraph.\n" in draft.specialist
    assert paragraph_text(Category.ADHD, "patient") not in flat(draft.patient)
    assert draft.template_version != draft_letters(facts()).template_version


@pytest.mark.parametrize(
    ("file", "text", "line", "says"),
    [
        (
            "decline.patient.j2",
            "Dear {{ patient.name }},\n\n{% if %}\n",
            3,
            "Expected an expression",
        ),
        ("decline.patient.j2", "Hello\n{{ no_such_thing }}\n", 2, "'no_such_thing' is undefined"),
        ("decline.sms.j2", "x\n{{ ''.__class__.__mro__ }}\n", 2, "unsafe"),
        ("decline.specialist.j2", 'a\nb\n{% include "nowhere.j2" %}\n', 3, "nowhere.j2"),
        ("_patient.j2", "{% macro letterhead() %}\n{{ 1 + }}\n{% endmacro %}\n", 2, "unexpected"),
    ],
)
def test_a_mistake_in_a_practice_template_names_file_and_line(
    tmp_path: Path, file: str, text: str, line: int, says: str
) -> None:
    (tmp_path / file).write_text(text, encoding="utf-8")

    with pytest.raises(UserError) as raised:
        draft_letters(facts(), tmp_path)

    message = str(raised.value)
    assert "\n" not in message
    assert str(tmp_path / file) in message
    assert f"line {line}" in message
    assert says in message


def test_a_mistake_in_practice_paragraphs_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "paragraphs.toml").write_text('[adhd]\nspecialist = "unfinished\n', "utf-8")

    with pytest.raises(UserError, match=r"paragraphs\.toml.*line 2"):
        draft_letters(facts(), tmp_path)


def test_unknown_category_in_practice_paragraphs_is_refused(tmp_path: Path) -> None:
    (tmp_path / "paragraphs.toml").write_text('[adhdd]\nspecialist = "x"\n', "utf-8")

    with pytest.raises(UserError, match=r"\[adhdd\] is not a category"):
        draft_letters(facts(), tmp_path)


def test_a_missing_letters_folder_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        draft_letters(facts(), tmp_path / "nowhere")


def test_templates_cannot_reach_outside_the_folder(tmp_path: Path) -> None:
    (tmp_path / "decline.sms.j2").write_text('{% include "../secret.j2" %}\n', "utf-8")
    (tmp_path.parent / "secret.j2").write_text("secret", "utf-8")

    with pytest.raises(UserError, match=r"secret\.j2"):
        draft_letters(facts(), tmp_path)


# --- What is refused ----------------------------------------------------------------------------


def test_no_letters_for_gp_review() -> None:
    with pytest.raises(ValueError, match="gp_review"):
        draft_letters(facts(action=Action.GP_REVIEW))


def test_draft_is_frozen() -> None:
    draft = draft_letters(facts())

    assert isinstance(draft, LetterDraft)
    with pytest.raises(dataclasses.FrozenInstanceError):
        draft.sms = "x"  # type: ignore[misc]


def test_control_characters_from_an_imported_file_never_reach_a_letter() -> None:
    """A letter is read by a person and attached in the clinical system: an escape sequence or
    a backspace hidden in the sender's file must not act there. (The request drops them as it
    is read; the letter is where they would do harm.)"""
    request = stored(
        ref="ADHD/\x1b[2J0117",
        requester="Dr R Okafor\x08\x08\x08\x08\x08\x08Dr Nobody",
        organisation="Wessex Adult ADHD Service",
        diagnosis="Attention deficit\rhyperactivity disorder",
        reply_to="wessex.adhd@nhs.net",
    )
    draft = draft_letters(facts(request=request))
    for text in (draft.specialist, draft.patient, draft.sms):
        assert not any(character in text for character in "\x1b\x08\r")
    assert "Dr R OkaforDr Nobody" in draft.specialist  # the text kept, its controls not
