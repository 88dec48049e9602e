"""A printer on loopback: a TCP server that records each job it receives (one connection, read to its end).

Like a real network printer it answers status queries first (ESC/POS DLE EOT, ZPL ~HS) from `condition`:
"ok", "paper_out", "cover_open" or "silent" (a model that ignores status queries).
"""

import socket
import socketserver
import threading

import pytest

from edge.printing.printer_status import ESCPOS_QUERY, ZPL_QUERY
from edge.printing.spool import MIGRATION
from shared.runtime.sqlite import Database


class LoopbackPrinter:
    """Listens on 127.0.0.1 like a network receipt or label printer on port 9100; `jobs` holds what arrived."""

    def __init__(self, port: int = 0, condition: str = "ok"):
        self._came: list[socket.socket] = []  # the connections in the order they came
        self._received: dict[socket.socket, bytes] = {}  # what each sent, once it ended
        self.condition = condition
        self.status_queries = 0
        printer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                received = b""
                while chunk := self.request.recv(65536):
                    received = printer._answer_queries(self.request, received + chunk)
                printer._received[self.request] = received

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

            def process_request(self, request, client_address):
                printer._came.append(request)  # in the accepting thread: one connection after another
                super().process_request(request, client_address)

        self._server = Server(("127.0.0.1", port), Handler)
        self.port = self._server.server_address[1]
        self.target = f"network:127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    @property
    def jobs(self) -> list[bytes]:
        """The jobs received whole, in the order their connections came, up to one still being read: each is read
        in a thread of its own, and on a busy machine a job can end being read after the one sent behind it."""
        jobs = []
        for connection in list(self._came):
            if connection not in self._received:
                break
            jobs.append(self._received[connection])
        return jobs

    def _answer_queries(self, connection, received: bytes) -> bytes:
        """What is left of `received` once the status queries at its start are answered."""
        for query, answer in ((ESCPOS_QUERY, self._escpos_answer), (ZPL_QUERY, self._zpl_answer)):
            if received.startswith(query):
                self.status_queries += 1
                if self.condition != "silent":
                    connection.sendall(answer())
                return received[len(query):]
        return received

    def _escpos_answer(self) -> bytes:
        offline_cause = {"paper_out": 0x32, "cover_open": 0x16}.get(self.condition, 0x12)
        paper_sensor = 0x72 if self.condition == "paper_out" else 0x12
        return bytes([offline_cause, paper_sensor])

    def _zpl_answer(self) -> bytes:
        paper_out = "1" if self.condition == "paper_out" else "0"
        head_open = "1" if self.condition == "cover_open" else "0"
        return (f"\x02030,{paper_out},0,1245,000,0,0,0,000,0,0,0\x03\r\n"
                f"\x02001,0,{head_open},0,1,2,6,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n").encode()

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
