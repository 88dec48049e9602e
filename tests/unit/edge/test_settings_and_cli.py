"""Settings from every source, and the command line: help everywhere, associates from stdin."""

import io
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from edge.cli import build_parser, main
from edge.settings import EdgeSettings
from tests.conftest import free_port


class TestSettings:
    def test_defaults_follow_the_store_id(self, monkeypatch, tmp_path):
        monkeypatch.chdir(tmp_path)
        settings = EdgeSettings(store_id="S002")
        assert (settings.store_name, settings.nats_user, settings.port) == ("S002", "S002", 8101)
        assert settings.db_path == tmp_path / "edge-S002.db"

    def test_flags_beat_environment_which_beats_the_file(self, monkeypatch, tmp_path):
        config = tmp_path / "edge.toml"
        config.write_text('store_id = "S001"\nport = 9000\nstore_name = "From file"\nretain_days = 3\n')
        monkeypatch.setenv("OMNISTORE_EDGE_PORT", "9100")
        monkeypatch.setenv("OMNISTORE_EDGE_STORE_NAME", "From env")
        settings = EdgeSettings.load(config, port=9200, host=None)
        assert (settings.port, settings.store_name, settings.retain_days, settings.host) == (
            9200, "From env", 3, "127.0.0.1")

    def test_several_nats_urls_are_a_cluster(self):
        settings = EdgeSettings(store_id="S001", nats_url="nats://a:4222, nats://b:4222")
        assert settings.nats_servers == ["nats://a:4222", "nats://b:4222"]

    def test_the_password_may_come_from_a_file(self, tmp_path):
        secret = tmp_path / "pw"
        secret.write_text("s3cret\n")
        assert EdgeSettings(store_id="S001", nats_password_file=secret).nats_secret() == "s3cret"

    def test_a_malformed_store_id_is_refused(self):
        with pytest.raises(ValidationError):
            EdgeSettings(store_id="store one")

    def test_an_unknown_time_zone_is_refused_with_examples(self):
        with pytest.raises(ValidationError, match="Unknown time zone 'Hamburg'.*Europe/Berlin"):
            EdgeSettings(store_id="S001", timezone="Hamburg")
        assert EdgeSettings(store_id="S001", timezone="Europe/Berlin").timezone == "Europe/Berlin"

    def test_every_setting_is_documented(self):
        assert all(field.description for field in EdgeSettings.model_fields.values())


def subcommands(parser) -> list[list[str]]:
    found = []
    for action in parser._subparsers._group_actions if parser._subparsers else []:
        for name, sub in action.choices.items():
            found.append([name])
            found += [[name, *rest] for rest in subcommands(sub)]
    return found


class TestCommandLine:
    def test_every_subcommand_and_option_has_help(self, capsys):
        commands = subcommands(build_parser())
        assert ["serve"] in commands and ["associates", "add"] in commands and ["associates", "list"] in commands
        for command in [[], *commands]:
            with pytest.raises(SystemExit) as done:
                main([*command, "--help"])
            assert done.value.code == 0
            assert "usage:" in capsys.readouterr().out
        def undocumented(parser):
            missing = [a.dest for a in parser._actions if not a.help]
            for action in parser._subparsers._group_actions if parser._subparsers else []:
                for sub in action.choices.values():
                    missing += undocumented(sub)
            return missing
        assert undocumented(build_parser()) == []

    def test_associates_are_added_from_stdin_and_listed(self, monkeypatch, tmp_path, capsys):
        db = str(tmp_path / "edge.db")
        monkeypatch.setattr(sys, "stdin", io.StringIO(
            '[{"id": "A1", "name": "Ana", "pin": "2468", "role": "manager"},'
            ' {"id": "A2", "name": "Bo", "pin": "1357"}]'))
        assert main(["associates", "add", "--store", "S001", "--db", db]) == 0
        assert main(["associates", "list", "--store", "S001", "--db", db]) == 0
        out = capsys.readouterr().out
        assert "A1\tmanager\tAna" in out and "A2\tassociate\tBo" in out and "2468" not in out

    def test_a_short_pin_is_refused_with_a_reason(self, monkeypatch, tmp_path, capsys):
        monkeypatch.setattr(sys, "stdin", io.StringIO('[{"id": "A1", "name": "Ana", "pin": "12"}]'))
        assert main(["associates", "add", "--store", "S001", "--db", str(tmp_path / "edge.db")]) == 2
        assert "4 to 8 digits" in capsys.readouterr().err

    def test_a_missing_store_id_is_explained(self, monkeypatch, tmp_path, capsys):
        monkeypatch.chdir(tmp_path)
        monkeypatch.delenv("OMNISTORE_EDGE_STORE_ID", raising=False)
        assert main(["associates", "list"]) == 2
        assert "store_id" in capsys.readouterr().err
        assert not Path(tmp_path / "edge-None.db").exists()


