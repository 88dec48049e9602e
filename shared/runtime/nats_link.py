"""A NATS connection that never gives up: first connect retried forever, reconnects forever,
and a hung link noticed within seconds (ping every 3 s, 2 missed: TECH-NOTES measured 4–6 s)."""

import asyncio
import logging
import ssl
from collections.abc import Callable

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext

log = logging.getLogger(__name__)

PING_INTERVAL_S = 3
MAX_OUTSTANDING_PINGS = 2


class NatsLink:
    """Owns one client connection; `online` says whether it is up right now."""

    def __init__(self, servers: list[str], *, user: str | None, password: str | None, inbox_prefix: str,
                 name: str, on_change: Callable[[bool], None] | None = None, tls: ssl.SSLContext | None = None):
        self.servers = servers
        self._user, self._password = user, password
        self._inbox_prefix = inbox_prefix
        self._name = name
        self._on_change = on_change
        self._tls = tls  # None: plain TCP, unless a tls:// URL asks for the system's CAs
        self.nc: Client | None = None
        self.js: JetStreamContext | None = None
        self._connected = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._closing = False
        self.last_error: str | None = None

    @property
    def online(self) -> bool:
        return self.nc is not None and self.nc.is_connected

    def start(self) -> None:
        self._task = asyncio.create_task(self._connect_forever(), name=f"nats-connect-{self._name}")

    async def wait_online(self, timeout: float | None = None) -> bool:
        try:
            await asyncio.wait_for(self._connected.wait(), timeout)
        except TimeoutError:
            return False
        return self.online

    async def _connect_forever(self) -> None:
        delay = 0.2
        while not self._closing:
            try:
                self.nc = await nats.connect(
                    servers=self.servers, user=self._user, password=self._password, name=self._name,
                    inbox_prefix=self._inbox_prefix, tls=self._tls, allow_reconnect=True, max_reconnect_attempts=-1,
                    reconnect_time_wait=1, connect_timeout=2, ping_interval=PING_INTERVAL_S,
                    max_outstanding_pings=MAX_OUTSTANDING_PINGS,
                    error_cb=self._error, disconnected_cb=self._disconnected, reconnected_cb=self._reconnected)
            except Exception as e:  # the server may simply not be up yet
                error = str(e) or type(e).__name__
                if "CERTIFICATE" in error.upper() and error != self.last_error:
                    log.error("%s cannot trust the NATS server's certificate: %s", self._name, error)
                self.last_error = error
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
                continue
            self.js = self.nc.jetstream(timeout=5)
            self._connected.set()
            self._notify(True)
            log.info("%s connected to NATS at %s", self._name, self.nc.connected_url.netloc if self.nc.connected_url else "?")
            return

    def _notify(self, online: bool) -> None:
        if self._on_change is not None:
            self._on_change(online)

    async def _error(self, e: Exception) -> None:
        self.last_error = str(e) or type(e).__name__
        # A permission denial never raises in the caller (it times out): say it loudly here.
        level = logging.ERROR if "permission" in self.last_error.lower() else logging.DEBUG
        log.log(level, "%s NATS error: %s", self._name, self.last_error)

    async def _disconnected(self) -> None:
        if not self._closing:
            log.warning("%s lost its NATS link", self._name)
        self._notify(False)

    async def _reconnected(self) -> None:
        log.info("%s NATS link back", self._name)
        self._notify(True)

    async def close(self) -> None:
        self._closing = True
        if self._task is not None:
            self._task.cancel()
        if self.nc is not None and not self.nc.is_closed:
            try:
                await asyncio.wait_for(self.nc.close(), 3)
            except Exception:
                pass
