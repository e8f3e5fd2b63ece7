"""Decisions and their letters (append-only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, bindparam, exists, func, insert, select
from sqlalchemy.orm import Session

from db.queries.convert import SUPERSEDING, decision_from, letter_kind
from db.tables import DecisionRow, LetterRow, RequestRow, UserRow, table_of
from triage.models import Action, Decision, LetterKind, User


@dataclass(frozen=True)
class RedirectToConfirm:
    request_id: int
    ref: str
    patient_name: str | None
    nhs_number: str | None
    our_ref: str
    redirect_to: str | None
    decided_at: datetime
    confirm_by: date


# Built once: plain inserts, with no unit of work (nothing reads these rows back as objects in
# the transaction that writes them, and its bookkeeping cost more than the rest of a decision).
_INSERT_DECISION = insert(table_of(DecisionRow)).returning(table_of(DecisionRow).c.id)
_INSERT_LETTER = insert(table_of(LetterRow))
_COUNT_FOR_REQUEST = select(func.count()).where(
    table_of(DecisionRow).c.request_id == bindparam("id")
)
# Read only, for verifying the log: the tables' columns rather than the mapped classes (objects
# cost more), each decision with who recorded it, and the letters of some decisions.
_WITH_DECIDER = (
    select(*table_of(DecisionRow).c, table_of(UserRow).c.name.label("decided_by_name"))
    .join(table_of(UserRow), table_of(UserRow).c.id == table_of(DecisionRow).c.decided_by_id)
    .where(table_of(DecisionRow).c.id.in_(bindparam("ids", expanding=True)))
)
_LETTERS = select(
    *(table_of(LetterRow).c[name] for name in ("decision_id", "kind", "text", "sha256"))
).where(table_of(LetterRow).c.decision_id.in_(bindparam("ids", expanding=True)))


class Decisions:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(
        self, decision: Decision, decided_by: User, letters: dict[LetterKind, tuple[str, str]]
    ) -> int:
        """Store a decision and its letters (kind -> (text, sha256)); returns its id."""
        connection = self._session.connection()
        decision_id: int = connection.execute(
            _INSERT_DECISION,
            {
                "request_id": decision.request_id,
                "supersedes_id": decision.supersedes_id,
                "our_ref": decision.our_ref,
                "kind": decision.kind,
                "action": decision.action,
                "suggested_action": decision.suggested_action,
                "rule_id": decision.rule_id,
                "category": decision.category,
                "reasons": [reason.value for reason in decision.reasons],
                "flags": [flag.value for flag in decision.flags],
                "redirect_to": decision.redirect_to,
                "note": decision.note,
                "policy_id": decision.policy_id,
                "policy_version": decision.policy_version,
                "policy_sha256": decision.policy_sha256,
                "decided_by_id": decided_by.id,
                "role": decision.role,
                "decided_at": decision.decided_at,
                "template_id": decision.template_id,
                "template_version": decision.template_version,
                "letters_edited": decision.letters_edited,
                "confirm_by": decision.confirm_by,
            },
        ).scalar_one()
        connection.execute(
            _INSERT_LETTER,
            [
                {"decision_id": decision_id, "kind": kind.value, "text": text, "sha256": sha256}
                for kind, (text, sha256) in letters.items()
            ],
        )
        return decision_id

    def for_request(self, request_id: int) -> list[Decision]:
        """The request's decisions, oldest first: the last one stands."""
        return self._decisions(DecisionRow.request_id == request_id)

    def count_for_request(self, request_id: int) -> int:
        """How many decisions the request has had (a correction adds one)."""
        counted = self._session.connection().execute(_COUNT_FOR_REQUEST, {"id": request_id})
        return int(counted.scalar_one())

    def standing(self, request_ids: Sequence[int]) -> dict[int, tuple[Action, str]]:
        """The action and our reference of the decision that stands on each request decided."""
        rows = self._session.execute(
            select(DecisionRow.request_id, DecisionRow.action, DecisionRow.our_ref)
            .where(DecisionRow.request_id.in_(request_ids))
            .order_by(DecisionRow.id)
        )
        return {request_id: (action, our_ref) for request_id, action, our_ref in rows}

    def by_id(self, decision_ids: Sequence[int]) -> list[Decision]:
        return self._decisions(DecisionRow.id.in_(decision_ids)) if decision_ids else []

    def refs(self) -> dict[int, str]:
        """Every decision's id and our reference: verifying checks each has its log entry."""
        rows = self._session.execute(select(DecisionRow.id, DecisionRow.our_ref))
        return {decision_id: our_ref for decision_id, our_ref in rows}

    def get(self, decision_id: int) -> Decision | None:
        found = self._decisions(DecisionRow.id == decision_id)
        return found[0] if found else None

    def _decisions(self, *conditions: ColumnElement[bool]) -> list[Decision]:
        query = (
            select(DecisionRow, UserRow.name)
            .join(UserRow, UserRow.id == DecisionRow.decided_by_id)
            .where(*conditions)
            .order_by(DecisionRow.id)
        )
        found = list(self._session.execute(query))
        letters: dict[int, dict[LetterKind, str]] = {row.id: {} for row, _ in found}
        if letters:
            for decision_id, kind, text in self._session.execute(
                select(LetterRow.decision_id, LetterRow.kind, LetterRow.text).where(
                    LetterRow.decision_id.in_(list(letters))
                )
            ):
                letters[decision_id][letter_kind(kind)] = text
        return [decision_from(row, name, letters[row.id]) for row, name in found]

    def with_letter_hashes(
        self, decision_ids: Sequence[int]
    ) -> dict[int, tuple[Decision, dict[LetterKind, str]]]:
        """Each decision with its letters and their stored hashes, in two reads (verifying
        the log reads them a batch of entries at a time)."""
        if not decision_ids:
            return {}
        connection = self._session.connection()
        found = connection.execute(_WITH_DECIDER, {"ids": decision_ids}).all()
        texts: dict[int, dict[LetterKind, str]] = {row.id: {} for row in found}
        hashes: dict[int, dict[LetterKind, str]] = {row.id: {} for row in found}
        for decision_id, kind, text, sha256 in connection.execute(_LETTERS, {"ids": list(texts)}):
            texts[decision_id][letter_kind(kind)] = text
            hashes[decision_id][letter_kind(kind)] = sha256
        return {
            row.id: (decision_from(row, row.decided_by_name, texts[row.id]), hashes[row.id])
            for row in found
        }

    def letter_hashes(self, decision_id: int) -> dict[LetterKind, str]:
        rows = self._session.execute(
            select(LetterRow.kind, LetterRow.sha256).where(LetterRow.decision_id == decision_id)
        )
        return {letter_kind(kind): sha256 for kind, sha256 in rows}

    def count_decided_by(self, user_id: int, since: datetime) -> int:
        """Decisions the person recorded from `since` on, corrections included: each is a
        request they looked at."""
        query = select(func.count()).where(
            DecisionRow.decided_by_id == user_id, DecisionRow.decided_at >= since
        )
        return self._session.scalar(query) or 0

    def accepted_count(self, policy_id: str, rule_id: str, start: datetime, end: datetime) -> int:
        """Standing acceptances under a rule decided in [start, end) (superseded ones do not
        count: the correction replaced them)."""
        superseded = select(DecisionRow.supersedes_id).where(DecisionRow.supersedes_id.is_not(None))
        query = select(func.count()).where(
            DecisionRow.action == Action.ACCEPT,
            DecisionRow.policy_id == policy_id,
            DecisionRow.rule_id == rule_id,
            DecisionRow.decided_at >= start,
            DecisionRow.decided_at < end,
            DecisionRow.id.not_in(superseded),
        )
        return self._session.scalar(query) or 0

    def redirects_to_confirm(self) -> list[RedirectToConfirm]:
        """Every redirect in force that asks the service to confirm (oldest due first)."""
        rows = self._session.execute(
            select(
                RequestRow.id,
                RequestRow.ref,
                RequestRow.patient_name,
                RequestRow.nhs_number,
                DecisionRow.our_ref,
                DecisionRow.redirect_to,
                DecisionRow.decided_at,
                DecisionRow.confirm_by,
            )
            .join(RequestRow, RequestRow.id == DecisionRow.request_id)
            .where(
                DecisionRow.action == Action.REDIRECT,
                DecisionRow.confirm_by.is_not(None),
                ~exists().where(SUPERSEDING.supersedes_id == DecisionRow.id),
            )
            .order_by(DecisionRow.confirm_by, DecisionRow.id)
        )
        found = []
        for request_id, ref, name, number, our_ref, redirect_to, decided_at, confirm_by in rows:
            assert confirm_by is not None  # selected so
            found.append(
                RedirectToConfirm(
                    request_id, ref, name, number, our_ref, redirect_to, decided_at, confirm_by
                )
            )
        return found
