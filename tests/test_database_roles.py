"""Several workstations on PostgreSQL, each person connecting as their own role: the database
itself refuses what that role may not do (`triage db setup-roles`, docs/security.md "Several
workstations"). Each refusal is proved with plain SQL over the person's own connection, not
through the program, which would have refused first."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import make_url

from tests.conftest import SAMPLES, Run, write_requests_csv
from tests.test_cli_import import rows_of
from tests.test_deciding import PRACTICE, SAMPLE_DAY
from triage.clock import Clock
from triage.intake import REQUIRED_COLUMNS
from triage.models import LogEvent, Role
from triage.rules import ALLOWED, Permission
from triage.services.database_roles import log_event_permissions, role_plan

# The practice's people: each has a PostgreSQL login role of the same name, made by the DBA.
PEOPLE = {"mona": "manager", "cleo": "clerk", "gina": "gp"}

UrlFor = Callable[[str], str]


@pytest.fixture
def clock() -> Clock:
    """Decisions on the day the samples were written for."""
    return SAMPLE_DAY


def plain_url(url: str) -> str:
    """The URL as psycopg takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def url_for(postgres_url: str) -> Iterator[UrlFor]:
    """The DBA (the test server's superuser, who owns the tables) makes a login role for each
    person; `url_for(name)` is the database as that person connects to it."""
    names = [*PEOPLE, "dora"]
    with psycopg.connect(plain_url(postgres_url), autocommit=True) as admin:
        for name in names:
            admin.execute(f"DROP ROLE IF EXISTS {name}")
            admin.execute(f"CREATE ROLE {name} LOGIN")
    yield (
        lambda name: make_url(postgres_url).set(username=name).render_as_string(hide_password=False)
    )
    with psycopg.connect(plain_url(postgres_url), autocommit=True) as admin:
        for name in names:  # their sessions first: a test may leave one open
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                (name,),
            )
            admin.execute(f"DROP ROLE IF EXISTS {name}")


def set_up_practice(run: Run, owner_url: str, url_for: UrlFor) -> None:
    """As a practice would: the DBA sets up roles with mona as first manager; mona adds the
    clerk and the GP, the practice's details and the policy; cleo imports and applies it."""
    set_up = run("--db", owner_url, "db", "setup-roles", "--manager", "mona")
    assert set_up.status == 0, set_up.err
    for name, role in PEOPLE.items():
        if role != "manager":
            added = run("--db", url_for("mona"), "users", "add", name, "--role", role)
            assert added.out == (
                f"Added {name} as {role}; they connect as their own PostgreSQL role, now in "
                f"triage_{role}.\n"
            ), added.err
    assert run("--db", url_for("mona"), *PRACTICE).status == 0
    assert run("--db", url_for("mona"), "policy", "activate", "weymouth-portland-pcn").status == 0
    assert run("--db", url_for("cleo"), "import", SAMPLES / "requests.csv").status == 0
    applied = run("--db", url_for("cleo"), "apply")
    assert applied.status == 0, applied.err


@pytest.fixture
def practice(run: Run, postgres_url: str, url_for: UrlFor) -> UrlFor:
    set_up_practice(run, postgres_url, url_for)
    return url_for


def refused(url: str, statement: str, *, match: str = "") -> str:
    """Run `statement` over a new connection as the URL's role; the database's refusal."""
    with psycopg.connect(plain_url(url)) as connection:
        with pytest.raises(psycopg.Error) as error:
            connection.execute(statement)
        connection.rollback()
    message = str(error.value)
    assert match in message, message
    return message


# A decision of the kind only a GP records, on a request waiting for one, as the clerk herself.
GP_REVIEW_ROW = """
INSERT INTO decisions (request_id, our_ref, kind, action, suggested_action, rule_id, category,
    reasons, flags, redirect_to, note, policy_id, policy_version, policy_sha256, decided_by_id,
    role, decided_at, template_id, template_version, letters_edited)
SELECT r.id, 'FORGED-1', 'review', d.action, d.suggested_action, d.rule_id, d.category,
    d.reasons, d.flags, d.redirect_to, 'forged', d.policy_id, d.policy_version,
    d.policy_sha256, u.id, 'gp', now(), d.template_id, d.template_version, false
FROM decisions d, requests r, users u
WHERE r.status = 'awaiting_gp' AND u.name = '{who}' LIMIT 1
"""


