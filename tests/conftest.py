"""Hypothesis profiles: `ci` is repeatable (derandomized, a fixed count: `make test` and CI); `deep` digs
further with fresh examples every run (`make test-deep`)."""

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("deep", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _private_handgrad_home(tmp_path_factory, monkeypatch):
    """No test reads or writes the user's own practice history: each gets an empty HANDGRAD_HOME."""
    monkeypatch.setenv("HANDGRAD_HOME", str(tmp_path_factory.mktemp("handgrad-home")))


@pytest.fixture
def returning_learner():
    """A learner who has drilled before: a try graded, so a drill is not a first one (medium by default).
    Its gradient was left mid-way (no status): no review, stats or export of these tests' drills sees it."""
    from handgrad_cli.attempts import Attempt, Try
    from handgrad_cli.history import open_history
    from handgrad_cli.paths import history_path

    with open_history(history_path()) as history:
        history.record(Attempt("2025-01-01T00:00:00Z", "before", "softmax-ce-e1", "softmax-ce", "easy", "dlogits",
                               None, None, 0, 10.0, (Try(1, True, None, 0, 10.0),)))
