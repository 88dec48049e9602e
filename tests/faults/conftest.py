"""Fault tests run central in-process like the central integration tests, with the same settings fixture."""

from tests.integration.central.conftest import make_settings  # noqa: F401  (a fixture, used by name)
