"""Imports, requests and their state: the queue, one request, who holds it."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    SQLColumnExpression,
    String,
    bindparam,
    cast,
    func,
    insert,
    literal_column,
    select,
    table,
    text,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import Label

from db.queries.convert import IN_LIST_CHUNK, REQUEST_COLUMNS, request_from, request_values
from db.queries.repeats import with_repeats
from db.tables import AssessmentRow, Base, ImportRow, RequestRow, UserRow, table_of
from triage.models import (
    IncomingRequest,
    QueueQuery,
    QueueSort,
    Request,
    SourceFormat,
    Status,
    StoredFingerprint,
    User,
)

# Each order's key, all ascending or all descending, ending in id so that rows with the same
# date, name or ref keep one order; paging reads the index of the key (migration 0012).
# (The '' written out, not a bound value: the index is on this very expression.)
_PATIENT_KEY = func.coalesce(func.lower(RequestRow.patient_name), literal_column("''"))
_DUE_KEY = func.coalesce(RequestRow.due_on, literal_column("'9999-12-31'"))
_QUEUE_KEY: dict[QueueSort, tuple[tuple[SQLColumnExpression[Any], ...], bool]] = {
    QueueSort.OLDEST: ((RequestRow.received, RequestRow.id), False),
    QueueSort.NEWEST: ((RequestRow.received, RequestRow.id), True),
    QueueSort.PATIENT: ((_PATIENT_KEY, RequestRow.received, RequestRow.id), False),
    QueueSort.REF: ((RequestRow.ref, RequestRow.id), False),
    # Unknown dates last (never guessed to be urgent); the index is on this key (migration 0015).
    QueueSort.DUE: ((_DUE_KEY, RequestRow.received, RequestRow.id), False),
}


# Undecided, and the letter not yet read for when it is due (RequestRow.due_on).
_DUE_UNREAD = (RequestRow.status != Status.DECIDED, RequestRow.due_read.is_(False))


def _like_escaped(text: str) -> str:
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


_REQUESTS = table_of(RequestRow)
_IMPORTS = table_of(ImportRow)
_IMPORT_OF_REQUEST = "fk_requests_import_id_imports"  # deferred by an import (new_import_id)
# Built once: what is stored under one sender for some refs (Requests.fingerprints).
_FINGERPRINTS = select(
    _REQUESTS.c.ref,
    _REQUESTS.c.content_sha256,
    _REQUESTS.c.source_file,
    _REQUESTS.c.source_location,
).where(
    _REQUESTS.c.sender_key == bindparam("sender_key"),
    _REQUESTS.c.ref.in_(bindparam("refs", expanding=True)),
)
# Built once: the new status and claim come as parameters named after their columns.
_SET_STATE = (
    update(_REQUESTS)
    .where(_REQUESTS.c.id == bindparam("request_id"))
    .values(version=_REQUESTS.c.version + 1)
)


class Requests:
    def __init__(self, session: Session) -> None:
        self._session = session

    def fingerprints(
        self, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], StoredFingerprint]:
        """For each (sender_key, ref) already stored, what is there."""
        # One sender at a time: SQLite answers "(a, b) IN (...)" by scanning the whole table,
        # but "sender_key = ? AND ref IN (...)" from the unique index.
        refs_by_sender: dict[str, list[str]] = {}
        for sender_key, ref in dict.fromkeys(keys):
            refs_by_sender.setdefault(sender_key, []).append(ref)
        found: dict[tuple[str, str], StoredFingerprint] = {}
        connection = self._session.connection()
        for sender_key, refs in refs_by_sender.items():
            for start in range(0, len(refs), IN_LIST_CHUNK):
                rows = connection.execute(
                    _FINGERPRINTS,
                    {"sender_key": sender_key, "refs": refs[start : start + IN_LIST_CHUNK]},
                )
                for ref, sha, file, location in rows:
                    found[(sender_key, ref)] = StoredFingerprint(sha, file, location)
        return found

    def new_import_id(self) -> int:
        """An id for an import whose record is written once its file has been read (add_import
        with this id), after the requests that name it: the database checks that they do when
        this transaction commits (SQLite: PRAGMA defer_foreign_keys, which ends with the
        transaction; PostgreSQL: the constraint is DEFERRABLE, migration 0018)."""
        connection = self._session.connection()
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            # The id SQLite would give the next row: nobody else writes while this transaction
            # holds the write lock, and imports are never deleted.
            following = select(func.coalesce(func.max(_IMPORTS.c.id), 0) + 1)
            return int(connection.execute(following).scalar_one())
        connection.exec_driver_sql(f"SET CONSTRAINTS {_IMPORT_OF_REQUEST} DEFERRED")
        reserved = text("SELECT nextval(pg_get_serial_sequence('imports', 'id'))")
        return int(connection.execute(reserved).scalar_one())

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
        import_id: int | None = None,
    ) -> int:
        """Record an import (with `import_id` from new_import_id, after its requests)."""
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
        if import_id is not None:
            row.id = import_id
        self._session.add(row)
        self._session.flush()
        return row.id

    def add(
        self,
        requests: Sequence[IncomingRequest],
        *,
        import_id: int,
        imported_at: datetime,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        """Insert new requests in bulk (callers have already left out the ones stored).
        Core INSERT on the table: the ORM's per-object bookkeeping is wasted on new rows. On
        SQLite, many rows to a statement (_sqlite_insert), as SQLite stores them (_sqlite_row)."""
        connection = self._session.connection()
        if connection.dialect.name == "sqlite":
            self._add_to_sqlite(requests, import_id, imported_at, progress)
            return
        for start in range(0, len(requests), IN_LIST_CHUNK):
            chunk = requests[start : start + IN_LIST_CHUNK]
            connection.execute(
                insert(_REQUESTS),
                [request_values(r, import_id=import_id, imported_at=imported_at) for r in chunk],
            )
            if progress is not None:
                progress(start + len(chunk), len(requests))

    def _add_to_sqlite(
        self,
        requests: Sequence[IncomingRequest],
        import_id: int,
        imported_at: datetime,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        """Many rows to a statement: SQLite ends every statement by bringing the search index's
        pending entries up to date (the requests_search trigger), so a statement a row cost more
        than the rows themselves (20,000 requests: 3.0 s of SQLite's time, against 1.3 s so)."""
        connection = self._session.connection()
        driver = connection.connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        most = driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        stamp = _sqlite_datetime(imported_at)
        done = 0
        for rows in _statement_sizes(len(requests), most // len(_SQLITE_COLUMNS)):
            chunk = requests[done : done + rows]
            values = [value for r in chunk for value in _sqlite_row(r, import_id, stamp)]
            connection.exec_driver_sql(_sqlite_insert(rows), tuple(values))
            done += rows
            if progress is not None:
                progress(done, len(requests))

    def page(
        self,
        query: QueueQuery,
        *,
        limit: int | None = None,
        offset: int = 0,
        after: int | None = None,
        before: int | None = None,
        starting: int | None = None,
    ) -> list[Request]:
        """The requests the query matches, in its order: the first `limit` after the request
        with id `after` (the next page) or from `starting` on (the same page, read again), the
        last `limit` before `before` (the previous page), or from the start, skipping `offset`
        (the command line's pages). Paging by key reads the order's index from that request
        on, however deep the page; the request need no longer match (it was decided)."""
        key, descending = _QUEUE_KEY[query.sort]
        matching = self._matching_conditions(query)
        backwards = before is not None
        boundary = before if before is not None else after if after is not None else starting
        if boundary is not None:
            values = tuple_(
                *self._session.execute(select(*key).where(RequestRow.id == boundary)).one()
            )
            row_key = tuple_(*key)
            if descending != backwards:  # the rows wanted sort before the boundary's
                wanted = row_key <= values if starting == boundary else row_key < values
            else:
                wanted = row_key >= values if starting == boundary else row_key > values
            matching.append(wanted)
        reverse = descending != backwards
        # One status at a time, each read in order from its (status, key) index and cut at the
        # page's end, then the two or three short lists merged: a status IN (...) would make
        # the database sort every match to find the first few.
        window = offset + limit if limit is not None else None
        keyed: list[Label[Any]] = [part.label(f"key{n}") for n, part in enumerate(key)]
        branches = [
            select(RequestRow.id, *keyed)
            .where(RequestRow.status == status, *matching)
            .order_by(*(part.desc() if reverse else part for part in key))
            .limit(window)
            .subquery()
            for status in query.statuses
        ]
        if not branches:
            return []
        merged = union_all(*(select(*branch.c) for branch in branches)).subquery()
        in_order = [merged.c[f"key{n}"] for n in range(len(key))]
        ids = list(
            self._session.scalars(
                select(merged.c.id)
                .order_by(*(part.desc() if reverse else part for part in in_order))
                .offset(offset or None)
                .limit(limit)
            )
        )
        found: dict[int, Request] = {}
        for chunk in range(0, len(ids), IN_LIST_CHUNK):
            rows = select(*REQUEST_COLUMNS).where(
                RequestRow.id.in_(ids[chunk : chunk + IN_LIST_CHUNK])
            )
            found.update(
                (row.id, request_from(row)) for row in self._session.connection().execute(rows)
            )
        requests = with_repeats(self._session, [found[request_id] for request_id in ids])
        return requests[::-1] if backwards else requests

    def count(self, query: QueueQuery) -> int:
        counted = select(func.count()).select_from(RequestRow)
        return self._session.scalar(counted.where(*self._queue_conditions(query))) or 0

    def _queue_conditions(self, query: QueueQuery) -> list[ColumnElement[bool]]:
        return [RequestRow.status.in_(query.statuses), *self._matching_conditions(query)]

    def _matching_conditions(self, query: QueueQuery) -> list[ColumnElement[bool]]:
        """What the query asks of a request besides its status."""
        conditions: list[ColumnElement[bool]] = []
        search = self._search_condition(query.searched)
        if search is not None:
            conditions.append(search)
        conditions.extend(_work_conditions(query))
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

    def _search_condition(self, search: str) -> ColumnElement[bool] | None:
        """Part of a ref, a patient's name or an NHS number, found through the trigram index
        (QueueQuery.searched: 3 characters or more)."""
        if not search:
            return None
        if self._session.get_bind().dialect.name == "sqlite" and self._has_searchtable_of():
            phrase = '"' + search.replace('"', '""') + '"'  # the text as it is, not FTS syntax
            found = (
                select(literal_column("rowid", Integer))
                .select_from(table("requests_search"))
                .where(literal_column("requests_search").match(phrase))
            )
            return RequestRow.id.in_(found)
        pattern = "%" + _like_escaped(search.lower()) + "%"
        return (
            func.lower(RequestRow.ref).like(pattern, escape="/")
            | func.lower(RequestRow.patient_name).like(pattern, escape="/")
            | RequestRow.nhs_number.like(pattern, escape="/")
        )

    def _has_searchtable_of(self) -> bool:
        """Whether migration 0012 made the FTS5 table (SQLite 3.34 or later)."""
        found = self._session.execute(
            text("SELECT 1 FROM sqlite_master WHERE name = 'requests_search'")
        )
        return found.first() is not None

    def assign(self, request_id: int, assignee: User | None) -> None:
        """Give the request to a person, or back to the team (None). The ORM's version check
        catches a colleague's change made at the same time."""
        row = self._session.get(RequestRow, request_id)
        assert row is not None, "the caller holds the request"
        row.assigned_to_id = assignee.id if assignee else None
        self._session.flush()

    def count_assigned(self, statuses: Sequence[Status]) -> dict[int | None, int]:
        """How many requests with the statuses each person has (None: nobody)."""
        rows = self._session.execute(
            select(RequestRow.assigned_to_id, func.count())
            .where(RequestRow.status.in_(statuses))
            .group_by(RequestRow.assigned_to_id)
        )
        return {user_id: count for user_id, count in rows}

    def count_by_status(self) -> dict[Status, int]:
        rows = self._session.execute(
            select(RequestRow.status, func.count()).group_by(RequestRow.status)
        )
        counts = {status: 0 for status in Status}
        counts.update({status: count for status, count in rows})
        return counts

    def with_ref(self, ref: str) -> list[Request]:
        rows = self._session.execute(
            select(*REQUEST_COLUMNS).where(RequestRow.ref == ref).order_by(RequestRow.id)
        )
        return with_repeats(self._session, [request_from(row) for row in rows])

    def same_nhs_number(self, request: Request, limit: int) -> list[Request]:
        """Other requests with this request's NHS number, the latest imported first (none
        without one). By id, which the NHS number's index already holds in order: no sort of
        every request a number has."""
        if not request.patient.nhs_number:
            return []
        rows = self._session.execute(
            select(*REQUEST_COLUMNS)
            .where(
                RequestRow.nhs_number == request.patient.nhs_number,
                RequestRow.id != request.id,
            )
            .order_by(RequestRow.id.desc())
            .limit(limit)
        )
        return [request_from(row) for row in rows]

    def get(self, request_id: int, *, lock: bool = False) -> Request | None:
        """The request; with `lock`, held until the transaction ends, so that two people
        deciding it at once on PostgreSQL are taken in turn (SQLite's write transactions are
        already one at a time)."""
        row = self._session.get(RequestRow, request_id, with_for_update=lock or None)
        return with_repeats(self._session, [request_from(row)])[0] if row else None

    def complete_details(self, request: Request) -> None:
        """Store what a person completed of a letter's details: the patient, sender and
        clinician, the flags and what is still needed, and the status that follows."""
        row = self._session.get(RequestRow, request.id)
        assert row is not None, "the caller holds the request"
        patient = request.patient
        row.nhs_number, row.nhs_number_valid = patient.nhs_number, patient.nhs_number_valid
        row.patient_name, row.date_of_birth = patient.name, patient.date_of_birth
        row.organisation, row.requester = request.organisation, request.requester
        row.flags = [flag.value for flag in request.flags]
        row.details_needed = list(request.details_needed)
        row.status = request.status
        self._session.flush()

    def identities(self, request_ids: Sequence[int]) -> dict[int, dict[str, object]]:
        """Who and what each request is, keyed as a log entry records it (audit.py), for
        verifying that no request was changed under the log's feet."""
        found: dict[int, dict[str, object]] = {}
        for start in range(0, len(request_ids), IN_LIST_CHUNK):
            rows = self._session.execute(
                select(
                    RequestRow.id,
                    RequestRow.ref,
                    RequestRow.sender,
                    RequestRow.nhs_number,
                    RequestRow.patient_name,
                    # As stored, never parsed: a date rewritten as "1979-09930" is a difference
                    # to name, not an error (ISO text on both databases).
                    cast(RequestRow.date_of_birth, String),
                ).where(RequestRow.id.in_(request_ids[start : start + IN_LIST_CHUNK]))
            )
            for request_id, ref, sender, nhs_number, name, born in rows:
                found[request_id] = {
                    "ref": ref,
                    "sender": sender,
                    "nhs_number": nhs_number,
                    "patient_name": name,
                    "date_of_birth": born,
                }
        return found

    def ids(self, status: Status) -> list[int]:
        """Every request with the status, oldest first."""
        query = (
            select(RequestRow.id)
            .where(RequestRow.status == status)
            .order_by(RequestRow.received, RequestRow.id)
        )
        return list(self._session.scalars(query))

    def due_unread(self, limit: int, after: int = 0) -> list[Request]:
        """Undecided requests after id `after` whose letter has not been read for when they
        are due (RequestRow.due_on), oldest id first."""
        rows = self._session.execute(
            select(*REQUEST_COLUMNS)
            .where(RequestRow.id > after, *_DUE_UNREAD)
            .order_by(RequestRow.id)
            .limit(limit)
        )
        return [request_from(row) for row in rows]

    def count_due_unread(self) -> int:
        return self._session.scalar(select(func.count()).where(*_DUE_UNREAD)) or 0

    def set_due(self, due: Mapping[int, date | None]) -> int:
        """Store when each request is due, as read from it and its letter; returns how many
        dates moved (the soonest-due order may have changed). Rows already holding their date
        are not written. Not a change anyone made: the row's version is left alone."""
        stored: dict[int, tuple[date | None, bool]] = {}
        ids = list(due)
        for start in range(0, len(ids), IN_LIST_CHUNK):
            rows = self._session.execute(
                select(RequestRow.id, RequestRow.due_on, RequestRow.due_read).where(
                    RequestRow.id.in_(ids[start : start + IN_LIST_CHUNK])
                )
            )
            stored.update((row_id, (on, read)) for row_id, on, read in rows)
        unwritten = {
            row_id: on
            for row_id, on in due.items()
            if row_id in stored and stored[row_id] != (on, True)
        }
        if unwritten:
            table = Base.metadata.tables[RequestRow.__tablename__]
            self._session.execute(
                update(table)
                .where(table.c.id == bindparam("row_id"))
                .values(due_on=bindparam("new_due"), due_read=True),
                [{"row_id": row_id, "new_due": on} for row_id, on in unwritten.items()],
            )
        return sum(1 for row_id, on in unwritten.items() if stored[row_id][0] != on)

    def take_open(self, user: User, claims_from: datetime, limit: int) -> list[Request]:
        """The oldest `limit` open requests nobody else holds (no claim, the user's own, or a
        claim made at or before `claims_from`: its lease has run out), oldest first, locked
        until the transaction ends. On PostgreSQL a request another transaction has locked is
        skipped, not waited for (FOR UPDATE SKIP LOCKED), so several workstations taking
        requests at once each get different ones; SQLite's write transactions are one at a
        time, so there the first ones are free."""
        query = (
            select(*REQUEST_COLUMNS)  # plain rows: nothing here changes them as objects
            .where(
                RequestRow.status == Status.OPEN,
                RequestRow.claimed_by_id.is_(None)
                | (RequestRow.claimed_by_id == user.id)
                | RequestRow.claimed_at.is_(None)
                | (RequestRow.claimed_at <= claims_from),
            )
            .order_by(RequestRow.received, RequestRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = self._session.execute(query).all()
        return with_repeats(self._session, [request_from(row) for row in rows])

    def count_held_by_others(self, status: Status, user: User, claims_from: datetime) -> int:
        """Requests with the status that someone else holds with a claim made after
        `claims_from` (the ones take_open leaves alone)."""
        counted = select(func.count()).select_from(RequestRow)
        counted = counted.where(
            RequestRow.status == status,
            RequestRow.claimed_by_id.is_not(None),
            RequestRow.claimed_by_id != user.id,
            RequestRow.claimed_at > claims_from,
        )
        return self._session.scalar(counted) or 0

    def claim(self, request_id: int) -> tuple[str | None, datetime | None]:
        """Who holds the request, and since when."""
        row = self._session.execute(
            select(UserRow.name, RequestRow.claimed_at)
            .select_from(RequestRow)
            .outerjoin(UserRow, UserRow.id == RequestRow.claimed_by_id)
            .where(RequestRow.id == request_id)
        ).one()
        return row[0], row[1]

    def set_state(
        self, request_id: int, status: Status, claimed_by: User | None, at: datetime | None
    ) -> None:
        """Change a request's status and claim. Every caller has locked the request in this
        transaction (locked_request, take_open), so nobody can have changed it since it was
        read; the version goes up, so that a change someone else made from an older copy fails
        rather than overwrites this one."""
        self._session.connection().execute(
            _SET_STATE,
            {
                "request_id": request_id,
                "status": status,
                "claimed_by_id": claimed_by.id if claimed_by else None,
                "claimed_at": at,
            },
        )


def _work_conditions(query: QueueQuery) -> list[ColumnElement[bool]]:
    """Whose work, and how soon it is due."""
    conditions: list[ColumnElement[bool]] = []
    if query.assigned_to_id is not None:
        conditions.append(RequestRow.assigned_to_id == query.assigned_to_id)
    if query.unassigned:
        conditions.append(RequestRow.assigned_to_id.is_(None))
    if query.due_by is not None:
        conditions.append(RequestRow.due_on <= query.due_by)
    return conditions


# --- new requests as SQLite stores them -----------------------------------------------------
# What SQLAlchemy's types would make of each value on SQLite (text dates and times, JSON text,
# enums by value, booleans as 0 and 1), made directly: converting value by value through the
# types took a third of an import's time (issue 18). tests/test_database.py checks that a
# request stored either way is stored the same.

_SQLITE_COLUMNS = (
    "sender", "sender_key", "ref", "received", "nhs_number", "nhs_number_valid", "patient_name",
    "date_of_birth", "requester", "organisation", "provider_type", "request_type", "medications",
    "diagnosis", "codes", "declared_category", "urgency", "supply_ends", "due_on", "due_read",
    "procedure_date", "reply_to", "text", "flags", "source_file", "source_format",
    "source_location", "original_sha256", "import_id", "content_sha256", "details_needed",
    "read_from", "status", "imported_at", "version",
)  # fmt: skip


_MOST_ROWS = 256  # to a statement


def _statement_sizes(count: int, most: int) -> Iterator[int]:
    """How many rows each statement inserts: as many as may be (at most _MOST_ROWS, and as
    many as SQLite takes values for), then powers of two, so that only a few statements are
    ever prepared (each is kept, ready, by the driver)."""
    most = max(1, min(_MOST_ROWS, most))
    while count >= most:
        yield most
        count -= most
    size = 1 << (most.bit_length() - 1)
    while count:
        if count >= size:
            yield size
            count -= size
        size >>= 1


@cache
def _sqlite_insert(rows: int) -> str:
    """INSERT of `rows` requests in one statement (our own column names: nothing from outside)."""
    one = f"({', '.join('?' * len(_SQLITE_COLUMNS))})"
    values = ", ".join([one] * rows)
    return f"INSERT INTO requests ({', '.join(_SQLITE_COLUMNS)}) VALUES {values}"  # noqa: S608


def _sqlite_datetime(moment: datetime) -> str:
    """An aware datetime as SQLAlchemy stores one on SQLite: naive UTC, to the microsecond."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_date(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _sqlite_json(values: Sequence[str]) -> str:
    return json.dumps(list(values)) if values else "[]"


def _sqlite_row(request: IncomingRequest, import_id: int, imported_at: str) -> tuple[object, ...]:
    """request_values(request), as SQLite stores each value, in _SQLITE_COLUMNS' order."""
    patient = request.patient
    source = request.source
    request_type = request.request_type
    category = request.category
    supply_ends = _sqlite_date(request.supply_ends)
    return (
        request.sender,
        request.sender_key,
        request.ref,
        _sqlite_datetime(request.received),
        patient.nhs_number,
        1 if patient.nhs_number_valid else 0,
        patient.name,
        _sqlite_date(patient.date_of_birth),
        request.requester,
        request.organisation,
        request.provider_type.value,
        None if request_type is None else request_type.value,
        _sqlite_json(request.medications),
        request.diagnosis,
        _sqlite_json(request.codes),
        None if category is None else category.value,
        request.urgency.value,
        supply_ends,
        supply_ends,  # due_on: until the letter's words are read (RequestRow.due_on)
        0,  # due_read
        _sqlite_date(request.procedure_date),
        request.reply_to,
        request.text,
        _sqlite_json([flag.value for flag in request.flags]),
        source.file,
        source.format.value,
        source.location,
        source.original_sha256,
        import_id,
        request.content_sha256,
        _sqlite_json(request.details_needed),
        _sqlite_json(request.read_from),
        (Status.NEEDS_DETAILS if request.details_needed else Status.OPEN).value,
        imported_at,
        1,  # version
    )
