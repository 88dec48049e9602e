"""`omnistore central …`: run the head-office service, manage its API tokens and receipt signing keys."""

import argparse
import contextlib
import signal
import sys
from pathlib import Path

from pydantic import ValidationError

from central.domain.scopes import Scope
from central.settings import CentralSettings
from shared.runtime.backups import BackupError, back_up, backup_file, restore
from shared.runtime.clock import to_text, utc_now
from shared.runtime.logs import LOG_FORMATS, set_up_logging, uvicorn_logging
from shared.runtime.tls import https_options

LOG_LEVELS = ["critical", "error", "warning", "info", "debug"]


def _database_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, help="SQLite file (default: from settings)")
    parser.add_argument("--config", type=Path, help="TOML settings file, to find the database")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="omnistore central", description="The head-office service: ingest of store events, network ATP, "
        "catalog publishing, store registration and the head-office API.",
        epilog="Settings come from defaults < --config TOML < OMNISTORE_CENTRAL_* environment < flags.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = commands.add_parser("serve", help="run the API and the NATS loops until SIGTERM/SIGINT",
                                description="Run central: HTTP API, event ingest, catalog and command publishing.")
    serve.add_argument("--config", type=Path, help="TOML settings file (keys as in docs/central.md)")
    serve.add_argument("--host", help="listen address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="listen port (default 8100)")
    serve.add_argument("--db", type=Path, dest="db_path", help="SQLite file (default central.db)")
    serve.add_argument("--nats-url", help="NATS URL(s), comma-separated (default nats://127.0.0.1:4222)")
    serve.add_argument("--log-level", choices=LOG_LEVELS, default="info", help="log verbosity (default info)")
    serve.add_argument("--log-format", choices=LOG_FORMATS,
                       help="text (default) or json: one JSON object a line, with the request id inside a request")

    tokens = commands.add_parser("tokens", help="manage API tokens", description="Manage API bearer tokens.")
    token_commands = tokens.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    create = token_commands.add_parser("create", help="make a token and print it (it is shown only once)",
                                       description="Make an API token; only its hash is stored.")
    create.add_argument("--name", required=True, help="who or what uses the token, e.g. webshop")
    create.add_argument("--scope", action="append", required=True, choices=[s.value for s in Scope],
                        help="admin, orders (includes read) or read; repeat for several")
    _database_options(create)
    listing = token_commands.add_parser(
        "list", help="list the tokens: name, scopes, created, last used, revoked (never a secret)",
        description="Print every token made, revoked ones too, one a line after a header: name, scopes, when it was "
                    "made, when it was last used (to the minute; - if never), when it was revoked (- if active). "
                    "Neither tokens nor their hashes are shown. The admin token of the settings is not listed.")
    _database_options(listing)
    revoke = token_commands.add_parser(
        "revoke", help="revoke the active token of a name: the API refuses it (401) from now on",
        description="Revoke the active token of this name; a running central refuses it from its next request. "
                    "Exit status 1 if no active token has the name.")
    revoke.add_argument("--name", required=True, help="the token's name, as `tokens list` shows it")
    _database_options(revoke)

    keys = commands.add_parser("keys", help="manage the receipt token signing keys",
                               description="Manage the Ed25519 keys that sign receipt tokens.")
    key_commands = keys.add_subparsers(dest="key_command", metavar="ACTION", required=True)
    rotate = key_commands.add_parser(
        "rotate", help="make a new signing key and print its id",
        description="Sign receipt tokens with a new key from now on. Old public keys stay published, so "
                    "tokens already issued still verify; a running central publishes the new set within a second.")
    _database_options(rotate)

    backup = commands.add_parser(
        "backup", help="copy central's database to a file while it runs",
        description="Write a consistent copy of central's database to FILE (SQLite's online backup: central keeps "
                    "ingesting meanwhile). The copy appears under its name only once complete and checked.")
    backup.add_argument("file", metavar="FILE", type=Path,
                        help="where to write the backup; in a folder, a file named after the database and the time")
    _database_options(backup)

    restore = commands.add_parser(
        "restore", help="put a backup in place of central's database (stop central first)",
        description="Replace central's database with a backup; the one it replaces is kept beside it as "
                    "<name>.replaced-<time>. Stop central before, start it after: central asks the stores for their "
                    "events since the backup (sync.resend); what head office itself recorded since is lost.")
    restore.add_argument("file", metavar="FILE", type=Path, help="the backup to restore")
    _database_options(restore)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "serve":
            return _serve(args)
        if args.command == "keys":
            return _rotate_key(args)
        if args.command == "backup":
            return _backup(args)
        if args.command == "restore":
            return _restore(args)
        return TOKEN_COMMANDS[args.token_command](args)
    except (ValidationError, FileNotFoundError, BackupError) as e:
        print(f"omnistore central: {_explain(e)}", file=sys.stderr)
        return 2


def _explain(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in error.errors())
    return str(error)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from central.api.app import create_app

    settings = CentralSettings.load(args.config, host=args.host, port=args.port, db_path=args.db_path,
                                    nats_url=args.nats_url, log_format=args.log_format)
    set_up_logging(args.log_level, settings.log_format)

    class Server(uvicorn.Server):
        """SIGTERM/SIGINT start a graceful shutdown (the lifespan stops the loops, closes NATS and SQLite).
        uvicorn would then raise the signal again and die of it; a clean stop exits 0 instead."""

        @contextlib.contextmanager
        def capture_signals(self):
            previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    server = Server(uvicorn.Config(create_app(settings), host=settings.host, port=settings.port,
                                   log_level=args.log_level, lifespan="on", **uvicorn_logging(settings.log_format),
                                   **https_options(settings.tls_cert_file, settings.tls_key_file)))
    server.run()
    return 0


def _create_token(args: argparse.Namespace) -> int:
    from central.services import tokens as auth
    from central.store.schema import open_database
    from shared.runtime.clock import utc_now

    db_path = args.db or CentralSettings.load(args.config).db_path
    db = open_database(db_path)
    try:
        with db.write() as conn:
            token = auth.create_token(conn, args.name, [Scope(s) for s in args.scope], utc_now())
    except auth.TokenNameTaken as e:
        print(f"omnistore central: {e.detail}", file=sys.stderr)
        return 1
    finally:
        db.close()
    print(token)
    return 0


def _list_tokens(args: argparse.Namespace) -> int:
    from central.services import tokens as auth
    from central.store.schema import open_database

    db = open_database(args.db or CentralSettings.load(args.config).db_path)
    try:
        with db.read() as conn:
            listed = auth.list_tokens(conn)
    finally:
        db.close()
    if not listed:
        print("no tokens yet; make one with `omnistore central tokens create --name NAME --scope SCOPE`")
        return 0
    print("name\tscopes\tcreated\tlast used\trevoked")
    for token in listed:
        print("\t".join([token.name, ",".join(token.scopes), _when(token.created_at), _when(token.last_used_at),
                         _when(token.revoked_at)]))
    return 0


def _when(moment) -> str:
    return to_text(moment) if moment is not None else "-"


def _revoke_token(args: argparse.Namespace) -> int:
    from central.services import tokens as auth
    from central.store.schema import open_database
    from shared.contract.errors import NotFound

    db = open_database(args.db or CentralSettings.load(args.config).db_path)
    try:
        with db.write() as conn:
            auth.revoke_token(conn, args.name, utc_now())
    except NotFound:
        with db.read() as conn:
            revoked = [t.revoked_at for t in auth.list_tokens(conn) if t.name == args.name]
        why = (f"the token {args.name!r} was revoked already ({_when(max(revoked))})" if revoked
               else f"no token is named {args.name!r}")
        print(f"omnistore central: {why}; `omnistore central tokens list` shows the tokens", file=sys.stderr)
        return 1
    finally:
        db.close()
    print(f"revoked the token {args.name!r}: the API refuses it from now on")
    return 0


TOKEN_COMMANDS = {"create": _create_token, "list": _list_tokens, "revoke": _revoke_token}


def _rotate_key(args: argparse.Namespace) -> int:
    from central.store import signing_keys
    from central.store.schema import open_database
    from shared.runtime.clock import utc_now

    db = open_database(args.db or CentralSettings.load(args.config).db_path)
    try:
        with db.write() as conn:
            signing_keys.ensure_key(conn, utc_now())  # a database never served still gets its first key
            kid = signing_keys.rotate(conn, utc_now())
    finally:
        db.close()
    print(kid)
    return 0


def _backup(args: argparse.Namespace) -> int:
    from shared.runtime.clock import utc_now

    db_path = args.db or CentralSettings.load(args.config).db_path
    copied = back_up(db_path, backup_file(args.file, db_path, utc_now()))
    print(f"backed up central's database to {copied.target} ({copied.size} bytes)")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from shared.runtime.clock import utc_now

    db_path = args.db or CentralSettings.load(args.config).db_path
    replaced = restore(args.file, db_path, utc_now(), holds_table="store_sync", what="head office database")
    if replaced is not None:
        print(f"the database it replaced is kept as {replaced}")
    print(f"restored {args.file} to {db_path}")
    return 0
