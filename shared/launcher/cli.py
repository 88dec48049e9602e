"""`omnistore`: one command for every part. Each part keeps its own command line; this only dispatches.

Each part is imported only when its command runs (a counter terminal never loads the head-office service),
but by a plain import, so the import contracts see every edge from here to the parts.
"""

import argparse
import sys
from collections.abc import Callable


def _demo(argv: list[str]) -> int | None:
    from shared.launcher import demo
    return demo.main(argv)


def _audit(argv: list[str]) -> int | None:
    from shared.launcher.audit import cli
    return cli.main(argv)


def _nats(argv: list[str]) -> int | None:
    from shared.launcher import nats_cli
    return nats_cli.main(argv)


def _central(argv: list[str]) -> int | None:
    from central import cli
    return cli.main(argv)


def _edge(argv: list[str]) -> int | None:
    from edge import cli
    return cli.main(argv)


def _tui(argv: list[str]) -> int | None:
    from tui import cli
    return cli.main(argv)


PARTS: dict[str, tuple[Callable[[list[str]], int | None], str]] = {
    "demo": (_demo, "start a whole network (NATS, central, two stores, a warehouse), seeded, with the store UI"),
    "nats": (_nats, "write the NATS config and users, run a JetStream nats-server, create the streams"),
    "central": (_central, "the head-office service: ingest, ATP, catalog, stores, API"),
    "edge": (_edge, "a store's edge agent: stock, sales, sync with central, local API"),
    "tui": (_tui, "the counter terminal UI of one store"),
    "audit": (_audit, "check one store against head office: events, receipts, levels, allocations"),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="omnistore", description="omnistore: order management for retailers with physical stores.",
        epilog="Run `omnistore COMMAND --help` for the options of each command.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in PARTS.items():
        commands.add_parser(name, help=help_text, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    if not argv or argv[0] not in PARTS:
        parser.parse_args(argv or ["--help"])
        return 2
    run, _ = PARTS[argv[0]]
    return run(argv[1:]) or 0


if __name__ == "__main__":
    sys.exit(main())
