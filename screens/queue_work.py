"""The queue's shared work: marking rows for one action on several, assigning a request to a
person, each person's list ("my work"), the team's counts, and apply-all's confirmation that
says what it will do. Mixed into QueueScreen, whose table and rows it works on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from rich.text import Text
from textual.widgets import DataTable, Static

from screens.base import TriageScreen, call_service
from screens.dialogs import ConfirmDialog, NoteDialog
from screens.widgets.queue_rows import MARKED, UNMARKED
from triage.models import Assessed, QueueQuery, Request, User
from triage.presentation import ACTION_LABELS
from triage.services.assignment import TeamMember, assign, team_work
from triage.services.bulk import BulkAction, Outcome, apply_to_each, listed
from triage.services.deciding import Applied, apply_policy

MARK_COLUMN = "mark"
_BULK_WORDS = {
    BulkAction.RECORD: "Record the suggestion for",
    BulkAction.FLAG: "Send to a GP",
    BulkAction.ASSIGN: "Assign",
}


class QueueWork:
    """Mixed into the queue screen (a TriageScreen with `table`, `highlighted_item`,
    `query_spec` and `action_reload`)."""

    marked: dict[int, str]  # request id -> ref, in the order marked
    highlighted_item: Callable[[], Assessed[Request] | None]
    action_reload: Callable[[], None]

    @property
    def _work_screen(self) -> TriageScreen:
        assert isinstance(self, TriageScreen)
        return self

    def _work_table(self) -> DataTable[Text]:
        return self._work_screen.query_one("#queue", DataTable)

    def mark_cell(self, request_id: int) -> Text:
        return MARKED if request_id in self.marked else UNMARKED

    # --- marks -----------------------------------------------------------------------------

    def action_toggle_mark(self) -> None:
        """Space marks the row (or unmarks it) and moves on, as in a file manager."""
        item = self.highlighted_item()
        if item is None:
            return
        request = item.request
        if self.marked.pop(request.id, None) is None:
            self.marked[request.id] = request.ref
        table = self._work_table()
        table.update_cell(str(request.id), MARK_COLUMN, self.mark_cell(request.id))
        table.action_cursor_down()
        self._tell_marks()

    def action_clear_marks(self) -> None:
        table = self._work_table()
        for request_id in list(self.marked):
            self.marked.pop(request_id)
            if str(request_id) in table.rows:
                table.update_cell(str(request_id), MARK_COLUMN, UNMARKED)
        self._tell_marks()

    def _tell_marks(self) -> None:
        count = len(self.marked)
        said = f"{count} marked: a, f or g acts on them all; u clears" if count else "none marked"
        self._work_screen.tell(said)

    # --- one action on every marked row ---------------------------------------------------

    def bulk(self, action: BulkAction) -> bool:
        """Ask, then act on the marked rows; False when none is marked (act on the one row)."""
        if not self.marked:
            return False
        chosen = list(self.marked.items())
        refs = listed([ref for _, ref in chosen])
        if action is BulkAction.RECORD:
            self._confirm_bulk(action, chosen, f"{refs}?")
        elif action is BulkAction.FLAG:
            self._ask(
                "Send to a GP",
                f"Why should a GP see these {len(chosen)} ({refs})?",
                lambda note: self._confirm_bulk(action, chosen, f"{refs}, noting: {note}", note),
            )
        else:
            self._ask(
                "Assign",
                f"Assign these {len(chosen)} ({refs}) to whom? A name, then any note.",
                lambda answer: self._confirm_assign(chosen, refs, answer),
            )
        return True

    def _confirm_assign(self, chosen: list[tuple[int, str]], refs: str, answer: str) -> None:
        name, _, note = answer.strip().partition(" ")
        self._confirm_bulk(BulkAction.ASSIGN, chosen, f"{refs} to {name}?", note, name)

    def _confirm_bulk(
        self,
        action: BulkAction,
        chosen: list[tuple[int, str]],
        what: str,
        note: str = "",
        assignee: str = "",
    ) -> None:
        screen = self._work_screen

        def answered(yes: bool | None) -> None:
            if yes:
                call_service(
                    screen,
                    "Not done",
                    lambda: apply_to_each(
                        screen.workspace, action, chosen, note=note, assignee=assignee
                    ),
                    self._bulk_done,
                    group="long",
                    exclusive=True,
                )

        question = f"{_BULK_WORDS[action]} {len(chosen)} requests: {what}"
        screen.app.push_screen(ConfirmDialog(question), answered)

    def _bulk_done(self, outcomes: list[Outcome]) -> None:
        done = [outcome for outcome in outcomes if outcome.done]
        refused = [outcome for outcome in outcomes if not outcome.done]
        for outcome in done:
            self.marked.pop(outcome.request_id, None)
        summary = f"{len(done)} done" + (f"; {len(refused)} not, still marked:" if refused else "")
        self._work_screen.tell(
            " ".join([summary, *(str(outcome) for outcome in refused)]),
            title="Marked requests",
            failed=bool(refused),
        )
        self.action_reload()

    def _ask(self, title: str, prompt: str, then: Callable[[str], None]) -> None:
        def answered(text: str | None) -> None:
            if text:
                then(text)

        self._work_screen.app.push_screen(NoteDialog(title, prompt), answered)

    # --- assigning, my work, the team --------------------------------------------------------

    def action_assign(self) -> None:
        if self.bulk(BulkAction.ASSIGN):
            return
        item = self.highlighted_item()
        if item is None:
            return
        screen = self._work_screen
        ref = item.request.ref

        def assigned(user: User) -> None:
            screen.tell(f"{ref} is assigned to {user.name}.")
            self.action_reload()

        def chosen(answer: str) -> None:
            name, _, note = answer.strip().partition(" ")
            call_service(
                screen,
                "Not assigned",
                lambda: assign(screen.workspace, item.request.id, name, note),
                assigned,
            )

        self._ask("Assign", f"Assign {ref} to whom? A name, then any note.", chosen)

    def my_work_query(self, query: QueueQuery) -> QueueQuery:
        """The query narrowed to the user's own work, or widened back to everyone's."""
        mine = self._work_screen.workspace.user.id
        return replace(query, assigned_to_id=None if query.assigned_to_id == mine else mine)

    def action_team(self) -> None:
        screen = self._work_screen

        def shown(members: list[TeamMember]) -> None:
            said = "; ".join(f"{member.name} {member.waiting}" for member in members)
            screen.tell(f"Waiting, by who has it: {said}", title="Who has what")

        call_service(
            screen, "Could not count the team's work", lambda: team_work(screen.workspace), shown
        )

    # --- apply-all, said before it is done ---------------------------------------------------

    def confirm_apply(self, apply: Callable[[], None]) -> None:
        """A dry run first, so the question says how many will be decided and how many go to a
        GP; nothing is recorded until the answer is yes."""
        screen = self._work_screen

        def counted(applied: Applied) -> None:
            decided = sum(applied.decided.values())
            kinds = ", ".join(
                f"{count:,} {ACTION_LABELS[action]}"
                for action, count in applied.decided.items()
                if count
            )
            held = f"; {applied.held:,} held by colleagues are left" if applied.held else ""
            question = (
                f"Apply the policy in force? {decided:,} open requests will be decided"
                f"{' (' + kinds + ')' if kinds else ''} with their letters recorded, and "
                f"{applied.sent_to_gp:,} sent to a GP{held}."
            )
            screen.app.push_screen(ConfirmDialog(question), lambda yes: apply() if yes else None)

        counting = Text("Counting what applying the policy would do…")
        screen.query_one("#counts", Static).update(counting)
        call_service(
            screen,
            "Not applied",
            lambda: apply_policy(screen.workspace, dry_run=True),
            counted,
            group="long",
            exclusive=True,
        )
