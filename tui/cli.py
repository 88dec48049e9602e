"""`omnistore tui`: the counter UI of one store."""

import argparse
import os
import sys
from pathlib import Path

from shared.runtime.tls import client_context
from tui.app import THEMES, StoreApp
from tui.client import EdgeClient


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="omnistore tui", description=(
        "The counter terminal UI. It talks only to the store's edge agent over HTTP."))
    where = p.add_mutually_exclusive_group()
    where.add_argument("--store", metavar="SNNN", help="store id on this machine: S001 → http://127.0.0.1:8101, S002 → 8102 …")
    where.add_argument("--edge", metavar="URL", help="address of the store's edge agent (default http://127.0.0.1:8101)")
    p.add_argument("--theme", choices=sorted(THEMES), default=os.environ.get("OMNISTORE_TUI_THEME", "dark"),
                   help="colours for a dark or a light room (default dark, or OMNISTORE_TUI_THEME); "
                        "ctrl+p → 'theme' switches while running")
    p.add_argument("--ca-file", type=Path, default=os.environ.get("OMNISTORE_TUI_CA_FILE") or None,
                   help="CA certificate of an edge that serves HTTPS (default: the system's CAs, or "
                        "OMNISTORE_TUI_CA_FILE)")
    p.add_argument("--login-hint", help=argparse.SUPPRESS)
    return p


def edge_url(store: str | None, edge: str | None) -> str:
    if edge:
        return edge
    if store:
        digits = "".join(ch for ch in store if ch.isdigit())
        if not digits:
            raise SystemExit(f"omnistore tui: cannot tell the port of store {store!r}; pass --edge URL instead")
        return f"http://127.0.0.1:{8100 + int(digits)}"
    return "http://127.0.0.1:8101"


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.theme not in THEMES:
        raise SystemExit(f"omnistore tui: OMNISTORE_TUI_THEME must be one of {', '.join(sorted(THEMES))}, "
                         f"not {args.theme!r}")
    client = EdgeClient(edge_url(args.store, args.edge), verify=client_context(args.ca_file) or True)
    StoreApp(client, login_hint=args.login_hint, theme=args.theme).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
