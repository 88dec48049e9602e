"""A live network for these fault tests: one central process for the whole folder (each module brings a store of
its own, so the suite pays central's start once), on a nats-server of the folder's own: no other test's central
shares its consumer. The folder's files run in one worker process, one after another (tests/conftest.py)."""

import pytest

from tests.conftest import own_nats
from tests.faults.live.network import Network
from tests.processes import CentralProcess


@pytest.fixture(scope="package")
def nats_server(tmp_path_factory):
    yield from own_nats(tmp_path_factory)


@pytest.fixture(scope="package")
def fault_central(tmp_path_factory, nats_server):
    central = CentralProcess(tmp_path_factory.mktemp("central"), nats_server).start()
    yield central
    central.stop()


@pytest.fixture(scope="module")
def network(request, tmp_path_factory, nats_server, fault_central):
    """The module's store (its `STORE`) and the folder's central."""
    net = Network(tmp_path_factory.mktemp("faults"), nats_server, request.module.STORE, fault_central)
    yield net
    net.close()