class TestPrintersCommand:
    """`omnistore edge printers`: the printers with their state, and a test page straight to one of them."""

    @staticmethod
    def _config(tmp_path, target: str) -> Path:
        config = tmp_path / "edge.toml"
        config.write_text(f'store_id = "S001"\ndb_path = "{tmp_path / "edge.db"}"\n\n[printing]\n'
                          'send_timeout_seconds = 2\n\n[[printing.printers]]\nname = "counter-1"\n'
                          f'target = "{target}"\n')
        return config

    def test_it_lists_each_printer_with_its_state(self, tmp_path, capsys):
        assert main(["printers", "--config", str(self._config(tmp_path, "file:/dev/null"))]) == 0
        assert capsys.readouterr().out.split("\t")[:4] == ["counter-1", "receipt", "file:/dev/null", "ok"]

    def test_with_only_a_print_dir_it_lists_the_preview_printers(self, tmp_path, capsys, monkeypatch):
        monkeypatch.setenv("OMNISTORE_EDGE_PRINT_DIR", str(tmp_path / "prints"))
        assert main(["printers", "--store", "S001", "--db", str(tmp_path / "edge.db")]) == 0
        assert [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()] == ["counter", "labels"]

    def test_a_test_page_goes_straight_to_the_printer(self, tmp_path, capsys):
        preview = tmp_path / "prints"
        assert main(["printers", "--test", "counter-1", "--config",
                     str(self._config(tmp_path, f"preview:{preview}"))]) == 0
        assert "test page sent to counter-1" in capsys.readouterr().out
        assert "TEST PAGE" in next(preview.glob("*-test-page.txt")).read_text()

    def test_without_a_name_every_printer_gets_a_test_page_and_its_state_is_listed(self, tmp_path, capsys,
                                                                                   monkeypatch):
        preview = tmp_path / "prints"
        monkeypatch.setenv("OMNISTORE_EDGE_PRINT_DIR", str(preview))
        assert main(["printers", "--test", "--store", "S001", "--db", str(tmp_path / "edge.db")]) == 0
        out = capsys.readouterr().out.splitlines()
        assert [line for line in out if line.startswith("test page sent to")] == [
            f"test page sent to counter (preview:{preview})", f"test page sent to labels (preview:{preview})"]
        assert [line.split("\t")[0] for line in out if "\t" in line] == ["counter", "labels"]
        assert len(list(preview.glob("*-test-page.txt"))) == 2

    def test_without_a_name_a_printer_that_does_not_answer_fails_the_run(self, tmp_path, capsys):
        config = self._config(tmp_path, f"network:127.0.0.1:{free_port()}")
        assert main(["printers", "--test", "--config", str(config)]) == 1
        assert "counter-1" in capsys.readouterr().err

    def test_a_printer_that_does_not_answer_is_reported_with_exit_status_1(self, tmp_path, capsys):
        config = self._config(tmp_path, f"network:127.0.0.1:{free_port()}")
        assert main(["printers", "--test", "counter-1", "--config", str(config)]) == 1
        assert "did not take the test page" in capsys.readouterr().err

    def test_an_unknown_printer_name_is_refused(self, tmp_path, capsys):
        assert main(["printers", "--test", "labels", "--config", str(self._config(tmp_path, "file:/dev/null"))]) == 2
        assert "no printer named 'labels'" in capsys.readouterr().err
