"""The practice's policy: the one in force, its rules and its history; and what another policy
(or version) would change in the open queue, before a manager activates it."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Header, ProgressBar, Static

from screens.base import TriageScreen, call_service, progress_bar
from screens.dialogs import InputDialog
from screens.widgets.footer import TriageFooter
from triage.clock import PRACTICE_TIME
from triage.models import PolicyActivation, Suggestion
from triage.presentation import ACTION_LABELS
from triage.safe_text import one_line
from triage.services.policy import (
    Comparison,
    PolicyInForce,
    compare_policy,
    load_policy,
    policy_history,
    policy_in_force,
)

COLUMNS = (("Ref", 11), ("Patient", 14), ("Now", 20), ("Would be", 20), ("Why", 60))


class PolicyScreen(TriageScreen):
    HELP = (
        "The policy in force, its rules, and who activated which version when. s simulates "
        "another policy (a file, a stored id or a shipped id) over the open queue and lists the "
        "requests whose suggestion would change. Managers activate a policy with "
        "`triage policy activate`."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "simulate", "Simulate", tooltip="What another policy would change"),
        Binding("r", "reload", "Reload"),
    ]

    changes_title = getters.query_one("#changes-title", Static)
    changes = getters.query_one("#changes", DataTable)
    simulate_progress = getters.query_one("#simulate-progress", ProgressBar)
    policy_text = getters.query_one("#policy", Static)

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            with VerticalScroll(id="policy-pane"):
                yield Static(id="policy")
            with VerticalScroll(id="changes-pane"):
                yield Static(id="changes-title")
                yield ProgressBar(id="simulate-progress", show_eta=False)
                yield DataTable(id="changes", cursor_type="row", zebra_stripes=True)
        yield TriageFooter()

    def on_mount(self) -> None:
        self.title = "Policy"
        table = self.changes
        for label, width in COLUMNS:
            table.add_column(label, width=width)
        self.simulate_progress.display = False
        self.changes_title.update(Text("s: simulate another policy over the open queue."))

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
            text.append(f"\nsha256 {loaded.sha256}\nSource: {one_line(header.source)}\n\n")
            text.append("Rules, first match wins\n", style="bold underline")
            for rule in policy.rules:
                where = f" to {one_line(rule.redirect_to)}" if rule.redirect_to else ""
                text.append(f"{rule.id}: ", style="bold")
                text.append(f"{rule.category.label}: {ACTION_LABELS[rule.action]}{where}\n")
                if rule.note:
                    text.append(f"  {one_line(rule.note)}\n")
            text.append(f"Otherwise: {ACTION_LABELS[header.default_action]}\n\n")
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
        self.changes_title.update(
            Text(
                f"{one_line(comparison.candidate)} against "
                f"{one_line(comparison.in_force or 'no policy')}: {len(comparison.changes):,} of "
                f"{comparison.requests:,} open requests would change."
            )
        )
        table = self.changes
        table.clear()
        for change in comparison.changes:
            values = (
                change.request.ref,
                change.request.patient.name or "",
                _outcome(change.now),
                _outcome(change.then),
                change.then.explanation,
            )
            table.add_row(*(Text(one_line(value)) for value in values))


def _outcome(suggestion: Suggestion | None) -> str:
    if suggestion is None:
        return "-"
    rule = f" ({suggestion.rule})" if suggestion.rule else ""
    return ACTION_LABELS[suggestion.action] + rule
