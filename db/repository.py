"""Queries, in the vocabulary of triage.models. One Repository lives for one transaction
(Database.read() / Database.write()); nothing outside db/ sees a Session or a row class."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, delete, func, insert, select, text
from sqlalchemy.orm import Session, aliased

from db.tables import (
    AssessmentRow,
    Base,
    DecisionRow,
    ImportRow,
    LetterRow,
    LogEntryRow,
    PolicyActivationRow,
    PolicyVersionRow,
    PracticeRow,
    RequestRow,
    UserRow,
)
from triage.models import (
    Action,
    Assessment,
    Category,
    Decision,
    DecisionFilter,
    Flag,
    IncomingRequest,
    LetterKind,
    LogEntry,
    Patient,
    PolicyActivation,
    Practice,
    QueueQuery,
    QueueSort,
    Reason,
    Request,
    Role,
    Source,
    SourceFormat,
    Status,
    StoredFingerprint,
    StoredPolicy,
    User,
)

_QUEUE_ORDER = {
    QueueSort.OLDEST: (RequestRow.received, RequestRow.id),
    QueueSort.NEWEST: (RequestRow.received.desc(), RequestRow.id.desc()),
    QueueSort.PATIENT: (func.lower(RequestRow.patient_name), RequestRow.received, RequestRow.id),
    QueueSort.REF: (RequestRow.ref, RequestRow.id),
}

# Keep IN (...) lists well under every database's parameter limit.
_CHUNK = 400


class Repository:
    def __init__(self, session: Session) -> None:
        self._session = session

    # --- users -----------------------------------------------------------------------------

    def count_users(self) -> int:
        return self._session.scalar(select(func.count()).select_from(UserRow)) or 0

    def find_user(self, name: str) -> User | None:
        row = self._session.scalar(select(UserRow).where(UserRow.name == name))
        return _user(row) if row else None

    def list_users(self) -> list[User]:
        rows = self._session.scalars(select(UserRow).order_by(UserRow.role, UserRow.name))
        return [_user(row) for row in rows]

    def add_user(
        self, name: str, role: Role, full_name: str | None, created_by: User | None, now: datetime
    ) -> User:
        row = UserRow(
            name=name,
            role=role,
            full_name=full_name,
            active=True,
            created_at=now,
            created_by_id=created_by.id if created_by else None,
        )
        self._session.add(row)
        self._session.flush()
        return _user(row)

    # --- imports and requests --------------------------------------------------------------

    def stored_fingerprints(
        self, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], StoredFingerprint]:
        """For each (sender_key, ref) already stored, what is there."""
        # One sender at a time: SQLite answers "(a, b) IN (...)" by scanning the whole table,
        # but "sender_key = ? AND ref IN (...)" from the unique index.
        refs_by_sender: dict[str, list[str]] = {}
        for sender_key, ref in dict.fromkeys(keys):
            refs_by_sender.setdefault(sender_key, []).append(ref)
        found: dict[tuple[str, str], StoredFingerprint] = {}
        for sender_key, refs in refs_by_sender.items():
            for start in range(0, len(refs), _CHUNK):
                rows = self._session.execute(
                    select(
                        RequestRow.ref,
                        RequestRow.content_sha256,
                        RequestRow.source_file,
                        RequestRow.source_location,
                    ).where(
                        RequestRow.sender_key == sender_key,
                        RequestRow.ref.in_(refs[start : start + _CHUNK]),
                    )
                )
                for ref, sha, file, location in rows:
                    found[(sender_key, ref)] = StoredFingerprint(sha, file, location)
        return found

    def add_import(
        self,
        *,
        file_name: str,
        file_sha256: str,
        source_format: SourceFormat,
        imported_by: User,
        imported_at: datetime,
        requests_added: int,
        requests_present: int,
        rows_rejected: int,
    ) -> int:
        row = ImportRow(
            file_name=file_name,
            file_sha256=file_sha256,
            format=source_format,
            imported_by_id=imported_by.id,
            imported_at=imported_at,
            requests_added=requests_added,
            requests_present=requests_present,
            rows_rejected=rows_rejected,
        )
        self._session.add(row)
        self._session.flush()
        return row.id

    def add_requests(
        self,
        requests: Sequence[IncomingRequest],
        *,
        import_id: int,
        imported_at: datetime,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        """Insert new requests in bulk (callers have already left out the ones stored).
        Core INSERT on the table: the ORM's per-object bookkeeping is wasted on new rows."""
        table = Base.metadata.tables[RequestRow.__tablename__]
        for start in range(0, len(requests), _CHUNK):
            chunk = requests[start : start + _CHUNK]
            self._session.execute(
                insert(table),
                [_request_values(r, import_id=import_id, imported_at=imported_at) for r in chunk],
            )
            if progress is not None:
                progress(start + len(chunk), len(requests))

    def list_requests(
        self, query: QueueQuery, *, limit: int | None = None, offset: int = 0
    ) -> list[Request]:
        select_rows = select(RequestRow).where(*self._queue_conditions(query))
        select_rows = select_rows.order_by(*_QUEUE_ORDER[query.sort]).offset(offset).limit(limit)
        return [_request(row) for row in self._session.scalars(select_rows)]

    def count_requests(self, query: QueueQuery) -> int:
        counted = select(func.count()).select_from(RequestRow)
        return self._session.scalar(counted.where(*self._queue_conditions(query))) or 0

    def _queue_conditions(self, query: QueueQuery) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = [RequestRow.status.in_(query.statuses)]
        search = query.search.strip()
        if search:
            digits = "".join(search.split())
            if digits.isdigit():
                conditions.append(RequestRow.nhs_number.startswith(digits, autoescape=True))
            else:
                lowered = search.lower()
                conditions.append(
                    func.lower(RequestRow.ref).contains(lowered, autoescape=True)
                    | func.lower(RequestRow.patient_name).contains(lowered, autoescape=True)
                )
        if query.needs_assessments:
            assessed = select(AssessmentRow.request_id)
            if query.category is not None:
                assessed = assessed.where(AssessmentRow.category == query.category)
            if query.action is not None:
                assessed = assessed.where(AssessmentRow.action == query.action.value)
            if query.flag is not None:
                assessed = assessed.where(
                    AssessmentRow.flags.contains(f",{query.flag.value},", autoescape=True)
                )
            conditions.append(RequestRow.id.in_(assessed))
        return conditions

    # --- assessments (derived, rebuilt when the policy or the day changes) -------------------

    def stale_assessments(self, policy_sha256: str | None, on: date, limit: int) -> list[Request]:
        """Undecided requests with no assessment for this policy and day."""
        fresh = select(AssessmentRow.request_id).where(
            AssessmentRow.assessed_on == on,
            AssessmentRow.policy_sha256.is_(None)
            if policy_sha256 is None
            else AssessmentRow.policy_sha256 == policy_sha256,
        )
        rows = self._session.scalars(
            select(RequestRow)
            .where(RequestRow.status != Status.DECIDED, RequestRow.id.not_in(fresh))
            .order_by(RequestRow.id)
            .limit(limit)
        )
        return [_request(row) for row in rows]

    def save_assessments(self, assessments: Sequence[Assessment]) -> None:
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

    def count_requests_by_status(self) -> dict[Status, int]:
        rows = self._session.execute(
            select(RequestRow.status, func.count()).group_by(RequestRow.status)
        )
        counts = {status: 0 for status in Status}
        counts.update({status: count for status, count in rows})
        return counts

    # --- policies ---------------------------------------------------------------------------

    def find_policy(
        self,
        *,
        sha256: str | None = None,
        policy_id: str | None = None,
        version: str | None = None,
    ) -> StoredPolicy | None:
        """The stored version with this content, or with this id and version."""
        if sha256 is not None:
            found = self._policies(PolicyVersionRow.content_sha256 == sha256)
        else:
            found = self._policies(
                PolicyVersionRow.policy_id == policy_id, PolicyVersionRow.version == version
            )
        return found[0] if found else None

    def policy_versions(self, policy_id: str | None = None) -> list[StoredPolicy]:
        """Stored versions, newest first; all of them, or those of one policy id."""
        if policy_id is None:
            return self._policies()
        return self._policies(PolicyVersionRow.policy_id == policy_id)

    def _policies(self, *conditions: ColumnElement[bool]) -> list[StoredPolicy]:
        query = (
            select(PolicyVersionRow, UserRow.name)
            .join(UserRow, UserRow.id == PolicyVersionRow.added_by_id)
            .where(*conditions)
            .order_by(PolicyVersionRow.id.desc())
        )
        return [_stored_policy(row, added_by) for row, added_by in self._session.execute(query)]

    def add_policy(
        self,
        *,
        policy_id: str,
        version: str,
        title: str,
        content_sha256: str,
        file_name: str,
        text: str,
        added_by: User,
        added_at: datetime,
    ) -> StoredPolicy:
        row = PolicyVersionRow(
            policy_id=policy_id,
            version=version,
            title=title,
            content_sha256=content_sha256,
            file_name=file_name,
            text=text,
            added_by_id=added_by.id,
            added_at=added_at,
        )
        self._session.add(row)
        self._session.flush()
        return _stored_policy(row, added_by.name)

    def activate_policy(self, policy: StoredPolicy, by: User, at: datetime) -> None:
        self._session.add(
            PolicyActivationRow(
                policy_version_id=policy.row_id, activated_by_id=by.id, activated_at=at
            )
        )
        self._session.flush()

    def policy_activations(self, *, limit: int | None = None) -> list[PolicyActivation]:
        """Activations, latest first: the first is the policy in force."""
        added_by, activated_by = aliased(UserRow), aliased(UserRow)
        query = (
            select(
                PolicyVersionRow,
                added_by.name,
                activated_by.name,
                PolicyActivationRow.activated_at,
            )
            .join(PolicyActivationRow, PolicyActivationRow.policy_version_id == PolicyVersionRow.id)
            .join(added_by, added_by.id == PolicyVersionRow.added_by_id)
            .join(activated_by, activated_by.id == PolicyActivationRow.activated_by_id)
            .order_by(PolicyActivationRow.id.desc())
            .limit(limit)
        )
        return [
            PolicyActivation(_stored_policy(row, adder), activator, at)
            for row, adder, activator, at in self._session.execute(query)
        ]

    # --- practice details -----------------------------------------------------------------

    def practice(self) -> tuple[Practice, str | None] | None:
        """The practice's details and its own letter templates folder, once set."""
        row = self._session.get(PracticeRow, 1)
        if row is None:
            return None
        practice = Practice(
            name=row.name,
            ods_code=row.ods_code,
            address=row.address,
            phone=row.phone,
            email=row.email,
        )
        return practice, row.letters_dir

    def save_practice(
        self, practice: Practice, letters_dir: str | None, by: User, at: datetime
    ) -> None:
        row = self._session.get(PracticeRow, 1) or PracticeRow(id=1)
        row.name, row.ods_code, row.address = practice.name, practice.ods_code, practice.address
        row.phone, row.email, row.letters_dir = practice.phone, practice.email, letters_dir
        row.updated_by_id, row.updated_at = by.id, at
        self._session.add(row)
        self._session.flush()

    # --- one request, for deciding ---------------------------------------------------------

    def requests_with_ref(self, ref: str) -> list[Request]:
        rows = self._session.scalars(
            select(RequestRow).where(RequestRow.ref == ref).order_by(RequestRow.id)
        )
        return [_request(row) for row in rows]

    def request(self, request_id: int, *, lock: bool = False) -> Request | None:
        """The request; with `lock`, held until the transaction ends, so that two people
        deciding it at once on PostgreSQL are taken in turn (SQLite's write transactions are
        already one at a time)."""
        row = self._session.get(RequestRow, request_id, with_for_update=lock or None)
        return _request(row) if row else None

    def request_ids(self, status: Status) -> list[int]:
        """Every request with the status, oldest first."""
        query = (
            select(RequestRow.id)
            .where(RequestRow.status == status)
            .order_by(RequestRow.received, RequestRow.id)
        )
        return list(self._session.scalars(query))

    def claim(self, request_id: int) -> tuple[str | None, datetime | None]:
        """Who holds the request, and since when."""
        row = self._session.execute(
            select(UserRow.name, RequestRow.claimed_at)
            .select_from(RequestRow)
            .outerjoin(UserRow, UserRow.id == RequestRow.claimed_by_id)
            .where(RequestRow.id == request_id)
        ).one()
        return row[0], row[1]

    def set_request_state(
        self, request_id: int, status: Status, claimed_by: User | None, at: datetime | None
    ) -> None:
        """Change a request's status and claim. The ORM's version check makes a concurrent
        change by someone else fail here rather than be overwritten."""
        row = self._session.get(RequestRow, request_id)
        assert row is not None
        row.status = status
        row.claimed_by_id = claimed_by.id if claimed_by else None
        row.claimed_at = at
        self._session.flush()

    # --- decisions and letters (append-only) ------------------------------------------------

    def add_decision(
        self, decision: Decision, decided_by: User, letters: dict[LetterKind, tuple[str, str]]
    ) -> int:
        """Store a decision and its letters (kind -> (text, sha256)); returns its id."""
        row = DecisionRow(
            request_id=decision.request_id,
            supersedes_id=decision.supersedes_id,
            our_ref=decision.our_ref,
            kind=decision.kind,
            action=decision.action,
            suggested_action=decision.suggested_action,
            rule_id=decision.rule_id,
            category=decision.category,
            reasons=[reason.value for reason in decision.reasons],
            flags=[flag.value for flag in decision.flags],
            redirect_to=decision.redirect_to,
            note=decision.note,
            policy_id=decision.policy_id,
            policy_version=decision.policy_version,
            policy_sha256=decision.policy_sha256,
            decided_by_id=decided_by.id,
            role=decision.role,
            decided_at=decision.decided_at,
            template_id=decision.template_id,
            template_version=decision.template_version,
            letters_edited=decision.letters_edited,
        )
        self._session.add(row)
        self._session.flush()
        self._session.add_all(
            LetterRow(decision_id=row.id, kind=kind.value, text=text, sha256=sha256)
            for kind, (text, sha256) in letters.items()
        )
        self._session.flush()
        return row.id

    def decisions(self, request_id: int) -> list[Decision]:
        """The request's decisions, oldest first: the last one stands."""
        return self._decisions(DecisionRow.request_id == request_id)

    def decisions_by_id(self, decision_ids: Sequence[int]) -> list[Decision]:
        return self._decisions(DecisionRow.id.in_(decision_ids)) if decision_ids else []

    def decision(self, decision_id: int) -> Decision | None:
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
                letters[decision_id][LetterKind(kind)] = text
        return [_decision(row, name, letters[row.id]) for row, name in found]

    def letter_hashes(self, decision_id: int) -> dict[LetterKind, str]:
        rows = self._session.execute(
            select(LetterRow.kind, LetterRow.sha256).where(LetterRow.decision_id == decision_id)
        )
        return {LetterKind(kind): sha256 for kind, sha256 in rows}

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

    # --- the decision log ---------------------------------------------------------------------

    def log_head(self, *, lock: bool = True) -> tuple[int, str] | None:
        """The last entry's (seq, hash). Before appending, `lock` holds the log against other
        writers until commit: sequence numbers must stay gap-free and each entry must chain to
        the one before."""
        if lock and self._session.get_bind().dialect.name == "postgresql":
            self._session.execute(text("LOCK TABLE log_entries IN EXCLUSIVE MODE"))
        # (SQLite: the write transaction began IMMEDIATE, which already excludes other writers.)
        row = self._session.execute(
            select(LogEntryRow.seq, LogEntryRow.hash).order_by(LogEntryRow.seq.desc()).limit(1)
        ).first()
        return (row[0], row[1]) if row else None

    def add_log_entry(self, entry: LogEntry) -> None:
        self._session.add(
            LogEntryRow(
                seq=entry.seq,
                at=entry.at,
                event=entry.event,
                actor=entry.actor,
                request_id=entry.request_id,
                decision_id=entry.decision_id,
                body=entry.body,
                prev_hash=entry.prev_hash,
                hash=entry.hash,
            )
        )
        self._session.flush()

    def log_entries(self, *, after: int = 0, batch: int = 1000) -> Iterator[LogEntry]:
        """Every entry in sequence order, read in batches."""
        while True:
            rows = self._session.scalars(
                select(LogEntryRow)
                .where(LogEntryRow.seq > after)
                .order_by(LogEntryRow.seq)
                .limit(batch)
            ).all()
            for row in rows:
                yield _log_entry(row)
            if len(rows) < batch:
                return
            after = rows[-1].seq

    def count_log_entries(self, event: str | None = None) -> int:
        counted = select(func.count()).select_from(LogEntryRow)
        if event is not None:
            counted = counted.where(LogEntryRow.event == event)
        return self._session.scalar(counted) or 0

    def latest_log_entries(
        self, *, event: str | None = None, limit: int, offset: int = 0
    ) -> list[LogEntry]:
        """A page of the log, newest first, optionally of one kind of event."""
        query = select(LogEntryRow).order_by(LogEntryRow.seq.desc()).offset(offset).limit(limit)
        if event is not None:
            query = query.where(LogEntryRow.event == event)
        return [_log_entry(row) for row in self._session.scalars(query)]

    def flag_notes(self, request_ids: Sequence[int]) -> dict[int, str]:
        """The note of each request's latest flag entry."""
        notes: dict[int, str] = {}
        for start in range(0, len(request_ids), _CHUNK):
            rows = self._session.execute(
                select(LogEntryRow.request_id, LogEntryRow.body)
                .where(
                    LogEntryRow.event == "flag",
                    LogEntryRow.request_id.in_(request_ids[start : start + _CHUNK]),
                )
                .order_by(LogEntryRow.seq)
            )
            for request_id, body in rows:
                if request_id is not None:
                    notes[request_id] = str(json.loads(body).get("note") or "")
        return notes

    def count_chosen(
        self, chosen: DecisionFilter, decided_from: datetime | None, decided_before: datetime | None
    ) -> int:
        """How many decisions export_rows would give."""
        counted = select(func.count()).select_from(DecisionRow)
        counted = counted.join(UserRow, UserRow.id == DecisionRow.decided_by_id)
        return (
            self._session.scalar(counted.where(*_chosen(chosen, decided_from, decided_before))) or 0
        )

    def export_rows(
        self,
        chosen: DecisionFilter,
        decided_from: datetime | None,
        decided_before: datetime | None,
        *,
        batch: int = 1000,
    ) -> Iterator[dict[str, object]]:
        """The chosen decisions, oldest first, each as one flat row with its request's
        identifiers, who decided, and its letters; read in batches so memory stays flat."""
        conditions = _chosen(chosen, decided_from, decided_before)
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
            for decision_id, kind, letter in self._session.execute(
                select(LetterRow.decision_id, LetterRow.kind, LetterRow.text).where(
                    LetterRow.decision_id.in_(ids)
                )
            ):
                letters[decision_id][kind] = letter
            for row in rows:
                yield {**row, "letters": letters[row["decision_id"]]}
            after = ids[-1]


