"""`omnistore central backup` and `omnistore central restore`: a backup of head office's database, taken while
central runs, brings back exactly what it held when it was taken."""

import sqlite3

from central.cli import main


def token_names(db_path) -> set[str]:
    conn = sqlite3.connect(db_path)
    try:
        return {row[0] for row in conn.execute("SELECT name FROM tokens")}
    finally:
        conn.close()


def test_a_central_backup_restores_what_it_held(tmp_path, capsys):
    db_path, folder = tmp_path / "central.db", tmp_path / "backups"
    folder.mkdir()
    assert main(["tokens", "create", "--db", str(db_path), "--name", "webshop", "--scope", "orders"]) == 0
    assert main(["backup", "--db", str(db_path), str(folder)]) == 0
    backup = next(folder.glob("central-*.db"))
    assert str(backup) in capsys.readouterr().out
    assert main(["tokens", "create", "--db", str(db_path), "--name", "later", "--scope", "read"]) == 0
    assert token_names(db_path) == {"webshop", "later"}

    assert main(["restore", "--db", str(db_path), str(backup)]) == 0

    assert token_names(db_path) == {"webshop"}
    assert token_names(next(tmp_path.glob("central.db.replaced-*"))) == {"webshop", "later"}


def test_a_backup_of_no_database_says_so(tmp_path, capsys):
    assert main(["backup", "--db", str(tmp_path / "missing.db"), str(tmp_path / "b.db")]) == 2
    assert "no database at" in capsys.readouterr().err


def test_a_store_database_is_not_restored_as_head_office(tmp_path, capsys):
    db_path, store_backup = tmp_path / "central.db", tmp_path / "edge.db"
    assert main(["tokens", "create", "--db", str(db_path), "--name", "webshop", "--scope", "orders"]) == 0
    sqlite3.connect(store_backup).executescript("CREATE TABLE meta (key TEXT, value TEXT);")
    assert main(["restore", "--db", str(db_path), str(store_backup)]) == 2
    assert "not a head office database" in capsys.readouterr().err
    assert token_names(db_path) == {"webshop"} and not list(tmp_path.glob("*.replaced-*"))
