"""A team asking again for a patient after the practice declined or redirected its request
("ping-pong"): worked out as requests are read, so it holds whichever came first."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from db.queries.convert import IN_LIST_CHUNK, SUPERSEDING
from db.tables import DecisionRow, RequestRow
from triage.models import (
    REPEAT_WITHIN_MONTHS,
    Action,
    EarlierDecision,
    Request,
    add_months,
    practice_date,
)

_SAID_NO = (Action.DECLINE, Action.REDIRECT)


def with_repeats(session: Session, requests: Sequence[Request]) -> list[Request]:
    """The requests, each with the same team's latest other request for the same patient (a
    valid NHS number) that the practice declined or redirected, by the decision in force, at
    most REPEAT_WITHIN_MONTHS before it arrived (Request.repeat_of)."""
    numbers = sorted(
        {
            r.patient.nhs_number
            for r in requests
            if r.patient.nhs_number_valid and r.patient.nhs_number
        }
    )
    said_no: dict[tuple[str, str], list[tuple[int, EarlierDecision]]] = {}
    for start in range(0, len(numbers), IN_LIST_CHUNK):
        rows = session.execute(
            select(
                RequestRow.id,
                RequestRow.nhs_number,
                RequestRow.sender_key,
                RequestRow.ref,
                DecisionRow.action,
                DecisionRow.decided_at,
                DecisionRow.our_ref,
            )
            .join(DecisionRow, DecisionRow.request_id == RequestRow.id)
            .where(
                RequestRow.nhs_number.in_(numbers[start : start + IN_LIST_CHUNK]),
                DecisionRow.action.in_(_SAID_NO),
                ~exists().where(SUPERSEDING.supersedes_id == DecisionRow.id),
            )
        )
        for request_id, number, sender, ref, action, decided_at, our_ref in rows:
            assert number is not None  # matched by it
            earlier = EarlierDecision(
                ref=ref, action=action, decided_at=decided_at, our_ref=our_ref
            )
            said_no.setdefault((number, sender), []).append((request_id, earlier))
    if not said_no:
        return list(requests)
    return [_with_repeat(request, said_no) for request in requests]


def _with_repeat(
    request: Request, said_no: dict[tuple[str, str], list[tuple[int, EarlierDecision]]]
) -> Request:
    if not request.patient.nhs_number_valid or not request.patient.nhs_number:
        return request
    since = add_months(practice_date(request.received), -REPEAT_WITHIN_MONTHS)
    earlier = [
        decision
        for request_id, decision in said_no.get(
            (request.patient.nhs_number, request.sender_key), []
        )
        # Decided after this one arrived counts too: a letter dated the day of the reply (its
        # time unknown: midnight), or one that crossed with the reply, still needs a GP's eye.
        if request_id != request.id and since <= practice_date(decision.decided_at)
    ]
    if not earlier:
        return request
    latest = max(earlier, key=lambda decision: decision.decided_at)
    return request.model_copy(update={"repeat_of": latest})
