"""packaging/examples/store.toml and central.toml: written from the settings models, so they name every setting,
load as they are, and never fall behind a model (regenerate with `python -m shared.launcher.example_configs`)."""

import re
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from central.settings import CentralSettings
from edge.printing.printers import PrinterConfig
from edge.printing.service import PrintingSettings
from edge.settings import EdgeSettings
from shared.launcher import example_configs
from shared.launcher.example_configs import (
    CENTRAL_SET,
    FILES,
    STORE_SET,
    MissingExample,
    render,
)

EXAMPLES = Path(__file__).resolve().parents[3] / "packaging" / "examples"


@pytest.mark.parametrize("name", sorted(FILES))
def test_the_checked_in_example_is_what_the_models_write(name):
    assert (EXAMPLES / name).read_text() == FILES[name](), \
        f"packaging/examples/{name} is behind its settings model: run python -m shared.launcher.example_configs"


def settings_named(text: str) -> list[str]:
    return re.findall(r"^(?:# )?([a-z_]+) = ", text, flags=re.MULTILINE)


def every_field(*models: type[BaseModel]) -> set[str]:
    return {name for model in models for name in model.model_fields}


def test_store_toml_loads_and_names_every_setting():
    path = EXAMPLES / "store.toml"
    settings = EdgeSettings.load(path)
    assert {name: getattr(settings, name) for name in STORE_SET} == {**STORE_SET, "db_path": Path(STORE_SET["db_path"])}
    assert [p.name for p in settings.printing.printers] == ["counter-1", "labels"]
    named = settings_named(path.read_text())
    assert set(named) >= every_field(EdgeSettings, PrintingSettings, PrinterConfig) - {"printing", "printers"}
    assert "[printing]" in path.read_text() and path.read_text().count("\n[[printing.printers]]\n") == 2


def test_central_toml_loads_and_names_every_setting(tmp_path, monkeypatch):
    token = tmp_path / "admin-token"
    token.write_text("9f2c4e1a7b3d5f608e1c2a4b6d8f0e12")
    monkeypatch.setenv("OMNISTORE_CENTRAL_ADMIN_TOKEN_FILE", str(token))  # the credential the unit hands over
    path = EXAMPLES / "central.toml"
    settings = CentralSettings.load(path)
    assert {name: getattr(settings, name) for name in CENTRAL_SET} == {**CENTRAL_SET,
                                                                      "db_path": Path(CENTRAL_SET["db_path"])}
    assert set(settings_named(path.read_text())) == every_field(CentralSettings)


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_commented_line_is_valid_toml_once_uncommented(name):
    text = (EXAMPLES / name).read_text()
    for line in re.findall(r"^# ([a-z_]+ = .*)$", text, flags=re.MULTILINE):
        tomllib.loads(line)


def test_a_setting_with_no_default_and_no_example_stops_the_generation():
    class Later(BaseModel):
        shiny_new_path: Path | None = None

    with pytest.raises(MissingExample, match="shiny_new_path"):
        render(Later, "# header", {}, {})
    assert example_configs.toml_value({"a": "b"}) == '{ a = "b" }'
