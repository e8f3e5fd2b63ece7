"""The tables, as SQLAlchemy 2 typed ORM classes. Schema changes go through Alembic migrations
(db/migrations); tests check that the migrations build exactly these tables."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from triage.models import (
    DECISION_EVENTS,
    Action,
    Category,
    LogEvent,
    ProviderType,
    RequestType,
    Role,
    SourceFormat,
    Status,
    Urgency,
)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every database.

    SQLite has no time zones, so values are stored there as naive UTC; PostgreSQL keeps them in a
    timestamptz column.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: times are stored in UTC and must carry a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _enum(enum_class: type[StrEnum], name: str | None = None) -> Enum:
    """Store an enum by its value ("right_to_choose"), with a CHECK constraint. `name` names the
    constraint when a table has two columns of one enum (constraint names must differ)."""
    return Enum(
        enum_class,
        native_enum=False,
        create_constraint=True,
        length=30,
        values_callable=lambda members: [member.value for member in members],
        name=name or enum_class.__name__.lower(),
        validate_strings=True,
    )


class DecisionEvent(TypeDecorator[LogEvent]):
    """A decision's kind: one of the log events that are decisions (DECISION_EVENTS), stored by
    its value under the CHECK constraint named "decisionkind" that migration 0003 created."""

    impl = Enum(
        *(event.value for event in DECISION_EVENTS),
        name="decisionkind",
        native_enum=False,
        create_constraint=True,
        length=30,
    )
    cache_ok = True

    def process_bind_param(self, value: LogEvent | None, dialect: Dialect) -> str | None:
        if value is not None and value not in DECISION_EVENTS:
            raise ValueError(f"{value} is not a kind of decision")
        return None if value is None else value.value

    def process_result_value(self, value: str | None, dialect: Dialect) -> LogEvent | None:
        return None if value is None else LogEvent(value)


# Stable constraint names, so migrations can refer to them on every database.
# Made by migration 0012 with SQL the tables here cannot spell (an index on an expression, and
# SQLite's FTS5 search table with the tables FTS5 keeps beside it); the schema test leaves them be.
MIGRATION_ONLY_PREFIXES = (
    "ix_requests_patient_order",
    "ix_requests_due_order",
    "ix_requests_search_",
    "requests_search",
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), date: Date()}


def table_of(mapped: type[Base]) -> Table:
    """A mapped class's table, for the plain statements written where the ORM's unit of work
    costs more than the work (recording decisions in bulk)."""
    return Base.metadata.tables[mapped.__tablename__]


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(_enum(Role))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Authentication (docs/security.md): an argon2 hash, None until the person sets a password;
    # failed attempts in a row, and until when the account is locked after too many.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None]


class SessionRow(Base):
    """A login kept for a while, so a person is not asked for their password by every command:
    the token's SHA-256 (the token itself is only in the person's private session file)."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    started_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class OriginalRow(Base):
    """A letter's file exactly as it arrived, by its SHA-256: the evidence behind what was read
    from it. Stored once however often it is imported; like the log, never changed."""

    __tablename__ = "originals"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    file_name: Mapped[str] = mapped_column(String(1000))
    size: Mapped[int]
    content: Mapped[bytes] = mapped_column(LargeBinary)
    added_at: Mapped[datetime]


class ImportRow(Base):
    """One file read by one `triage import` (or the demo): who brought which requests in."""

    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(1000))
    file_sha256: Mapped[str] = mapped_column(String(64))
    format: Mapped[SourceFormat] = mapped_column(_enum(SourceFormat))
    imported_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[datetime]
    requests_added: Mapped[int]
    requests_present: Mapped[int]
    rows_rejected: Mapped[int]


