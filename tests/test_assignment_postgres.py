"""Assignment on PostgreSQL with each person connected as their own role: the database lets
them assign and hand back as the program does, and the log still verifies, each entry stamped
as written by its actor."""

from __future__ import annotations

import pytest

from tests.conftest import Run
from tests.test_database_roles import UrlFor, clock, practice, url_for

__all__ = ["clock", "practice", "url_for"]  # the fixtures, used by name

pytestmark = pytest.mark.postgres


def test_each_person_assigns_and_hands_back_as_themselves(run: Run, practice: UrlFor) -> None:
    assigned = run("--db", practice("mona"), "assign", "S01", "gina", "--note", "for Tuesday")
    assert assigned.status == 0, assigned.err
    mine = run("--db", practice("gina"), "queue", "--mine")
    assert mine.status == 0, mine.err
    assert "S01" in mine.out
    assert "S02" not in mine.out
    refused = run("--db", practice("cleo"), "hand-back", "S01", "--note", "not hers")
    assert refused.status == 1
    assert "only they or a manager" in refused.err
    back = run("--db", practice("gina"), "hand-back", "S01", "--note", "away on Tuesday")
    assert back.status == 0, back.err
    verified = run("--db", practice("cleo"), "log", "verify")
    assert verified.status == 0, verified.err
    assert "gina 1" in verified.out
    assert "mona 5" in verified.out
