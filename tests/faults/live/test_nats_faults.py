"""NATS stopped and started, and frozen (SIGSTOP, then SIGCONT) again and again while a store sells and syncs:
every sale reaches central once, and the two agree in the end."""

import threading
import time

from tests.faults.live.network import seeded

STORE = "F03"
FAULTS = 6
SALES_PER_FAULT = 40


def test_a_store_and_central_agree_after_nats_is_stopped_and_frozen_repeatedly(network, nats_up):
    rng = seeded("nats-faults")
    receipts: list[str] = []

    def sell(first: int) -> None:
        for n in range(first, first + SALES_PER_FAULT):
            answer = network.sell(f"{STORE}-sale-{n}")
            assert answer.status_code == 201, answer.text
            receipts.append(answer.json()["receipt_number"])

    for round_ in range(FAULTS):
        seller = threading.Thread(target=sell, args=(round_ * SALES_PER_FAULT,))
        seller.start()
        time.sleep(rng.uniform(0, 0.5))  # the fault lands somewhere in the middle of the round's sales
        try:
            if rng.random() < 0.5:
                nats_up.server.freeze()  # a hung server: sockets open, nothing answers
                time.sleep(rng.uniform(1, 5))
            else:
                nats_up.stop()
                time.sleep(rng.uniform(0.2, 2))
        finally:
            nats_up.server.thaw()
            if nats_up.server.process.poll() is not None:
                nats_up.start()
        seller.join()

    assert len(set(receipts)) == FAULTS * SALES_PER_FAULT
    assert network.agrees(timeout=90) == []
