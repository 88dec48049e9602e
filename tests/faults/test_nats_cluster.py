"""The 3-node JetStream cluster of docker-compose.yml, proven: central and two stores on it (their NATS URL lists the
three nodes, the streams R3 as central creates them in production), stores selling and head office placing orders
while one node is killed and brought back, then while the EVENTS stream's leader is killed. Every sale is answered
2xx, each receipt once, every order accepted; the audit then finds no difference between each store and central.

The figures (time without a leader, how late events reached central) are printed for docs/reliability.md:
`uv run pytest -s tests/faults/test_nats_cluster.py`."""

import threading
import time
import uuid
from dataclasses import dataclass, field

import httpx
import pytest

from shared.contract import subjects
from shared.contract.streams import STREAMS
from shared.launcher.audit.cli import run
from shared.launcher.audit.compare import errors
from shared.launcher.audit.reading import Endpoint
from tests.faults.cluster import NODE_NAMES, NatsCluster
from tests.processes import MANAGER, CentralProcess, EdgeProcess
from tests.waiting import poll

STORES = {"S001": (53.5511, 9.9937), "S002": (53.6304, 10.0845)}
SKU, PRICE = "CLUSTER-TEE", 1500
SALE_EVERY_S = 0.1   # per store: a busy counter, not a benchmark
ORDER_EVERY_S = 0.5
PHASE_S = 4          # selling time with the cluster whole, without a node, and after a leader change


@dataclass
class Till:
    """One store's counter selling in a thread: every answer it got, and when."""

    store_id: str
    client: httpx.Client
    answers: list[tuple[float, int, str]] = field(default_factory=list)  # (time, status, receipt or body)

    def sell(self, n: int) -> None:
        started = time.monotonic()
        try:
            answer = self.client.post("/v1/sales", json={"lines": [{"sku": SKU, "qty": 1}],
                                                         "tenders": [{"type": "cash", "amount": PRICE}]},
                                      headers={"Idempotency-Key": f"{self.store_id}-cluster-sale-{n}"})
            self.answers.append((started, answer.status_code,
                                 answer.json()["receipt_number"] if answer.status_code == 201 else answer.text))
        except httpx.TransportError as e:
            self.answers.append((started, 0, repr(e)))


def signed_in(edge: EdgeProcess) -> httpx.Client:
    client = httpx.Client(base_url=edge.url, timeout=15)
    token = client.post("/v1/login", json={"associate_id": MANAGER["id"], "pin": MANAGER["pin"]}).json()["token"]
    client.headers["Authorization"] = f"Bearer {token}"
    return client


class Busy:
    """Tills selling, head office ordering and a sampler noting each store's last event and what central applied,
    all in threads until `stop`."""

    def __init__(self, tills: list[Till], head_office: httpx.Client):
        self.tills, self.head_office = tills, head_office
        self.orders: list[tuple[int, str]] = []
        self.samples: dict[str, list[tuple[float, int, int]]] = {t.store_id: [] for t in tills}  # (t, last, applied)
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._sell, args=(till,)) for till in tills]
        self._threads += [threading.Thread(target=self._order), threading.Thread(target=self._sample)]

    def __enter__(self) -> "Busy":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def _sell(self, till: Till) -> None:
        n = 0
        while not self._stop.wait(SALE_EVERY_S):
            till.sell(n)
            n += 1

    def _order(self) -> None:
        while not self._stop.wait(ORDER_EVERY_S):
            lat, lon = STORES["S001" if len(self.orders) % 2 else "S002"]
            try:
                answer = self.head_office.post("/v1/orders", headers={"Idempotency-Key": str(uuid.uuid4())}, json={
                    "channel": "web", "customer": {"name": "Mia Vogel"}, "lines": [{"sku": SKU, "qty": 1}],
                    "delivery": {"type": "ship", "address": {
                        "name": "Mia Vogel", "line1": "Jungfernstieg 1", "city": "Hamburg", "postal_code": "20354",
                        "country": "DE", "lat": lat, "lon": lon}}})
                self.orders.append((answer.status_code, answer.text))
            except httpx.TransportError as e:
                self.orders.append((0, repr(e)))

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            for till in self.tills:
                try:
                    last = till.client.get("/v1/sync/status").json()["last_seq"]
                    applied = self.head_office.get(f"/v1/stores/{till.store_id}").json()["applied_seq"] or 0
                except (httpx.TransportError, KeyError):
                    continue
                self.samples[till.store_id].append((time.monotonic(), last, applied))


def event_delays(samples: list[tuple[float, int, int]]) -> list[tuple[float, float]]:
    """(written at, seconds until central applied it) for each event central applied, as the 0.1 s samples see it:
    written when the store's last seq first reached it, applied when central's applied seq first did."""
    delays = []
    for seq in range(1, (samples[-1][2] if samples else 0) + 1):
        written = next((t for t, last, _ in samples if last >= seq), None)
        applied = next(t for t, _, applied in samples if applied >= seq)
        if written is not None:
            delays.append((written, max(0.0, applied - written)))
    return delays


