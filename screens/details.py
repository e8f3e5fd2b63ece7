"""Completing a letter's details from a screen: what its reader could not read, typed by a clerk
in a dialog and checked by the service (which says what is wrong, and keeps nothing half-done)."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text

from screens.base import TriageScreen, call_service
from screens.dialogs import DetailsDialog
from triage.errors import UserError
from triage.models import TEXT_NOT_READ, Request
from triage.rules import require_details_to_complete
from triage.safe_text import one_line, terminal_safe
from triage.services.importing import complete_details

# The boxes, in the order a clerk reads a letter: the patient, then who sent it.
_LABELS = {
    "nhs_number": "NHS number",
    "patient_name": "Name",
    "date_of_birth": "Date of birth (12/03/1956)",
    "organisation": "Sending service",
    "requester": "Clinician",
}


def complete_details_of(screen: TriageScreen, request: Request, then: Callable[[], None]) -> None:
    try:  # the service's own rule, asked before a dialog the service would refuse
        require_details_to_complete(request)
    except UserError as refused:
        screen.show_failure("Nothing to complete", refused)
        return
    patient = request.patient
    born = patient.date_of_birth
    current = {  # what was read, shown for a field the reader was unsure of
        "nhs_number": patient.nhs_number or "",
        "patient_name": patient.name or "",
        "date_of_birth": born.strftime("%d/%m/%Y") if born else "",
        "organisation": "",  # a placeholder ("not read") is not worth editing
        "requester": "",
    }
    needed = {need.split(":", 1)[0] for need in request.details_needed}
    fields = [(key, label, current[key]) for key, label in _LABELS.items() if key in needed]

    def completed(done: Request) -> None:
        if done.details_needed:
            screen.tell(f"{done.ref} still needs: {'; '.join(done.details_needed)}")
        else:
            screen.tell(f"{done.ref} is complete and now open.", title="Details saved")
        then()

    def typed(changes: dict[str, str] | None) -> None:
        if changes:
            call_service(
                screen,
                "Details not saved",
                lambda: complete_details(screen.workspace, request.id, changes),
                completed,
            )

    dialog = DetailsDialog(
        f"Details of {request.ref}", list(request.details_needed), fields, _letter(request)
    )
    screen.app.push_screen(dialog, typed)


def _letter(request: Request) -> Text:
    """The letter's words, literal and page by page, to type from; or, for a scan no one could
    read, where its file is."""
    if request.text:
        return Text(terminal_safe(request.text, keep_newlines=True))
    reason = (request.how_text_was_read or "").removeprefix(TEXT_NOT_READ)
    return Text(
        "This letter is a scan whose words were not read here ("
        + one_line(reason or "no text")
        + "). Its file is kept as it arrived: save it with\n\n"
        + f"  triage original {one_line(request.ref)} --out FILE\n\n"
        + "and open it to type the details from it."
    )
