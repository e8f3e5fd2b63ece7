"""`triage decide|flag|review|correct|apply|letters`: deciding requests from the command line.

Each command names a request by its ref (and --sender when two senders use one ref). All of them go
through triage.services.deciding, which checks who may do what; nothing here decides anything
itself.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from triage.cli import context, output
from triage.cli.options import chosen_decisions, decision_filter, sender_option
from triage.cli.output import progress_bars
from triage.letters import LetterDraft
from triage.models import (
    DECIDING_ACTIONS,
    Action,
    Decision,
    LetterKind,
    QueueQuery,
    Reason,
    Request,
    Status,
)
from triage.presentation import ACTION_LABELS, LETTER_TITLES
from triage.services.deciding import (
    Choice,
    Prepared,
    apply_policy,
    correct,
    decide,
    find_request,
    flag,
    prepare,
    standing_decision,
)
from triage.services.queue import queue_page

_ACTIONS = [action.value for action in DECIDING_ACTIONS]
action_option = click.option(
    "--action", type=click.Choice(_ACTIONS), help="Decide this instead of the suggestion."
)
reasons_option = click.option(
    "--reasons",
    metavar="CODE,...",
    help="Reason codes for a decline or redirect: " + ", ".join(reason.value for reason in Reason),
)
redirect_option = click.option("--redirect-to", metavar="SERVICE", help="Where a redirect goes.")
edit_option = click.option(
    "--edit", is_flag=True, help="Edit each letter in your $EDITOR before it is recorded."
)


def _reasons(value: str | None) -> tuple[Reason, ...] | None:
    if value is None:
        return None
    codes = [code.strip() for code in value.split(",") if code.strip()]
    known = {reason.value for reason in Reason}
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise click.BadParameter(
            f"unknown reason {unknown[0]!r} (known: {', '.join(sorted(known))})",
            param_hint="--reasons",
        )
    return tuple(Reason(code) for code in codes)


def _choice(
    action: str | None,
    reasons: str | None,
    redirect_to: str | None,
    note: str | None,
) -> Choice:
    return Choice(
        action=Action(action) if action else None,
        reasons=_reasons(reasons),
        redirect_to=redirect_to,
        note=note,
    )


def _edited(drafted: LetterDraft) -> dict[LetterKind, str]:
    """Open each drafted letter in the user's editor; what they save is what is recorded."""
    edited = {}
    for kind, text in drafted.texts().items():
        saved = click.edit(text, extension=".txt")  # None: closed without saving
        # Editors end a file with a newline: saved as it was is not an edit.
        if saved is None or saved.rstrip("\n") == text.rstrip("\n"):
            saved = text
        edited[kind] = saved
    return edited


def _report(request: Request, decision: Decision) -> None:
    verb = ACTION_LABELS[decision.action].lower()
    where = f" to {decision.redirect_to}" if decision.redirect_to else ""
    rule = f" under rule {decision.rule_id}" if decision.rule_id else ""
    sms = len(decision.letters[LetterKind.SMS])
    output.plain(
        f"{decision.our_ref}: {request.ref} {verb}{where}{rule} ({decision.kind.value} by "
        f"{decision.decided_by}); three letters recorded (text message {sms} characters)"
    )


def _decide(
    ref: str,
    sender: str | None,
    choice: Choice,
    edit: bool,
) -> None:
    workspace = context.current().workspace()
    request = find_request(workspace, ref, sender)
    if edit:
        drafted = prepare(workspace, request.id, choice)
        choice = replace(choice, action=drafted.action, letters=_edited(drafted.letters))
    decision = decide(workspace, request.id, choice)
    _report(request, decision)


@click.command("decide")
@click.argument("ref")
@sender_option
@action_option
@reasons_option
@redirect_option
@click.option("--reason", "note", metavar="TEXT", help="Why, when deciding other than suggested.")
@edit_option
def decide_command(
    ref: str,
    sender: str | None,
    action: str | None,
    reasons: str | None,
    redirect_to: str | None,
    note: str | None,
    edit: bool,
) -> None:
    """Record the decision on request REF: the policy's suggestion, or --action with --reason."""
    _decide(ref, sender, _choice(action, reasons, redirect_to, note), edit)


@click.command("review")
@click.argument("ref", required=False)
@sender_option
@action_option
@reasons_option
@redirect_option
@click.option("--note", metavar="TEXT", help="The GP's note (required to decide).")
@edit_option
def review_command(
    ref: str | None,
    sender: str | None,
    action: str | None,
    reasons: str | None,
    redirect_to: str | None,
    note: str | None,
    edit: bool,
) -> None:
    """GPs: decide a flagged request REF with a note, confirming the suggestion or choosing
    --action. Without REF, list the requests waiting for a GP."""
    if ref is None:
        _list_waiting()
        return
    if not note:
        raise click.UsageError("a GP's decision needs --note")
    _decide(ref, sender, _choice(action, reasons, redirect_to, note), edit)


