"""`omnistore central …` as an operator runs it."""

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from central.cli import main
from central.settings import CentralSettings
from shared.launcher.cli import main as omnistore
from tests.conftest import free_port
from tests.integration.central.conftest import ADMIN_TOKEN, running_central


class TestTokensCreate:
    def test_prints_a_token_the_api_accepts_and_refuses_a_taken_name(self, tmp_path, capsys):
        db = tmp_path / "central.db"
        assert main(["tokens", "create", "--name", "webshop", "--scope", "orders", "--db", str(db)]) == 0
        token = capsys.readouterr().out.strip()
        assert token.startswith("omni_") and len(token) > 30
        assert main(["tokens", "create", "--name", "webshop", "--scope", "read", "--db", str(db)]) == 1
        assert "already exists" in capsys.readouterr().err

    def test_refuses_an_unknown_scope(self, tmp_path):
        with pytest.raises(SystemExit) as exit_:
            main(["tokens", "create", "--name", "x", "--scope", "root", "--db", str(tmp_path / "c.db")])
        assert exit_.value.code == 2


class TestTokensListAndRevoke:
    async def test_a_token_is_listed_without_its_secret_and_once_revoked_the_api_refuses_it(self, tmp_path, capsys):
        db = tmp_path / "central.db"
        assert omnistore(["central", "tokens", "create", "--name", "webshop", "--scope", "orders", "--db", str(db)]) == 0
        webshop = capsys.readouterr().out.strip()
        assert omnistore(["central", "tokens", "create", "--name", "bi", "--scope", "read", "--db", str(db)]) == 0
        capsys.readouterr()
        settings = CentralSettings(db_path=db, admin_token=ADMIN_TOKEN)
        async with running_central(settings, with_nats=False) as central:
            used = await central.client.get("/v1/stores", headers={"Authorization": f"Bearer {webshop}"})
            assert used.status_code == 200

            assert omnistore(["central", "tokens", "list", "--db", str(db)]) == 0
            listed = capsys.readouterr().out
            header, *rows = [line.split("\t") for line in listed.splitlines()]
            assert header == ["name", "scopes", "created", "last used", "revoked"]
            assert [(r[0], r[1], r[3] != "-", r[4]) for r in rows] == [("webshop", "orders", True, "-"),
                                                                       ("bi", "read", False, "-")]
            assert webshop not in listed and webshop[5:15] not in listed

            assert omnistore(["central", "tokens", "revoke", "--name", "webshop", "--db", str(db)]) == 0
            assert "revoked the token 'webshop'" in capsys.readouterr().out
            refused = await central.client.get("/v1/stores", headers={"Authorization": f"Bearer {webshop}"})
            assert refused.status_code == 401 and refused.json()["code"] == "unauthorized"

        assert main(["tokens", "list", "--db", str(db)]) == 0
        webshop_row = capsys.readouterr().out.splitlines()[1].split("\t")
        assert webshop_row[0] == "webshop" and webshop_row[4] != "-"

    def test_revoking_an_unknown_or_revoked_name_says_so_and_exits_1(self, tmp_path, capsys):
        db = str(tmp_path / "central.db")
        assert main(["tokens", "list", "--db", db]) == 0
        assert "no tokens yet" in capsys.readouterr().out
        assert main(["tokens", "revoke", "--name", "nobody", "--db", db]) == 1
        assert "no token is named 'nobody'" in capsys.readouterr().err
        assert main(["tokens", "create", "--name", "pos", "--scope", "read", "--db", db]) == 0
        assert main(["tokens", "revoke", "--name", "pos", "--db", db]) == 0
        capsys.readouterr()
        assert main(["tokens", "revoke", "--name", "pos", "--db", db]) == 1
        assert "'pos' was revoked already" in capsys.readouterr().err

    def test_revoke_needs_a_name(self, tmp_path):
        with pytest.raises(SystemExit) as exit_:
            main(["tokens", "revoke", "--db", str(tmp_path / "c.db")])
        assert exit_.value.code == 2


class TestHelp:
    @pytest.mark.parametrize("argv", [["--help"], ["serve", "--help"], ["tokens", "--help"],
                                      ["tokens", "create", "--help"], ["tokens", "list", "--help"],
                                      ["tokens", "revoke", "--help"], ["keys", "--help"], ["keys", "rotate", "--help"]])
    def test_every_command_explains_itself(self, argv, capsys):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 0 and "usage: omnistore central" in capsys.readouterr().out


class TestServe:
    def test_refuses_to_start_without_an_admin_token(self, tmp_path, monkeypatch, capsys):
        monkeypatch.delenv("OMNISTORE_CENTRAL_ADMIN_TOKEN", raising=False)
        assert main(["serve", "--db", str(tmp_path / "c.db")]) == 2
        assert "admin_token" in capsys.readouterr().err

    def test_serves_the_api_made_by_a_token_from_the_cli_and_stops_cleanly_on_sigterm(self, tmp_path, nats_up):
        db, port = tmp_path / "central.db", free_port()
        made = subprocess.run([sys.executable, "-m", "central", "tokens", "create", "--name", "ops", "--scope", "read",
                               "--db", str(db)], capture_output=True, text=True, check=True)
        token = made.stdout.strip()
        env = {**os.environ, "OMNISTORE_CENTRAL_ADMIN_TOKEN": ADMIN_TOKEN,
               "OMNISTORE_CENTRAL_NATS_PASSWORD": nats_up.password("central")}
        process = subprocess.Popen([sys.executable, "-m", "central", "serve", "--db", str(db), "--port", str(port),
                                    "--nats-url", nats_up.url, "--log-level", "warning"], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 60  # a process start on a busy machine: generous, as tests.waiting is
            health = None
            while time.monotonic() < deadline:
                try:
                    health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).json()
                    if health["nats"] == "online":
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
            assert health and health["nats"] == "online"
            stores = httpx.get(f"http://127.0.0.1:{port}/v1/stores", headers={"Authorization": f"Bearer {token}"})
            assert stores.status_code == 200
            process.send_signal(signal.SIGTERM)
            assert process.wait(15) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
