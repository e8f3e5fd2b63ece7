"""Completing a letter's details from a screen: what its reader could not read, typed by a clerk
in a dialog and checked by the service (which says what is wrong, and keeps nothing half-done)."""

from __future__ import annotations

from collections.abc import Callable

from screens.base import TriageScreen, call_service
from screens.dialogs import DetailsDialog
from triage.errors import UserError
from triage.models import Request
from triage.rules import require_details_to_complete
from triage.services.importing import complete_details


def complete_details_of(screen: TriageScreen, request: Request, then: Callable[[], None]) -> None:
    try:  # the service's own rule, asked before a dialog the service would refuse
        require_details_to_complete(request)
    except UserError as refused:
        screen.show_failure("Nothing to complete", refused)
        return
    patient = request.patient
    born = patient.date_of_birth
    current = {
        "nhs_number": patient.nhs_number or "",
        "patient_name": patient.name or "",
        "date_of_birth": born.strftime("%d/%m/%Y") if born else "",
    }

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

    dialog = DetailsDialog(f"Details of {request.ref}", list(request.details_needed), current)
    screen.app.push_screen(dialog, typed)
