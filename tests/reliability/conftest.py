"""Fixtures of the reliability tests: one scenario fake per module, reset between uses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pytest_mturk import MTurkFake
from tests.reliability.strategies import PROD_BALANCE, Scenario, build_scenario


@pytest.fixture(scope="module")
def scenario() -> Iterator[Scenario]:
    """The scenario fake, started for the whole module (tests call ``scenario.reset()``)."""
    with MTurkFake(seed=20240601, balance=PROD_BALANCE) as fake:
        built = build_scenario(fake)
        yield built
        fake.check_invariants()
        assert not fake.internal_errors, fake.internal_errors
