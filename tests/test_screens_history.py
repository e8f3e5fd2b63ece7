"""The app: a GP corrects a decision (from the log and from the request), a clerk sees that only
a GP may; a request's history and the patient's other requests; GP review's whole notes."""

from __future__ import annotations

import csv
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, Select, Static, TextArea

from screens.app import TriageApp
from screens.correcting import CorrectionDialog
from screens.log import LogScreen
from screens.request import RequestScreen
from tests.conftest import SAMPLES, write_requests_csv
from tests.test_screens import (
    SIZE,
    TO_A_DECIDABLE_REQUEST,
    column,
    demo,  # noqa: F401 (a fixture)
    practice,  # noqa: F401 (a fixture)
    settle,
    statuses,
    type_into,
)
from triage.models import Action
from triage.services.deciding import find_request
from triage.services.importing import import_files
from triage.services.log import verify_log
from triage.services.workspace import Workspace


async def act_as_gp(pilot: Pilot[None]) -> None:
    await pilot.press("f9")  # the demo: act as the GP
    await pilot.pause()
    await pilot.press("down", "enter")
    await settle(pilot)


def pane(app: TriageApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).content)


async def test_a_gp_corrects_a_decision_from_the_log(demo: Workspace) -> None:  # noqa: F811
    app = TriageApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(TO_A_DECIDABLE_REQUEST, "a")  # the clerk records the suggestion
        await settle(pilot)
        await act_as_gp(pilot)
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, LogScreen)
        ref = column(app, "Request", "#log")[0]
        first = column(app, "What", "#log")[0]
        await pilot.press("c")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CorrectionDialog)
        # The decision that stands is shown with its letters beside the form.
        superseded = pane(app, "#superseded-decision")
        assert "Letter to the specialist" in superseded and "Dear colleague" in superseded
        dialog.query_one("#action", Select).value = Action.ACCEPT
        await settle(pilot)
        # The correction's letters, drafted before anything is recorded, say what they replace.
        preview = pane(app, "#correction-letters")
        assert "The new letter to the specialist (SCT-" in preview
        assert "This letter replaces our letter of 3 February 2025 (our reference SCT-" in preview
        assert "Shared care request accepted: " in preview  # drafted for the new action
        await pilot.click("#ok")  # no note yet: asked for one, nothing recorded
        await settle(pilot)
        assert "Say why" in pane(app, "#problem")
        dialog.query_one("#note", Input).focus()
        await type_into(pilot, "Funded locally after all")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LogScreen)
        events = column(app, "Event", "#log")
        assert events[:2] == ["correct", "decision"]
        assert column(app, "Request", "#log")[:2] == [ref, ref]
        assert column(app, "What", "#log")[1] == first  # the earlier entry, as it was
        letters = pane(app, "#entry")
        assert "This letter replaces our letter of 3 February 2025 (our reference SCT-" in letters
        assert "please disregard that letter and act on this one only" in letters
        assert str(app.screen.query_one("#chain").render()).startswith("Chain verified")
    assert verify_log(demo).ok
    assert statuses(demo)[ref] == "decided"


async def test_a_gp_corrects_from_the_request_and_sees_its_history(demo: Workspace) -> None:  # noqa: F811
    app = TriageApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(TO_A_DECIDABLE_REQUEST, "f")
        await type_into(pilot, "Clinic says [bold]funded[/bold]")
        await pilot.press("enter")
        await settle(pilot)
        ref = statuses_awaiting(demo)
        await act_as_gp(pilot)
        request = find_request(app.workspace, ref)
        app.push_screen(RequestScreen([request.id], 0))
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        decided = app.screen.query_one("#action", Select).value  # whatever was not suggested
        app.screen.query_one("#note", Input).value = "Not funded here"
        app.screen.query_one("#redirect-to", Input).value = "Community clinic"
        await pilot.click("#ok")
        await settle(pilot)
        assert statuses(demo)[ref] == "decided"
        correction = Action.DECLINE if decided is Action.ACCEPT else Action.ACCEPT
        app.push_screen(RequestScreen([request.id], 0))
        await settle(pilot)
        status = str(app.screen.query_one("#letters-status", Static).content)
        assert status.startswith(f"Decided: {decided}") and "c corrects it" in status
        sent = app.screen.query_one("#letter-specialist", TextArea).text
        assert "Our reference: SCT-" in sent and "replaces" not in sent
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CorrectionDialog)
        app.screen.query_one("#action", Select).value = correction
        app.screen.query_one("#note", Input).value = "Funded after all"
        await pilot.click("#ok")
        await settle(pilot)
        assert isinstance(app.screen, RequestScreen)
        corrected = app.screen.query_one("#letter-specialist", TextArea).text
        assert "This letter replaces our letter of 3 February 2025" in corrected
        await pilot.press("h")
        await settle(pilot)
        history = pane(app, "#history")
        # Every note, whole and literal, with who and when, oldest first.
        clerk_note = history.index("Clinic says [bold]funded[/bold]")
        assert "demo-clerk: sent to a GP" in history
        assert clerk_note < history.index("Not funded here") < history.index("Funded after all")
        assert f"corrected by a GP: {correction}" in history


