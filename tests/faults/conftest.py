"""One central for every fault test (each module has a store of its own), so the suite pays its start once."""

import pytest

from tests.processes import CentralProcess


@pytest.fixture(scope="session")
def fault_central(tmp_path_factory, nats_server):
    central = CentralProcess(tmp_path_factory.mktemp("central"), nats_server).start()
    yield central
    central.stop()