class RequestRow(Base):
    __tablename__ = "requests"
    __table_args__ = (
        UniqueConstraint("sender_key", "ref", name="uq_requests_sender_key_ref"),
        Index("ix_requests_status_received", "status", "received"),
        # The queue's orders, paged by key (migration 0012; the patient and due orders' indexes
        # are on expressions, made in 0012 and 0015, as is the search index: see MIGRATION_ONLY).
        Index("ix_requests_status_received_id", "status", "received", "id"),
        Index("ix_requests_status_ref_id", "status", "ref", "id"),
        Index("ix_requests_assigned_to_id_status", "assigned_to_id", "status", "received"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A request is identified by its sender and the sender's reference; sender_key is the sender
    # with case and spacing folded, so "Adult ADHD Service" and "adult  adhd service" match.
    sender: Mapped[str] = mapped_column(String(300))
    sender_key: Mapped[str] = mapped_column(String(300))
    ref: Mapped[str] = mapped_column(String(100))
    received: Mapped[datetime]
    nhs_number: Mapped[str | None] = mapped_column(String(40), index=True)
    nhs_number_valid: Mapped[bool]
    patient_name: Mapped[str | None] = mapped_column(String(200))
    date_of_birth: Mapped[date | None]
    requester: Mapped[str] = mapped_column(String(300))
    organisation: Mapped[str] = mapped_column(String(300))
    provider_type: Mapped[ProviderType] = mapped_column(_enum(ProviderType))
    request_type: Mapped[RequestType | None] = mapped_column(_enum(RequestType))  # None: blank
    medications: Mapped[list[str]] = mapped_column(JSON)
    diagnosis: Mapped[str | None] = mapped_column(Text)
    codes: Mapped[list[str]] = mapped_column(JSON)
    declared_category: Mapped[Category | None] = mapped_column(_enum(Category))
    urgency: Mapped[Urgency] = mapped_column(_enum(Urgency))
    supply_ends: Mapped[date | None]
    # When it is due, for the soonest-due order and "due within": the earlier of the supply's
    # end and the next dose the letter's words give (triage/due.py). The words are read with
    # the request's first assessment, after import (reading every letter at import would
    # double its cost); until then `due_read` is false and this is the supply's end alone.
    due_on: Mapped[date | None]
    due_read: Mapped[bool] = mapped_column(default=False, server_default=false())
    procedure_date: Mapped[date | None]
    reply_to: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    flags: Mapped[list[str]] = mapped_column(JSON)
    details_needed: Mapped[list[str]] = mapped_column(JSON)
    read_from: Mapped[list[str]] = mapped_column(JSON)
    source_file: Mapped[str] = mapped_column(String(1000))
    source_format: Mapped[SourceFormat] = mapped_column(_enum(SourceFormat))
    source_location: Mapped[str] = mapped_column(String(300))
    # A letter's file as received, kept unchanged in `originals`.
    original_sha256: Mapped[str | None] = mapped_column(ForeignKey("originals.sha256"))
    # Checked at the commit in an import's transaction, which writes the import's record after
    # its requests (Requests.new_import_id): on PostgreSQL the constraint is DEFERRABLE
    # (migration 0018, not said here: SQLite's table would differ), on SQLite a PRAGMA.
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"))
    content_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[Status] = mapped_column(_enum(Status))
    imported_at: Mapped[datetime]
    # Who is working on it: a claim lasts a while (a lease), so a clerk who walks away does not
    # hold the request for ever.
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime | None]
    # Whose work it is ("my work"), until decided or handed back; the log says who assigned it.
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Optimistic locking: two people saving the same request are caught, not merged silently.
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads a dict here)


class PolicyVersionRow(Base):
    """A policy as declared: its exact text, kept for good so that every decision made under it
    can be traced to what it said."""

    __tablename__ = "policy_versions"
    __table_args__ = (
        UniqueConstraint("policy_id", "version", name="uq_policy_versions_policy_id_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(2000))
    title: Mapped[str] = mapped_column(String(2000))
    content_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    file_name: Mapped[str] = mapped_column(String(1000))
    text: Mapped[str] = mapped_column(Text)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime]


class PolicyActivationRow(Base):
    """Who put which policy version in force, and when. The latest activation is the practice's
    policy; earlier ones stay as its history."""

    __tablename__ = "policy_activations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_version_id: Mapped[int] = mapped_column(ForeignKey("policy_versions.id"))
    activated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    activated_at: Mapped[datetime]


class PracticeRow(Base):
    """The practice's own details, for the letters: one row."""

    __tablename__ = "practice"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    ods_code: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(1000))
    phone: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(300))
    letters_dir: Mapped[str | None] = mapped_column(String(1000))
    queue_opens: Mapped[str | None] = mapped_column(String(20))  # a QueueSort; none: oldest first
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime]


# Decisions, their letters and the log are append-only: the database refuses UPDATE and DELETE on
# them (triggers, created by migration 0003). A correction is a new decision that supersedes one.


