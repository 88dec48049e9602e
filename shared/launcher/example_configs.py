"""The example `store.toml` and `central.toml` in packaging/examples, written from the settings models themselves.

Every field of a model appears with its description; a field the install sets (paths under /var/lib/omnistore,
the NATS address) is a live line, every other one a commented line with its default, so a later version's
defaults still apply to an install that never changed them. A field with no default needs an example value here:
adding a setting without one fails the generation (and its test), so the examples cannot fall behind the models.

Run `python -m shared.launcher.example_configs packaging/examples` after changing a settings model.
"""

import sys
import textwrap
from pathlib import Path

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from central.settings import CentralSettings
from edge.printing.printers import PrinterConfig
from edge.settings import EdgeSettings

STATE = "/var/lib/omnistore"

# Lines an install keeps: the values the systemd units and docs/install.md rely on.
STORE_SET = {
    "store_id": "S001",
    "store_name": "Hamburg Ballindamm",
    "db_path": f"{STATE}/edge.db",
    "nats_url": "nats://nats-1.example.internal:4222,nats://nats-2.example.internal:4222,"
                "nats://nats-3.example.internal:4222",
    "timezone": "Europe/Berlin",
    "store_address": ["Ballindamm 40", "20095 Hamburg"],
}
STORE_EXAMPLES = {
    "nats_user": "S001",
    "nats_password": "…",
    "nats_password_file": "/run/credentials/omnistore-store.service/nats-password",
    "nats_ca_file": "/etc/omnistore/nats-ca.pem",
    "tls_cert_file": "/etc/omnistore/store.pem",
    "tls_key_file": "/etc/omnistore/store.key",
    "tax_id": "DE123456789",
    "print_dir": f"{STATE}/prints",
    "printing.printers": {"columns": 42},
}
PRINTERS = [
    PrinterConfig(name="counter-1", target="network:192.168.1.50:9100", profile="TM-T88V"),
    PrinterConfig(name="labels", target="network:192.168.1.51:9100", kind="label"),
]

CENTRAL_SET = {
    "host": "0.0.0.0",
    "db_path": f"{STATE}/central.db",
    "nats_url": "nats://nats-1.example.internal:4222,nats://nats-2.example.internal:4222,"
                "nats://nats-3.example.internal:4222",
    "stream_replicas": 3,
}
CENTRAL_EXAMPLES = {
    "nats_password": "…",
    "nats_password_file": "/run/credentials/omnistore-central.service/nats-password",
    "nats_ca_file": "/etc/omnistore/nats-ca.pem",
    "tls_cert_file": "/etc/omnistore/central.pem",
    "tls_key_file": "/etc/omnistore/central.key",
    "admin_token": "…",
    "admin_token_file": "/run/credentials/omnistore-central.service/admin-token",
    "tracking_urls": {"acme": "https://track.acme.example/{tracking_number}"},
}

STORE_HEADER = """\
# omnistore store PC: /etc/omnistore/store.toml, read by `omnistore-store edge serve --config …`.
# Settings come from defaults < this file < OMNISTORE_EDGE_* environment < command-line flags.
# Commented lines show the default. Secrets are never written here: the systemd unit hands them over as
# credentials (see docs/install.md)."""
CENTRAL_HEADER = """\
# omnistore head office: /etc/omnistore/central.toml, read by `omnistore central serve --config …`.
# Settings come from defaults < this file < OMNISTORE_CENTRAL_* environment < command-line flags.
# Commented lines show the default. Secrets are never written here: the systemd unit hands them over as
# credentials (see docs/install.md)."""


class MissingExample(ValueError):
    """A setting with no default has no example value to show."""


def render(model: type[BaseModel], header: str, live: dict, examples: dict, tables: dict[str, list] | None = None
           ) -> str:
    lines = [header, ""]
    nested = []
    for name, field in model.model_fields.items():
        if _is_model(field):
            nested.append((name, field))
            continue
        lines += _field_lines(model, name, field, live, examples)
    for name, field in nested:
        lines += ["", *_comment(field.description), f"[{name}]"]
        sub = field.annotation
        subtables = {}
        for sub_name, sub_field in sub.model_fields.items():
            if sub_name in (tables or {}):
                subtables[sub_name] = sub_field
                continue
            lines += _field_lines(sub, sub_name, sub_field, {}, {})
        for sub_name, sub_field in subtables.items():
            lines += ["", *_comment(sub_field.description)]
            for entry in tables[sub_name]:
                lines += ["", f"[[{name}.{sub_name}]]"]
                lines += _entry_lines(entry, examples.get(f"{name}.{sub_name}", {}))
    return "\n".join(lines).rstrip() + "\n"


def store_toml() -> str:
    return render(EdgeSettings, STORE_HEADER, STORE_SET, STORE_EXAMPLES, {"printers": PRINTERS})


def central_toml() -> str:
    return render(CentralSettings, CENTRAL_HEADER, CENTRAL_SET, CENTRAL_EXAMPLES)


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (str, Path)):
        text = str(value)
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }" if value else "{}"
    raise TypeError(f"no TOML form for {value!r}")


def _entry_lines(entry: BaseModel, examples: dict) -> list[str]:
    """One entry of a table array: what it sets as live lines, what it leaves at the default commented."""
    model, lines = type(entry), []
    for name, field in model.model_fields.items():
        value = getattr(entry, name)
        live = {name: value} if name in entry.model_fields_set else {}
        lines += _field_lines(model, name, field, live, examples)
    return lines


def _field_lines(model: type[BaseModel], name: str, field: FieldInfo, live: dict, examples: dict) -> list[str]:
    described = _comment(field.description)
    if name in live:
        return [*described, f"{name} = {toml_value(live[name])}"]
    default = _default(field)
    if default is not None and default != {} and name not in examples:
        return [*described, f"# {name} = {toml_value(default)}"]
    if name not in examples:
        raise MissingExample(f"{model.__name__}.{name} has no default: give it an example in {__name__}")
    return [*described, f"# {name} = {toml_value(examples[name])}"]


def _default(field: FieldInfo):
    if field.default_factory is not None:
        return field.default_factory()
    return None if field.default is PydanticUndefined else field.default


def _is_model(field: FieldInfo) -> bool:
    return isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)


def _comment(text: str | None) -> list[str]:
    return [f"# {line}" for line in textwrap.wrap(" ".join((text or "").split()), 112)]


FILES = {"store.toml": store_toml, "central.toml": central_toml}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    folder = Path(argv[0] if argv else "packaging/examples")
    folder.mkdir(parents=True, exist_ok=True)
    for name, make in FILES.items():
        (folder / name).write_text(make())
        print(f"wrote {folder / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
