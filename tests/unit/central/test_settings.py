"""Central's settings refuse what would make an insecure or broken deployment."""

import pytest
from pydantic import ValidationError

from central.settings import CentralSettings

GOOD = "3f9a1c77e2b04d5e"


class TestAdminToken:
    def test_is_required(self, monkeypatch):
        monkeypatch.delenv("OMNISTORE_CENTRAL_ADMIN_TOKEN", raising=False)
        with pytest.raises(ValidationError, match="admin_token"):
            CentralSettings()

    @pytest.mark.parametrize("token", ["short", "changeme", "CHANGEME-CHANGEME", "aaaaaaaaaaaaaaaaaaaa"])
    def test_refuses_short_or_placeholder_tokens(self, token):
        with pytest.raises(ValidationError):
            CentralSettings(admin_token=token)

    def test_is_read_from_a_file(self, tmp_path):
        path = tmp_path / "admin.token"
        path.write_text(GOOD + "\n")
        assert CentralSettings(admin_token_file=path).admin_secret() == GOOD


class TestSources:
    def test_the_environment_overrides_defaults(self, monkeypatch):
        monkeypatch.setenv("OMNISTORE_CENTRAL_ADMIN_TOKEN", GOOD)
        monkeypatch.setenv("OMNISTORE_CENTRAL_PORT", "9100")
        monkeypatch.setenv("OMNISTORE_CENTRAL_NATS_URL", "nats://a:4222, nats://b:4222")
        settings = CentralSettings.load()
        assert settings.port == 9100 and settings.nats_servers == ["nats://a:4222", "nats://b:4222"]

    def test_a_toml_file_sits_between_environment_and_flags(self, tmp_path, monkeypatch):
        monkeypatch.setenv("OMNISTORE_CENTRAL_ADMIN_TOKEN", GOOD)
        monkeypatch.setenv("OMNISTORE_CENTRAL_STALE_AFTER_S", "30")
        config = tmp_path / "central.toml"
        config.write_text('port = 8200\nstale_after_s = 90\nstream_replicas = 3\n')
        settings = CentralSettings.load(config, port=8300, host=None)
        assert (settings.port, settings.stale_after_s, settings.stream_replicas, settings.host) == (
            8300, 30, 3, "127.0.0.1")

    def test_an_unknown_setting_is_refused(self, tmp_path):
        config = tmp_path / "central.toml"
        config.write_text('admin_token = "3f9a1c77e2b04d5e"\nstale_afer_s = 90\n')
        with pytest.raises(ValidationError, match="stale_afer_s"):
            CentralSettings.load(config)

    def test_every_setting_is_documented(self):
        assert all(field.description for field in CentralSettings.model_fields.values())
