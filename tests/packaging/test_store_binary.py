"""The store's one-file program, built as `packaging/build.sh` builds it, run as a store PC runs it: no Python on
the PATH, started outside the repository, against a real nats-server and a real terminal."""

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import httpx
import pytest

from edge.store.products import upsert_product
from edge.store.schema import open_database
from shared.contract.events import CatalogProduct
from tests.packaging.store_binary_build import BUILD_TIMEOUT_S, BuildFailed, built
from tests.processes import ASSOCIATE, EdgeProcess
from tests.waiting import poll

STORE = "P01"
SKU = "BIN-TEE"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(BUILD_TIMEOUT_S + 120)]


def bare_env(home: Path) -> dict[str, str]:
    """A store PC's environment: no virtualenv, no Python on the PATH, nothing pointing at the sources."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", "TERM": "xterm-256color"}


@pytest.fixture(scope="session")
def store_binary() -> Path:
    """This tree's build (tests/packaging/store_binary_build.py), or the one OMNISTORE_STORE_BINARY names.
    PyInstaller is a dev dependency: if it is missing, this fails, never skips."""
    if prebuilt := os.environ.get("OMNISTORE_STORE_BINARY"):
        return Path(prebuilt).resolve()
    try:
        return built()
    except BuildFailed as failed:
        pytest.fail(str(failed))


@pytest.fixture(scope="module")
def edge_from_binary(store_binary, tmp_path_factory, nats_server):
    root = tmp_path_factory.mktemp("store-pc")
    edge = EdgeProcess(root, STORE, nats_server, name="Binary Ballindamm", program=[str(store_binary), "edge"],
                       env={"PATH": "/usr/bin:/bin", "OMNISTORE_EDGE_PRINT_DIR": str(root / "prints"),
                            # the time zones must come from inside the binary: the system's are switched off
                            "OMNISTORE_EDGE_TIMEZONE": "Europe/Berlin", "PYTHONTZPATH": ""})
    edge.provision()
    db = open_database(edge.db)
    with db.write() as conn:
        upsert_product(conn, CatalogProduct(sku=SKU, name="Binary tee", price=1500, currency="EUR"))
    db.close()
    edge.start()
    yield edge
    edge.stop()


def test_it_tells_its_version_with_no_python_around(store_binary, tmp_path):
    ran = subprocess.run([str(store_binary), "--version"], capture_output=True, text=True, timeout=60,
                         cwd=tmp_path, env=bare_env(tmp_path))
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == f"omnistore-store {_project_version()}"


def test_it_holds_the_data_libraries_load_at_run_time_and_no_head_office(store_binary):
    listing = subprocess.run(["pyi-archive_viewer", "--list", "--recursive", str(store_binary)], capture_output=True,
                             text=True, timeout=120).stdout
    names = {line.rsplit(",", 1)[-1].strip(" '") for line in listing.splitlines()}
    assert {"escpos/capabilities.json", "tui/store.tcss", "tzdata/zoneinfo/Europe/Berlin",
            "textual.widgets._tab_pane"} <= names  # textual imports its widgets lazily, by name
    assert not [name for name in names if name.split(".")[0] in {"central", "countryinfo", "scipy", "numpy"}]


def test_the_edge_from_the_binary_serves_sells_and_publishes_to_nats(edge_from_binary, store_binary):
    edge = edge_from_binary
    with httpx.Client(base_url=edge.url, timeout=10) as store:
        health = store.get("/healthz").json()
        assert (health["status"], health["store_id"], health["version"]) == ("ok", STORE, _project_version())
        token = store.post("/v1/login", json={"associate_id": ASSOCIATE["id"], "pin": ASSOCIATE["pin"]}).json()
        store.headers["Authorization"] = f"Bearer {token['token']}"
        received = store.post("/v1/stock/receive", json={"sku": SKU, "qty": 3, "reference": "DEL-1"})
        assert received.status_code == 201, received.text
        sale = store.post("/v1/sales", json={"lines": [{"sku": SKU, "qty": 1}],
                                             "tenders": [{"type": "cash", "amount": 1500}]},
                          headers={"Idempotency-Key": f"bin-{uuid.uuid4()}"})
        assert sale.status_code == 201, sale.text
        assert sale.json()["receipt_number"].startswith(f"{STORE}-")
        assert store.get(f"/v1/stock/{SKU}").json()["on_hand"] == 2
        # JetStream acknowledged every event: the NATS client and its loops work inside the binary too
        poll(lambda: (s := store.get("/v1/sync/status").json())["backlog"] == 0 and s["last_acked_seq"] >= 3,
             what="the sale published to JetStream")
    # the printers of the store, each sent a test page (here the preview folder) and listed with its state
    printers = subprocess.run([str(store_binary), "edge", "printers", "--test", "--store", STORE, "--db",
                               str(edge.db)], capture_output=True, text=True, timeout=60, cwd=edge.root,
                              env={**bare_env(edge.root), "OMNISTORE_EDGE_PRINT_DIR": str(edge.root / "prints")})
    assert printers.returncode == 0, printers.stderr
    assert "test page sent to counter" in printers.stdout and "test page sent to labels" in printers.stdout
    pages = sorted(page.read_text().split()[1] for page in (edge.root / "prints").glob("*-test-page.txt"))
    assert pages == ["LABEL", "PAGE"]  # ESC/POS on the receipt printer (escpos's data bundled), ZPL on the other
    receipts = [p for p in (edge.root / "prints").glob("*.bin") if "test-page" not in p.name]
    assert any(p.read_bytes().startswith(b"\x1b@") for p in receipts)  # the sale's receipt, real ESC/POS


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it)")
def test_the_counter_ui_from_the_binary_draws_its_sign_in_screen(edge_from_binary, store_binary, tmp_path):
    session = f"omnistore-bin-{uuid.uuid4().hex[:8]}"
    command = f"env -i PATH=/usr/bin:/bin HOME={tmp_path} TERM=xterm-256color {store_binary} tui --edge " \
              f"{edge_from_binary.url}"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24", "-c", str(tmp_path),
                    command], check=True)
    try:
        first = poll(lambda: (text := _screen(session)) and "Associate id" in text and "Binary Ballindamm" in text
                     and text, timeout=60, what="the sign-in screen in the terminal")
        assert "^q Quit" in first
        subprocess.run(["tmux", "send-keys", "-t", session, "C-q"], check=True)
        poll(lambda: subprocess.run(["tmux", "has-session", "-t", session], capture_output=True).returncode != 0,
             what="the UI quits on Ctrl+Q")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def _screen(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout


def _project_version() -> str:
    import importlib.metadata
    return importlib.metadata.version("omnistore")

