"""`omnistore-store`: the one-file program of a store PC — the edge agent, the counter UI and printing.

It is `omnistore` cut down to what a store runs (no head office, no NATS server, no demo), so the file stays small
and a till needs no Python installed. `packaging/build.sh` freezes this module with PyInstaller.
"""

import argparse
import sys

from shared.launcher.cli import PARTS

STORE_PARTS = ("edge", "tui")


def version() -> str:
    from edge.settings import version as installed_version
    return installed_version()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="omnistore-store", description="omnistore for a store PC: the edge agent and the counter UI.",
        epilog="Run `omnistore-store COMMAND --help` for the options of each command.")
    parser.add_argument("--version", action="version", version=f"omnistore-store {version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in STORE_PARTS:
        commands.add_parser(name, help=PARTS[name][1], add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in STORE_PARTS:
        _parser().parse_args(argv or ["--help"])
        return 2
    run, _ = PARTS[argv[0]]
    return run(argv[1:]) or 0


if __name__ == "__main__":
    sys.exit(main())
