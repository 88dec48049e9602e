"""`omnistore nats`: a JetStream nats-server for one deployment, with its users and streams."""

import argparse
import asyncio
import signal
import ssl
import sys
import threading
from pathlib import Path

from shared.contract.permissions import CENTRAL_USER
from shared.contract.subjects import CENTRAL_INBOX_PREFIX, STORE_ID
from shared.launcher.nats_server import (
    NatsLayout,
    NatsServer,
    ServerTls,
    write_deployment,
)
from shared.runtime.nats_link import NatsLink
from shared.runtime.streams import ensure_streams
from shared.runtime.tls import check_server_files, client_context


def _store_ids(text: str) -> list[str]:
    ids = [s.strip() for s in text.split(",") if s.strip()]
    bad = [s for s in ids if not STORE_ID.match(s)]
    if bad:
        raise argparse.ArgumentTypeError(f"store ids must look like S001 (upper-case letters, digits, - or _): {bad}")
    return ids


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="omnistore nats", description=(
        "Write the NATS server config (JetStream, sync_interval: always), one user for central and one per store "
        "with the subject permissions of the design, start nats-server, and create the EVENTS, COMMANDS and "
        "CATALOG streams (existing streams and their data are kept). Passwords go to DIR/secrets/, readable only "
        "by the owner; parts read them with OMNISTORE_…_NATS_PASSWORD_FILE."))
    p.add_argument("--dir", type=Path, default=Path(".omnistore"), help="data directory (default: ./.omnistore)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=4222, help="client port (default: 4222)")
    p.add_argument("--monitor-port", type=int, default=8222, help="HTTP monitoring port (default: 8222)")
    p.add_argument("--stores", type=_store_ids, default=["S001", "S002"],
                   help="comma-separated store ids that get a NATS user (default: S001,S002)")
    p.add_argument("--replicas", type=int, default=1, help="stream replicas (1 here; 3 in a cluster)")
    p.add_argument("--tls-cert", type=Path, metavar="FILE",
                   help="the server's certificate (PEM); with --tls-key, clients must talk TLS (default: plain)")
    p.add_argument("--tls-key", type=Path, metavar="FILE", help="the server certificate's private key (PEM)")
    p.add_argument("--tls-ca", type=Path, metavar="FILE",
                   help="the CA that signed --tls-cert, to create the streams over TLS (default: the system's CAs)")
    p.add_argument("--config-only", action="store_true", help="write the config and passwords, then exit")
    return p


async def create_streams(url: str, password: str, replicas: int, tls: ssl.SSLContext | None = None) -> None:
    link = NatsLink([url], user=CENTRAL_USER, password=password, inbox_prefix=CENTRAL_INBOX_PREFIX,
                    name="omnistore-nats", tls=tls)
    link.start()
    try:
        if not await link.wait_online(15):
            raise RuntimeError(f"could not connect to {url} as {CENTRAL_USER}: {link.last_error}")
        await ensure_streams(link.js, replicas)
    finally:
        await link.close()


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    layout = NatsLayout(args.dir)
    try:
        check_server_files(args.tls_cert, args.tls_key)
    except ValueError as e:
        print(f"omnistore nats: {e}", file=sys.stderr)
        return 2
    tls = ServerTls(args.tls_cert, args.tls_key) if args.tls_cert else None
    users = write_deployment(layout, store_ids=args.stores, host=args.host, port=args.port,
                             monitor_port=args.monitor_port, tls=tls)
    server = NatsServer(layout.config, args.monitor_port, log_file=args.dir / "logs" / "nats.log")
    server.check_config()
    print(f"NATS config: {layout.config}\npasswords:   {layout.users_file.parent}/nats-<user>.password")
    if args.config_only:
        return 0
    (args.dir / "logs").mkdir(parents=True, exist_ok=True)
    server.start()
    try:
        url = f"nats://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else args.host}:{args.port}"
        context = (client_context(args.tls_ca) or ssl.create_default_context()) if tls else None
        asyncio.run(create_streams(url, users[CENTRAL_USER], args.replicas, context))
        print(f"nats-server running at {url} (pid {server.pid}); streams ready. Ctrl+C stops it.", flush=True)
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        while not stop.is_set() and server.process.poll() is None:
            stop.wait(0.5)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
