"""Central's settings: defaults < TOML file < `OMNISTORE_CENTRAL_…` environment < command-line flags."""

from datetime import timedelta
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from shared.runtime.config import PartSettings, read_secret
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
    admin_token: str | None = Field(None, description="Bearer token with the admin scope (prefer admin_token_file); "
                                                      f"at least {MIN_TOKEN_LENGTH} characters, no placeholder.")
    admin_token_file: Path | None = Field(None, description="File holding the admin bearer token.")
    stale_after_s: float = Field(120, gt=0, description="A store whose last heartbeat is older is stale (ATP 0).")
    resend_after_s: float = Field(60, gt=0, description="A gap in a store's events older than this makes central "
                                                        "ask the store to send again (sync.resend / sync.snapshot).")
    ack_interval_s: float = Field(10, gt=0, description="Every this often central repeats each store's applied "
                                                        "watermark on omni.ack.<store>.")
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
    max_body_bytes: int = Field(DEFAULT_MAX_BODY_BYTES, ge=1024, le=1024 ** 3,
                                description="Largest request body the HTTP API accepts; a larger one is refused "
                                            "(413) before it is read further.")
    webhook_allow_private_urls: bool = Field(False, description="Let webhooks go to http URLs and to loopback, "
                                                                "private and link-local hosts: for demos and tests, "
                                                                "never in production.")
    waiting_orders_every_s: float = Field(30, gt=0, description="Besides after every stock change, this often "
                                                                "central tries again to route orders waiting for "
                                                                "stock (backordered, held, unfilled lines).")

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
