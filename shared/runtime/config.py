"""Settings of a part: defaults < TOML file < `OMNISTORE_<PART>_…` environment < command-line flags."""

from pathlib import Path
from typing import Self

from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    TomlConfigSettingsSource,
)


class PartSettings(BaseSettings):
    """Base of each part's settings model; subclasses set `env_prefix` and document every field."""

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource):
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    @classmethod
    def load(cls, config_file: str | Path | None = None, **flags) -> Self:
        """Settings from every source; flags left at None do not override anything."""
        flags = {name: value for name, value in flags.items() if value is not None}
        if config_file is None:
            return cls(**flags)
        path = Path(config_file)
        if not path.is_file():
            raise FileNotFoundError(f"config file {path} does not exist")
        with_file = type(cls.__name__, (cls,), {"model_config": {**cls.model_config, "toml_file": path}})
        return with_file(**flags)


def read_secret(value: str | None, file: Path | None) -> str | None:
    """A secret given inline or, better, as a file (so it stays out of process listings)."""
    if file is not None:
        return file.read_text().strip()
    return value
