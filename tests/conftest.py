"""Fixtures shared by every test: free loopback ports and a real JetStream nats-server per test file; how a whole
run spreads over worker processes."""

import asyncio
import os
import random
import shutil
import socket
import tempfile
import threading
from pathlib import Path

import pytest
from hypothesis import settings

from edge.services import access
from shared.contract.permissions import CENTRAL_USER
from shared.launcher.nats_cli import create_streams
from shared.launcher.nats_server import NatsLayout, NatsServer, write_deployment
from shared.runtime.nats_link import NatsLink
from shared.runtime.streams import ensure_streams
from tests.packaging.store_binary_build import start_in_background

TEST_STORES = [f"S00{n}" for n in range(1, 10)]
FAULT_STORES = [f"F0{n}" for n in range(1, 10)]  # one per fault test module, so no other test's events are theirs
PACKAGING_STORES = ["P01", "P02"]  # the store binary's test, the restore of a backup
TRANSFER_STORES = ["T01", "T02"]  # the transfer between two real stores: no other test's commands wait for them

RAM_DISK = Path("/dev/shm")
RAM_DISK_NEEDED = 2 * 2**30  # the suite's files at most (the store binary's build is the biggest), with room to spare


def ram_disk() -> Path | None:
    """A RAM disk the suite can keep its files on: writable, allowed to run programs (the store binary unpacks
    itself into the temp folder), and big enough (a container's /dev/shm is often 64 MB)."""
    try:
        usable = os.access(RAM_DISK, os.W_OK) and not os.statvfs(RAM_DISK).f_flag & os.ST_NOEXEC
        return RAM_DISK if usable and shutil.disk_usage(RAM_DISK).free > RAM_DISK_NEEDED else None
    except OSError:
        return None


# The parts flush every commit to the disk (SQLite synchronous=FULL, JetStream sync_interval: always), and the
# tests commit tens of thousands of times: on a shared disk those flushes, not the work, took most of the suite's
# time. On a RAM disk a flush costs nothing and everything else behaves the same (what survives a power cut no test
# here can show). Every temp folder of the run, the test process's and its children's, goes there unless TMPDIR
# names another place.
if "TMPDIR" not in os.environ and (ram := ram_disk()):
    os.environ["TMPDIR"] = tempfile.tempdir = str(ram)

# Property tests run Hypothesis' default budget in the suite (100 examples each, fewer where a test sets its own
# because one example is costly); `OMNISTORE_HYPOTHESIS_PROFILE=thorough` runs ten times as many, for a change to
# routing, sequencing or money rules.
settings.register_profile("thorough", max_examples=1000)
settings.load_profile(os.environ.get("OMNISTORE_HYPOTHESIS_PROFILE", "default"))


def _outgoing_ports_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


# A port the kernel hands out itself (bind to 0) is one of those it also gives to outgoing connections as their own
# end: let go, it may be taken by any connection of any process before the test's server binds it (seen with
# several test processes side by side). Ports below that range are only ever taken on purpose.
# With the suite spread over worker processes, each worker draws from its own share of that range: another worker's
# port, checked free but not bound yet by the process it is meant for, is never handed out twice.
WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:])
WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
PORTS = range(10000 + WORKER, _outgoing_ports_start(), WORKERS)
_given: set[int] = set()
_chance = random.SystemRandom()  # not the `random` module's state, which Hypothesis seeds in its tests


def free_port() -> int:
    """A loopback port nothing listens on, not given out before in this process."""
    while True:
        port = _chance.choice(PORTS)
        if port in _given:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _given.add(port)
        return port


class RunningNats:
    """A test file's server: its URL, the users' passwords, and stop/start/freeze for fault tests."""

    def __init__(self, root: Path):
        self.port, self.monitor_port = free_port(), free_port()
        self.layout = NatsLayout(root)
        stores = TEST_STORES + FAULT_STORES + PACKAGING_STORES + TRANSFER_STORES
        self.users = write_deployment(self.layout, store_ids=stores, host="127.0.0.1",
                                      port=self.port, monitor_port=self.monitor_port)
        self.server = NatsServer(self.layout.config, self.monitor_port, log_file=root / "nats.log")
        self.url = f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.server.start()
        # As `omnistore nats` does: the streams exist before any part connects. In a thread, because a
        # test's event loop may be running already.
        worker = threading.Thread(target=asyncio.run,
                                  args=(create_streams(self.url, self.password(CENTRAL_USER), 1),))
        worker.start()
        worker.join()

    def stop(self) -> None:
        self.server.stop()

    def password(self, user: str) -> str:
        return self.users[user]


