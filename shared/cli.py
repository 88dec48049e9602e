"""`omnistore`: one command for every part. Each part keeps its own command line; this only dispatches."""

import argparse
import importlib
import sys

PARTS = {
    "demo": ("shared.demo", "start a whole network (NATS, central, two stores, a warehouse), seeded, with the store UI"),
    "nats": ("shared.nats_cli", "write the NATS config and users, run a JetStream nats-server, create the streams"),
    "central": ("central.cli", "the head-office service: ingest, ATP, catalog, stores, API"),
    "edge": ("edge.cli", "a store's edge agent: stock, sales, sync with central, local API"),
    "tui": ("tui.cli", "the counter terminal UI of one store"),
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
    module = importlib.import_module(PARTS[argv[0]][0])
    return module.main(argv[1:]) or 0


if __name__ == "__main__":
    sys.exit(main())
