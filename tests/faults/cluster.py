"""The 3-node JetStream cluster of docker-compose.yml as three nats-server processes on loopback.

Each node runs packaging/nats/node-N.conf, the file the compose file mounts, with only where it listens, where it
keeps its JetStream files and where its routes point changed for this machine (`localise`); the users come from
`omnistore nats --config-only`, written where the compose file's `deploy` volume puts them."""

import json
import re
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from shared.launcher.nats_server import NatsLayout, NatsServer, write_deployment
from tests.conftest import free_port

REPO = Path(__file__).resolve().parents[2]
NODE_NAMES = ("nats-1", "nats-2", "nats-3")
NODE_CONFIGS = {name: REPO / "packaging" / "nats" / f"node-{name[-1]}.conf" for name in NODE_NAMES}

# The lines of a node config that say where things are on a host; every other line runs as written.
CLIENT_LISTEN = re.compile(r"^port: 4222$")
MONITOR_LISTEN = re.compile(r"^http_port: 8222$")
CLUSTER_LISTEN = re.compile(r"^  port: 6222$")
STORE_DIR = re.compile(r'^  store_dir: "/data/jetstream"$')
ROUTE = re.compile(r'^    "nats-route://(nats-\d):6222"$')
MACHINE_LINES = (CLIENT_LISTEN, MONITOR_LISTEN, CLUSTER_LISTEN, STORE_DIR, ROUTE)


@dataclass(frozen=True)
class NodePorts:
    client: int
    monitor: int
    cluster: int


def localise(text: str, own: NodePorts, cluster_ports: dict[str, int], store_dir: Path) -> str:
    """A compose node config for loopback: its own ports and directory, routes to the other nodes' ports."""
    lines = []
    for line in text.splitlines():
        if CLIENT_LISTEN.match(line):
            line = f"listen: 127.0.0.1:{own.client}"
        elif MONITOR_LISTEN.match(line):
            line = f"http: 127.0.0.1:{own.monitor}"
        elif CLUSTER_LISTEN.match(line):
            line = f"  listen: 127.0.0.1:{own.cluster}"
        elif STORE_DIR.match(line):
            line = f"  store_dir: {json.dumps(str(store_dir))}"
        elif route := ROUTE.match(line):
            line = f'    "nats-route://127.0.0.1:{cluster_ports[route.group(1)]}"'
        lines.append(line)
    return "\n".join(lines) + "\n"


class NatsCluster:
    """Three nodes, the parts' NATS URL listing all of them, and kill -9 / start of one node for fault tests."""

    def __init__(self, root: Path, store_ids: list[str]):
        self.root = root
        deploy = NatsLayout(root / "deploy")  # what `omnistore nats --config-only --dir /deploy` writes
        self.users = write_deployment(deploy, store_ids=store_ids, host="127.0.0.1", port=free_port(),
                                      monitor_port=free_port())
        self.ports = {name: NodePorts(free_port(), free_port(), free_port()) for name in NODE_NAMES}
        cluster_ports = {name: ports.cluster for name, ports in self.ports.items()}
        self.servers: dict[str, NatsServer] = {}
        for name in NODE_NAMES:
            node_dir = root / name
            node_dir.mkdir()
            # The compose file mounts the deploy volume beside the config as ./deploy.
            (node_dir / "deploy").symlink_to(root / "deploy", target_is_directory=True)
            config = node_dir / "node.conf"
            config.write_text(localise(NODE_CONFIGS[name].read_text(), self.ports[name], cluster_ports,
                                       node_dir / "jetstream"))
            self.servers[name] = NatsServer(config, self.ports[name].monitor, log_file=node_dir / "nats.log")
        self.url = ",".join(f"nats://127.0.0.1:{ports.client}" for ports in self.ports.values())

    def password(self, user: str) -> str:
        return self.users[user]

    def start(self) -> None:
        for server in self.servers.values():
            server.start()

    def start_node(self, name: str) -> None:
        self.servers[name].start()

    def kill_node(self, name: str) -> None:
        """SIGKILL: no goodbye to the other nodes or the clients."""
        process = self.servers[name].process
        process.kill()
        process.wait()

    def running(self) -> list[str]:
        return [name for name, server in self.servers.items()
                if server.process is not None and server.process.poll() is None]

    def jsz(self, name: str) -> dict:
        url = f"http://127.0.0.1:{self.ports[name].monitor}/jsz?accounts=true&streams=true"
        with urllib.request.urlopen(url, timeout=2) as response:
            return json.load(response)

    def stream_cluster(self, stream: str, asked: str) -> dict | None:
        """The stream's `cluster` block (leader, replicas) as node `asked` sees it; None if it does not host it."""
        for account in self.jsz(asked).get("account_details") or []:
            for detail in account.get("stream_detail") or []:
                if detail["name"] == stream:
                    return detail.get("cluster") or {}
        return None

    def leader(self, stream: str) -> str | None:
        """The stream's leader as a running node that hosts it reports it, or None while there is none."""
        for name in self.running():
            try:
                cluster = self.stream_cluster(stream, name)
            except OSError:
                continue
            if cluster and cluster.get("leader") in self.running():
                return cluster["leader"]
        return None

    def replica_current(self, stream: str, name: str) -> bool:
        """Whether the stream's leader sees node `name` as a replica that has caught up."""
        leader = self.leader(stream)
        if leader is None or leader == name:
            return leader == name
        cluster = self.stream_cluster(stream, leader) or {}
        return any(r["name"] == name and r.get("current") for r in cluster.get("replicas") or [])

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()
