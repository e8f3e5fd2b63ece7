"""`triage policy check|show|activate|simulate`"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from triage.cli import context, output
from triage.cli.output import cell
from triage.cli.render import json_line, suggestion_json
from triage.errors import ProblemsFound
from triage.models import Action, Assessed, IncomingRequest, day_in_words
from triage.presentation import ACTION_LABELS
from triage.safe_text import terminal_safe
from triage.services.policy import (
    LoadedPolicy,
    Rule,
    activate_policy,
    check_policy_file,
    load_policy,
    names_a_file,
    notice_lines,
    policy_history,
    policy_in_force,
    shipped_policy_ids,
    simulate,
)


@click.group("policy")
def policy_group() -> None:
    """The practice's declared policy: check, show, activate and try one out."""


@policy_group.command("check")
@click.argument("file", type=click.Path(path_type=Path))
def check_command(file: Path) -> None:
    """Check a policy file, listing every mistake by line."""
    loaded = check_policy_file(file)
    policy = loaded.policy
    count = len(policy.rules)
    output.plain(
        f"{file}: {policy.id} version {policy.version} is valid: {count} rule"
        f"{'s' if count != 1 else ''}, {_period(loaded)}; sha256 {loaded.sha256[:12]}"
    )


@policy_group.command("show")
@click.option(
    "--toml", "as_toml", is_flag=True,
    help="Print the policy file as written: a start for the practice's own (> our-policy.toml).",
)  # fmt: skip
@click.argument("policy_spec", metavar="[FILE|ID]", required=False)
def show_command(as_toml: bool, policy_spec: str | None) -> None:
    """Show the policy in force, or the one named (a file, a stored id[@version], a shipped id)."""
    workspace = context.current().workspace()
    console = output.stdout_console()
    if policy_spec is not None:
        loaded = load_policy(policy_spec, workspace)
        if as_toml:
            click.echo(loaded.text, nl=False)
        else:
            _print_policy(console, loaded)
        return
    in_force = policy_in_force(workspace)
    if in_force is not None and as_toml:
        click.echo(in_force.loaded.text, nl=False)
        return
    if in_force is None:
        output.plain(
            "No policy is in force yet. A manager activates one with "
            "`triage policy activate FILE|ID`; shipped policies: " + ", ".join(shipped_policy_ids())
        )
        return
    _print_policy(console, in_force.loaded)
    history = policy_history(workspace)
    output.plain("")
    output.plain("Activations (latest first; the first is in force):")
    for activation in history:
        stored = activation.policy
        output.plain(
            f"  {activation.activated_at.astimezone():%Y-%m-%d %H:%M}  {stored.policy_id} "
            f"{stored.version}  by {activation.activated_by}  (sha256 {stored.content_sha256[:12]})"
        )


@policy_group.command("activate")
@click.argument("policy_spec", metavar="FILE|ID")
def activate_command(policy_spec: str) -> None:
    """Put a policy in force (managers only). Earlier versions are kept."""
    workspace = context.current().workspace()
    done = activate_policy(workspace, policy_spec)
    stored = done.stored
    name = f"{stored.policy_id} {stored.version}"
    if done.already_in_force:
        output.plain(f"{name} is already in force; nothing changed.")
        return
    replaced = ""
    if done.previous is not None:
        previous = done.previous.policy
        replaced = f"; it replaces {previous.policy_id} {previous.version}"
    output.plain(f"{name} is now in force, activated by {workspace.user.name}{replaced}.")


@policy_group.command("simulate")
@click.option("--policy", "policy_spec", required=True, metavar="FILE|ID", help="The policy.")
@click.option(
    "--on",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The decision date (YYYY-MM-DD) [default: today].",
)
@output.format_option
@click.option("--skip-invalid", is_flag=True, help="Simulate the good rows; list the bad ones.")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def simulate_command(
    policy_spec: str,
    on: datetime | None,
    output_format: str,
    skip_invalid: bool,
    files: tuple[Path, ...],
) -> None:
    """Show what a policy would do with the requests in FILES. Nothing is imported or saved."""
    from triage.services.importing import read_files  # the file readers: only to simulate

    cli = context.current()
    today = cli.clock.today()
    decision_date = on.date() if on is not None else today
    workspace = None if names_a_file(policy_spec) else cli.workspace()
    loaded = load_policy(policy_spec, workspace)
    with output.progress_bars(output.large_files(files)) as bars:
        results = read_files(files, today=today, progress=bars)
    problems = [problem for result in results for problem in result.problems]
    if problems and not skip_invalid:
        raise ProblemsFound(
            f"nothing simulated: {len(problems)} problem{'s' if len(problems) != 1 else ''}; "
            "correct the files, or use --skip-invalid to simulate the good rows",
            [str(problem) for problem in problems],
        )
    for problem in problems:
        output.plain(f"not simulated: {problem}", err=True)
    requests = [item.request for result in results for item in result.accepted]
    assessed = simulate(loaded.policy, requests, decision_date)
    if output_format == "json":
        for item in assessed:
            click.echo(json_line(suggestion_json(item)))
        return
    rows = list(assessed)
    console = output.stdout_console()
    console.print(_simulation_table(rows, console.width))
    actions = Counter(item.suggested.action for item in rows)
    totals = " · ".join(f"{actions[action]} {label}" for action, label in ACTION_LABELS.items())
    output.plain(
        f"{len(rows)} requests: {totals}. Policy {loaded.label} on {decision_date}; "
        "nothing was imported or saved."
    )


