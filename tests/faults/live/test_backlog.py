"""A store's backlog of events (1,000 in the suite; 50,000 with OMNISTORE_FULL_FAULTS=1) drains to a central that
was down meanwhile: every event applied once, in order, and the two agree. Prints the rates it saw."""

import os
import time

from tests.faults.live.network import SKU
from tests.waiting import poll

STORE = "F04"
BACKLOG = 50_000 if os.environ.get("OMNISTORE_FULL_FAULTS") == "1" else 1_000


def test_a_large_backlog_reaches_a_central_that_was_down_once_and_in_order(network):
    network.central.stop()
    network.record_while_stopped(BACKLOG)
    started = time.monotonic()  # the agent is up: from here on, publishing
    status = network.status()
    first_backlog_seq = status["last_seq"] - BACKLOG + 1
    assert status["last_seq"] >= BACKLOG
    poll(lambda: network.status()["backlog"] == 0, max(60, BACKLOG / 200), what="the store publishes its backlog")
    published = time.monotonic()

    network.central.start()
    poll(lambda: network.status()["applied_seq"] == network.status()["last_seq"], max(60, BACKLOG / 200),
         what="central applies the backlog")
    applied = time.monotonic()
    assert network.agrees() == []
    audited = time.monotonic()
    print(f"\nbacklog of {BACKLOG} events from seq {first_backlog_seq}: published in {published - started:.1f} s once the agent was up "
          f"({BACKLOG / (published - started):.0f}/s), applied by central in {applied - published:.1f} s "
          f"({BACKLOG / (applied - published):.0f}/s, start-up included), audited in {audited - applied:.1f} s")
    on_hand = network.store.get(f"/v1/stock/{SKU}").json()["on_hand"]
    assert on_hand == BACKLOG
