"""Fault tests: one central process for the modules that run real processes (each has a store of its own), so the
suite pays its start once; the others run central in-process like the central integration tests, with the same
settings fixture."""

import pytest

from tests.integration.central.conftest import make_settings  # noqa: F401  (a fixture, used by name)
from tests.processes import CentralProcess


@pytest.fixture(scope="session")
def fault_central(tmp_path_factory, nats_server):
    central = CentralProcess(tmp_path_factory.mktemp("central"), nats_server).start()
    yield central
    central.stop()
