"""A nats-server for the bench: the deployment's own settings (JetStream, `sync_interval: always`), the project's
streams, and no users, so one bench connection may fill, purge and read any stream as it needs."""

import asyncio
from pathlib import Path

from shared.launcher.nats_server import NatsServer, render_server_config
from shared.runtime.nats_link import NatsLink
from shared.runtime.streams import ensure_streams
from tests.conftest import free_port


class BenchNats:
    def __init__(self, root: Path):
        root.mkdir(parents=True, exist_ok=True)
        self.port, monitor = free_port(), free_port()
        config = root / "nats.conf"
        config.write_text(render_server_config(host="127.0.0.1", port=self.port, monitor_port=monitor,
                                               store_dir=root / "jetstream"))
        (root / "auth.conf").write_text("")
        self.server = NatsServer(config, monitor, log_file=root / "nats.log")
        self.url = f"nats://127.0.0.1:{self.port}"

    async def __aenter__(self) -> NatsLink:
        self.server.start()
        self.link = NatsLink([self.url], user=None, password=None, inbox_prefix="_INBOX_BENCH", name="bench")
        self.link.start()
        await self.link.wait_online(10)
        await ensure_streams(self.link.js)
        return self.link

    async def __aexit__(self, *_) -> None:
        await self.link.close()
        await asyncio.to_thread(self.server.stop)