def statuses_awaiting(workspace: Workspace) -> str:
    (ref,) = [ref for ref, status in statuses(workspace).items() if status == "awaiting_gp"]
    return ref


async def test_a_clerk_sees_that_only_a_gp_may_correct(demo: Workspace) -> None:  # noqa: F811
    app = TriageApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(TO_A_DECIDABLE_REQUEST, "a")
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        # In the footer, greyed out, saying who may: before any dialog.
        shown = app.screen.active_bindings["c"]
        assert (shown.enabled, shown.tooltip) == (False, "A GP may correct a decision")
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, LogScreen)  # no dialog opened, nothing recorded
        assert column(app, "Event", "#log")[0] == "decision"
        ref = column(app, "Request", "#log")[0]
        app.push_screen(RequestScreen([find_request(demo, ref).id], 0))
        await settle(pilot)
        status = str(app.screen.query_one("#letters-status", Static).content)
        assert status.endswith("; a GP may correct a decision.")
        assert app.screen.active_bindings["c"].enabled is False
        # Nothing else offers to decide it again: no Accept, Override or To GP in the footer.
        assert not {"a", "o", "f", "e"} & set(app.screen.active_bindings)
        assert "Our reference: SCT-" in app.screen.query_one("#letter-specialist", TextArea).text


async def test_the_request_lists_the_patients_other_requests_and_opens_one(
    practice: Workspace,  # noqa: F811
    tmp_path: Path,
) -> None:
    with (SAMPLES / "requests.csv").open(encoding="utf-8") as file:
        rows = list(csv.reader(file))
    s01 = rows[1]
    again = ["S01-LATER", "2025-01-20", *s01[2:]]
    import_files(practice, [write_requests_csv(tmp_path / "two.csv", [s01, again], rows[0])])
    app = TriageApp(practice)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert column(app, "Ref")[0] == "S01"
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        assert column(app, "Ref", "#same-patient") == ["S01-LATER"]
        assert column(app, "Received", "#same-patient") == ["2025-01-20"]
        assert column(app, "Status", "#same-patient") == ["open"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RequestScreen)
        assert app.screen.item is not None and app.screen.item.request.ref == "S01-LATER"
        assert column(app, "Ref", "#same-patient") == ["S01"]


async def test_gp_review_shows_the_clerks_whole_note_with_who_and_when(demo: Workspace) -> None:  # noqa: F811
    long_note = (
        "Patient phoned: the clinic stopped the dose last week and wants us to restart it; "
        "[red]please[/red] check the letter of 12 January before deciding"
    )
    app = TriageApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(TO_A_DECIDABLE_REQUEST, "f")
        app.screen.query_one("#note", Input).value = long_note
        await pilot.press("enter")
        await settle(pilot)
        await act_as_gp(pilot)
        await pilot.press("f3")
        await settle(pilot)
        notes = pane(app, "#notes")
        assert notes.startswith("Notes (1)\n03 Feb 2025 10:30 demo-clerk: sent to a GP\n")
        assert long_note in notes  # whole, and literally: the markup is text
        # Wrapped in the pane, not cut at its edge.
        shown = app.screen.query_one("#notes", Static)
        assert shown.size.height >= 4 and shown.size.width < len(long_note)
