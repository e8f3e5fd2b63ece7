"""A quick tampering run (tests/reliability/README.md): a copy of a decided practice's database,
changed at random in each of the ways tampering.KINDS names, is caught by `log verify` against
the practice's checkpoint every time. The long run is
`python -m tests.reliability.tampering --trials 1000`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability import tampering

TRIALS_PER_KIND = 3


@pytest.fixture(scope="module")
def practice(tmp_path_factory: pytest.TempPathFactory) -> tampering.Practice:
    return tampering.build_practice(tmp_path_factory.mktemp("practice"))


def test_the_untouched_copy_verifies(practice: tampering.Practice, tmp_path: Path) -> None:
    """So that a trial caught is caught for its tampering, not for something else."""
    copy = tmp_path / "practice.db"
    copy.write_bytes(practice.database.read_bytes())
    assert tampering.verification_problem(practice, copy) == ""


def test_every_kind_of_tampering_is_caught(practice: tampering.Practice, tmp_path: Path) -> None:
    trials = TRIALS_PER_KIND * len(tampering.KINDS)
    results = tampering.run(practice, trials, seed=1, work=tmp_path)
    assert results.missed == []
    assert results.caught == results.tried
    assert set(results.tried) == set(tampering.KINDS)
