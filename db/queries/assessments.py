"""Stored assessments: derived, rebuilt when the policy or the day changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from db.queries.convert import REQUEST_COLUMNS, request_from
from db.queries.repeats import with_repeats
from db.tables import AssessmentRow, Base, RequestRow
from triage.models import Assessment, Request, Status


class Assessments:
    def __init__(self, session: Session) -> None:
        self._session = session

    def stale(
        self, policy_sha256: str | None, on: date, limit: int, after: int = 0
    ) -> list[Request]:
        """Undecided requests after request id `after`, oldest id first, with no assessment for
        this policy and day. Each is looked up by its key (NOT EXISTS), and the next batch
        starts where this one ended: a batch reads its own rows, not every assessment."""
        fresh = (
            select(AssessmentRow.request_id)
            .where(
                AssessmentRow.request_id == RequestRow.id,
                AssessmentRow.assessed_on == on,
                AssessmentRow.policy_sha256.is_(None)
                if policy_sha256 is None
                else AssessmentRow.policy_sha256 == policy_sha256,
            )
            .exists()
        )
        rows = self._session.execute(
            select(*REQUEST_COLUMNS)
            .where(RequestRow.id > after, RequestRow.status != Status.DECIDED, ~fresh)
            .order_by(RequestRow.id)
            .limit(limit)
        )
        return with_repeats(self._session, [request_from(row) for row in rows])

    def save(self, assessments: Sequence[Assessment]) -> None:
        ids = [assessment.request_id for assessment in assessments]
        table = Base.metadata.tables[AssessmentRow.__tablename__]
        self._session.execute(delete(table).where(table.c.request_id.in_(ids)))
        if assessments:
            self._session.execute(
                insert(table),
                [
                    {
                        "request_id": assessment.request_id,
                        "policy_sha256": assessment.policy_sha256,
                        "assessed_on": assessment.on,
                        "category": assessment.category,
                        "action": assessment.action.value if assessment.action else None,
                        "flags": "," + ",".join(flag.value for flag in assessment.flags) + ",",
                    }
                    for assessment in assessments
                ],
            )
