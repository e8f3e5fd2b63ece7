"""The decision log: its head, its entries, and what they say of requests."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import String, func, insert, select, text, type_coerce
from sqlalchemy.orm import Session

from db.queries.convert import IN_LIST_CHUNK, log_entry_from
from db.tables import LogEntryRow, table_of
from triage.models import LogEntry

# Any fixed number (not the migrations' one): held by whoever is appending, until commit.
_APPEND_LOCK = 0x6C6F_675F_6865_6164


_ENTRIES = table_of(LogEntryRow)
_INSERT_ENTRY = insert(_ENTRIES)  # built once; entries are never read back as objects


class UnreadableEntry(Exception):
    """A stored entry that cannot be read back as an entry: its row was edited outside the
    program (a time that is not a time). Names the entry, so that verifying can say which."""

    def __init__(self, seq: int, problem: str) -> None:
        super().__init__(f"entry {seq}: {problem}")
        self.seq = seq
        self.problem = problem


class Log:
    def __init__(self, session: Session) -> None:
        self._session = session
        # The head this transaction appended last, while holding the log: no other writer can
        # have moved it since, so the next append need not read it again.
        self._appended: tuple[int, str] | None = None

    def head(self, *, lock: bool = True) -> tuple[int, str] | None:
        """The last entry's (seq, hash). Before appending, `lock` holds the log against other
        writers until commit: sequence numbers must stay gap-free and each entry must chain to
        the one before."""
        if self._appended is not None:
            return self._appended
        if lock and self._session.get_bind().dialect.name == "postgresql":
            # An advisory lock, not LOCK TABLE: that needs UPDATE or DELETE on the table, which
            # no role is granted on the log (docs/security.md, "Several workstations").
            self._session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPEND_LOCK})
        # (SQLite: the write transaction began IMMEDIATE, which already excludes other writers.)
        row = self._session.execute(
            select(LogEntryRow.seq, LogEntryRow.hash).order_by(LogEntryRow.seq.desc()).limit(1)
        ).first()
        return (row[0], row[1]) if row else None

    def append(self, entry: LogEntry) -> None:
        """Add the entry, which chains to the head read with `head()` in this transaction."""
        self._session.connection().execute(
            _INSERT_ENTRY,
            {
                "seq": entry.seq,
                "at": entry.at,
                "event": entry.event,
                "actor": entry.actor,
                "request_id": entry.request_id,
                "decision_id": entry.decision_id,
                "body": entry.body,
                "prev_hash": entry.prev_hash,
                "hash": entry.hash,
            },
        )
        self._appended = (entry.seq, entry.hash)

    def entries(self, *, after: int = 0, batch: int = 1000) -> Iterator[LogEntry]:
        """Every entry in sequence order, read in batches. A row that cannot be read raises
        UnreadableEntry naming it, after the good entries before it."""
        while True:
            # The table's columns rather than the mapped class: the rows are only read, and
            # building an object per entry took longer than checking it.
            query = (
                select(*_ENTRIES.c)
                .where(_ENTRIES.c.seq > after)
                .order_by(_ENTRIES.c.seq)
                .limit(batch)
            )
            try:
                rows = self._session.execute(query).all()
            except (ValueError, TypeError) as unreadable:  # e.g. SQLite text that is no time
                yield from self._up_to_unreadable(after, batch, unreadable)
                return
            for row in rows:
                yield log_entry_from(row)
            if len(rows) < batch:
                return
            after = rows[-1].seq

    def _up_to_unreadable(
        self, after: int, batch: int, unreadable: Exception
    ) -> Iterator[LogEntry]:
        """The batch again one row at a time, to yield the good rows and name the bad one."""
        seqs = self._session.scalars(
            select(LogEntryRow.seq)
            .where(LogEntryRow.seq > after)
            .order_by(LogEntryRow.seq)
            .limit(batch)
        ).all()
        for seq in seqs:
            try:
                row = self._session.scalars(select(LogEntryRow).where(LogEntryRow.seq == seq))
                entry = log_entry_from(row.one())
            except (ValueError, TypeError):
                raw = self._session.scalar(
                    select(type_coerce(LogEntryRow.at, String)).where(LogEntryRow.seq == seq)
                )
                raise UnreadableEntry(
                    seq, f"its stored time {raw!r} cannot be read (the entry was edited)"
                ) from None
            yield entry
        raise UnreadableEntry(after + 1, f"it cannot be read ({unreadable})")

    def hash_at(self, seq: int) -> str | None:
        """The hash of the entry with this sequence number, if there is one."""
        return self._session.scalar(select(LogEntryRow.hash).where(LogEntryRow.seq == seq))

    def count(self, event: str | None = None) -> int:
        counted = select(func.count()).select_from(LogEntryRow)
        if event is not None:
            counted = counted.where(LogEntryRow.event == event)
        return self._session.scalar(counted) or 0

    def latest(self, *, event: str | None = None, limit: int, offset: int = 0) -> list[LogEntry]:
        """A page of the log, newest first, optionally of one kind of event."""
        query = select(LogEntryRow).order_by(LogEntryRow.seq.desc()).offset(offset).limit(limit)
        if event is not None:
            query = query.where(LogEntryRow.event == event)
        return [log_entry_from(row) for row in self._session.scalars(query)]

    def of_events(self, events: Sequence[str]) -> list[LogEntry]:
        """Every entry of these kinds, oldest first (the hand-backs' record, docs/caseload.md)."""
        query = select(LogEntryRow).where(LogEntryRow.event.in_(events)).order_by(LogEntryRow.seq)
        return [log_entry_from(row) for row in self._session.scalars(query)]

    def for_request(self, request_id: int) -> list[LogEntry]:
        """Every entry about one request, oldest first (its flags, decisions and details)."""
        return self.for_requests([request_id]).get(request_id, [])

    def for_requests(self, request_ids: Sequence[int]) -> dict[int, list[LogEntry]]:
        """Every entry about each of the requests, oldest first (a page's notes in one read)."""
        entries: dict[int, list[LogEntry]] = {}
        for start in range(0, len(request_ids), IN_LIST_CHUNK):
            chunk = request_ids[start : start + IN_LIST_CHUNK]
            query = select(LogEntryRow).where(LogEntryRow.request_id.in_(chunk))
            for row in self._session.scalars(query.order_by(LogEntryRow.seq)):
                if row.request_id is not None:  # the IN says so; the column may hold none
                    entries.setdefault(row.request_id, []).append(log_entry_from(row))
        return entries
