"""Kill the parts mid-work (SIGKILL: no goodbye) and check that nothing committed is lost or applied twice."""

import asyncio
import sqlite3
import subprocess
import sys
from contextlib import closing

from nats.errors import TimeoutError as NatsTimeout

from shared.contract import subjects
from tests.faults.live.network import SKU, Network
from tests.processes import MANAGER
from tests.waiting import poll

STORE = "F01"
BACKLOG = 1500  # six of central's batches: time to kill it between two


def central_on_hand(network: Network) -> int | None:
    answer = network.head_office.get(f"/v1/atp/{SKU}")
    node = next((n for n in answer.json().get("nodes", []) if n["node_id"] == STORE), None)
    return node["on_hand"] if node else None


async def stored_events(central_nats) -> int:
    """How many events of the store the stream holds (the test's own link may still be reconnecting)."""
    for _ in range(20):
        try:
            info = await central_nats.js.stream_info(subjects.EVENTS_STREAM, subjects_filter=subjects.events(STORE))
        except (TimeoutError, NatsTimeout):
            await asyncio.sleep(0.5)
            continue
        return (info.state.subjects or {}).get(subjects.events(STORE), 0)
    raise AssertionError("the EVENTS stream did not answer")


async def test_an_edge_killed_while_draining_its_backlog_resumes_without_loss_or_repeats(network, nats_server,
                                                                                          central_nats):
    nats_server.stop()
    try:
        for n in range(300):
            network.receive(n)
    finally:
        nats_server.start()
    poll(lambda: network.status()["backlog"] < 300, what="the publisher starts draining")
    network.restart_edge()  # killed with part of the backlog still unsent
    assert await asyncio.to_thread(network.agrees) == []
    assert central_on_hand(network) == 300
    assert await stored_events(central_nats) == network.status()["last_seq"]


async def test_central_killed_mid_ingest_applies_each_event_exactly_once(network, central_nats):
    before = central_on_hand(network)
    start_seq = _applied_in_file(network)
    network.kill_central()
    network.record_while_stopped(BACKLOG)
    poll(lambda: network.status()["backlog"] == 0, what="the store publishes while central is down")
    last_seq = network.status()["last_seq"]
    # Killed again once it has applied part of the backlog, inside the ingest of the rest: watched from the moment it
    # starts, since it may take the whole backlog before it answers its health check.
    network.central.start(wait=False)
    poll(lambda: start_seq < _applied_in_file(network) < last_seq, what="central is part way through", step=0.002)
    network.restart_central()
    assert await asyncio.to_thread(network.agrees) == []
    assert central_on_hand(network) == before + BACKLOG
    assert await stored_events(central_nats) == network.status()["last_seq"]


def _applied_in_file(network: Network) -> int:
    """Central's place in the store's events, read from its database file: the backlog applies in a fraction of a
    second, a few batches, and a look over HTTP every 50 ms could miss every moment between two of them."""
    try:
        with closing(sqlite3.connect(f"file:{network.central.root / 'central.db'}?mode=ro", uri=True)) as conn:
            row = conn.execute("SELECT applied_seq FROM store_sync WHERE store_id = ?", (STORE,)).fetchone()
    except sqlite3.Error:  # central still making its database
        return 0
    return (row[0] or 0) if row else 0


def test_the_audit_command_passes_a_sound_store_and_names_what_is_off_with_exit_status_1(network, tmp_path):
    (tmp_path / "token").write_text(network.central.token)
    (tmp_path / "pin").write_text(MANAGER["pin"])
    command = [sys.executable, "-m", "shared.launcher.cli", "audit", "--store", STORE, "--central", network.central.url,
               "--central-token-file", str(tmp_path / "token"), "--edge", network.edge.url,
               "--manager", MANAGER["id"], "--pin-file", str(tmp_path / "pin")]
    sound = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert sound.returncode == 0, sound.stdout + sound.stderr
    assert f"{STORE}: 0 errors" in sound.stdout

    network.kill_central()
    with sqlite3.connect(network.central.root / "central.db") as db:  # head office's figure goes wrong
        db.execute("UPDATE levels SET on_hand = on_hand + 7 WHERE node_id = ? AND sku = ?", (STORE, SKU))
    network.central.start()
    off = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert off.returncode == 1, off.stdout + off.stderr
    edge_on_hand = network.store.get(f"/v1/stock/{SKU}").json()["on_hand"]
    assert f"{SKU}: on_hand/reserved/damaged at the store {edge_on_hand}/0/0, at central {edge_on_hand + 7}/0/0" \
        in off.stdout
