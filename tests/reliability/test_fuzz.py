"""A quick fuzz of each importer and the policy loader (tests/reliability/README.md): inputs
made from the samples end in problems, never in an exception. The long run is
`python -m tests.reliability.fuzz --count 10000`."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from tests.reliability.targets import TARGETS, Target


@pytest.mark.parametrize("target", TARGETS, ids=[target.name for target in TARGETS])
def test_mutated_inputs_end_in_problems_never_in_an_exception(target: Target) -> None:
    @settings(max_examples=300, database=None, suppress_health_check=list(HealthCheck))
    @given(target.inputs)
    def read(data: bytes) -> None:
        target.check(data)

    read()
