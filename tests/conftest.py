"""Hypothesis profiles: `ci` is repeatable (derandomized, fixed count); `dev` digs deeper."""

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=300, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(autouse=True)
def _private_handgrad_home(tmp_path_factory, monkeypatch):
    """No test reads or writes the user's own practice history: each gets an empty HANDGRAD_HOME."""
    monkeypatch.setenv("HANDGRAD_HOME", str(tmp_path_factory.mktemp("handgrad-home")))
