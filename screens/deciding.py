"""Deciding from a screen: accept the suggestion, decide otherwise, or send to a GP. The questions
(a note, a reason) are asked here; who may do what is decided by the service layer, and a refusal
is shown as it explains itself. What was typed is kept and offered again after a failure."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from screens.base import TriageScreen, call_service
from screens.dialogs import NoteDialog, Override, OverrideDialog
from triage.errors import PermissionRefused
from triage.models import Action, Assessed, Decision, LetterKind, Request
from triage.rules import Permission, decision_kind, may, needs_gp
from triage.services.deciding import Choice, decide, flag
from triage.services.workspace import Workspace

# Edited letters, with the action they were drafted for; None when the drafts are untouched.
Letters = tuple[Action, Mapping[LetterKind, str]] | None


class DecisionFlow:
    """Mixed into screens (TriageScreen) that decide requests."""

    _last_note: str = ""

    @property
    def _screen(self) -> TriageScreen:
        assert isinstance(self, TriageScreen)
        return self

    def _workspace(self) -> Workspace:
        return self._screen.workspace

    def accept_suggestion(
        self, item: Assessed[Request], letters: Letters, then: Callable[[], None]
    ) -> None:
        suggestion = item.suggestion
        if self._refused_for_a_gp(item):
            return
        if suggestion is None or suggestion.action is Action.GP_REVIEW:
            # Nothing to accept: a GP chooses what to do (o), or a clerk sends it to one (f).
            self.override(item, then)
            return
        action, texts = letters if letters else (None, None)
        if needs_gp(item.request, suggestion) and may(self._workspace().user, Permission.REVIEW):
            self._ask_note(
                "Your decision as GP",
                f"{suggestion.explanation} Your note (required):",
                lambda note: self._decide(
                    item, Choice(action=action, note=note, letters=texts), then
                ),
            )
            return
        self._decide(item, Choice(action=action, letters=texts), then)

    def override(self, item: Assessed[Request], then: Callable[[], None]) -> None:
        """Another action than suggested (the dialog never offers the suggested one): its
        letters are drafted afresh when it is recorded."""
        if self._refused_for_a_gp(item):
            return
        suggested = item.suggestion.action if item.suggestion else None

        def chosen(answer: Override | None) -> None:
            if answer is None:
                return
            action, note, redirect_to, reasons = answer
            self._last_note = note
            choice = Choice(
                action=action,
                note=note,
                redirect_to=redirect_to or None,
                reasons=reasons or None,
            )
            self._decide(item, choice, then)

        title = f"Decide {item.request.ref} otherwise"
        self._screen.app.push_screen(OverrideDialog(title, suggested, self._last_note), chosen)

    def _refused_for_a_gp(self, item: Assessed[Request]) -> bool:
        """Whether only a GP may decide the request and the user is not one: said at once, by
        the service's own rule, before a form the service would refuse."""
        suggestion = item.suggestion
        if suggestion is None or not needs_gp(item.request, suggestion):
            return False
        try:
            decision_kind(self._workspace().user, item.request, suggestion, suggestion.action)
        except PermissionRefused as refused:
            self._screen.show_failure(f"{item.request.ref}: for a GP", refused)
            return True
        return False

    def send_to_gp(self, item: Assessed[Request], then: Callable[[], None]) -> None:
        def sent(note: str) -> None:
            call_service(
                self._screen,
                "Not sent to a GP",
                lambda: flag(self._workspace(), item.request.id, note),
                lambda _: self._sent(item, then),
            )

        self._ask_note("Send to a GP", f"Why should a GP see {item.request.ref}?", sent)

    def _sent(self, item: Assessed[Request], then: Callable[[], None]) -> None:
        self._last_note = ""
        self._screen.tell(f"{item.request.ref} now waits for a GP.")
        then()

    def _ask_note(self, title: str, prompt: str, then: Callable[[str], None]) -> None:
        def answered(note: str | None) -> None:
            if note is not None:
                self._last_note = note
                then(note)

        self._screen.app.push_screen(NoteDialog(title, prompt, self._last_note), answered)

    def _decide(self, item: Assessed[Request], choice: Choice, then: Callable[[], None]) -> None:
        def recorded(decision: Decision) -> None:
            self._last_note = ""
            where = f" to {decision.redirect_to}" if decision.redirect_to else ""
            self._screen.tell(
                f"{decision.our_ref}: {item.request.ref} {decision.action.value}{where}; "
                "letters recorded.",
                title="Decided",
            )
            then()

        call_service(
            self._screen,
            "Not decided",
            lambda: decide(self._workspace(), item.request.id, choice),
            recorded,
        )
