"""Options several commands share, kept apart from the commands so that importing one command
does not import another's (and what it needs: `triage queue` must not load the exports)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import click

from triage.models import DECIDING_ACTIONS, READ_AS_VALUES, Action, DecisionFilter, read_as

sender_option = click.option(
    "--sender", help="The requesting organisation, when two senders use the same ref."
)


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from None


def decision_filter(function: Callable[..., None]) -> Callable[..., None]:
    """The options that choose which decisions an export covers."""
    for option in reversed(
        (
            click.option("--from", "start", metavar="DATE", help="Decided on or after this day."),
            click.option("--to", "end", metavar="DATE", help="Decided on or before this day."),
            click.option(
                "--category",
                type=click.Choice(READ_AS_VALUES),
            ),
            click.option("--action", type=click.Choice([a.value for a in DECIDING_ACTIONS])),
            click.option("--decided-by", "user", metavar="USER", help="Decided by this user."),
        )
    ):
        function = option(function)
    return function


def chosen_decisions(
    start: str | None, end: str | None, category: str | None, action: str | None, user: str | None
) -> DecisionFilter:
    first, last = _date(start, "--from"), _date(end, "--to")
    if first and last and last < first:
        raise click.BadParameter(f"{end} is before --from {start}", param_hint="--to")
    return DecisionFilter(
        start=first,
        end=last,
        category=read_as(category) if category else None,
        action=Action(action) if action else None,
        user=user,
    )
