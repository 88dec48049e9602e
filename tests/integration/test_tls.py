"""TLS between the parts, with a CA the test makes: a store syncs with central over a TLS-only nats-server, a
client calls both HTTP APIs over HTTPS, and a certificate from another CA is refused on every link."""

import asyncio
import ssl
import threading

import httpx
import pytest
import trustme

from shared.contract.permissions import CENTRAL_USER
from shared.launcher.audit.cli import run
from shared.launcher.audit.reading import Endpoint
from shared.launcher.nats_cli import create_streams
from shared.launcher.nats_server import (
    NatsLayout,
    NatsServer,
    ServerTls,
    write_deployment,
)
from shared.runtime.nats_link import NatsLink
from shared.runtime.tls import client_context
from tests.conftest import free_port
from tests.processes import MANAGER, CentralProcess, EdgeProcess
from tests.waiting import poll
from tui.client import EdgeClient, EdgeUnreachable

STORE = "S001"
SKU = "TLS-TEE"


class TlsNats:
    """A nats-server of its own that speaks only TLS, with a certificate for 127.0.0.1 signed by the test's CA."""

    def __init__(self, root, cert, key):
        self.port, monitor_port = free_port(), free_port()
        self.users = write_deployment(NatsLayout(root), store_ids=[STORE], host="127.0.0.1", port=self.port,
                                      monitor_port=monitor_port, tls=ServerTls(cert, key))
        self.server = NatsServer(NatsLayout(root).config, monitor_port, log_file=root / "nats.log")
        self.url = f"nats://127.0.0.1:{self.port}"

    def password(self, user: str) -> str:
        return self.users[user]


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    root = tmp_path_factory.mktemp("pki")
    ca, stranger = trustme.CA(), trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    server.private_key_pem.write_to_path(str(root / "server.key"))
    server.cert_chain_pems[0].write_to_path(str(root / "server.pem"))
    for pem in server.cert_chain_pems[1:]:
        pem.write_to_path(str(root / "server.pem"), append=True)
    ca.cert_pem.write_to_path(str(root / "ca.pem"))
    stranger.cert_pem.write_to_path(str(root / "other-ca.pem"))
    return root


@pytest.fixture(scope="module")
def tls_nats(tmp_path_factory, pki):
    nats = TlsNats(tmp_path_factory.mktemp("nats-tls"), pki / "server.pem", pki / "server.key")
    nats.server.start()
    worker = threading.Thread(target=asyncio.run, args=(create_streams(
        nats.url, nats.password(CENTRAL_USER), 1, client_context(pki / "ca.pem")),))
    worker.start()
    worker.join()
    yield nats
    nats.server.stop()


async def connects(nats: TlsNats, tls: ssl.SSLContext | None) -> tuple[bool, str | None]:
    link = NatsLink([nats.url], user=STORE, password=nats.password(STORE), inbox_prefix="_INBOX_S001",
                    name="test-tls", tls=tls)
    link.start()
    try:
        return await link.wait_online(1.5), link.last_error
    finally:
        await link.close()


async def test_a_nats_client_trusts_the_server_only_through_the_right_ca(tls_nats, pki):
    assert (await connects(tls_nats, client_context(pki / "ca.pem")))[0]
    online, error = await connects(tls_nats, client_context(pki / "other-ca.pem"))
    assert not online and "CERTIFICATE_VERIFY_FAILED" in (error or "")
    online, _ = await connects(tls_nats, None)  # plain TCP is not served
    assert not online


async def counter_signs_in(url: str, verify: ssl.SSLContext) -> dict:
    """The counter UI's own client, trusting `verify`."""
    return await EdgeClient(url, verify=verify).login(MANAGER["id"], MANAGER["pin"])


def test_a_store_syncs_over_tls_and_both_apis_answer_only_over_trusted_https(tmp_path, tls_nats, pki):
    https = {"CERT_FILE": str(pki / "server.pem"), "KEY_FILE": str(pki / "server.key")}
    ca = pki / "ca.pem"
    trusted = client_context(ca)
    central = CentralProcess(tmp_path, tls_nats, https_ca=ca, env={
        "OMNISTORE_CENTRAL_NATS_CA_FILE": str(ca), **{f"OMNISTORE_CENTRAL_TLS_{k}": v for k, v in https.items()}})
    central.start()
    edge = EdgeProcess(tmp_path, STORE, tls_nats, https_ca=ca, env={
        "OMNISTORE_EDGE_NATS_CA_FILE": str(ca), **{f"OMNISTORE_EDGE_TLS_{k}": v for k, v in https.items()}})
    try:
        with httpx.Client(base_url=central.url, verify=trusted,
                          headers={"Authorization": f"Bearer {central.token}"}) as head_office:
            head_office.put(f"/v1/stores/{STORE}", json={"name": "Mitte", "address": "Unter den Linden 1",
                                                        "lat": 52.5, "lon": 13.4}).raise_for_status()
            head_office.put(f"/v1/products/{SKU}", json={"name": "TLS tee", "price": 900,
                                                        "currency": "EUR"}).raise_for_status()
            edge.start()
            with httpx.Client(base_url=edge.url, verify=trusted) as store:
                token = store.post("/v1/login", json={"associate_id": MANAGER["id"], "pin": MANAGER["pin"]}).json()
                store.headers["Authorization"] = f"Bearer {token['token']}"
                poll(lambda: store.get(f"/v1/stock/{SKU}").status_code == 200, what="the catalog reaches the store")
                answer = store.post("/v1/stock/receive", json={"sku": SKU, "qty": 3, "reference": "DEL-TLS"})
                assert answer.status_code == 201, answer.text
                central_side, store_side = Endpoint(central.url, central.token, trusted), \
                    Endpoint(edge.url, token["token"], trusted)
                poll(lambda: run(STORE, central_side, store_side) == [] and head_office.get(
                    f"/v1/atp/{SKU}").json()["nodes"][0]["on_hand"] == 3, what="central has the store's stock")

        assert asyncio.run(counter_signs_in(edge.url, trusted))["associate"]["id"] == MANAGER["id"]
        with pytest.raises(EdgeUnreachable):
            asyncio.run(counter_signs_in(edge.url, client_context(pki / "other-ca.pem")))
        for url in (central.url, edge.url):
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                httpx.get(f"{url}/healthz", verify=client_context(pki / "other-ca.pem"))
            with pytest.raises(httpx.HTTPError):
                httpx.get(f"{url.replace('https', 'http')}/healthz")  # no plain HTTP beside HTTPS
    finally:
        edge.stop()
        central.stop()


def test_omnistore_nats_writes_a_tls_config_the_server_accepts_and_refuses_half_of_one(tmp_path, pki):
    from shared.launcher import nats_cli

    base = ["--dir", str(tmp_path), "--config-only", "--port", str(free_port()), "--monitor-port", str(free_port())]
    assert nats_cli.main([*base, "--tls-cert", str(pki / "server.pem")]) == 2  # a key is needed too
    assert nats_cli.main([*base, "--tls-cert", str(pki / "server.pem"), "--tls-key", str(pki / "server.key")]) == 0
    layout = NatsLayout(tmp_path)
    assert "server.pem" in layout.config.read_text()
    NatsServer(layout.config, 0).check_config()
