"""Batches from a durable JetStream pull consumer, asked for with the bare pull request and acknowledged as plain
publishes: per message, only what the protocol needs.

The client's own `fetch` waits on a queue per message (a task and a timer each) and its `ack` is a call per
message; for a consumer that takes hundreds of messages a batch, that was a third of the process's CPU. Here one
subscription (an inbox of our own, a wildcard over the pull requests) collects what arrives in a list, and a batch is
over when it is full or when the server says so for the request that asked for it:

- 404 No Messages / 408 Request Timeout: nothing more for this request (the end of the stream, or `expires`);
- 409: the request was cut (the consumer's limit of waiting requests, a leader change); `Consumer Deleted` raises
  `ConsumerGone`, as does 503 (no one answers the request: the consumer does not exist);
- 100 Idle Heartbeat: ignored.

Each request has its own reply subject, so a status meant for an earlier request (one that expired while the link
was down) never ends the current one. A message that arrives between fetches (an earlier request delivering late)
is kept and handed out by the next fetch: delivered, it is not lost, and it is acked like any other once its batch
is applied. Acks are one `+ACK` publish per message to its own reply subject, written to the connection together.
"""

import asyncio
import json
from datetime import datetime, timezone

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import ConnectionClosedError
from nats.protocol.command import pub_cmd

ACK = b"+ACK"
# How long past the request's `expires` a fetch waits for the server's word before giving up on it (a link down).
GRACE_S = 0.5
# After a request the server cut with nothing delivered (409: too many waiting requests, a leader change), before
# the next: the waiting requests expire meanwhile, instead of a new one refused at once, again and again.
CUT_PAUSE_S = 0.1


async def ack(nc: Client, msgs: list[Msg]) -> None:
    """Acknowledge each JetStream message (its own `+ACK` to its own reply subject), all written at once; one
    without a reply subject is not JetStream's and has nothing to acknowledge. As a publish does, this queues the
    acks while the link is down (sent once it is back) and raises only on a closed connection."""
    commands = [pub_cmd(m.reply, "", ACK) for m in msgs if m.reply]
    if not commands:
        return
    if nc.is_closed:
        raise ConnectionClosedError
    await nc._send_command(b"".join(commands))
    await nc._flush_pending()


def delivery(reply: str | None) -> tuple[int, datetime] | None:
    """The stream's sequence number of a JetStream delivery and when the stream stored it, read from its reply
    subject: `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<nanoseconds>.<pending>`, or
    with a domain and an account hash after `$JS.ACK` (and a token at the end). None for any other message."""
    if not reply or not reply.startswith("$JS.ACK."):
        return None
    tokens = reply.split(".")
    if len(tokens) == 9:
        seq, stamp = tokens[5], tokens[7]
    elif len(tokens) >= 11:
        seq, stamp = tokens[7], tokens[9]
    else:
        return None
    try:
        return int(seq), datetime.fromtimestamp(int(stamp) / 1_000_000_000.0, timezone.utc)
    except ValueError:
        return None


class ConsumerGone(Exception):
    """The consumer the requests name does not exist (deleted, or never made): make it again."""


class PullError(Exception):
    """The server refused a pull request (a status other than the expected ones)."""


class JetStreamPull:
    """Pull requests to `$JS.API.CONSUMER.MSG.NEXT.<stream>.<consumer>` on one connection; `fetch` gives a batch
    (acknowledge it with `ack`)."""

    def __init__(self, nc: Client, stream: str, consumer: str, *, api_prefix: str = "$JS.API"):
        self._nc = nc
        self._next = f"{api_prefix}.CONSUMER.MSG.NEXT.{stream}.{consumer}"
        self._inbox = nc.new_inbox()  # under the connection's own inbox prefix, which its user may subscribe to
        self._sub = None
        self._requests = 0
        self._reply: str | None = None  # the reply subject of the request a fetch waits on
        self._wanted = 0
        self._arrived: list[Msg] = []
        self._done: asyncio.Future | None = None
        self._cut = False  # the server cut the current request short (a 409 other than a deleted consumer)

    async def start(self) -> None:
        self._sub = await self._nc.subscribe(f"{self._inbox}.*", cb=self._on_message)

    async def stop(self) -> None:
        if self._sub is not None:
            sub, self._sub = self._sub, None
            try:
                await sub.unsubscribe()
            except Exception:  # the connection is closed or down: the subscription went with it
                pass

    async def fetch(self, batch: int, expires_s: float) -> list[Msg]:
        """Up to `batch` messages: at once what the consumer has, else the first that come within `expires_s`
        (none: an empty list). Raises `ConsumerGone` or `PullError` when the server refuses the request."""
        if self._sub is None:
            await self.start()
        if len(self._arrived) >= batch:
            return self._take(batch)
        self._requests += 1
        self._reply = f"{self._inbox}.{self._requests}"
        self._wanted = batch
        self._done = asyncio.get_running_loop().create_future()
        self._cut = False
        # no_wait with expires: what is there now, else wait for the first messages, then the request is over
        request = {"batch": batch - len(self._arrived), "expires": int(expires_s * 1e9), "no_wait": True}
        try:
            await self._nc.publish(self._next, json.dumps(request).encode(), reply=self._reply)
            try:
                await asyncio.wait_for(self._done, expires_s + GRACE_S)
            except TimeoutError:  # no word from the server: the link is down, or the answer was lost
                pass
        finally:
            self._reply, self._done = None, None
        if self._cut and not self._arrived:
            await asyncio.sleep(CUT_PAUSE_S)
        return self._take(batch)

    def _take(self, batch: int) -> list[Msg]:
        taken, self._arrived = self._arrived[:batch], self._arrived[batch:]
        return taken

    async def _on_message(self, msg: Msg) -> None:
        if msg.reply:  # a delivery (a status message has no reply subject)
            self._arrived.append(msg)
            if self._done is not None and len(self._arrived) >= self._wanted and not self._done.done():
                self._done.set_result(None)
            return
        status = (msg.headers or {}).get("Status")
        if status is None:
            self._arrived.append(msg)  # not from JetStream: decoding will park it as unreadable
            return
        if msg.subject != self._reply or self._done is None or self._done.done():
            return  # about an earlier request, over already
        if status in ("404", "408"):
            self._done.set_result(None)
        elif status == "409":
            description = msg.headers.get("Description", "")
            if "deleted" in description.lower():
                self._done.set_exception(ConsumerGone(description))
            else:
                self._cut = True
                self._done.set_result(None)
        elif status == "503":
            self._done.set_exception(ConsumerGone("no responders: the consumer does not exist"))
        elif status != "100":
            self._done.set_exception(PullError(f"{status} {msg.headers.get('Description', '')}".strip()))
