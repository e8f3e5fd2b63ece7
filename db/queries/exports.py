"""Decisions as the exports read them, a batch at a time, or counted for the report."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import Text, case, cast, func, literal, select
from sqlalchemy.orm import Session

from db.queries.convert import chosen_conditions
from db.tables import DecisionRow, LetterRow, RequestRow, UserRow
from triage.models import DecisionFilter, DecisionTally, ExportedDecision, read_as


class Exports:
    def __init__(self, session: Session) -> None:
        self._session = session

    def count(
        self, chosen: DecisionFilter, decided_from: datetime | None, decided_before: datetime | None
    ) -> int:
        """How many decisions `rows` would give."""
        counted = select(func.count()).select_from(DecisionRow)
        counted = counted.join(UserRow, UserRow.id == DecisionRow.decided_by_id)
        return (
            self._session.scalar(
                counted.where(*chosen_conditions(chosen, decided_from, decided_before))
            )
            or 0
        )

    def rows(
        self,
        chosen: DecisionFilter,
        decided_from: datetime | None,
        decided_before: datetime | None,
        *,
        batch: int = 1000,
    ) -> Iterator[ExportedDecision]:
        """The chosen decisions, oldest first, each as one flat row with its request's
        identifiers, who decided, and its letters; read in batches so memory stays flat."""
        conditions = chosen_conditions(chosen, decided_from, decided_before)
        columns = (
            DecisionRow.id.label("decision_id"),
            DecisionRow.our_ref,
            DecisionRow.decided_at,
            UserRow.name.label("decided_by"),
            DecisionRow.role,
            DecisionRow.kind,
            DecisionRow.action,
            DecisionRow.suggested_action,
            DecisionRow.rule_id,
            DecisionRow.category,
            DecisionRow.reasons,
            DecisionRow.flags,
            DecisionRow.redirect_to,
            DecisionRow.note,
            DecisionRow.policy_id,
            DecisionRow.policy_version,
            DecisionRow.policy_sha256,
            DecisionRow.template_id,
            DecisionRow.template_version,
            DecisionRow.letters_edited,
            DecisionRow.supersedes_id,
            RequestRow.id.label("request_id"),
            RequestRow.ref.label("request_ref"),
            RequestRow.sender,
            RequestRow.received,
            RequestRow.nhs_number,
            RequestRow.patient_name,
            RequestRow.date_of_birth,
            RequestRow.requester,
            RequestRow.organisation,
            RequestRow.provider_type,
            RequestRow.request_type,
            RequestRow.original_sha256,
        )
        after = 0
        while True:
            rows = (
                self._session.execute(
                    select(*columns)
                    .join(RequestRow, RequestRow.id == DecisionRow.request_id)
                    .join(UserRow, UserRow.id == DecisionRow.decided_by_id)
                    .where(DecisionRow.id > after, *conditions)
                    .order_by(DecisionRow.id)
                    .limit(batch)
                )
                .mappings()
                .all()
            )
            if not rows:
                return
            ids = [row["decision_id"] for row in rows]
            letters: dict[int, dict[str, str]] = {decision_id: {} for decision_id in ids}
            read = self._session.execute(
                select(LetterRow.decision_id, LetterRow.kind, LetterRow.text).where(
                    LetterRow.decision_id.in_(ids)
                )
            )
            for decision_id, kind, letter in read:
                letters[decision_id][kind] = letter
            for row in rows:
                category = row["category"]
                yield ExportedDecision(
                    **{**row, "category": read_as(category) if category else None},
                    letters=letters[row["decision_id"]],
                )
            after = ids[-1]

    def tallies(
        self,
        chosen: DecisionFilter,
        decided_from: datetime | None,
        decided_before: datetime | None,
        period_starts: Sequence[datetime],
    ) -> list[DecisionTally]:
        """The chosen decisions counted in the database by period, category, action, provider
        type and reasons. A decision's period is how many of `period_starts` (ascending) it was
        decided at or after: 0 before the first."""
        decided_at = DecisionRow.decided_at
        period = (
            case(
                *((decided_at < start, index) for index, start in enumerate(period_starts)),
                else_=len(period_starts),
            )
            if period_starts
            else literal(0)
        )
        # As text: PostgreSQL cannot compare json values to group them.
        reasons = cast(DecisionRow.reasons, Text)
        groups = (
            period,
            DecisionRow.category,
            DecisionRow.action,
            RequestRow.provider_type,
            reasons,
        )
        counted = self._session.execute(
            select(*groups, func.count())
            .select_from(DecisionRow)
            .join(RequestRow, RequestRow.id == DecisionRow.request_id)
            .join(UserRow, UserRow.id == DecisionRow.decided_by_id)
            .where(*chosen_conditions(chosen, decided_from, decided_before))
            .group_by(*groups)
        )
        return [
            DecisionTally(
                period=index,
                category=read_as(category) if category else None,
                action=action,
                provider_type=provider_type,
                reasons=tuple(json.loads(reasons_text)),
                count=count,
            )
            for index, category, action, provider_type, reasons_text, count in counted
        ]
