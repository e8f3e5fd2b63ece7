"""Who is acting, and who may manage users (the service layer refuses, whoever asks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import OS_LOGIN, Run
from triage.errors import PermissionRefused, UserError
from triage.models import Role
from triage.services.workspace import add_user, open_workspace


@pytest.fixture
def practice(run: Run, db_path: Path) -> Path:
    """A database whose first manager is the OS login, with a clerk and a GP."""
    assert run("--db", db_path, "users", "add", "clerk1", "--role", "clerk").status == 0
    assert (
        run(
            "--db", db_path, "users", "add", "drsmith", "--role", "gp", "--full-name", "Dr J Smith"
        ).status
        == 0
    )
    return db_path


def test_users_list_shows_roles(run: Run, practice: Path) -> None:
    result = run("--db", practice, "users", "list", "--format", "json")
    assert result.out.splitlines() == [
        '{"name": "clerk1", "role": "clerk", "full_name": null, "active": true}',
        '{"name": "drsmith", "role": "gp", "full_name": "Dr J Smith", "active": true}',
        f'{{"name": "{OS_LOGIN}", "role": "manager", "full_name": null, "active": true}}',
    ]


def test_user_and_environment_choose_who_acts(
    run: Run, practice: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refused = run("--db", practice, "--user", "clerk1", "users", "add", "x", "--role", "clerk")
    assert refused.status == 1
    assert refused.err_lines == [
        "triage: error: only a manager may add users or reset their passwords; you are clerk1 (a clerk)"
    ]
    monkeypatch.setenv("TRIAGE_USER", "drsmith")
    refused_gp = run("--db", practice, "users", "add", "x", "--role", "clerk")
    assert refused_gp.err_lines == [
        "triage: error: only a manager may add users or reset their passwords; you are drsmith (a GP)"
    ]


def test_an_unknown_user_is_refused_clearly(run: Run, practice: Path) -> None:
    result = run("--db", practice, "--user", "mallory", "queue")
    assert result.status == 1
    assert result.err_lines == [
        "triage: error: 'mallory' is not a user of this database; a manager can add them with "
        "`triage users add mallory --role clerk|gp|manager`"
    ]


def test_an_unknown_os_login_is_refused_once_the_database_has_users(
    run: Run, practice: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(variable, "visitor")
    result = run("--db", practice, "queue")
    assert result.status == 1
    assert "'visitor' is not a user of this database" in result.err


def test_adding_a_user_twice_or_with_a_bad_role_is_refused(run: Run, practice: Path) -> None:
    assert run("--db", practice, "users", "add", "clerk1", "--role", "gp").err_lines == [
        "triage: error: there is already a user called 'clerk1'"
    ]
    assert run("--db", practice, "users", "add", "bob", "--role", "admin").status == 2


def test_the_service_layer_refuses_whoever_calls_it(practice: Path) -> None:
    workspace = open_workspace(str(practice), "clerk1")
    with pytest.raises(PermissionRefused, match="only a manager may add users"):
        add_user(workspace, "sneaky", Role.MANAGER, None)
    with workspace.database.read() as tx:
        assert tx.users.find("sneaky") is None
    workspace.close()


@pytest.mark.parametrize("name", ["", "   ", "bad\x1bname", "x" * 101])
def test_user_names_must_be_sensible(practice: Path, name: str) -> None:
    workspace = open_workspace(str(practice), OS_LOGIN)
    with pytest.raises(UserError):
        add_user(workspace, name, Role.CLERK, None)
    workspace.close()