@pytest.fixture(scope="module")
def nats_server(tmp_path_factory):
    """A server of the test file's own (started in a tenth of a second): no stream, message, consumer or store
    identity is shared with another file, so the files run in any order and side by side in worker processes. A
    folder whose files share one central overrides it with a package-wide one (tests/faults/live)."""
    yield from own_nats(tmp_path_factory)


def own_nats(tmp_path_factory):
    running = RunningNats(tmp_path_factory.mktemp("nats"))
    running.start()
    yield running
    running.stop()


@pytest.fixture
def nats_up(nats_server):
    """The file's server, started again if a fault test left it stopped or frozen."""
    nats_server.server.thaw()
    if nats_server.server.process is None or nats_server.server.process.poll() is not None:
        nats_server.start()
    return nats_server


@pytest.fixture
async def central_nats(nats_up):
    """A NATS link with central's identity, the streams in place."""
    link = NatsLink([nats_up.url], user=CENTRAL_USER, password=nats_up.password(CENTRAL_USER),
                    inbox_prefix="_INBOX_CENTRAL", name="test-central")
    link.start()
    assert await link.wait_online(10)
    await ensure_streams(link.js)
    yield link
    await link.close()


# Whatever needs a real nats-server or starts real processes takes seconds; `-m "not slow"` leaves it out, so a
# change can be checked in well under a minute, and the whole suite (CI, the README's command) still runs it all.
SLOW_FIXTURES = {"nats_server"}
SLOW_FOLDERS = ("e2e", "faults")


# A whole run (`uv run pytest`, with or without -m or -k: no file named, no -n given) spreads the test files over
# worker processes (pytest-xdist), a file at a time to whichever worker is free: most tests wait on processes and
# NATS more than they use the CPU. Naming files runs them in this process, without the workers' start; `-n 0` runs a
# whole run in one process. The files longest to run go first, so none of them is left running alone at the end;
# the store binary's test goes last, its build started in the background meanwhile.
LONGEST_FIRST = ("faults/test_nats_cluster.py", "faults/live/test_kill_and_restart.py",
                 "faults/live/test_backlog.py", "integration/test_tls.py", "faults/live/test_nats_faults.py",
                 "faults/test_stale_when_frozen.py")
LAST = ("packaging/test_store_binary.py",)


def whole_run_workers() -> int:
    return max(2, min(4, os.cpu_count() or 1))


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    whole_run = config.args_source == pytest.Config.ArgsSource.TESTPATHS
    chosen = getattr(config.option, "numprocesses", None) is not None or config.option.dist != "no"
    in_this_process = config.option.usepdb or config.option.collectonly or getattr(config.option, "stepwise", False)
    if whole_run and config.pluginmanager.hasplugin("xdist") and not chosen and not in_this_process \
            and "PYTEST_XDIST_WORKER" not in os.environ:
        config.option.numprocesses = whole_run_workers()
        config.option.dist = "loadfile"
        config.option.loadscopereorder = False  # in the order below, not by the number of tests in a file


def _place(item) -> int:
    path = Path(str(item.fspath)).relative_to(Path(__file__).parent).as_posix()
    if path in LONGEST_FIRST:
        return LONGEST_FIRST.index(path)
    return len(LONGEST_FIRST) + (path in LAST)


def pytest_collection_modifyitems(config, items):
    for item in items:
        folder = Path(str(item.fspath)).relative_to(Path(__file__).parent).parts[0]
        if folder in SLOW_FOLDERS or SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
    items.sort(key=_place)  # stable: a file's tests stay together and in their order


def pytest_collection_finish(session):
    """The store binary's build (~40 s of CPU) started now in the background, by one process of the run, when its
    test is among those to run and the cache does not have this tree's build."""
    first_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0") == "gw0"
    if first_worker and not session.config.option.collectonly and "OMNISTORE_STORE_BINARY" not in os.environ \
            and any("store_binary" in getattr(item, "fixturenames", ()) for item in session.items):
        start_in_background()


@pytest.fixture(autouse=True, scope="session")
def pins_hashed_with_a_light_work_factor():
    """scrypt is slow on purpose (a copied database must not give up its PINs), and the tests register and sign in
    associates hundreds of times. PINs registered in this process are hashed with a light work factor; a hash names
    its own factor, so signing in runs the same scrypt check, only cheaper. Agents started as processes keep the
    real factor."""
    real = access.SCRYPT_N
    access.SCRYPT_N = 2**8
    yield
    access.SCRYPT_N = real
