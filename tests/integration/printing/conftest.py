"""A printer on loopback: a TCP server that records each job it receives (one connection, read to its end)."""

import asyncio
import socketserver
import threading

import pytest

from edge.printing.spool import MIGRATION
from shared.sqlite import Database


class LoopbackPrinter:
    """Listens on 127.0.0.1 like a network receipt or label printer on port 9100; `jobs` holds what arrived."""

    def __init__(self, port: int = 0):
        self.jobs: list[bytes] = []
        jobs = self.jobs

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                chunks = []
                while chunk := self.request.recv(65536):
                    chunks.append(chunk)
                jobs.append(b"".join(chunks))

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.target = f"network:127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def printer():
    running = LoopbackPrinter()
    yield running
    running.close()


@pytest.fixture
def db(tmp_path):
    database = Database(tmp_path / "edge.db", [MIGRATION])
    yield database
    database.close()


async def eventually(condition, what: str, timeout: float = 20.0):
    """The first truthy value of `condition()`, polled while the worker runs; fails naming `what` at the deadline."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if value := condition():
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"{what}: not within {timeout:.0f} s")