def log_row(actor: str, event: str) -> str:
    """A log entry, chained or not: the database refuses it before the chain matters."""
    return (
        "INSERT INTO log_entries (seq, at, event, actor, body, prev_hash, hash) SELECT "
        f"max(seq) + 1, now(), '{event}', '{actor}', '{{}}', 'x', md5(random()::text) "
        "FROM log_entries"
    )


# --- the plan follows the program's own permissions -----------------------------------------


def test_every_kind_of_log_entry_has_the_roles_that_may_write_it() -> None:
    assert set(log_event_permissions()) == set(LogEvent)
    plan = role_plan()
    assert plan.log_events["review"] == ALLOWED[Permission.REVIEW] == {Role.GP}
    assert plan.decision_kinds["decision"] == {Role.CLERK, Role.GP}
    for role, tables in plan.tables.items():
        for table in ("log_entries", "decisions", "letters"):
            assert not tables.get(table, frozenset()) & {"UPDATE", "DELETE"}, (role, table)
    assert "INSERT" not in plan.tables[Role.CLERK].get("users", frozenset())
    assert "INSERT" not in plan.tables[Role.MANAGER].get("decisions", frozenset())


# --- what the database refuses, over each person's own connection ----------------------------

needs_postgres = pytest.mark.postgres


@needs_postgres
def test_a_clerks_connection_cannot_record_a_gp_review(practice: UrlFor) -> None:
    refused(practice("cleo"), GP_REVIEW_ROW.format(who="cleo"), match="kind review")
    refused(practice("cleo"), log_row("cleo", "review"), match="kind review")
    refused(practice("cleo"), log_row("cleo", "supersede"), match="kind supersede")
    # nor a manager's, who does not work the queue
    refused(practice("mona"), GP_REVIEW_ROW.format(who="mona"), match="permission denied")
    refused(practice("mona"), log_row("mona", "decision"), match="kind decision")


@needs_postgres
def test_a_connection_cannot_write_under_another_persons_name(practice: UrlFor) -> None:
    refused(practice("cleo"), log_row("gina", "flag"), match="may not write one as gina")
    refused(practice("cleo"), GP_REVIEW_ROW.format(who="gina"), match="for another")
    refused(practice("gina"), log_row("cleo", "review"), match="may not write one as cleo")


@needs_postgres
def test_the_database_stamps_who_wrote_an_entry_and_when(practice: UrlFor) -> None:
    claimed = datetime(2001, 1, 1, tzinfo=UTC)
    with psycopg.connect(plain_url(practice("cleo"))) as connection:
        row = connection.execute(
            "INSERT INTO log_entries (seq, at, event, actor, body, prev_hash, hash, db_actor, "
            "db_at) SELECT max(seq) + 1, %s, 'flag', 'cleo', '{}', 'x', 'y', 'gina', %s "
            "FROM log_entries RETURNING db_actor, db_at",
            (claimed, claimed),
        ).fetchone()
        connection.rollback()
    assert row is not None
    db_actor, db_at = row
    assert db_actor == "cleo"
    assert abs(db_at - datetime.now(UTC)) < timedelta(minutes=5)


@needs_postgres
def test_nobody_can_change_or_empty_the_log(practice: UrlFor, postgres_url: str) -> None:
    refusals = 0
    for who in (*PEOPLE, "owner"):
        url = postgres_url if who == "owner" else practice(who)
        # The owner holds every privilege: the append-only trigger refuses them.
        match = "append-only" if who == "owner" else "permission denied"
        for statement in (
            "UPDATE log_entries SET actor = 'someone'",
            "DELETE FROM log_entries",
            "TRUNCATE log_entries CASCADE",
            "UPDATE decisions SET action = 'accept'",
            "DELETE FROM letters",
        ):
            refused(url, statement, match=match)
            refusals += 1
    assert refusals == 20


