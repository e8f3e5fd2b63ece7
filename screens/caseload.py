"""Existing patients (docs/caseload.md): the caseload per category with each hand-back's state,
the notice plan before it is sent, and what a GP must do now. The manager sends the notices, a
GP signs off the hand-backs that need it, a clerk records the teams' replies and chases the
overdue ones."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import ClassVar

from rich.text import Text
from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Header, Static

from screens.base import TriageScreen, call_service
from screens.dialogs import ConfirmDialog, NoteDialog
from screens.widgets.footer import TriageFooter
from triage.models import Category
from triage.presentation import counted
from triage.rules import Permission
from triage.safe_text import one_line
from triage.services.notices import (
    NoticePlan,
    NoticesSent,
    PlannedHandBack,
    chase_overdue,
    confirm_hand_back,
    notice_plan,
    send_notices,
    sign_off_hand_back,
)

# What the list shows, in the order `f` steps through them.
SHOWING = ("all", "gp tasks", "overdue", "awaiting sign-off")
STATUS_WORDS = {
    "ready": "ready to send",
    "awaiting_sign_off": "GP sign-off",
    "sent": "sent",
    "confirmed": "confirmed",
}


class CaseloadScreen(TriageScreen):
    HELP = (
        "The practice's existing shared-care patients that the policy's notices hand back to "
        "their specialist teams: per category, how many are ready to send, waiting for a GP's "
        "sign-off, sent, confirmed or overdue; below, each hand-back with its date, its state "
        "and what a GP must do now. Nobody is handed back until their team confirms: until "
        "then the practice keeps prescribing. f shows all, the GP tasks, the overdue or those "
        "waiting for sign-off. The manager sends the notices (s); a GP signs off the highlighted "
        "patient (o); a clerk records the team's confirmation (c) and chases the overdue (h). "
        "The caseload is imported on the command line: triage caseload import FILE."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reload", "Reload"),
        Binding("f", "show_next", "Show"),
        Binding("s", "send", "Send notices"),
        Binding("o", "sign_off", "Sign off"),
        Binding("c", "confirm", "Confirmed"),
        Binding("h", "chase", "Chase"),
    ]
    PERMISSIONS: ClassVar[Mapping[str, Permission]] = {
        "send": Permission.SEND_NOTICES,
        "sign_off": Permission.SIGN_OFF_HAND_BACK,
        "confirm": Permission.CONFIRM_HAND_BACK,
        "chase": Permission.CONFIRM_HAND_BACK,
    }

    summary = getters.query_one("#caseload-summary", Static)
    by_category = getters.query_one("#by-category", DataTable)
    hand_backs = getters.query_one("#hand-backs", DataTable)
    detail = getters.query_one("#hand-back-detail", Static)

    def __init__(self) -> None:
        super().__init__()
        self._plan: NoticePlan | None = None
        self._shown: list[PlannedHandBack] = []
        self._showing = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="caseload-summary")
        yield DataTable(id="by-category", cursor_type="none", zebra_stripes=True)
        yield DataTable(id="hand-backs", cursor_type="row", zebra_stripes=True)
        yield Static(id="hand-back-detail")
        yield TriageFooter()

    def on_mount(self) -> None:
        self.title = "Existing patients"
        for label, width in (
            ("Category", 24),
            ("Ready", 5),
            ("Sign-off", 8),
            ("Sent", 5),
            ("Confirmed", 9),
            ("Overdue", 7),
            ("GP tasks", 8),
        ):
            self.by_category.add_column(label, width=width)
        # Returns to comes last: at 80 columns it is what gives way (the line below names it).
        for label, width in (
            ("NHS number", 10),
            ("Patient", 14),
            ("Category", 12),
            ("Hand-back", 10),
            ("Status", 13),
            ("GP", 2),
            ("Returns to", 36),
        ):
            self.hand_backs.add_column(label, width=width)

    def on_screen_resume(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        call_service(
            self,
            "No notice plan",
            lambda: notice_plan(self.workspace),
            self._show,
            group="load",
            exclusive=True,
        )

    def _show(self, plan: NoticePlan) -> None:
        self._plan = plan
        self._show_summary(plan)
        self._show_categories(plan)
        self._show_list()

    def _show_summary(self, plan: NoticePlan) -> None:
        ready = len(plan.with_status("ready"))
        waiting = len(plan.with_status("awaiting_sign_off"))
        parts = [
            f"{len(plan.hand_backs)} hand-backs on {plan.on.isoformat()}",
            f"{ready} ready",
            f"{waiting} to sign off",
            f"{len(plan.gp_tasks)} GP tasks",
            f"{len(plan.overdue)} overdue",
        ]
        if plan.funded:
            parts.append(f"{len(plan.funded)} kept (funded)")
        if plan.not_covered:
            parts.append(f"{plan.not_covered} not covered")
        parts.append(f"showing {SHOWING[self._showing]}")
        self.summary.update(Text(" · ".join(parts)))

    def _show_categories(self, plan: NoticePlan) -> None:
        table = self.by_category
        table.clear()
        counts: dict[Category, Counter[str]] = {}
        for item in plan.hand_backs:
            count = counts.setdefault(item.category, Counter())
            count[item.status] += 1
            count["overdue"] += item.overdue
            count["tasks"] += item.gp_task is not None
        for category in Category:
            if category not in counts:
                continue
            count = counts[category]
            table.add_row(
                Text(category.label),
                *(
                    Text(str(count[key]), justify="right")
                    for key in (
                        "ready",
                        "awaiting_sign_off",
                        "sent",
                        "confirmed",
                        "overdue",
                        "tasks",
                    )
                ),
            )

    def _show_list(self) -> None:
        plan = self._plan
        if plan is None:
            return
        showing = SHOWING[self._showing]
        items = {
            "all": list(plan.hand_backs),
            "gp tasks": plan.gp_tasks,
            "overdue": plan.overdue,
            "awaiting sign-off": plan.with_status("awaiting_sign_off"),
        }[showing]
        table = self.hand_backs
        was = self._current()  # after a reload, the person keeps their place in the list
        self._shown = items
        table.clear()
        for item in items:
            patient = item.patient
            status = STATUS_WORDS[item.status] + (", overdue" if item.overdue else "")
            table.add_row(
                Text(patient.nhs_number),
                Text(one_line(patient.patient_name)),
                Text(item.category.label),
                Text(item.hand_back_on.isoformat()),
                Text(status),
                Text("!!" if item.gp_task else ""),
                Text(one_line(item.return_to)),
            )
        if not items:
            self.detail.update(
                Text(
                    "Nothing to show here."
                    if plan.hand_backs
                    else "The policy in force declares no notices: no existing patient is "
                    "handed back."
                    if not plan.declared
                    else "No notice covers the caseload: import the practice's search export "
                    "with `triage caseload import FILE`."
                )
            )
        else:
            keys = [item.key for item in items]
            row = keys.index(was.key) if was is not None and was.key in keys else 0
            table.move_cursor(row=row)
            self._show_detail(row)

    @on(DataTable.RowHighlighted, "#hand-backs")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(event.cursor_row)

    def _show_detail(self, row: int) -> None:
        if not 0 <= row < len(self._shown):
            return
        item = self._shown[row]
        patient = item.patient
        lines = [
            f"{patient.patient_name}, born {patient.date_of_birth.isoformat()}, NHS number "
            f"{patient.nhs_number}: {', '.join(item.medications)} from {patient.team}; "
            f"returns to {item.return_to}",
        ]
        record = item.record
        if record is not None and record.ref:
            sent = record.sent.on.isoformat() if record.sent else "?"
            reply = f"reply due {item.confirm_by.isoformat()}" if item.confirm_by else ""
            lines.append(f"Notice {record.ref} sent on {sent}; {reply}")
        if record is not None and record.confirmed is not None:
            lines.append(
                f"Confirmed on {record.confirmed.on.isoformat()} by {record.confirmed.by}: "
                f"{record.confirmed.note or ''}"
            )
        if item.gp_task is not None:
            lines.append(f"GP: {item.gp_task.says}")
        lines.extend(f"Held: {block.says}" for block in item.blocks if block != item.gp_task)
        self.detail.update(Text("\n".join(one_line(line) for line in lines)))

    def _current(self) -> PlannedHandBack | None:
        row = self.hand_backs.cursor_row
        return self._shown[row] if 0 <= row < len(self._shown) else None

    def action_show_next(self) -> None:
        self._showing = (self._showing + 1) % len(SHOWING)
        if self._plan is not None:
            self._show_summary(self._plan)
        self._show_list()

    def action_send(self) -> None:
        plan = self._plan
        ready = plan.with_status("ready") if plan else []
        if not ready:
            self.tell("Nothing is ready to send.", title="Send notices")
            return
        teams = len({item.return_to.casefold() for item in ready})
        question = (
            f"Send notice for {counted(len(ready), 'patient')} to {counted(teams, 'team')}? "
            "Each gets a notice, a letter and an SMS, and each team one covering letter; all "
            "are recorded in the log."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                call_service(self, "Not sent", lambda: send_notices(self.workspace), self._sent)

        self.app.push_screen(ConfirmDialog(question), answered)

    def _sent(self, sent: NoticesSent) -> None:
        self.tell(
            f"Sent {counted(sent.sent, 'notice')} to {counted(len(sent.batches), 'team')}.",
            title="Notices sent",
        )
        self.action_reload()

    def action_sign_off(self) -> None:
        item = self._current()
        if item is None or item.status != "awaiting_sign_off":
            self.tell("The highlighted patient is not waiting for a GP's sign-off.")
            return
        number = item.patient.nhs_number

        def answered(note: str | None) -> None:
            if note:
                call_service(
                    self,
                    "Not signed off",
                    lambda: sign_off_hand_back(self.workspace, number, note),
                    lambda signed: self._done(f"Signed off: {', '.join(signed)}."),
                )

        self.app.push_screen(
            NoteDialog(
                f"Sign off the hand-back of {one_line(item.patient.patient_name)}",
                "What you checked (required): the last and next dose, and that the team knows",
            ),
            answered,
        )

    def action_confirm(self) -> None:
        item = self._current()
        if item is None or item.status != "sent" or item.record is None or not item.record.ref:
            self.tell("The highlighted hand-back has not been sent, or is already confirmed.")
            return
        ref = item.record.ref

        def answered(note: str | None) -> None:
            if note:
                call_service(
                    self,
                    "Not recorded",
                    lambda: confirm_hand_back(self.workspace, ref, note),
                    lambda _: self._done(f"Recorded {ref} as confirmed."),
                )

        self.app.push_screen(
            NoteDialog(
                f"{ref}: the team confirmed",
                "How they confirmed (required), e.g. letter from Dr Rao, 3 December",
            ),
            answered,
        )

    def action_chase(self) -> None:
        call_service(
            self,
            "Not chased",
            lambda: chase_overdue(self.workspace),
            lambda chased: self._done(
                f"Reminders to {counted(len(chased), 'team')}." if chased else "Nothing to chase."
            ),
        )

    def _done(self, message: str) -> None:
        self.tell(message)
        self.action_reload()
