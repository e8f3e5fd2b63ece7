"""Database-enforced roles on PostgreSQL (`triage db setup-roles`): the group roles, exactly the
grants each needs, and the triggers that refuse what table grants cannot tell apart (a clerk's
GP review, a log entry written under another person's name).

What each group may do is handed in as a RolePlan, which the services derive from the
program's own permissions (triage/rules.py), so the database and the program say the same.
Everything here is idempotent: running it again brings the grants back to the plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text

from triage.errors import DatabaseRefused, NotATriageDatabase
from triage.models import Role

# The NOLOGIN group roles; a person's own login role is made a member of one of them.
GROUPS: dict[Role, str] = {
    Role.CLERK: "triage_clerk",
    Role.GP: "triage_gp",
    Role.MANAGER: "triage_manager",
}
if TYPE_CHECKING:
    from db.engine import Database  # (db.engine imports the queries, which import GROUPS)

_PEOPLE = {Role.CLERK: "clerks", Role.GP: "GPs", Role.MANAGER: "managers"}
PRIVILEGES = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE"})


@dataclass(frozen=True)
class RolePlan:
    """What each group may do: table privileges, and which kinds of log entry and decision it
    may write (the triggers' part). A kind missing from `log_events` is refused to everyone."""

    tables: Mapping[Role, Mapping[str, frozenset[str]]]
    log_events: Mapping[str, frozenset[Role]]
    decision_kinds: Mapping[str, frozenset[Role]]


def set_up_roles(database: Database, plan: RolePlan) -> list[str]:
    """Create the groups and bring their grants and triggers to the plan, in one transaction.
    Returns what was done, a line each."""
    if database.is_sqlite:
        raise NotATriageDatabase("database roles are PostgreSQL's: SQLite has no logins")
    done: list[str] = []
    with database.connection(write=True) as connection:
        schema = str(connection.scalar(text("SELECT current_schema()")))
        _refuse_unless_owner(connection)
        for role, group in GROUPS.items():
            exists = connection.scalar(text("SELECT to_regrole(:g) IS NOT NULL"), {"g": group})
            if not exists:
                _ddl(connection, f"CREATE ROLE {group} NOLOGIN")
            done.append(
                f"{'created' if not exists else 'kept'} the group role {group} (NOLOGIN), for "
                f"{_PEOPLE[role]}"
            )
        done += _grants(connection, schema, plan)
        done += _triggers(connection, schema, plan)
    return done


def _ddl(connection: Connection, statement: str) -> None:
    """A statement as written, with no bind parameters: the driver still reads % as the start
    of one, so PL/pgSQL's own % (RAISE's placeholders) is doubled for it."""
    connection.exec_driver_sql(statement.replace("%", "%%"))


def _refuse_unless_owner(connection: Connection) -> None:
    owner, me, owns = connection.execute(
        text(
            "SELECT pg_get_userbyid(relowner), current_user, "
            "pg_has_role(current_user, relowner, 'MEMBER') "
            "FROM pg_class WHERE oid = 'log_entries'::regclass"
        )
    ).one()
    if not owns:
        raise DatabaseRefused(
            f"only the owner of the database's tables ({owner}) or a superuser can set up its "
            f"roles; you are connected as {me}"
        )


def _quoted(connection: Connection, name: str) -> str:
    return str(connection.scalar(text("SELECT quote_ident(:name)"), {"name": name}))


def _grants(connection: Connection, schema: str, plan: RolePlan) -> list[str]:
    groups = ", ".join(GROUPS.values())
    database = _quoted(connection, str(connection.scalar(text("SELECT current_database()"))))
    schema_q = _quoted(connection, schema)
    for statement in (
        f"REVOKE ALL ON DATABASE {database} FROM PUBLIC",
        f"GRANT CONNECT ON DATABASE {database} TO {groups}",
        f"REVOKE ALL ON SCHEMA {schema_q} FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA {schema_q} TO {groups}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema_q} FROM PUBLIC, {groups}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema_q} FROM PUBLIC, {groups}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema_q} TO {groups}",
    ):
        _ddl(connection, statement)
    done = [
        f"revoked PUBLIC's access to the database {database} and the schema {schema_q}: only "
        "the groups may connect",
    ]
    for role, tables in plan.tables.items():
        group = GROUPS[role]
        granted = []
        for table, privileges in sorted(tables.items()):
            unknown = privileges - PRIVILEGES
            assert not unknown, f"not a table privilege: {unknown}"
            if privileges:
                listed = ", ".join(sorted(privileges))
                _ddl(
                    connection,
                    f"GRANT {listed} ON {schema_q}.{_quoted(connection, table)} TO {group}",
                )
                granted.append(f"{table} ({listed})")
        done.append(f"granted {group}: " + "; ".join(granted))
    return done


def _allowed(column: str, kinds: Mapping[str, frozenset[Role]]) -> str:
    """A CASE that is true when the session's role may write this kind (false for any other)."""
    branches = []
    for kind, roles in sorted(kinds.items()):
        assert kind.replace("_", "").isalnum(), f"not a kind: {kind!r}"
        held = " OR ".join(
            f"pg_has_role(session_user, '{GROUPS[role]}', 'USAGE')"
            for role in sorted(roles, key=list(GROUPS).index)
        )
        branches.append(f"WHEN '{kind}' THEN {held or 'false'}")
    return f"CASE {column} {' '.join(branches)} ELSE false END"


# The owner of the tables (the database administrator) and superusers pass: they could drop the
# triggers anyway, and setting up writes the first manager's entry under the manager's name.
_OWNER_PASSES = """
    IF pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER')
    THEN
        RETURN NEW;
    END IF;
"""


def _triggers(connection: Connection, schema: str, plan: RolePlan) -> list[str]:
    schema_q = _quoted(connection, schema)
    path = f"SET search_path = pg_catalog, {schema_q}, pg_temp"
    log_guard = f"""
CREATE OR REPLACE FUNCTION {schema_q}.triage_guard_log_entry() RETURNS trigger
LANGUAGE plpgsql {path} AS $$
BEGIN
    {_OWNER_PASSES}
    IF NEW.actor IS DISTINCT FROM session_user THEN
        RAISE EXCEPTION 'a log entry names who wrote it: % may not write one as %',
            session_user, NEW.actor USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT ({_allowed("NEW.event", plan.log_events)}) THEN
        RAISE EXCEPTION '% may not write a log entry of the kind %', session_user, NEW.event
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$"""
    decision_guard = f"""
CREATE OR REPLACE FUNCTION {schema_q}.triage_guard_decision() RETURNS trigger
LANGUAGE plpgsql {path} AS $$
BEGIN
    {_OWNER_PASSES}
    IF NOT EXISTS (SELECT 1 FROM {schema_q}.users
                   WHERE id = NEW.decided_by_id AND name = session_user) THEN
        RAISE EXCEPTION 'a decision names who made it: % may not record one for another',
            session_user USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT ({_allowed("NEW.kind", plan.decision_kinds)}) THEN
        RAISE EXCEPTION '% may not record a decision of the kind %', session_user, NEW.kind
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$"""  # noqa: S608 (our names, quote_ident'ed; the kinds checked: no input)
    groups = "ARRAY[" + ", ".join(f"'{group}'" for group in GROUPS.values()) + "]"
    # SECURITY DEFINER: runs as its owner (who set up the roles and may grant them), so that a
    # manager needs no CREATEROLE. It only mirrors the users table: the person's one group while
    # they have access, none once withdrawn; never a superuser, never a role that cannot log in.
    sync_member = f"""
CREATE OR REPLACE FUNCTION {schema_q}.triage_sync_member(person text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER {path} AS $$
DECLARE
    wanted text;
    person_oid oid;
    grp text;
BEGIN
    SELECT CASE WHEN active THEN 'triage_' || role END INTO wanted
        FROM {schema_q}.users WHERE name = person;
    SELECT oid INTO person_oid FROM pg_roles WHERE rolname = person AND rolcanlogin
        AND NOT rolsuper;
    IF person_oid IS NULL THEN
        IF wanted IS NULL THEN
            RETURN 'none';
        END IF;
        RAISE EXCEPTION 'there is no PostgreSQL login role % (or it is a superuser)', person
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    FOREACH grp IN ARRAY {groups} LOOP
        IF grp IS DISTINCT FROM wanted AND EXISTS (
            SELECT 1 FROM pg_auth_members
            WHERE member = person_oid AND roleid = (SELECT oid FROM pg_roles WHERE rolname = grp)
        ) THEN
            EXECUTE format('REVOKE %I FROM %I', grp, person);
        END IF;
    END LOOP;
    IF wanted IS NOT NULL THEN
        EXECUTE format('GRANT %I TO %I', wanted, person);
    END IF;
    RETURN coalesce(wanted, 'none');
END $$"""  # noqa: S608 (our names, quote_ident'ed: no input)
    statements = [
        log_guard,
        "DROP TRIGGER IF EXISTS log_entries_guard ON log_entries",
        "CREATE TRIGGER log_entries_guard BEFORE INSERT ON log_entries "
        f"FOR EACH ROW EXECUTE FUNCTION {schema_q}.triage_guard_log_entry()",
        decision_guard,
        "DROP TRIGGER IF EXISTS decisions_guard ON decisions",
        "CREATE TRIGGER decisions_guard BEFORE INSERT ON decisions "
        f"FOR EACH ROW EXECUTE FUNCTION {schema_q}.triage_guard_decision()",
        sync_member,
        f"REVOKE ALL ON FUNCTION {schema_q}.triage_sync_member(text) FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION {schema_q}.triage_sync_member(text) TO {GROUPS[Role.MANAGER]}",
    ]
    for statement in statements:
        _ddl(connection, statement)
    return [
        "log entries: each must name the role connected, and be of a kind its group may write "
        "(trigger log_entries_guard); UPDATE, DELETE and TRUNCATE stay refused to everyone, "
        "the owner too (trigger log_entries_append_only), and the database stamps who wrote "
        "each entry and when (trigger log_entries_stamp)",
        "decisions: each must be by the role connected, and of a kind its group may record "
        "(trigger decisions_guard)",
        f"membership follows the users table: triage_sync_member, which only "
        f"{GROUPS[Role.MANAGER]} may run",
    ]
