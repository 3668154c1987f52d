"""Shared test configuration: hypothesis profiles and the path to the strategies helper."""

import os

from hypothesis import HealthCheck, settings

# CI: derandomised and bounded, so a run is reproducible and fits the time budget.
settings.register_profile(
    "ci", derandomize=True, max_examples=60, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