# The suggestion and why stay; the rule, then the category, go when the terminal is narrow.
SIMULATION_COLUMNS = (
    output.Column("Ref", max_width=16),
    output.Column("Category", drop=2),
    output.Column("Suggests"),
    output.Column("Rule", drop=1, max_width=26),
    output.Column("Flags", wrap=True, max_width=22),
    output.Column("Why", fill=True, min_width=30),
)


def _simulation_table(rows: list[Assessed[IncomingRequest]], width: int) -> Table:
    cells = []
    for item in rows:
        suggestion = item.suggested
        category = item.findings.classification.category
        cells.append(
            (
                cell(item.request.ref),
                cell(category.value if category else "—"),
                cell(ACTION_LABELS[suggestion.action]),
                cell(suggestion.rule or "—"),
                cell(", ".join(suggestion.flags)),
                Text(terminal_safe(suggestion.explanation)),
            )
        )
    return output.fitted_table(SIMULATION_COLUMNS, cells, width)


def _print_policy(console: Console, loaded: LoadedPolicy) -> None:
    policy, header = loaded.policy, loaded.policy.policy
    lines = [
        f"{header.title}",
        f"  id {policy.id}, version {policy.version}; {_period(loaded)}",
        f"  source: {header.source}",
    ]
    if header.signatory:
        lines.append(f"  signed: {header.signatory}")
    if header.review_on:
        lines.append(f"  review of this position due: {day_in_words(header.review_on)}")
    lines.append(f"  file: {loaded.file_name}; sha256 {loaded.sha256}")
    review = policy.review
    lines += [
        "",
        "To a GP before any rule: under "
        f"{review.under_age}, supply ending within {review.supply_within_days} days, urgent, "
        "red flags, invalid NHS number"
        + (", mixed requests" if review.mixed_categories else "")
        + (", unclassified requests" if review.unclassified else "")
        + ".",
    ]
    if review.confirm_by_gp:
        confirm = ", ".join(category.label for category in review.confirm_by_gp)
        lines.append(f"A GP confirms every decision on: {confirm}.")
    for line in lines:
        output.plain(line)
    table = Table(box=None, header_style="bold", pad_edge=False, title_justify="left")
    for heading in ("Rule", "Category", "When", "Action", "Reasons"):
        table.add_column(heading)
    for rule in policy.rules:
        action = ACTION_LABELS[rule.action]
        if rule.action is Action.REDIRECT:
            action += f" to {rule.redirect_to}"
        table.add_row(
            cell(rule.id),
            cell(rule.category.value),
            cell(_conditions(rule)),
            cell(action),
            cell(", ".join(rule.reasons)),
        )
    output.plain("")
    console.print(table)
    output.plain(f"Anything else: {ACTION_LABELS[header.default_action]}.")
    extras = notice_lines(policy)
    if extras:
        output.plain("Existing patients, notices and funded arrangements:")
        for line in extras:
            output.plain(f"  {line}")
    if policy.safe_working is not None:
        output.plain(
            f"Safe working: {policy.safe_working.contacts_per_clinician_per_day} contacts per "
            "clinician per day."
        )


def _conditions(rule: Rule) -> str:
    parts = []
    if rule.request_types:
        parts.append("/".join(rule.request_types))
    if rule.provider_types:
        parts.append("from " + "/".join(rule.provider_types))
    if rule.min_age is not None:
        parts.append(f"aged {rule.min_age}+")
    if rule.max_age is not None:
        parts.append(f"aged up to {rule.max_age}")
    if rule.within_months_of_procedure is not None:
        parts.append(f"within {rule.within_months_of_procedure} months of procedure")
    if rule.after_months_of_procedure is not None:
        parts.append(f"{rule.after_months_of_procedure}+ months after procedure")
    if rule.unless_funded:
        parts.append("unless funded")
    if rule.consider:
        parts.append("consider: a GP decides")
    if rule.effective_from is not None:
        parts.append(f"from {rule.effective_from}")
    if rule.effective_until is not None:
        parts.append(f"until {rule.effective_until}")
    if rule.capacity is not None:
        full = ACTION_LABELS[rule.when_full or Action.GP_REVIEW]
        if rule.when_full is Action.REDIRECT:
            full += f" to {rule.redirect_to}"
        parts.append(f"up to {rule.capacity.limit} a {rule.capacity.per}, then {full}")
    return ", ".join(parts) or "always"


def _period(loaded: LoadedPolicy) -> str:
    header = loaded.policy.policy
    if header.effective_until is None:
        return f"in force from {header.effective_from}"
    return f"in force from {header.effective_from} to {header.effective_until}"
