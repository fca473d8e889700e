"""Configuration read from environment variables, with defaults that work for `make up`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "")
    return value if value.strip() else default


def _opt(name: str) -> str | None:
    value = os.environ.get(name, "")
    return value.strip() or None


@dataclass(frozen=True)
class Settings:
    """Every knob CivicOps reads; `Settings.from_env()` is the only place env vars are read."""

    var_dir: Path
    database_url: str | None
    temporal_address: str | None
    temporal_namespace: str
    task_queue: str
    temporal_port: int
    temporal_ui_port: int
    s3_endpoint_url: str | None
    s3_public_endpoint_url: str | None
    s3_access_key_id: str
    s3_secret_access_key: str
    s3_bucket: str
    s3_region: str
    s3_port: int
    api_host: str
    api_port: int
    public_url: str
    city: str
    nearest_ward_max_m: float
    log_level: str
    keys_dir: Path
    policy_file: Path | None = None  # SLA and re-complaint rules; None: domain/policy.toml
    temporal_ui_url: str | None = None  # where officials open a case in the Temporal UI
    rate_limit_per_minute: int = 600  # requests per API key per minute, unless the key says
    # Public routes (no key: the dashboard, stats, the ward map) per client address per minute.
    public_rate_limit_per_minute: int = 120
    # Filings (sends and uploads) from the citizens' web app per client address per minute.
    web_filings_per_minute: int = 20
    # A map tile URL template for the dashboard ({z}/{x}/{y}); None: wards on a plain ground.
    map_tile_url: str | None = None
    # Cities whose public leaderboard names supervisors with their scores; none by default.
    public_supervisor_scores: frozenset[str] = frozenset()
    # Webhook URLs on loopback or private networks are refused (SSRF) unless this is set.
    webhook_allow_private: bool = False
    # Slow clients (slowloris): the request line and headers must arrive within this long,
    # a body may pause at most body_idle, and the whole request must arrive within request.
    header_timeout_s: float = 20.0
    body_idle_timeout_s: float = 20.0
    request_timeout_s: float = 120.0
    # How often a worker asks which breach-risk model is active (issue 14).
    model_refresh_s: float = 30.0
    # Encrypts new private signing keys and decrypts them; never printed.
    signing_key_passphrase: str | None = field(default=None, repr=False)
    # Citizens' personal data (records/vault.py): master keys "id:base64,…", the current id,
    # and the blind-index key; unset, a keyring file under keys_dir is made on first use.
    privacy_master_keys: str | None = field(default=None, repr=False)
    privacy_master_key_id: str | None = None
    privacy_index_key: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls) -> Settings:
        """Read the environment once; unset or blank variables take the `make up` defaults."""
        api_host = _env("API_HOST", "127.0.0.1")
        api_port = int(_env("API_PORT", "8000"))
        var_dir = Path(_env("CIVICOPS_VAR_DIR", "var")).resolve()
        return cls(
            var_dir=var_dir,
            database_url=_opt("DATABASE_URL"),
            temporal_address=_opt("TEMPORAL_ADDRESS"),
            temporal_namespace=_env("TEMPORAL_NAMESPACE", "default"),
            task_queue=_env("TEMPORAL_TASK_QUEUE", "civicops"),
            temporal_port=int(_env("TEMPORAL_PORT", "7233")),
            temporal_ui_port=int(_env("TEMPORAL_UI_PORT", "8233")),
            s3_endpoint_url=_opt("S3_ENDPOINT_URL"),
            s3_public_endpoint_url=_opt("S3_PUBLIC_ENDPOINT_URL"),
            s3_access_key_id=_env("S3_ACCESS_KEY_ID", "civicops"),
            s3_secret_access_key=_env("S3_SECRET_ACCESS_KEY", "civicops-dev-secret"),
            s3_bucket=_env("S3_BUCKET", "civicops"),
            s3_region=_env("S3_REGION", "us-east-1"),
            s3_port=int(_env("S3_PORT", "9000")),
            api_host=api_host,
            api_port=api_port,
            public_url=_env("CIVICOPS_PUBLIC_URL", f"http://{api_host}:{api_port}").rstrip("/"),
            city=_env("CIVICOPS_CITY", "bengaluru"),
            nearest_ward_max_m=float(_env("NEAREST_WARD_MAX_M", "250")),
            log_level=_env("LOG_LEVEL", "INFO"),
            keys_dir=Path(_env("CIVICOPS_KEYS_DIR", str(var_dir / "keys"))).resolve(),
            signing_key_passphrase=_opt("CIVICOPS_SIGNING_KEY_PASSPHRASE"),
            privacy_master_keys=_opt("CIVICOPS_PRIVACY_MASTER_KEYS"),
            privacy_master_key_id=_opt("CIVICOPS_PRIVACY_MASTER_KEY_ID"),
            privacy_index_key=_opt("CIVICOPS_PRIVACY_INDEX_KEY"),
            policy_file=Path(p).resolve() if (p := _opt("CIVICOPS_POLICY_FILE")) else None,
            temporal_ui_url=(u.rstrip("/") if (u := _opt("TEMPORAL_UI_URL")) else None),
            rate_limit_per_minute=int(_env("CIVICOPS_RATE_LIMIT_PER_MINUTE", "600")),
            public_rate_limit_per_minute=int(_env("CIVICOPS_PUBLIC_RATE_LIMIT_PER_MINUTE", "120")),
            web_filings_per_minute=int(_env("CIVICOPS_WEB_FILINGS_PER_MINUTE", "20")),
            map_tile_url=_opt("CIVICOPS_MAP_TILE_URL"),
            public_supervisor_scores=frozenset(
                c.strip().lower()
                for c in _env("CIVICOPS_PUBLIC_SUPERVISOR_SCORES", "").split(",")
                if c.strip()
            ),
            webhook_allow_private=_env("CIVICOPS_WEBHOOK_ALLOW_PRIVATE", "0").lower()
            in ("1", "true", "yes"),
            header_timeout_s=float(_env("CIVICOPS_HEADER_TIMEOUT_S", "20")),
            body_idle_timeout_s=float(_env("CIVICOPS_BODY_IDLE_TIMEOUT_S", "20")),
            request_timeout_s=float(_env("CIVICOPS_REQUEST_TIMEOUT_S", "120")),
            model_refresh_s=float(_env("CIVICOPS_MODEL_REFRESH_S", "30")),
        )

    @property
    def sqlite_path(self) -> Path:
        """Where the embedded SQLite database lives when DATABASE_URL is unset."""
        return self.var_dir / "civicops.sqlite"

    @property
    def effective_database_url(self) -> str:
        """DATABASE_URL, or the embedded SQLite file."""
        return self.database_url or f"sqlite:///{self.sqlite_path}"

    @property
    def effective_temporal_address(self) -> str:
        """TEMPORAL_ADDRESS, or the embedded dev server."""
        return self.temporal_address or f"127.0.0.1:{self.temporal_port}"

    @property
    def effective_temporal_ui_url(self) -> str:
        """TEMPORAL_UI_URL, or the embedded dev server's UI."""
        return self.temporal_ui_url or f"http://127.0.0.1:{self.temporal_ui_port}"

    @property
    def effective_s3_endpoint_url(self) -> str:
        """S3_ENDPOINT_URL, or the embedded rclone S3 server."""
        return self.s3_endpoint_url or f"http://127.0.0.1:{self.s3_port}"

    @property
    def effective_s3_public_endpoint_url(self) -> str:
        """The S3 address put in download links: S3_PUBLIC_ENDPOINT_URL or the endpoint."""
        return self.s3_public_endpoint_url or self.effective_s3_endpoint_url
