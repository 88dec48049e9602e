"""The systemd units in packaging/systemd: they parse, run as their own user, restart on failure, keep state under
/var/lib/omnistore, take secrets as credentials, and name commands, binaries and paths that exist in the program
and in docs/install.md."""

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from central.cli import _parser as central_parser
from edge.cli import build_parser as edge_parser
from shared.launcher.store_binary import STORE_PARTS
from tui.cli import parser as tui_parser

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "packaging" / "systemd"
INSTALL = (ROOT / "docs" / "install.md").read_text()
STATE = "/var/lib/omnistore"
BINARIES = {"/usr/local/bin/omnistore-store", "/opt/omnistore/.venv/bin/omnistore"}
SERVICES = sorted(UNITS.glob("*.service"))
LONG_RUNNING = [u for u in SERVICES if "backup" not in u.name]


def parse(path: Path) -> dict[str, list[tuple[str, str]]]:
    """A unit file's sections as (key, value) pairs in order (a key may repeat, as systemd allows)."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        assert current is not None and "=" in line, f"{path.name}:{number}: not a key=value line: {line!r}"
        key, value = line.split("=", 1)
        current.append((key.strip(), value.strip()))
    return sections


def values(unit: Path, section: str, key: str) -> list[str]:
    return [v for k, v in parse(unit).get(section, []) if k == key]


def one(unit: Path, section: str, key: str) -> str:
    found = values(unit, section, key)
    assert len(found) == 1, f"{unit.name}: [{section}] {key} set {len(found)} times"
    return found[0]


def test_the_units_are_there():
    assert {u.name for u in SERVICES} >= {"omnistore-store.service", "omnistore-central.service",
                                         "omnistore-counter@.service", "omnistore-store-backup.service",
                                         "omnistore-central-backup.service"}


@pytest.mark.parametrize("unit", SERVICES, ids=lambda u: u.name)
def test_each_service_runs_as_its_own_user_with_its_state_under_var_lib(unit):
    assert one(unit, "Service", "User").startswith("omnistore")
    assert "omnistore" in one(unit, "Service", "Group")
    assert one(unit, "Service", "NoNewPrivileges") == "yes"
    assert one(unit, "Service", "ProtectSystem") == "strict"
    if "counter" not in unit.name:
        assert one(unit, "Service", "WorkingDirectory") == STATE
        assert "omnistore" in one(unit, "Service", "StateDirectory").split()


@pytest.mark.parametrize("unit", LONG_RUNNING, ids=lambda u: u.name)
def test_each_long_running_service_restarts_and_never_gives_up(unit):
    assert one(unit, "Service", "Restart") in {"on-failure", "always"}
    assert one(unit, "Unit", "StartLimitIntervalSec") == "0"
    assert one(unit, "Install", "WantedBy") == "multi-user.target"


@pytest.mark.parametrize("unit", SERVICES, ids=lambda u: u.name)
def test_secrets_come_only_as_credentials_from_root_only_files(unit):
    credentials = {}
    for entry in values(unit, "Service", "LoadCredential"):
        name, source = entry.split(":", 1)
        assert source.startswith("/etc/omnistore/credentials/"), entry
        credentials[name] = source
    for entry in values(unit, "Service", "Environment"):
        key, value = entry.split("=", 1)
        assert not any(word in key for word in ("PASSWORD", "TOKEN")) or key.endswith("_FILE"), \
            f"{unit.name}: a secret inline in the environment: {key}"
        if key.endswith("_FILE"):
            assert value.startswith("%d/") and value[3:] in credentials, f"{unit.name}: {entry} is no credential"
    for source in credentials.values():
        assert source in INSTALL, f"docs/install.md does not say where {source} comes from"


def run_lines(unit: Path) -> list[list[str]]:
    return [shlex.split(v) for v in values(unit, "Service", "ExecStart")]


@pytest.mark.parametrize("unit", SERVICES, ids=lambda u: u.name)
def test_each_command_exists_in_the_program_and_in_the_docs(unit):
    for argv in run_lines(unit):
        binary, args = argv[0], argv[1:]
        assert binary in BINARIES and binary in INSTALL, f"{unit.name}: {binary}"
        if binary.endswith("omnistore-store"):
            assert args[0] in STORE_PARTS
        part, rest = args[0], args[1:]
        parse_args = {"edge": edge_parser().parse_args, "central": central_parser().parse_args,
                      "tui": tui_parser().parse_args}[part]
        parsed = parse_args(rest)  # argparse exits (SystemExit) on an option or command that does not exist
        if getattr(parsed, "config", None) is not None:
            config = str(parsed.config)
            assert config in INSTALL and config.startswith("/etc/omnistore/")
            example = ROOT / "packaging" / "examples" / Path(config).name
            assert example.is_file() and config in example.read_text(), f"{example.name} does not say {config}"
        if getattr(parsed, "file", None) is not None:  # backups: in the state directory, as the docs say
            assert str(parsed.file).startswith(STATE) and str(parsed.file) in INSTALL


@pytest.mark.parametrize("name", ["store.toml", "central.toml"])
def test_the_example_settings_keep_the_database_in_the_state_directory(name):
    text = (ROOT / "packaging" / "examples" / name).read_text()
    assert f'db_path = "{STATE}/' in text


def test_the_docs_name_every_unit_file():
    for path in UNITS.iterdir():
        assert path.name in INSTALL or path.name.rsplit(".", 1)[0] + ".service`, `.timer`" in INSTALL, path.name


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here")
def test_systemd_analyze_verify_finds_nothing(tmp_path):
    """systemd's own check. It insists that the binaries exist: they are stand-ins in a temporary root."""
    for binary in BINARIES:
        stand_in = tmp_path / binary.lstrip("/")
        stand_in.parent.mkdir(parents=True, exist_ok=True)
        stand_in.write_text("#!/bin/sh\n")
        stand_in.chmod(0o755)
    units = tmp_path / "units"
    units.mkdir()
    for path in [*UNITS.glob("*.service"), *UNITS.glob("*.timer")]:
        text = path.read_text()
        for binary in BINARIES:
            text = text.replace(binary, str(tmp_path / binary.lstrip("/")))
        (units / path.name.replace("@.service", "@tty1.service")).write_text(text)
    names = sorted(p.name for p in units.iterdir())
    checked = subprocess.run(["systemd-analyze", "verify", "--man=no", *names], cwd=units, capture_output=True,
                             text=True, timeout=60, env={"SYSTEMD_UNIT_PATH": f"{units}:", "PATH": "/usr/bin:/bin"})
    assert checked.returncode == 0 and not checked.stderr.strip(), checked.stderr
