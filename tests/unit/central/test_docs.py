"""docs/central.md keeps up with the settings, the CLI and the API."""

from pathlib import Path

from central.api.app import create_app
from central.settings import CentralSettings

DOC = (Path(__file__).parents[3] / "docs" / "central.md").read_text()


def test_every_setting_is_in_the_settings_table_with_its_environment_name():
    for name in CentralSettings.model_fields:
        assert f"`{name}`" in DOC and f"`OMNISTORE_CENTRAL_{name.upper()}`" in DOC, name


def test_every_cli_command_is_documented():
    for command in ("omnistore central serve", "omnistore central tokens create", "omnistore central tokens list",
                    "omnistore central tokens revoke", "omnistore central keys rotate"):
        assert command in DOC


def test_every_api_path_is_documented():
    app = create_app(CentralSettings(admin_token="3f9a1c77e2b04d5e"))
    for path, methods in app.openapi()["paths"].items():
        for method in methods:
            documented = path.replace("{store_id}", "{id}").replace("{node_id}", "{id}").replace("{order_id}", "{id}")
            assert f"{method.upper()} {documented}" in DOC, path
