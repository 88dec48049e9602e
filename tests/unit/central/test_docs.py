"""docs/central.md keeps up with the settings and the CLI (its API: tests/unit/web/test_documented_endpoints.py)."""

from pathlib import Path

from central.settings import CentralSettings

DOC = (Path(__file__).parents[3] / "docs" / "central.md").read_text()


def test_every_setting_is_in_the_settings_table_with_its_environment_name():
    for name in CentralSettings.model_fields:
        assert f"`{name}`" in DOC and f"`OMNISTORE_CENTRAL_{name.upper()}`" in DOC, name


def test_every_cli_command_is_documented():
    for command in ("omnistore central serve", "omnistore central tokens create", "omnistore central tokens list",
                    "omnistore central tokens revoke", "omnistore central keys rotate"):
        assert command in DOC
