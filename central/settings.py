"""Central's settings: defaults < TOML file < `OMNISTORE_CENTRAL_…` environment < command-line flags."""

from datetime import timedelta
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from central.domain.freshness import (
    HEARTBEAT_INTERVAL_S,
    MISSED_HEARTBEATS,
    STALE_AFTER_S,
)
from shared.runtime.config import PartSettings, read_secret
from shared.runtime.logs import LogFormat
from shared.runtime.tls import check_server_files
from shared.web.body_limit import DEFAULT_MAX_BODY_BYTES

# Values people paste from examples; a head-office admin token must never be one of them.
PLACEHOLDERS = {"changeme", "change-me", "change_me", "secret", "password", "admin", "token", "example",
                "default", "test", "replace-me", "xxxxxxxxxxxxxxxx", "0123456789abcdef", "1234567890123456"}
MIN_TOKEN_LENGTH = 16


class CentralSettings(PartSettings):
    """How the head-office service runs."""

    model_config = SettingsConfigDict(env_prefix="OMNISTORE_CENTRAL_", extra="forbid")

    host: str = Field("127.0.0.1", description="Address the HTTP API listens on.")
    port: int = Field(8100, ge=1, le=65535, description="Port of the HTTP API.")
    db_path: Path = Field(Path("central.db"), description="SQLite database file of central's projection.")
    nats_url: str = Field("nats://127.0.0.1:4222",
                          description="NATS server URL(s); several are separated by commas (a cluster).")
    nats_user: str = Field("central", description="NATS user central connects as.")
    nats_password: str | None = Field(None, description="NATS password (prefer nats_password_file).")
    nats_password_file: Path | None = Field(None, description="File holding the NATS password.")
    nats_ca_file: Path | None = Field(None, description="CA certificate (PEM) that signed the NATS server's "
                                                        "certificate: set, central talks TLS to NATS and verifies "
                                                        "the server. Unset: plain TCP (a demo on one machine).")
    tls_cert_file: Path | None = Field(None, description="Certificate (PEM) of the HTTP API: with tls_key_file, the "
                                                         "API serves HTTPS only. Unset: plain HTTP.")
    tls_key_file: Path | None = Field(None, description="Private key (PEM) of tls_cert_file.")
    admin_token: str | None = Field(None, description="Bearer token with the admin scope (prefer admin_token_file); "
                                                      f"at least {MIN_TOKEN_LENGTH} characters, no placeholder.")
    admin_token_file: Path | None = Field(None, description="File holding the admin bearer token.")
    stale_after_s: float = Field(STALE_AFTER_S, gt=0, description=(
        f"A store whose last heartbeat is older is stale: its ATP is 0 and routing passes it by. Default: "
        f"{MISSED_HEARTBEATS} heartbeat intervals of {HEARTBEAT_INTERVAL_S} s."))
    resend_after_s: float = Field(60, gt=0, description="A gap in a store's events older than this makes central "
                                                        "ask the store to send again (sync.resend / sync.snapshot).")
    park_limit_per_store: int = Field(5000, ge=10, le=1_000_000, description=(
        "Events of one store that central keeps parked above a gap (or of an epoch not opened yet); past it the "
        "ones needed last are dropped and asked again once the gap fills."))
    ack_interval_s: float = Field(10, gt=0, description="Every this often central repeats each store's applied "
                                                        "watermark on omni.ack.<store>.")
    applied_events_days: float = Field(35, gt=0, description="Days central remembers the id of each store event it "
                                                              "applied, for `omnistore audit` (a store keeps its "
                                                              "own for retain_days).")
    stream_replicas: int = Field(1, ge=1, le=5, description="Replicas of the JetStream streams: 1 on a single "
                                                            "server, 3 in a cluster.")
    warehouse_stale_after_s: float = Field(86400, gt=0, description="A warehouse whose last stock feed is older "
                                                                     "is stale (ATP 0).")
    webhook_timeout_s: float = Field(10, gt=0, description="How long a webhook receiver may take to answer one "
                                                          "delivery before it counts as failed.")
    webhook_retry_base_s: float = Field(2, gt=0, description="Wait after a webhook delivery's first failure; it "
                                                             "doubles with every further failure.")
    webhook_retry_cap_s: float = Field(300, gt=0, description="The longest wait between two tries of one webhook "
                                                              "delivery (retries go on until a 2xx answer).")
    tracking_urls: dict[str, str] = Field(default_factory=dict, description=(
        "Carrier → tracking page, with {tracking_number} where the number goes, e.g. {\"acme\": "
        "\"https://track.acme.example/{tracking_number}\"}; added to the built-in DHL, DPD, GLS, Hermes, UPS, "
        "FedEx, USPS, Royal Mail and PostNL pages (a carrier given here replaces its built-in page, an empty one "
        "forgets it). Allocations of a known carrier show the URL in the order and its webhooks."))
    max_body_bytes: int = Field(DEFAULT_MAX_BODY_BYTES, ge=1024, le=1024 ** 3,
                                description="Largest request body the HTTP API accepts; a larger one is refused "
                                            "(413) before it is read further.")
    import_max_body_bytes: int = Field(64 * 1024 ** 2, ge=1024, le=1024 ** 3,
                                       description="Largest CSV file POST /v1/imports/{kind} accepts (with a bearer "
                                                   "token); every other route keeps max_body_bytes.")
    webhook_allow_private_urls: bool = Field(False, description="Let webhooks go to http URLs and to loopback, "
                                                                "private and link-local hosts: for demos and tests, "
                                                                "never in production.")
    waiting_orders_every_s: float = Field(30, gt=0, description="Besides after every stock change, this often "
                                                                "central tries again to route orders waiting for "
                                                                "stock (backordered, held, unfilled lines).")
    log_format: LogFormat = Field("text", description="How central logs on stderr: text (a line for a person) or json "
                                                      "(one JSON object a line: time, level, logger, message, "
                                                      "request_id, exception) for a log collector.")
    credit_hold_lapse_s: float = Field(600, gt=0, le=86400,
                                       description="How long an amount of a credit note held for a sale at a store "
                                                   "waits for that sale's event; an unconfirmed hold (the sale "
                                                   "failed, the store stopped) then stops counting.")

    @field_validator("tracking_urls")
    @classmethod
    def _tracking_pages(cls, urls: dict[str, str]) -> dict[str, str]:
        for carrier, template in urls.items():
            if template and (not template.startswith("https://") or "{tracking_number}" not in template):
                raise ValueError(f"tracking_urls[{carrier!r}] must be an https:// URL with {{tracking_number}} in it")
        return urls

    @model_validator(mode="after")
    def _admin_token_is_real(self) -> "CentralSettings":
        token = self.admin_secret()
        if token is None:
            raise ValueError("set admin_token_file or admin_token (OMNISTORE_CENTRAL_ADMIN_TOKEN_FILE / "
                             "OMNISTORE_CENTRAL_ADMIN_TOKEN); make one with `openssl rand -hex 24`")
        if len(token) < MIN_TOKEN_LENGTH:
            raise ValueError(f"the admin token must be at least {MIN_TOKEN_LENGTH} characters long")
        if token.lower() in PLACEHOLDERS or "changeme" in token.lower() or len(set(token)) < 4:
            raise ValueError("the admin token is a placeholder; make a real one with `openssl rand -hex 24`")
        return self

    @model_validator(mode="after")
    def _tls_files_exist(self) -> "CentralSettings":
        check_server_files(self.tls_cert_file, self.tls_key_file)
        if self.nats_ca_file is not None and not self.nats_ca_file.is_file():
            raise ValueError(f"nats_ca_file {self.nats_ca_file} does not exist")
        return self

    def admin_secret(self) -> str | None:
        return read_secret(self.admin_token, self.admin_token_file)

    def nats_secret(self) -> str | None:
        return read_secret(self.nats_password, self.nats_password_file)

    @property
    def nats_servers(self) -> list[str]:
        return [url.strip() for url in self.nats_url.split(",") if url.strip()]

    @property
    def stale_after(self) -> timedelta:
        return timedelta(seconds=self.stale_after_s)

    @property
    def resend_after(self) -> timedelta:
        return timedelta(seconds=self.resend_after_s)

    @property
    def warehouse_stale_after(self) -> timedelta:
        return timedelta(seconds=self.warehouse_stale_after_s)