def _list_waiting() -> None:
    page = queue_page(context.current().workspace(), QueueQuery(statuses=(Status.AWAITING_GP,)))
    if not page.items:
        output.plain("No request is waiting for a GP.")
        return
    for item in page.items:
        why = item.suggestion.explanation if item.suggestion else "no policy in force"
        output.plain(f"{item.request.ref}  {item.request.patient.name or '?'}  {why}")


@click.command("flag")
@click.argument("ref")
@sender_option
@click.option("--note", required=True, metavar="TEXT", help="Why a GP should see it.")
def flag_command(ref: str, sender: str | None, note: str) -> None:
    """Send request REF to a GP, with a note."""
    workspace = context.current().workspace()
    request = find_request(workspace, ref, sender)
    flag(workspace, request.id, note)
    output.plain(f"{request.ref} now waits for a GP.")


@click.command("correct")
@click.argument("ref")
@sender_option
@click.option("--action", type=click.Choice(_ACTIONS), required=True)
@reasons_option
@redirect_option
@click.option("--note", required=True, metavar="TEXT", help="Why the decision is corrected.")
def correct_command(
    ref: str,
    sender: str | None,
    action: str,
    reasons: str | None,
    redirect_to: str | None,
    note: str,
) -> None:
    """GPs: correct the recorded decision on REF. The correction supersedes it; both stay."""
    workspace = context.current().workspace()
    request = find_request(workspace, ref, sender)
    decision = correct(workspace, request.id, _choice(action, reasons, redirect_to, note))
    _report(request, decision)


@click.command("apply")
@click.option("--dry-run", is_flag=True, help="Say what would be done; record nothing.")
def apply_command(dry_run: bool) -> None:
    """Apply the policy in force to every open request: clear-cut ones are decided with their
    letters, the rest are left for a GP."""
    workspace = context.current().workspace()
    with progress_bars(True) as bars:
        progress = bars("Applying the policy") if bars else None
        applied = apply_policy(workspace, dry_run=dry_run, progress=progress)
    would = "would be " if dry_run else ""
    decided = ", ".join(
        f"{count} {ACTION_LABELS[action].lower()}" for action, count in applied.decided.items()
    )
    output.plain(
        f"{applied.total} open request{'s' if applied.total != 1 else ''}: {decided} "
        f"{would}decided; {applied.sent_to_gp} {would}sent to a GP"
        + (f"; {applied.held} left alone (a colleague is working on them)" if applied.held else "")
        + ("" if dry_run else ".")
    )


class _LettersGroup(click.Group):
    """`triage letters REF` shows a request's letters (the `show` subcommand, by default);
    `triage letters export` writes every decision's letters to files."""

    def parse_args(self, context: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["show", *args]
        return super().parse_args(context, args)


@click.group("letters", cls=_LettersGroup)
def letters_group() -> None:
    """The letters: `triage letters REF` prints a request's three letters; `triage letters
    export --out DIR` writes them as files for the clinical system."""


@letters_group.command("show")
@click.argument("ref")
@sender_option
@action_option
@reasons_option
@redirect_option
def letters_show_command(
    ref: str, sender: str | None, action: str | None, reasons: str | None, redirect_to: str | None
) -> None:
    """Print the three letters for REF: as recorded if it is decided, else as drafted now."""
    workspace = context.current().workspace()
    request = find_request(workspace, ref, sender)
    standing = standing_decision(workspace, request.id)
    if standing is not None:
        _print_letters(
            f"{standing.our_ref}, recorded {standing.decided_at:%Y-%m-%d %H:%M} UTC",
            standing.letters,
        )
        return
    prepared: Prepared = prepare(workspace, request.id, _choice(action, reasons, redirect_to, None))
    _print_letters(
        f"{prepared.our_ref}, a draft ({ACTION_LABELS[prepared.action].lower()}); nothing recorded",
        prepared.letters.texts(),
    )


def _print_letters(heading: str, letters: dict[LetterKind, str]) -> None:
    output.plain(heading)
    for kind in LetterKind:
        title = LETTER_TITLES[kind]
        output.plain("")
        output.plain(f"=== {title} " + "=" * max(3, 76 - len(title)))
        output.letter(letters[kind])


@letters_group.command("export")
@click.option(
    "--out", "destination", required=True, type=click.Path(path_type=Path, file_okay=False),
    help="A new or empty folder.",
)  # fmt: skip
@decision_filter
def letters_export_command(
    destination: Path,
    start: str | None,
    end: str | None,
    category: str | None,
    action: str | None,
    user: str | None,
) -> None:
    """Write each chosen decision's letters as text files, named by date, ref and NHS number,
    to attach in the clinical system (managers only)."""
    from triage.services.exports import export_letters  # what only this command needs

    chosen = chosen_decisions(start, end, category, action, user)
    with progress_bars(True) as bars:
        progress = bars("Writing letters") if bars else None
        exported = export_letters(context.current().workspace(), destination, chosen, progress)
    for note in exported.notes:
        output.info(note)
    output.plain(
        f"Wrote the letters of {exported.rows} decision{'s' if exported.rows != 1 else ''} to "
        f"{exported.path}; log head {exported.anchor.count} {exported.anchor.hash}"
    )
