"""Queries, in the vocabulary of triage.models. One Repository lives for one transaction
(Database.read() / Database.write()); nothing outside db/ sees a Session or a row class."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, insert, select
from sqlalchemy.orm import Session, aliased

from db.tables import (
    Base,
    ImportRow,
    PolicyActivationRow,
    PolicyVersionRow,
    RequestRow,
    UserRow,
)
from triage.models import (
    Category,
    Flag,
    IncomingRequest,
    Patient,
    Request,
    Role,
    Source,
    SourceFormat,
    Status,
    User,
)

# Keep IN (...) lists well under every database's parameter limit.
_CHUNK = 400


@dataclass(frozen=True)
class StoredFingerprint:
    """What is already stored under a (sender_key, ref): enough to say where it came from and
    whether a new copy says the same thing."""

    content_sha256: str
    source_file: str
    source_location: str


@dataclass(frozen=True)
class StoredPolicy:
    """A policy version as stored: its exact text and who added it."""

    row_id: int
    policy_id: str
    version: str
    title: str
    content_sha256: str
    file_name: str
    text: str
    added_by: str
    added_at: datetime


@dataclass(frozen=True)
class PolicyActivation:
    policy: StoredPolicy
    activated_by: str
    activated_at: datetime


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
        self, statuses: Sequence[Status], *, limit: int | None = None, offset: int = 0
    ) -> list[Request]:
        query = (
            select(RequestRow)
            .where(RequestRow.status.in_(statuses))
            .order_by(RequestRow.received, RequestRow.id)
            .offset(offset)
            .limit(limit)
        )
        return [_request(row) for row in self._session.scalars(query)]

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
