"""`omnistore audit` says why it could not check, with exit status 2, instead of a traceback."""

from shared.launcher.audit.cli import main
from tests.conftest import free_port


def test_an_unreachable_store_is_exit_status_2_with_the_address(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("OMNISTORE_AUDIT_CENTRAL_TOKEN", "read-token-0123456789")
    (tmp_path / "pin").write_text("1357\n")
    edge = f"http://127.0.0.1:{free_port()}"
    assert main(["--store", "S001", "--edge", edge, "--manager", "M1", "--pin-file", str(tmp_path / "pin")]) == 2
    assert edge in capsys.readouterr().err


def test_a_missing_secret_is_exit_status_2_naming_where_to_give_it(capsys, monkeypatch):
    monkeypatch.delenv("OMNISTORE_AUDIT_CENTRAL_TOKEN", raising=False)
    assert main(["--store", "S001", "--manager", "M1"]) == 2
    assert "OMNISTORE_AUDIT_CENTRAL_TOKEN" in capsys.readouterr().err