class DecisionRow(Base):
    __tablename__ = "decisions"
    __table_args__ = (
        # A request gets one original decision; every later one supersedes the one before.
        Index(
            "uq_decisions_one_original_per_request",
            "request_id",
            unique=True,
            sqlite_where=text("supersedes_id IS NULL"),
            postgresql_where=text("supersedes_id IS NULL"),
        ),
        Index("ix_decisions_rule_decided_at", "policy_id", "rule_id", "decided_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), unique=True)
    our_ref: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[LogEvent] = mapped_column(DecisionEvent())
    action: Mapped[Action] = mapped_column(_enum(Action))
    suggested_action: Mapped[Action] = mapped_column(_enum(Action, "suggested_action"))
    rule_id: Mapped[str | None] = mapped_column(String(64))
    # What the request read as when decided: a category slug, "mixed" or "unclassified".
    category: Mapped[str | None] = mapped_column(String(30), index=True)
    reasons: Mapped[list[str]] = mapped_column(JSON)
    flags: Mapped[list[str]] = mapped_column(JSON)
    redirect_to: Mapped[str | None] = mapped_column(String(2000))
    note: Mapped[str | None] = mapped_column(Text)
    policy_id: Mapped[str] = mapped_column(String(64))
    policy_version: Mapped[str] = mapped_column(String(2000))
    policy_sha256: Mapped[str] = mapped_column(String(64))
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[Role] = mapped_column(_enum(Role))
    decided_at: Mapped[datetime]
    template_id: Mapped[str] = mapped_column(String(200))
    template_version: Mapped[str] = mapped_column(String(64))
    letters_edited: Mapped[bool]
    # A redirect's: the day the service it went to should confirm by (migration 0017).
    confirm_by: Mapped[date | None]


class LetterRow(Base):
    __tablename__ = "letters"
    __table_args__ = (UniqueConstraint("decision_id", "kind", name="uq_letters_decision_id_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"))
    kind: Mapped[str] = mapped_column(String(20))  # specialist, patient or sms
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))


class LogEntryRow(Base):
    """One entry of the decision log: `body` is the entry itself (canonical JSON), chained to the
    one before by `hash` = SHA-256 of the previous hash and the body (triage/audit.py). The other
    columns repeat parts of the body so that the log can be searched; verify checks they agree."""

    __tablename__ = "log_entries"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(index=True)
    event: Mapped[str] = mapped_column(String(40), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), unique=True)
    body: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The database's own stamp (PostgreSQL, migration 0011): the role connected and the server's
    # time, set by a trigger whatever the client sends; outside the hash. None on SQLite.
    db_actor: Mapped[str | None] = mapped_column(String(100))
    db_at: Mapped[datetime | None]


class AssessmentRow(Base):
    """What reading a request and the policy in force said about it, on a given day: derived
    data, kept so that the queue can filter and count 100,000 requests by category, suggestion
    and flag without reading them all again. Rebuilt whenever the policy or the day changes."""

    __tablename__ = "assessments"
    __table_args__ = (
        Index("ix_assessments_action", "action"),
        Index("ix_assessments_category", "category"),
    )

    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), primary_key=True)
    policy_sha256: Mapped[str | None] = mapped_column(String(64))
    assessed_on: Mapped[date]
    category: Mapped[str] = mapped_column(String(30))  # a slug, "mixed" or "unclassified"
    action: Mapped[str | None] = mapped_column(String(30))  # None: no policy in force
    flags: Mapped[str] = mapped_column(String(300))  # ",under_18,red_flag," for LIKE filters


class CaseloadRow(Base):
    """One existing shared-care patient on one medicine, as the clinical system's search export
    last gave them (docs/caseload.md). Current state, not evidence: importing a newer export
    updates the dates; what was sent about the patient is in the decision log."""

    __tablename__ = "caseload"
    __table_args__ = (
        UniqueConstraint("nhs_number", "medication_key", name="uq_caseload_nhs_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nhs_number: Mapped[str] = mapped_column(String(10), index=True)
    patient_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date]
    medication: Mapped[str] = mapped_column(String(300))
    medication_key: Mapped[str] = mapped_column(String(300))  # folded, as sender_key folds
    team: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(30), index=True)  # a slug, mixed, unclassified
    last_review: Mapped[date | None]
    next_due: Mapped[date | None]
    supply_ends: Mapped[date | None]
    source: Mapped[str] = mapped_column(String(1100))  # "search.csv line 12"
    imported_at: Mapped[datetime]
    imported_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
