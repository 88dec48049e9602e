"""`omnistore edge …`: run a store's edge agent, and manage the store's associates."""

import argparse
import sys
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from edge.services.access import AssociateIn, list_associates, save_associates
from edge.settings import EdgeSettings
from edge.store.schema import open_database
from shared.runtime.backups import BackupError, back_up, backup_file
from shared.runtime.clock import utc_now
from shared.runtime.logs import LOG_FORMATS, set_up_logging, uvicorn_logging
from shared.runtime.tls import https_options

LOG_LEVELS = ["debug", "info", "warning", "error"]
ALL_PRINTERS = "*"


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", metavar="ID", help="store id, e.g. S001 (or OMNISTORE_EDGE_STORE_ID, or the "
                                                      "config file's store_id)")
    parser.add_argument("--config", metavar="FILE.toml", type=Path, help="TOML file with any of the settings")
    parser.add_argument("--db", metavar="PATH", type=Path, help="the store's SQLite database (default edge-<store>.db)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="omnistore edge", description="A store's edge agent: stock, sync with "
                                     "central over NATS, and the local API the counter terminals use.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, help="what to do")

    serve = commands.add_parser("serve", help="run the agent (API + sync) until SIGTERM or Ctrl-C",
                                description="Run the edge agent: the local HTTP API and the NATS sync loops. "
                                            "SIGTERM or Ctrl-C stops it cleanly.")
    _common(serve)
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8101)")
    serve.add_argument("--nats-url", metavar="URL[,URL…]", help="NATS server URL(s) (default nats://127.0.0.1:4222)")
    serve.add_argument("--nats-password-file", metavar="FILE", type=Path,
                       help="file holding the store's NATS password (or OMNISTORE_EDGE_NATS_PASSWORD_FILE)")
    serve.add_argument("--log-level", choices=LOG_LEVELS, help="how much to log (default info)")
    serve.add_argument("--log-format", choices=LOG_FORMATS,
                       help="text (default) or json: one JSON object a line, with the request id inside a request")

    associates = commands.add_parser("associates", help="add, update or list the store's associates",
                                     description="Manage the associates who may sign in at this store.")
    actions = associates.add_subparsers(dest="action", metavar="ACTION", required=True, help="add or list")
    add = actions.add_parser(
        "add", help="add or update associates from a JSON list on stdin",
        description='Read a JSON list from stdin, e.g. [{"id": "A1", "name": "Ana", "pin": "2468", "role": '
                    '"associate"}]; role is associate (default) or manager; a PIN is 4 to 8 digits. '
                    "Re-adding an id updates its name, role and PIN and lifts any lockout.")
    _common(add)
    listing = actions.add_parser("list", help="list the associates (never their PINs)",
                                 description="Print the store's associates, one a line: id, role, name.")
    _common(listing)

    printers = commands.add_parser(
        "printers", help="list the store's printers with their state; --test NAME prints a test page",
        description="List the printers of the store's settings (or the preview printers of print_dir) with their "
                    "spool state: ok or failing since when, jobs waiting, last error. With --test NAME, send a test "
                    "page straight to that printer and say whether it took it (exit status 1 if not).")
    _common(printers)
    printers.add_argument("--test", metavar="NAME", nargs="?", const=ALL_PRINTERS,
                          help="print a test page on the printer of this name, or on every printer if no name")

    backup = commands.add_parser(
        "backup", help="copy the store's database to a file while the agent runs",
        description="Write a consistent copy of the store's database to FILE (SQLite's online backup: the agent "
                    "keeps selling meanwhile). The copy appears under its name only once complete and checked.")
    _common(backup)
    backup.add_argument("file", metavar="FILE", type=Path,
                        help="where to write the backup; in a folder, a file named after the database and the time")

    restore = commands.add_parser(
        "restore", help="put a backup in place of the store's database (stop the agent first)",
        description="Replace the store's database with a backup and open a new epoch in it, so its events never "
                    "collide with those central already has from the lost copy. The database it replaces is kept "
                    "beside it as <name>.replaced-<time>. Stop the agent before, start it after.")
    _common(restore)
    restore.add_argument("file", metavar="FILE", type=Path, help="the backup to restore")
    return parser


