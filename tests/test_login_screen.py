"""The app's login screen: the app shows nothing until a person has logged in; a new person
chooses their password there, typing it twice; a wrong password is said, and counted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from screens.login import AppBehindLogin, LoginScreen
from screens.queue import QueueScreen
from tests.conftest import Run
from triage.cli.context import CliContext
from triage.clock import SYSTEM_CLOCK


def login_app(run: Run, db_path: Path, name: str) -> AppBehindLogin:
    """The app as `triage` opens it when nobody has an open session (the test's earlier commands
    logged in: they log out), logging in through the command line's own login function: from a
    worker thread, where no click context is current (a login that needed one hung on "Logging
    in…")."""
    assert run("--db", db_path, "logout").status == 0
    context = CliContext(str(db_path), None, demo=False, open_ui=None, clock=SYSTEM_CLOCK)
    return AppBehindLogin(context._log_in, name)


async def type_into(pilot: Pilot[None], box: str, text: str) -> None:
    pilot.app.query_one(box, Input).value = text
    pilot.app.query_one(box, Input).focus()
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def said(app: AppBehindLogin) -> str:
    return str(app.query_one("#problem", Static).render())


async def test_a_new_person_chooses_their_password_on_the_login_screen(
    run: Run, db_path: Path
) -> None:
    assert run("--db", db_path, "users", "add", "cleo", "--role", "clerk").status == 0
    app = login_app(run, db_path, "cleo")
    async with app.run_test(size=(80, 24)) as pilot:
        assert not app.query_one("#again", Input).display
        await type_into(pilot, "#password", "cleo's own secret")
        assert said(app) == "cleo has no password yet: choose one, and type it twice"
        assert app.query_one("#again", Input).display
        await type_into(pilot, "#again", "cleo's own secrte")  # a slip: nothing is set
        assert said(app) == "the two passwords differ: type the same one twice"
        app.query_one("#password", Input).value = "cleo's own secret"  # both boxes, once more
        await type_into(pilot, "#again", "cleo's own secret")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)  # the app itself, as cleo
        assert app.workspace.user.name == "cleo"


async def test_a_wrong_password_is_said_and_the_app_stays_shut(run: Run, db_path: Path) -> None:
    assert run("--db", db_path, "users", "list").status == 0  # pat's password is set
    app = login_app(run, db_path, "pat")
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(pilot, "#password", "not the password")
        assert said(app) == "wrong password for pat (4 more before the account is locked)"
        assert app.query_one("#password", Input).value == ""  # typed again, from the start
        assert app.is_running


async def test_before_logging_in_the_apps_keys_open_nothing(run: Run, db_path: Path) -> None:
    assert run("--db", db_path, "users", "list").status == 0
    app = login_app(run, db_path, "")
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.query_one("#name", Input).has_focus  # no name offered: it is typed first
        for key in ("f2", "f3", "f4", "f5", "f6", "f9", "f1", "ctrl+p"):
            await pilot.press("tab", key)
            await pilot.pause()
            assert isinstance(app.screen, LoginScreen), key
            assert not app.logged_in
        assert app.is_running


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_login_screen_snapshot(
    run: Run, db_path: Path, snap_compare: Callable[..., bool], size: tuple[int, int]
) -> None:
    """A new person, asked for a password twice: the tallest the login gets."""
    assert run("--db", db_path, "users", "add", "cleo", "--role", "clerk").status == 0

    async def asked_twice(pilot: Pilot[None]) -> None:
        await type_into(pilot, "#password", "cleo's own secret")
        for box in pilot.app.screen.query(Input):
            box.cursor_blink = False  # caught on or off, the snapshot would differ run to run

    assert snap_compare(login_app(run, db_path, "cleo"), terminal_size=size, run_before=asked_twice)
