"""Settings of one store's edge agent: defaults < TOML file < `OMNISTORE_EDGE_…` environment < flags."""

import importlib.metadata
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from edge.printing.service import PrintingSettings, preview_printers
from shared.contract.models import Currency, StoreId
from shared.runtime.clock import zone
from shared.runtime.config import PartSettings, read_secret
from shared.runtime.logs import LogFormat
from shared.runtime.tls import check_server_files
from shared.web.body_limit import DEFAULT_MAX_BODY_BYTES


def version() -> str:
    """The installed omnistore version, reported by /healthz and in heartbeats."""
    try:
        return importlib.metadata.version("omnistore")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"


class EdgeSettings(PartSettings):
    """Everything one store's edge agent needs to know; one agent serves one store."""

    model_config = SettingsConfigDict(env_prefix="OMNISTORE_EDGE_", extra="forbid")

    store_id: StoreId = Field(description="The store this agent serves, e.g. S001 "
                                          "(upper-case letters, digits, - and _).")
    store_name: str | None = Field(default=None, description="The store's name for people; defaults to the store id.")
    host: str = Field(default="127.0.0.1", description="Address the local API listens on (0.0.0.0 for the whole LAN).")
    port: int = Field(default=8101, ge=1, le=65535, description="Port of the local API.")
    db_path: Path | None = Field(default=None, description="The store's SQLite database; defaults to "
                                                            "edge-<store_id>.db in the working directory.")
    nats_url: str = Field(default="nats://127.0.0.1:4222",
                          description="NATS server URL(s); several, for a cluster, separated by commas.")
    nats_user: str | None = Field(default=None, description="NATS user name; defaults to the store id.")
    nats_password: str | None = Field(default=None, repr=False,
                                      description="NATS password (prefer nats_password_file, which stays out of "
                                                  "process listings and environment dumps).")
    nats_password_file: Path | None = Field(default=None, description="File holding the NATS password.")
    nats_ca_file: Path | None = Field(default=None, description="CA certificate (PEM) that signed the NATS server's "
                                                                "certificate: set, the agent talks TLS to NATS and "
                                                                "verifies the server. Unset: plain TCP (a demo).")
    tls_cert_file: Path | None = Field(default=None, description="Certificate (PEM) of the local API: with "
                                                                 "tls_key_file, the API serves HTTPS only (counter "
                                                                 "terminals then need the CA). Unset: plain HTTP.")
    tls_key_file: Path | None = Field(default=None, description="Private key (PEM) of tls_cert_file.")
    currency: Currency = Field(default="EUR", description="ISO 4217 currency of the store's prices and takings.")
    retain_days: int = Field(default=7, ge=0, description="Days a sent event stays in the outbox after central has "
                                                          "applied it, before it is deleted.")
    heartbeat_interval_s: float = Field(default=5.0, gt=0, description="Seconds between heartbeats to central.")
    timer_interval_s: float = Field(default=5.0, gt=0, description="Seconds between checks of accept_by deadlines, "
                                                                   "uncollected pickups and unapplied commands.")
    token_idle_minutes: int = Field(default=30, gt=0, description="Minutes without use after which an associate's "
                                                                  "sign-in lapses.")
    store_address: list[str] = Field(default_factory=list, description="The store's address, one line each, printed "
                                                                       "under its name on receipts and as the "
                                                                       "ship-from of shipping labels.")
    tax_id: str | None = Field(default=None, description="The store's VAT or tax number, printed on receipts.")
    timezone: str = Field(default="UTC", description="The store's IANA time zone, e.g. Europe/Berlin: receipts, tags "
                                                     "and pick lists show its wall-clock time, and the end-of-day "
                                                     "summary covers its midnight to midnight.")
    printing: PrintingSettings = Field(default_factory=PrintingSettings,
                                       description="The counter's printers ([[printing.printers]]) and how the print "
                                                   "spool retries them.")
    print_dir: Path | None = Field(default=None, description="When no printers are configured: a directory where every "
                                                             "job is written as .bin (the bytes) and .txt (readable), "
                                                             "as if printed.")
    atp_timeout_s: float = Field(default=2.0, gt=0, description="Seconds to wait for central's answer to a network "
                                                                "ATP or online-order lookup before answering from "
                                                                "what the store last heard.")
    max_body_bytes: int = Field(DEFAULT_MAX_BODY_BYTES, ge=1024, le=1024 ** 3,
                                description="Largest request body the HTTP API accepts; a larger one is refused "
                                            "(413) before it is read further.")
    log_level: Literal["debug", "info", "warning", "error"] = Field(default="info", description="How much to log.")
    log_format: LogFormat = Field(default="text", description="How the agent logs on stderr: text (a line for a "
                                                              "person) or json (one JSON object a line: time, level, "
                                                              "logger, message, request_id, exception) for a log "
                                                              "collector.")

    @field_validator("timezone")
    @classmethod
    def _timezone_known(cls, value: str) -> str:
        zone(value)  # a ValueError that names the zone and gives examples
        return value

    @model_validator(mode="after")
    def _fill_defaults(self) -> "EdgeSettings":
        check_server_files(self.tls_cert_file, self.tls_key_file)
        if self.nats_ca_file is not None and not self.nats_ca_file.is_file():
            raise ValueError(f"nats_ca_file {self.nats_ca_file} does not exist")
        if self.store_name is None:
            self.store_name = self.store_id
        if self.nats_user is None:
            self.nats_user = self.store_id
        db_path = self.db_path if self.db_path is not None else Path(f"edge-{self.store_id}.db")
        self.db_path = db_path.expanduser().resolve()
        return self

    def printing_settings(self) -> PrintingSettings:
        """The configured printers; with none but a `print_dir`, a receipt and a label printer previewing there."""
        if self.printing.printers or self.print_dir is None:
            return self.printing
        return self.printing.model_copy(update={"printers": preview_printers(self.print_dir)})

    @property
    def nats_servers(self) -> list[str]:
        return [url.strip() for url in self.nats_url.split(",") if url.strip()]

    def nats_secret(self) -> str | None:
        return read_secret(self.nats_password, self.nats_password_file)
