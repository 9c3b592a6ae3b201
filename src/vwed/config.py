"""Settings: every `VWED_*` environment variable, read once into one `Settings` object."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

UID_RANGE = 1000
_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "mysql": "mysql+aiomysql",
    "mariadb": "mysql+aiomysql",
}


def async_database_url(url: str) -> str:
    """Return `url` with the async driver this project uses for its dialect.

    `postgresql://...` becomes `postgresql+asyncpg://...`; a URL naming a driver already is kept.
    """
    scheme, sep, rest = url.partition("://")
    if not sep or "+" in scheme:
        return url
    return f"{_DRIVERS.get(scheme, scheme)}://{rest}"


class Settings(BaseSettings):
    """The platform's configuration; see docs/operators/configuration.md for each field."""

    model_config = SettingsConfigDict(env_prefix="VWED_", extra="ignore")

    data_dir: Path = Path("./vwed-data")
    database_url: str | None = None
    redis_url: str | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    admin_token: SecretStr | None = None
    secret_key: SecretStr | None = None
    ai_base_url: str | None = None
    ai_api_key: SecretStr | None = None
    ai_model: str = "deepseek-chat"
    default_timezone: str = "Asia/Shanghai"
    egress_allow: str = ""
    # Off: user-supplied URLs reach nothing but egress_allow, and other names are never resolved.
    egress_public: bool = True

    # browser sign-in (docs/ui.md): how long a session cookie lives, and where the built web UI is
    session_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    ui_dir: Path | None = None

    max_upload_bytes: int = Field(default=1024 * 1024, ge=1)
    # Every request body (JSON, forms, uploads, custom routes): a file of max_upload_bytes fits as JSON.
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    # Nesting of objects and arrays in a JSON body; frames to script processes nest a few levels more.
    max_json_depth: int = Field(default=64, ge=2, le=200)
    file_versions_keep: int = Field(default=50, ge=1)

    log_rate_per_second: float = Field(default=1000.0, gt=0)
    log_burst: int = Field(default=5000, ge=1)
    log_line_max_chars: int = Field(default=8192, ge=100)
    log_retention_days: int = Field(default=14, ge=1)
    log_max_lines_per_script: int = Field(default=100_000, ge=100)
    log_max_lines_per_tenant: int = Field(default=1_000_000, ge=100)
    log_tenant_rate_per_second: float = Field(default=2000.0, gt=0)
    log_tenant_burst: int = Field(default=10_000, ge=1)
    ws_max_pending: int = Field(default=1000, ge=10)
    scheduler_enabled: bool = True
    scheduler_misfire_grace_seconds: int = Field(default=60, ge=0)
    scheduler_lease_seconds: int = Field(default=15, ge=2)
    executor_concurrency: int = Field(default=8, ge=0)
    executor_idle_seconds: float = Field(default=2.0, gt=0)
    run_stale_seconds: int = Field(default=60, ge=4)
    shutdown_grace_seconds: float = Field(default=10.0, ge=0)
    task_log_retention_days: int = Field(default=30, ge=1)
    task_output_max_chars: int = Field(default=10_000, ge=100)
    # script services (seed 000 section 3); see docs/scripts/process-model.md
    script_launcher: Literal["zygote", "spawn"] = "zygote"
    script_call_timeout: float = Field(default=30.0, gt=0)
    script_boot_timeout: float = Field(default=30.0, gt=0)
    script_stop_grace: float = Field(default=3.0, ge=0)
    script_cpu_seconds: int = Field(default=86_400, ge=0)
    script_memory_bytes: int = Field(default=2 * 1024**3, ge=0)
    script_open_files: int = Field(default=256, ge=0)
    script_file_size_bytes: int = Field(default=64 * 1024**2, ge=0)
    script_restart_max: int = Field(default=5, ge=0)
    script_restart_backoff: float = Field(default=1.0, gt=0)
    script_heartbeat_seconds: float = Field(default=5.0, gt=0)
    # DESIGN.md "Sandbox": the layers services get (auto: all that work here; L0: none; or a list of
    # namespaces, uid, landlock, seccomp); see docs/scripts/process-model.md "Sandbox"
    script_sandbox: str = "auto"
    script_uid_base: int = Field(default=61000, ge=1000)
    script_max_threads: int = Field(default=64, ge=8)
    script_disk_bytes: int = Field(default=64 * 1024**2, ge=1024**2)
    script_http_concurrency: int = Field(default=8, ge=1)
    # Tenant-owned services get no network of their own (VWED.http through the egress guard), except the
    # tenants named here; platform-owned services keep outbound network unless switched off.
    service_raw_network_tenants: str = ""
    service_raw_network_global: bool = True
    # Tenant-owned scripts fail closed on an L0-only node unless an admin opts in.
    allow_l0_tenant_scripts: bool = False
    # frames between the host and every child (both directions)
    runtime_max_frame_bytes: int = Field(default=4 * 1024**2, ge=64 * 1024, le=256 * 1024**2)
    # sandboxed task runs (seed 004 scripts); see docs/tasks/security.md
    task_launcher: Literal["zygote", "spawn"] = "zygote"
    task_sandbox: Literal["auto", "L0"] = "auto"
    task_allow_l0_for_tenants: bool = False
    task_run_uid_base: int = Field(default=62000, ge=1000)
    task_memory_bytes: int = Field(default=512 * 1024**2, ge=64 * 1024**2)
    task_output_bytes: int = Field(default=1024**2, ge=1024)
    task_disk_bytes: int = Field(default=64 * 1024**2, ge=1024**2)
    # script_deps (docs/tasks/scripts.md); VWED_TASK_DEPS_INDEX_URL is the older name of the index
    deps_enabled: bool = True
    deps_allowed_tenants: str = "*"
    deps_index_url: str | None = None
    task_max_threads: int = Field(default=16, ge=2)
    task_deps_index_url: str | None = None
    deps_install_uid: int | None = Field(default=None, ge=1000)
    task_deps_timeout: float = Field(default=300.0, gt=0)
    ai_models: str = ""
    ai_timeout: float = Field(default=60.0, gt=0)
    sdk_http_timeout: float = Field(default=15.0, gt=0)
    sdk_http_max_bytes: int = Field(default=2 * 1024**2, ge=1024)
    db_query_tables: str = ""
    db_query_timeout: float = Field(default=5.0, gt=0)
    db_query_max_rows: int = Field(default=1000, ge=1)
    db_query_max_bytes: int = Field(default=2 * 1024**2, ge=1024)
    task_var_max_bytes: int = Field(default=64 * 1024, ge=16)
    task_vars_max: int = Field(default=1000, ge=1)

    @field_validator("data_dir")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        # Each range holds one uid per live child (1000 at most); overlapping ranges would share uids.
        if abs(self.script_uid_base - self.task_run_uid_base) < UID_RANGE:
            raise ValueError(
                f"VWED_SCRIPT_UID_BASE and VWED_TASK_RUN_UID_BASE must be {UID_RANGE} or more apart"
            )
        for base in (self.script_uid_base, self.task_run_uid_base):
            if base <= self.deps_uid < base + UID_RANGE:
                raise ValueError("VWED_DEPS_INSTALL_UID must lie outside the service and task uid ranges")
        # A brokered HTTP body travels base64-encoded in one frame.
        if self.runtime_max_frame_bytes < self.sdk_http_max_bytes * 4 // 3 + 64 * 1024:
            raise ValueError("VWED_RUNTIME_MAX_FRAME_BYTES must hold VWED_SDK_HTTP_MAX_BYTES base64-encoded")
        return self

    @property
    def raw_network_tenants(self) -> frozenset[str]:
        """Tenants whose services get outbound network of their own (`VWED_SERVICE_RAW_NETWORK_TENANTS`)."""
        return frozenset(t.strip() for t in self.service_raw_network_tenants.split(",") if t.strip())

    @property
    def hidden_paths(self) -> tuple[str, ...]:
        """What no child may see: the data dir (database, secret key, other children's work dirs)."""
        paths = [self.data_dir.resolve()]
        url = self.resolved_database_url
        target = (
            url.split(":///", 1)[1].split("?", 1)[0] if url.startswith("sqlite") and ":///" in url else ""
        )
        if target and not target.startswith(":memory:"):
            paths.append(Path(target).resolve().parent)
        return tuple(dict.fromkeys(str(p) for p in paths))

    @cached_property
    def resolved_database_url(self) -> str:
        """The SQLAlchemy URL in use: `VWED_DATABASE_URL`, or SQLite in the data dir."""
        if self.database_url:
            return async_database_url(self.database_url)
        return f"sqlite+aiosqlite:///{(self.data_dir / 'vwed.db').resolve()}"

    @property
    def run_dir(self) -> Path:
        """Private working directories of running script processes."""
        return self.data_dir / "run"

    @property
    def task_run_dir(self) -> Path:
        """Private working directories of sandboxed task runs."""
        return self.data_dir / "task-runs"

    @property
    def task_deps_dir(self) -> Path:
        """Cached dependency environments of task scripts, one per distinct requirement set."""
        return self.data_dir / "task-deps"

    def ai_model_for(self, name: str | None) -> str:
        """The endpoint's model for a name scripts use (`VWED_AI_MODELS`: `alias=model,...`)."""
        wanted = name or self.ai_model
        for pair in self.ai_models.split(","):
            alias, sep, model = pair.partition("=")
            if sep and alias.strip() == wanted:
                return model.strip()
        return wanted

    @property
    def deps_index(self) -> str:
        """The only index `script_deps` are installed from: `VWED_DEPS_INDEX_URL`, else PyPI."""
        return self.deps_index_url or self.task_deps_index_url or "https://pypi.org/simple"

    @property
    def deps_uid(self) -> int:
        """The installer's uid: `VWED_DEPS_INSTALL_UID`, else the first one above the task run uids."""
        return self.deps_install_uid or self.task_run_uid_base + UID_RANGE

    def deps_allowed_for(self, tenant_id: str) -> bool:
        """Whether tasks of `tenant_id` may have `script_deps` (`VWED_DEPS_ALLOWED_TENANTS`)."""
        allowed = {name.strip() for name in self.deps_allowed_tenants.split(",") if name.strip()}
        return "*" in allowed or tenant_id in allowed

    @property
    def backup_dir(self) -> Path:
        """Where the `.bak` copies of edited script files go."""
        return self.data_dir / "backups"
