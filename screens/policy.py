"""The practice's policy: the one in force, its rules and its history; and what another policy
(or version) would change in the open queue, before a manager activates it."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import (
    DataTable,
    Header,
    ProgressBar,
    Static,
    TabbedContent,
    TabPane,
)

from screens.base import TriageScreen, call_service, progress_bar
from screens.dialogs import InputDialog
from screens.request import RequestScreen
from screens.widgets.footer import TriageFooter
from triage.clock import PRACTICE_TIME
from triage.models import PolicyActivation, Suggestion
from triage.presentation import ACTION_LABELS, SHORT_FLAG
from triage.safe_text import one_line
from triage.services.policy import (
    Change,
    Comparison,
    PolicyInForce,
    compare_policy,
    load_policy,
    notice_lines,
    policy_history,
    policy_in_force,
)

# What changes for a request: the rule that matched and the action, each "before → after";
# "Also" names a change of redirect destination or of flags. The reasons are below the table.
COLUMNS = (("Ref", 11), ("Rule", 22), ("Action", 21), ("Also", 14))
_NO_RULE = "otherwise"  # no rule matched: the policy's default action
_NO_POLICY = "no policy"


class PolicyScreen(TriageScreen):
    HELP = (
        "The policy in force, its rules, and who activated which version when. s simulates "
        "another policy (a file, a stored id or a shipped id) over the open queue: the second "
        "tab lists only the requests whose suggestion would change, how many, and for each the "
        "rule and the action before and after (→); the reasons for both are shown below the "
        "table. Enter opens the request. p and c switch between the policy and the changes. "
        "Managers activate a policy with `triage policy activate`."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "simulate", "Simulate", tooltip="What another policy would change"),
        Binding("p", "show_tab('policy-tab')", "Policy", tooltip="The policy in force"),
        Binding("c", "show_tab('changes-tab')", "Changes", tooltip="What would change"),
        Binding("enter", "open", "Open", show=False, tooltip="Open the request"),
        Binding("r", "reload", "Reload"),
    ]

    changes_title = getters.query_one("#changes-title", Static)
    changes = getters.query_one("#changes", DataTable)
    change_detail = getters.query_one("#change-detail", Static)
    simulate_progress = getters.query_one("#simulate-progress", ProgressBar)
    policy_text = getters.query_one("#policy", Static)
    tabs = getters.query_one(TabbedContent)

    def __init__(self) -> None:
        super().__init__()
        self._changes: list[Change] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="policy-tabs"):
            with TabPane("Policy in force", id="policy-tab"), VerticalScroll(id="policy-pane"):
                yield Static(id="policy")
            with TabPane("What would change", id="changes-tab"):
                yield Static(id="changes-title")
                yield ProgressBar(id="simulate-progress", show_eta=False)
                yield DataTable(id="changes", cursor_type="row", zebra_stripes=True)
                yield Static(id="change-detail")
        yield TriageFooter()

    def on_mount(self) -> None:
        self.title = "Policy"
        table = self.changes
        for label, width in COLUMNS:
            table.add_column(label, width=width)
        self.simulate_progress.display = False
        self.changes_title.update(Text("s: simulate another policy over the open queue."))

    def action_show_tab(self, tab: str) -> None:
        self.tabs.active = tab
        if tab == "changes-tab":
            self.changes.focus()

    def on_screen_resume(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        call_service(
            self,
            "Could not read the policy",
            lambda: (policy_in_force(self.workspace), policy_history(self.workspace)),
            self._show,
            group="load",
            exclusive=True,
        )

    def _show(self, found: tuple[PolicyInForce | None, list[PolicyActivation]]) -> None:
        in_force, history = found
        text = Text()
        if in_force is None:
            text.append("No policy is in force: nothing is suggested.\n", style="bold")
        else:
            loaded = in_force.loaded
            policy = loaded.policy
            header = policy.policy
            text.append(f"{one_line(header.title)}\n", style="bold")
            text.append(f"{policy.id} version {one_line(policy.version)}, from ")
            text.append(f"{header.effective_from}")
            if header.effective_until:
                text.append(f" to {header.effective_until}")
            if header.review_on:
                text.append(f"; review of this position due {header.review_on}")
            text.append(f"\nsha256 {loaded.sha256}\nSource: {one_line(header.source)}\n\n")
            text.append("Rules, first match wins\n", style="bold underline")
            for rule in policy.rules:
                where = f" to {one_line(rule.redirect_to)}" if rule.redirect_to else ""
                text.append(f"{rule.id}: ", style="bold")
                text.append(f"{rule.category.label}: {ACTION_LABELS[rule.action]}{where}")
                text.append(" (consider: a GP decides)" if rule.consider else "")
                text.append(" (unless funded)\n" if rule.unless_funded else "\n")
                if rule.note:
                    text.append(f"  {one_line(rule.note)}\n")
            text.append(f"Otherwise: {ACTION_LABELS[header.default_action]}\n\n")
            extras = notice_lines(policy)
            if extras:
                text.append(
                    "Existing patients: notices and funded arrangements\n", "bold underline"
                )
                text.append("".join(f"{one_line(line)}\n" for line in extras) + "\n")
        text.append("Activations, latest first\n", style="bold underline")
        for activation in history:
            stored = activation.policy
            text.append(
                f"{activation.activated_at.astimezone(PRACTICE_TIME):%Y-%m-%d %H:%M}  "
                f"{stored.policy_id} {one_line(stored.version)}  by {activation.activated_by}\n"
            )
        self.policy_text.update(text)

    # --- simulate -------------------------------------------------------------------------------

    def action_simulate(self) -> None:
        def chosen(spec: str | None) -> None:
            if not spec:
                return
            bar = self.simulate_progress
            progress = progress_bar(self, bar)
            self.changes_title.update(Text(f"Simulating {one_line(spec)}…"))
            call_service(
                self,
                "Not simulated",
                lambda: compare_policy(self.workspace, load_policy(spec, self.workspace), progress),
                self._simulated,
                group="simulate",
                exclusive=True,
                failed=self._not_simulated,
            )

        self.app.push_screen(
            InputDialog(
                "Simulate which policy (a file, a stored or shipped id)?", "weymouth-portland-pcn"
            ),
            chosen,
        )

    def _not_simulated(self) -> None:
        self.simulate_progress.display = False
        self.changes_title.update(Text("Not simulated."))

    def _simulated(self, comparison: Comparison) -> None:
        self.simulate_progress.display = False
        changed = len(comparison.changes)
        self.changes_title.update(
            Text(
                f"{one_line(comparison.candidate)} against "
                f"{one_line(comparison.in_force or 'no policy')}: {changed:,} of "
                f"{comparison.requests:,} open requests would change"
                + ("; Enter opens one." if changed else ".")
            )
        )
        self._changes = comparison.changes
        table = self.changes
        table.clear()
        for index, change in enumerate(comparison.changes):
            table.add_row(*change_row(change), key=str(index), height=None)
        self._show_change(0)
        self.action_show_tab("changes-tab")

    @on(DataTable.RowHighlighted, "#changes")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_change(event.cursor_row)

    def _show_change(self, row: int) -> None:
        if 0 <= row < len(self._changes):
            self.change_detail.update(change_reasons(self._changes[row]))
        else:
            self.change_detail.update(Text(""))

    @on(DataTable.RowSelected, "#changes")
    def _selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        """The highlighted request, on the request screen; n and p move through the others
        that would change."""
        row = self.changes.cursor_row
        if self.tabs.active == "changes-tab" and 0 <= row < len(self._changes):
            ids = [change.request.id for change in self._changes]
            self.app.push_screen(RequestScreen(ids, row))


def change_row(change: Change) -> tuple[Text, ...]:
    """Ref, rule, action and what else changes, each cell "before → after" when it differs."""
    now, then = change.now, change.then
    rule_now = _NO_POLICY if now is None else now.rule or _NO_RULE
    action_now = _NO_POLICY if now is None else ACTION_LABELS[now.action]
    return (
        Text(one_line(change.request.ref)),
        _before_after(rule_now, then.rule or _NO_RULE, two_lines=True),
        _before_after(action_now, ACTION_LABELS[then.action]),
        _also(now, then),
    )


def _before_after(before: str, after: str, *, two_lines: bool = False) -> Text:
    """One value in grey when it stays; otherwise the old in grey and the new in bold."""
    if before == after:
        return Text(one_line(before), style="dim")
    text = Text(one_line(before), style="dim")
    text.append("\n→ " if two_lines else " → ")
    text.append(one_line(after), style="bold")
    return text


def _also(now: Suggestion | None, then: Suggestion) -> Text:
    """A new redirect destination, flags added (+) and taken away (-)."""
    parts = []
    if now is not None and then.redirect_to and now.redirect_to != then.redirect_to:
        parts.append(f"to {then.redirect_to}")
    before = set(now.flags) if now is not None else set()
    parts += [f"+{SHORT_FLAG[flag]}" for flag in then.flags if flag not in before]
    parts += [f"-{SHORT_FLAG[flag]}" for flag in sorted(before - set(then.flags))]
    return Text(one_line(", ".join(parts)))


def change_reasons(change: Change) -> Text:
    """Below the table: whose request, and why the suggestion is what it is, before and after."""
    request, now, then = change.request, change.now, change.then
    text = Text()
    text.append(one_line(request.ref), style="bold")
    text.append(f"  {one_line(request.patient.name or '(no name)')}\n")
    text.append("Now: ", style="bold")
    text.append(_outcome(now))
    text.append(f": {one_line(now.explanation)}\n" if now is not None else "\n")
    text.append("Would be: ", style="bold")
    text.append(_outcome(then))
    text.append(f": {one_line(then.explanation)}")
    return text


def _outcome(suggestion: Suggestion | None) -> str:
    if suggestion is None:
        return "no policy in force"
    where = f" to {suggestion.redirect_to}" if suggestion.redirect_to else ""
    rule = f" (rule {suggestion.rule})" if suggestion.rule else " (no rule matched)"
    return one_line(ACTION_LABELS[suggestion.action] + where + rule)