def _chosen(
    chosen: DecisionFilter, decided_from: datetime | None, decided_before: datetime | None
) -> list[ColumnElement[bool]]:
    """The conditions on decisions (joined to who decided) that a DecisionFilter stands for."""
    conditions: list[ColumnElement[bool]] = []
    if decided_from is not None:
        conditions.append(DecisionRow.decided_at >= decided_from)
    if decided_before is not None:
        conditions.append(DecisionRow.decided_at < decided_before)
    if chosen.category is not None:
        conditions.append(DecisionRow.category == chosen.category)
    if chosen.action is not None:
        conditions.append(DecisionRow.action == chosen.action)
    if chosen.user is not None:
        conditions.append(UserRow.name == chosen.user)
    return conditions


def _log_entry(row: LogEntryRow) -> LogEntry:
    return LogEntry(
        seq=row.seq,
        at=row.at,
        event=row.event,
        actor=row.actor,
        request_id=row.request_id,
        decision_id=row.decision_id,
        body=row.body,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def _decision(row: DecisionRow, decided_by: str, letters: dict[LetterKind, str]) -> Decision:
    return Decision(
        id=row.id,
        request_id=row.request_id,
        our_ref=row.our_ref,
        kind=row.kind,
        action=row.action,
        suggested_action=row.suggested_action,
        rule_id=row.rule_id,
        category=row.category,
        reasons=tuple(Reason(reason) for reason in row.reasons),
        flags=tuple(Flag(flag) for flag in row.flags),
        redirect_to=row.redirect_to,
        note=row.note,
        policy_id=row.policy_id,
        policy_version=row.policy_version,
        policy_sha256=row.policy_sha256,
        decided_by=decided_by,
        role=row.role,
        decided_at=row.decided_at,
        template_id=row.template_id,
        template_version=row.template_version,
        letters_edited=row.letters_edited,
        supersedes_id=row.supersedes_id,
        letters=letters,
    )


def _user(row: UserRow) -> User:
    return User(id=row.id, name=row.name, role=row.role, full_name=row.full_name, active=row.active)


def _request_values(
    request: IncomingRequest, *, import_id: int, imported_at: datetime
) -> dict[str, object]:
    return {
        "sender": request.sender,
        "sender_key": request.sender_key,
        "ref": request.ref,
        "received": request.received,
        "nhs_number": request.patient.nhs_number,
        "nhs_number_valid": request.patient.nhs_number_valid,
        "patient_name": request.patient.name,
        "date_of_birth": request.patient.date_of_birth,
        "requester": request.requester,
        "organisation": request.organisation,
        "provider_type": request.provider_type,
        "request_type": request.request_type,
        "medications": list(request.medications),
        "diagnosis": request.diagnosis,
        "codes": list(request.codes),
        "declared_category": request.category,
        "urgency": request.urgency,
        "supply_ends": request.supply_ends,
        "procedure_date": request.procedure_date,
        "reply_to": request.reply_to,
        "text": request.text,
        "flags": [flag.value for flag in request.flags],
        "source_file": request.source.file,
        "source_format": request.source.format,
        "source_location": request.source.location,
        "import_id": import_id,
        "content_sha256": request.content_sha256,
        "status": Status.OPEN,
        "imported_at": imported_at,
        "version": 1,
    }


def _request(row: RequestRow) -> Request:
    return Request(
        id=row.id,
        status=row.status,
        imported_at=row.imported_at,
        ref=row.ref,
        sender=row.sender,
        received=row.received,
        patient=Patient(
            nhs_number=row.nhs_number,
            nhs_number_valid=row.nhs_number_valid,
            name=row.patient_name,
            date_of_birth=row.date_of_birth,
        ),
        requester=row.requester,
        organisation=row.organisation,
        provider_type=row.provider_type,
        request_type=row.request_type,
        medications=tuple(row.medications),
        diagnosis=row.diagnosis,
        codes=tuple(row.codes),
        category=Category(row.declared_category) if row.declared_category else None,
        urgency=row.urgency,
        supply_ends=row.supply_ends,
        procedure_date=row.procedure_date,
        reply_to=row.reply_to,
        text=row.text,
        flags=tuple(Flag(flag) for flag in row.flags),
        source=Source(file=row.source_file, format=row.source_format, location=row.source_location),
    )


def _stored_policy(row: PolicyVersionRow, added_by: str) -> StoredPolicy:
    return StoredPolicy(
        row_id=row.id,
        policy_id=row.policy_id,
        version=row.version,
        title=row.title,
        content_sha256=row.content_sha256,
        file_name=row.file_name,
        text=row.text,
        added_by=added_by,
        added_at=row.added_at,
    )