@needs_postgres
def test_a_clerk_cannot_add_users_or_change_roles(practice: UrlFor) -> None:
    clerk = practice("cleo")
    refused(
        clerk,
        "INSERT INTO users (name, role, active, created_at, failed_logins) "
        "VALUES ('eve', 'manager', true, now(), 0)",
        match="permission denied for table users",
    )
    refused(clerk, "UPDATE users SET role = 'gp' WHERE name = 'cleo'", match="permission denied")
    refused(clerk, "SELECT triage_sync_member('cleo')", match="permission denied for function")
    refused(clerk, "GRANT triage_gp TO cleo", match="must have admin option")
    refused(clerk, "GRANT triage_manager TO cleo", match="must have admin option")
    refused(
        clerk, "INSERT INTO policy_activations SELECT * FROM policy_activations", match="denied"
    )


@needs_postgres
def test_each_person_acts_as_who_they_connected_as_without_a_password_of_ours(
    run: Run, practice: UrlFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRIAGE_PASSWORD_FILE")  # PostgreSQL authenticated them: none is asked
    listed = run("--db", practice("cleo"), "queue", "--format", "json")
    assert listed.status == 0, listed.err
    other = run("--db", practice("cleo"), "--user", "gina", "queue")
    assert other.status == 1
    assert other.err_lines == [
        "triage: error: --user gina: on this database you act as the PostgreSQL role you "
        "connected as, cleo; to act as gina, connect as them"
    ]
    password = run("--db", practice("cleo"), "users", "password")
    assert password.status == 1 and "PostgreSQL checks who you are" in password.err
    # The program's own check still speaks first, in one line
    adding = run("--db", practice("cleo"), "users", "add", "eve", "--role", "manager")
    assert adding.err_lines == [
        "triage: error: only a manager may add users or reset their passwords; you are cleo (a clerk)"
    ]


@needs_postgres
def test_a_disabled_person_can_no_longer_connect_or_act(
    run: Run, practice: UrlFor, postgres_url: str
) -> None:
    open_connection = psycopg.connect(plain_url(practice("cleo")), autocommit=True)
    try:
        removed = run("--db", practice("mona"), "users", "remove", "cleo")
        assert removed.status == 0, removed.err
        # Their connection already open is refused at its next statement: without the group,
        # the schema is not theirs to use, so its tables are not even seen.
        with pytest.raises(psycopg.errors.UndefinedTable):
            open_connection.execute("SELECT count(*) FROM requests")
    finally:
        open_connection.close()
    with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
        psycopg.connect(plain_url(practice("cleo"))).close()
    command = run("--db", practice("cleo"), "queue")
    assert command.status == 1
    assert len(command.err_lines) == 1 and "permission denied for database" in command.err
    # the log still names them, and verifies
    verified = run("--db", practice("mona"), "log", "verify")
    assert verified.status == 0, verified.err


@needs_postgres
def test_role_changes_follow_the_users_table_in_the_database(
    run: Run, practice: UrlFor, postgres_url: str
) -> None:
    assert run("--db", practice("mona"), "users", "role", "cleo", "--role", "gp").status == 0
    with psycopg.connect(plain_url(postgres_url)) as admin:
        held = admin.execute(
            "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
            "JOIN pg_roles p ON p.oid = m.member WHERE p.rolname = 'cleo'"
        ).fetchall()
    assert held == [("triage_gp",)]
    # a person without a login role is not added: the DBA makes it first
    missing = run("--db", practice("mona"), "users", "add", "zed", "--role", "clerk")
    assert missing.status == 1
    assert "there is no PostgreSQL login role 'zed'" in missing.err


@needs_postgres
def test_the_whole_practice_through_the_command_line(
    run: Run, postgres_url: str, url_for: UrlFor
) -> None:
    set_up_practice(run, postgres_url, url_for)
    waiting = run("--db", url_for("gina"), "review")
    assert waiting.status == 0 and "S01" in waiting.out
    reviewed = run("--db", url_for("gina"), "review", "S01", "--note", "seen: for the clinic")
    assert reviewed.status == 0, reviewed.err
    clerk_review = run("--db", url_for("cleo"), "review", "S02", "--note", "not mine to make")
    assert clerk_review.status == 1 and "only a GP may decide S02" in clerk_review.err
    verified = run("--db", url_for("cleo"), "log", "verify")
    assert verified.status == 0, verified.err
    lines = verified.out.splitlines()
    assert lines[0].startswith("The decision log verifies: ")
    # The DBA's first entry (mona made manager) is under the owner's login; every later one is
    # stamped by the database as written by the person it names.
    # cleo: 3 decisions and 13 sent to a GP; mona: 2 users, the practice, the policy
    assert lines[1] == "Stamped by the database as written by their actor: cleo 16, gina 1, mona 4"
    assert lines[2] == (
        "Written through a login that is no user's (a shared login, or the database's owner): "
        "postgres 1"
    )


@needs_postgres
def test_the_app_is_not_served_to_browsers_from_a_database_with_roles(
    run: Run, postgres_url: str, url_for: UrlFor
) -> None:
    """A browser session would connect as the server's own role, whatever name was typed."""
    set_up_practice(run, postgres_url, url_for)
    served = run("--db", url_for("mona"), "serve", "--port", "1")
    assert served.status == 1
    [line] = served.err_lines
    assert line.startswith("triage: error: ") and line.endswith(
        "has each person connect as their own PostgreSQL role, which a browser session cannot "
        "yet do: serve a database without roles set up, or use triage at each workstation"
    )


@needs_postgres
def test_setting_up_twice_changes_nothing_and_says_what_it_did(
    run: Run, postgres_url: str, url_for: UrlFor
) -> None:
    first = run("--db", postgres_url, "db", "setup-roles", "--manager", "mona")
    assert first.status == 0, first.err
    again = run("--db", postgres_url, "db", "setup-roles")
    assert again.status == 0, again.err
    assert "- kept the group role triage_clerk (NOLOGIN), for clerks" in again.out
    assert "- mona: triage_manager" in again.out
    assert "- granted triage_clerk: " in again.out
    # only the owner may set up
    assert run("--db", url_for("mona"), "db", "setup-roles").err_lines == [
        "triage: error: only the owner of the database's tables (postgres) or a superuser can "
        "set up its roles; you are connected as mona"
    ]


@needs_postgres
def test_an_entry_whose_database_stamp_names_another_user_fails_verify(
    run: Run, practice: UrlFor, postgres_url: str
) -> None:
    with psycopg.connect(plain_url(postgres_url), autocommit=True) as owner:
        # Someone who could drop the triggers rewrites who the database recorded.
        owner.execute("ALTER TABLE log_entries DISABLE TRIGGER USER")
        seq = owner.execute("SELECT min(seq) FROM log_entries WHERE db_actor = 'cleo'").fetchone()[
            0
        ]  # type: ignore[index]
        owner.execute("UPDATE log_entries SET db_actor = 'gina' WHERE seq = %s", (seq,))
        owner.execute("ALTER TABLE log_entries ENABLE TRIGGER USER")
    verified = run("--db", practice("mona"), "log", "verify")
    assert verified.status == 1
    assert (
        f"entry {seq}: it names cleo as its actor, but the database recorded gina as connected"
        in verified.err
    )


@needs_postgres
def test_a_group_granted_behind_the_programs_back_is_refused_until_set_up_again(
    run: Run, practice: UrlFor, postgres_url: str
) -> None:
    with psycopg.connect(plain_url(postgres_url), autocommit=True) as dba:
        dba.execute("GRANT triage_gp TO cleo")
    refused_command = run("--db", practice("cleo"), "queue")
    assert refused_command.err_lines == [
        "triage: error: cleo is a clerk here, but their PostgreSQL role holds triage_clerk, "
        "triage_gp, not just triage_clerk: the database administrator can put it right by "
        "running `triage db setup-roles` again (membership follows the users table)"
    ]
    assert run("--db", postgres_url, "db", "setup-roles").status == 0
    assert run("--db", practice("cleo"), "queue").status == 0


@needs_postgres
def test_existing_patients_are_handed_back_by_each_person_as_themselves(
    run: Run, practice: UrlFor, tmp_path: Path
) -> None:
    """The caseload, the Dorset notices, a GP's sign-off, a reply and a reminder, each person
    connected as their own role; and a clerk's connection cannot write a notice itself."""
    search = tmp_path / "caseload.csv"
    shutil.copy(SAMPLES / "caseload.csv", search)
    assert run("--db", practice("mona"), "policy", "activate", "dorset-gp-alliance").status == 0
    imported = run("--db", practice("cleo"), "caseload", "import", search)
    assert imported.status == 0 and "10 added" in imported.out, imported.err
    signed = run(
        "--db", practice("gina"), "notice", "sign-off", "485 777 3015", "--note", "checked"
    )
    assert signed.status == 0, signed.err
    sent = run("--db", practice("mona"), "notice", "send")
    assert sent.status == 0 and "Sent 6 notices to 6 teams" in sent.out, sent.err
    confirmed = run("--db", practice("cleo"), "notice", "confirm", "HB-000001", "--note", "letter")
    assert confirmed.status == 0, confirmed.err
    refused(practice("cleo"), log_row("cleo", "notice_sent"), match="kind notice_sent")
    refused(practice("gina"), "DELETE FROM caseload", match="permission denied")
    verified = run("--db", practice("cleo"), "log", "verify")
    assert verified.status == 0, verified.err


@needs_postgres
def test_an_upgrade_where_people_connect_as_themselves_says_to_set_up_roles_again(
    run: Run, practice: UrlFor, postgres_url: str
) -> None:
    """What a version adds (the caseload's table, new kinds of log entry) is nobody's until the
    grants are redone: the owner who upgrades is told, and after `setup-roles` the clerk may."""
    from alembic import command

    from db import open_database
    from db.schema import _alembic_config

    database = open_database(postgres_url)
    with database.connection(write=True) as connection:
        command.downgrade(_alembic_config(connection), "0015")
    database.dispose()
    upgraded = run("--db", postgres_url, "db", "upgrade")
    assert upgraded.status == 0, upgraded.err
    assert "run `triage db setup-roles` again" in upgraded.err
    refused_list = run("--db", practice("cleo"), "caseload", "list")  # not granted yet
    assert refused_list.status == 1
    assert refused_list.err_lines == [
        "triage: error: the database refused it: permission denied for table caseload (your "
        "PostgreSQL role may not do this); nothing was saved"
    ]
    assert run("--db", postgres_url, "db", "setup-roles").status == 0
    listed = run("--db", practice("cleo"), "caseload", "list")
    assert listed.status == 0 and "The caseload is empty" in listed.out, listed.err


@needs_postgres
def test_a_clerk_imports_big_files_a_batch_at_a_time_and_nobody_may_change_the_record(
    run: Run, practice: UrlFor, postgres_url: str, tmp_path: Path
) -> None:
    """The import's record is written once the file has been read, after its requests (the
    constraint between them checked at the commit: migration 0018), never changed after."""
    rows = rows_of(2_500)
    big = write_requests_csv(tmp_path / "big.csv", [*rows, rows[7]])
    imported = run("--db", practice("cleo"), "import", big)
    assert imported.status == 0, imported.err
    assert "big.csv: 2500 imported, 1 already present, 0 rejected" in imported.out
    broken = tmp_path / "broken.json"
    objects = [dict(zip(REQUIRED_COLUMNS, row, strict=True)) for row in rows_of(2_500, first=5_000)]
    broken.write_text(json.dumps(objects)[:-1] + ', {"ref": ')
    skipped = run("--db", practice("cleo"), "import", "--skip-invalid", broken, big)
    assert "broken.json: not imported (see the problems above)" in skipped.out, skipped.err
    bad = write_requests_csv(tmp_path / "bad.csv", [*rows_of(2_500, first=9_000), ["x"] * 7])
    assert run("--db", practice("cleo"), "import", bad).status == 1
    with psycopg.connect(plain_url(postgres_url)) as owner:
        records = owner.execute(
            "SELECT file_name, requests_added, requests_present, rows_rejected FROM imports "
            "ORDER BY id"
        ).fetchall()
        (requests,) = owner.execute("SELECT count(*) FROM requests").fetchone() or (0,)
    assert [record[1:] for record in records if record[0] == str(big)] == [
        (2_500, 1, 0),
        (0, 2_501, 0),
    ]
    assert requests == 16 + 2_500  # the samples set_up_practice imported, and big.csv's
    refused(practice("cleo"), "UPDATE imports SET rows_rejected = 0", match="permission denied")