def _settings(args: argparse.Namespace, **flags) -> EdgeSettings:
    return EdgeSettings.load(args.config, store_id=args.store, db_path=args.db, **flags)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from edge.api.app import create_app

    settings = _settings(args, host=args.host, port=args.port, nats_url=args.nats_url,
                         nats_password_file=args.nats_password_file, log_level=args.log_level,
                         log_format=args.log_format)
    set_up_logging(settings.log_level, settings.log_format)
    # uvicorn turns SIGTERM/SIGINT into a graceful shutdown, which runs the app's lifespan exit:
    # the publisher finishes its in-flight publish, NATS closes, the database closes.
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level=settings.log_level,
                timeout_graceful_shutdown=15, **https_options(settings.tls_cert_file, settings.tls_key_file),
                **uvicorn_logging(settings.log_format))
    return 0


def _associates_add(args: argparse.Namespace) -> int:
    settings = _settings(args)
    try:
        associates = TypeAdapter(list[AssociateIn]).validate_json(sys.stdin.read() or "null")
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the input"
        print(f"error: {where}: {first['msg']} — expected a JSON list like "
              '[{"id": "A1", "name": "Ana", "pin": "2468", "role": "associate"}]', file=sys.stderr)
        return 2
    db = open_database(settings.db_path)
    try:
        save_associates(db, associates, utc_now())
    finally:
        db.close()
    print(f"{len(associates)} associate{'s' if len(associates) != 1 else ''} saved in {settings.db_path}")
    return 0


def _associates_list(args: argparse.Namespace) -> int:
    settings = _settings(args)
    db = open_database(settings.db_path)
    try:
        for associate in list_associates(db):
            print(f"{associate.id}\t{associate.role}\t{associate.name}")
    finally:
        db.close()
    return 0


def _printers(args: argparse.Namespace) -> int:
    from edge.printing.jobs import print_now
    from edge.printing.printers import printer_states, test_page
    from edge.printing.targets import PrinterUnavailable

    settings = _settings(args)
    printing = settings.printing_settings()
    failed = 0
    if args.test is not None:
        chosen = [p for p in printing.printers if args.test in (ALL_PRINTERS, p.name)]
        if not chosen:
            names = ", ".join(p.name for p in printing.printers) or "none is configured"
            print(f"error: no printer named {args.test!r} (printers: {names})" if args.test != ALL_PRINTERS
                  else "error: no printers configured (add [[printing.printers]] to the settings, or set print_dir)",
                  file=sys.stderr)
            return 2
        for printer in chosen:
            try:
                print_now(test_page(printer, utc_now()), printer, timeout=printing.send_timeout_seconds,
                          timezone=settings.timezone)
                print(f"test page sent to {printer.name} ({printer.target})")
            except PrinterUnavailable as e:
                print(f"error: printer {printer.name} ({printer.target}) did not take the test page: {e}",
                      file=sys.stderr)
                failed += 1
    db = open_database(settings.db_path)
    try:
        with db.read() as conn:
            states = printer_states(conn, printing.printers)
    finally:
        db.close()
    if not states:
        print("no printers configured (add [[printing.printers]] to the settings, or set print_dir)")
    for state in states:
        since = f" since {state['failing_since']}" if state["failing_since"] else ""
        error = f"\t{state['last_error']}" if state["last_error"] else ""
        print(f"{state['name']}\t{state['kind']}\t{state['target']}\t{state['state']}{since}\t"
              f"queued {state['queued']}{error}")
    return 1 if failed else 0


def _backup(args: argparse.Namespace) -> int:
    db_path = _settings(args).db_path
    copied = back_up(db_path, backup_file(args.file, db_path, utc_now()))
    print(f"backed up the store's database to {copied.target} ({copied.size} bytes)")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from edge.services.backups import restore_store

    settings = _settings(args)
    restored = restore_store(args.file, settings.db_path, utc_now())
    if restored.replaced is not None:
        print(f"the database it replaced is kept as {restored.replaced}")
    change = restored.change
    print(f"restored {args.file} to {settings.db_path}; opened epoch {change.new} (was {change.old}) with a stock "
          f"snapshot of {change.snapshot_events} event(s). Start the agent and let it reach head office before "
          f"selling: sales made on the lost copy after this backup are only at head office.")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "serve":
            return _serve(args)
        if args.command == "printers":
            return _printers(args)
        if args.command == "backup":
            return _backup(args)
        if args.command == "restore":
            return _restore(args)
        if args.action == "add":
            return _associates_add(args)
        return _associates_list(args)
    except ValidationError as e:
        first = e.errors()[0]
        print(f"error: setting {'.'.join(str(p) for p in first['loc'])}: {first['msg']}", file=sys.stderr)
        return 2
    except (FileNotFoundError, BackupError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
