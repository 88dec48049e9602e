"""`omnistore audit --store S001`: check one store against head office on a live network and print the
differences; exit status 1 when there is any error, 2 when a side cannot be read."""

import argparse
import os
import sys
from pathlib import Path

from shared.launcher.audit.compare import Difference, compare, errors
from shared.launcher.audit.reading import (
    AuditUnreachable,
    Endpoint,
    read_central,
    read_store,
    sign_in,
)
from shared.runtime.tls import client_context


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="omnistore audit",
        description="Compare one store with head office through their APIs: the events central applied are the "
                    "store's, each once; receipts and stock levels are equal; no order line is allocated twice; "
                    "both sides agree on every allocation. Prints each difference with what it means.",
        epilog="Secrets come from files or the environment: OMNISTORE_AUDIT_CENTRAL_TOKEN (a token with the read "
               "scope) and OMNISTORE_AUDIT_MANAGER_PIN. Exit status: 0 no error, 1 differences, 2 a side could not "
               "be read.")
    parser.add_argument("--store", required=True, metavar="ID", help="the store to check, e.g. S001")
    parser.add_argument("--central", default="http://127.0.0.1:8100", metavar="URL",
                        help="head office API (default http://127.0.0.1:8100)")
    parser.add_argument("--central-token-file", type=Path, metavar="FILE", help="file holding a read-scope token")
    parser.add_argument("--edge", default="http://127.0.0.1:8101", metavar="URL",
                        help="the store's edge API (default http://127.0.0.1:8101)")
    parser.add_argument("--manager", required=True, metavar="ID", help="a manager of the store, to sign in")
    parser.add_argument("--pin-file", type=Path, metavar="FILE", help="file holding the manager's PIN")
    parser.add_argument("--ca-file", type=Path, metavar="FILE",
                        help="CA certificate that signed the APIs' HTTPS certificates (default: the system's CAs)")
    parser.add_argument("--quiet", action="store_true", help="print errors only, not notices")
    return parser


def _secret(file: Path | None, variable: str, what: str) -> str:
    if file is not None:
        return file.read_text().strip()
    value = os.environ.get(variable)
    if not value:
        raise FileNotFoundError(f"give {what} with a file option or {variable}")
    return value


def run(store_id: str, central: Endpoint, store: Endpoint) -> list[Difference]:
    """The audit itself, for tests and the command alike: every difference between the store and central.

    Central is read first: on a live network the store may go on selling meanwhile, and what it numbers after
    central was read shows as not yet applied (lag), never as central holding events the store does not."""
    at_central = read_central(central, store_id)
    return compare(store_id, read_store(store), at_central)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    verify = client_context(args.ca_file) or True
    try:
        central = Endpoint(args.central, _secret(args.central_token_file, "OMNISTORE_AUDIT_CENTRAL_TOKEN",
                                                 "a head-office token"), verify)
        store = sign_in(Endpoint(args.edge, verify=verify), args.manager,
                        _secret(args.pin_file, "OMNISTORE_AUDIT_MANAGER_PIN", "the manager's PIN"))
        differences = run(args.store, central, store)
    except (AuditUnreachable, FileNotFoundError) as e:
        print(f"omnistore audit: {e}", file=sys.stderr)
        return 2
    shown = errors(differences) if args.quiet else differences
    for difference in shown:
        print(difference)
    failed = errors(differences)
    print(f"{args.store}: {len(failed)} error{'s' if len(failed) != 1 else ''}, "
          f"{len(differences) - len(failed)} notice{'s' if len(differences) - len(failed) != 1 else ''}")
    return 1 if failed else 0