def longest(delays: list[tuple[float, float]], start: float, end: float) -> float:
    return max((delay for written, delay in delays if start <= written < end), default=0.0)


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    root = tmp_path_factory.mktemp("cluster")
    cluster = NatsCluster(root, list(STORES))
    cluster.start()
    poll(lambda: cluster.jsz("nats-1")["meta_cluster"].get("leader"), 30, what="the cluster elects a meta leader")
    # As in docker-compose.yml: central creates the streams, with three replicas.
    central = CentralProcess(root, cluster, env={"OMNISTORE_CENTRAL_STREAM_REPLICAS": "3"}).start()
    head_office = httpx.Client(base_url=central.url, headers={"Authorization": f"Bearer {central.token}"}, timeout=15)
    for store_id, (lat, lon) in STORES.items():
        head_office.put(f"/v1/stores/{store_id}", json={"name": store_id, "address": f"{store_id}, Hamburg",
                                                        "lat": lat, "lon": lon}).raise_for_status()
    head_office.put(f"/v1/products/{SKU}", json={"name": "Cluster tee", "price": PRICE,
                                                 "currency": "EUR"}).raise_for_status()
    edges = [EdgeProcess(root, store_id, cluster, name=store_id).start() for store_id in STORES]
    tills = [Till(edge.store_id, signed_in(edge)) for edge in edges]
    for till in tills:
        poll(lambda c=till.client: c.get(f"/v1/stock/{SKU}").status_code == 200, 30, what="the product at the store")
        till.client.post("/v1/stock/receive", json={"sku": SKU, "qty": 1000, "reference": "DEL-1"},
                         headers={"Idempotency-Key": f"{till.store_id}-cluster-receive"}).raise_for_status()
    yield cluster, central, head_office, edges, tills
    for till in tills:
        till.client.close()
    head_office.close()
    for edge in edges:
        edge.stop()
    central.stop()
    cluster.stop()


def test_the_streams_are_replicated_three_times_and_synced_on_every_write(network):
    cluster = network[0]
    for stream in STREAMS:
        placed = poll(lambda s=stream.name: cluster.stream_cluster(s, "nats-1"), what=f"{stream.name} on nats-1")
        # nats-1 lists the other replicas, the leader among them unless it is nats-1 itself.
        assert {"nats-1", placed["leader"], *(r["name"] for r in placed["replicas"])} == set(NODE_NAMES)
        assert len(placed["replicas"]) == 2
    for name in NODE_NAMES:
        assert cluster.jsz(name)["config"]["sync_always"] is True


def test_stores_keep_selling_and_nothing_is_lost_or_doubled_when_nodes_and_the_leader_die(network):
    cluster, central, head_office, edges, tills = network
    figures: dict[str, float | int | str] = {}
    with Busy(tills, head_office) as busy:
        began = time.monotonic()
        time.sleep(PHASE_S)
        leader = poll(lambda: cluster.leader(subjects.EVENTS_STREAM), what="the EVENTS stream has a leader")
        follower = next(name for name in NODE_NAMES if name != leader)
        follower_killed_at = time.monotonic()
        cluster.kill_node(follower)
        time.sleep(PHASE_S)
        started = time.monotonic()
        cluster.start_node(follower)
        poll(lambda: cluster.replica_current(subjects.EVENTS_STREAM, follower), 30,
             what=f"{follower} caught up with the EVENTS stream")
        figures["node restarted and caught up after (s)"] = time.monotonic() - started
        time.sleep(PHASE_S)

        leader = poll(lambda: cluster.leader(subjects.EVENTS_STREAM), what="the EVENTS stream has a leader")
        leader_killed_at = time.monotonic()
        cluster.kill_node(leader)
        new_leader = poll(lambda: cluster.leader(subjects.EVENTS_STREAM), 30, what="a new EVENTS leader")
        leader_back_at = time.monotonic()
        assert new_leader != leader
        time.sleep(PHASE_S)
        cluster.start_node(leader)
        ended = time.monotonic()
    figures["time without an EVENTS leader (s)"] = leader_back_at - leader_killed_at

    for till in tills:
        refused = [a for a in till.answers if a[1] != 201]
        assert refused == [], f"{till.store_id} did not answer every sale: {refused[:5]}"
        receipts = [a[2] for a in till.answers]
        assert len(set(receipts)) == len(receipts) > 3 * PHASE_S  # one receipt per sale, sales all along
        leaderless = [a for a in till.answers if leader_killed_at <= a[0] < leader_back_at]
        assert leaderless, "no sale was tried while the stream had no leader"
        figures[f"{till.store_id} sales (of them while leaderless)"] = f"{len(receipts)} ({len(leaderless)})"
    assert [o for o in busy.orders if o[0] != 201] == [] and busy.orders
    figures["orders placed"] = len(busy.orders)
    for edge, till in zip(edges, tills):
        token = till.client.headers["Authorization"].split()[1]
        last: list = []

        def clean(edge=edge, token=token) -> bool:
            last[:] = run(edge.store_id, Endpoint(central.url, central.token), Endpoint(edge.url, token))
            return not errors(last)
        poll(clean, 60, what=f"store {edge.store_id} and central agree (last audit: {last[:5]})", step=0.5)

    phases = {"whole": (began, follower_killed_at), "one node down": (follower_killed_at, leader_killed_at),
              "leader killed": (leader_killed_at, ended)}
    for store_id, samples in busy.samples.items():
        delays = event_delays(samples)
        for phase, (start, end) in phases.items():
            figures[f"{store_id} longest event delay, {phase} (s)"] = longest(delays, start, end)
    print("\nNATS cluster figures:", {k: round(v, 2) if isinstance(v, float) else v for k, v in figures.items()})
