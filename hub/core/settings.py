"""Settings, read once from the environment and validated before anything starts.

Every variable has the prefix ``LPSE_HUB_``; ``DATABASE_URL`` is accepted too, because
that is what platforms (and CI) set. With no database URL the hub runs an embedded
PostgreSQL in ``<data dir>/postgres``.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

from hub.core.errors import ConfigurationError

PREFIX = "LPSE_HUB_"


def _default_data_dir(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "lpse-hub"


SECRET_FIELDS = frozenset({"master_key", "upstream_client_secret"})
"""Fields never shown: ``repr`` (and so every log line or traceback that prints the settings) writes
``'***'``; the database URL is shown without its password (``_without_password``)."""


@dataclass(frozen=True, slots=True, repr=False)
class Settings:
    """Typed configuration of one hub process. Its repr hides the secrets (``SECRET_FIELDS``)."""

    database_url: str | None = None
    """database_url: PostgreSQL URL (``postgresql://...``) the hub serves with; ``None`` starts the
    embedded server. With ``owner_database_url`` set, its user is the restricted serving role."""
    owner_database_url: str | None = None
    """owner_database_url: PostgreSQL URL of the role that owns the schemas, for what changes them
    (``db upgrade``, ``tenant create``, ``tenant delete``, ``keys rotate-master``, ``serve``'s own
    migration). Unset: ``database_url`` does both, and the serving role may rewrite the audit trail
    (docs/SECURITY.md, "Least privilege")."""
    data_dir: Path = field(default_factory=lambda: _default_data_dir(os.environ))
    """data_dir: where the hub keeps what it owns on disk (the embedded database among it)."""
    host: str = "127.0.0.1"
    """host: address the HTTP server binds to."""
    port: int = 8000
    """port: TCP port the HTTP server binds to."""
    pool_size: int = 10
    """pool_size: connections kept open in the one pool shared by every tenant."""
    pool_max_overflow: int = 10
    """pool_max_overflow: extra connections the pool may open under load."""
    statement_cache_size: int = 2000
    """statement_cache_size: prepared statements kept per connection; each tenant schema makes its
    own statement text, so this is sized for hundreds of tenants, not the asyncpg default of 100."""
    database_connect_timeout_seconds: float = 5.0
    """database_connect_timeout_seconds: how long opening a connection (TCP, TLS, authentication) may
    take, and the check of a pooled connection before each use; a stopped, hung or unreachable
    server then fails the request with 503 (in about twice this) instead of hanging it."""
    database_check_idle_seconds: float = 1.0
    """database_check_idle_seconds: a pooled connection idle longer than this is checked (within the
    connect timeout) before it is handed out, and replaced if the server ended it or hangs; one
    returned to the pool more recently is used unchecked (issue 20: a request takes two in a row).
    ``0`` checks every one."""
    database_statement_timeout_seconds: float = 30.0
    """database_statement_timeout_seconds: PostgreSQL's ``statement_timeout`` for the hub's requests:
    the server cancels a longer statement (SQLSTATE 57014, answered 503) and frees its connection.
    ``0`` disables it. Commands (``db upgrade``, ``tenant provision``, ``catalogue rebuild``, ``audit
    verify``) run with none: their statements may legitimately take longer."""
    database_command_timeout_seconds: float = 35.0
    """database_command_timeout_seconds: how long the hub waits for any answer of the server
    (asyncpg's ``command_timeout``), for a server that hangs and so cannot cancel a statement
    itself; larger than the statement timeout, so that a merely slow statement is cancelled by the
    server first. ``0`` disables it; commands run with none."""
    database_lock_timeout_seconds: float = 10.0
    """database_lock_timeout_seconds: PostgreSQL's ``lock_timeout`` for the hub's requests: a statement
    queued behind a lock (a migration's, a long transaction's) gives up (503, retry) instead of holding
    a pooled connection for the whole statement timeout. ``0`` disables it; commands run with none."""
    database_idle_in_transaction_timeout_seconds: float = 60.0
    """database_idle_in_transaction_timeout_seconds: PostgreSQL's
    ``idle_in_transaction_session_timeout`` for the hub's requests: a transaction left open and idle
    (a request stuck between two statements) is ended by the server, releasing its locks and the
    cluster's vacuum horizon. ``0`` disables it; commands run with none."""
    database_pool_timeout_seconds: float = 10.0
    """database_pool_timeout_seconds: how long a request waits for a connection when every pooled one
    is in use before it is answered 503 (SQLAlchemy's ``pool_timeout``)."""
    readiness_timeout_seconds: float = 1.5
    """readiness_timeout_seconds: the time ``/health/ready`` gives the database before answering 503,
    whatever the pool and the timeouts above are doing; below the probe's ``timeoutSeconds`` (2)."""
    migration_concurrency: int = 8
    """migration_concurrency: tenant schemas migrated or provisioned at the same time."""
    debug: bool = False
    """debug: show tracebacks (CLI) and Litestar's debug pages; never in production."""
    master_key: str | None = None
    """master_key: 32 random bytes, base64url; encrypts signing keys (and later tenant keys). From a
    secret, never from the database. Unset: a development key in ``<data dir>/master.key``."""
    issuer: str | None = None
    """issuer: the OpenID issuer URL (``https://lpse.jatimprov.go.id``); default ``http://<host>:<port>``."""
    access_token_seconds: int = 600
    """access_token_seconds: lifetime of access and ID tokens."""
    key_refresh_seconds: int = 30
    """key_refresh_seconds: how often a process reloads the signing keys (so a rotation reaches it);
    0 reloads them at every request that needs them."""
    refresh_token_days: int = 30
    """refresh_token_days: lifetime of a refresh token family's members."""
    upstream_issuer: str | None = None
    """upstream_issuer: an OpenID provider whose users may log in here (a national SSO, another hub)."""
    upstream_client_id: str | None = None
    upstream_client_secret: str | None = None
    upstream_name: str = "SSO"
    """upstream_name: how the login page names the upstream provider."""
    public_requests_per_minute: int = 600
    """public_requests_per_minute: per client address, on the catalogue, OCDS and feed routes."""
    probe_interval_seconds: int = 60
    """probe_interval_seconds: how often the hub probes every tenant and records the result (uptime);
    ``0`` disables probing. With several replicas one of them probes each round."""
    publication_sweep_seconds: int = 60
    """publication_sweep_seconds: how often the hub publishes what the clock alone changes (a tender's
    stage in the catalogue, an award turning ``active`` when its objection period ends); ``0`` disables
    the sweep (``lpse-hub catalogue sweep`` runs it once). Replicas skip the tenders another one holds."""
    freeze_heap: bool = True
    """freeze_heap: once started, move what lives as long as the process (routes, the OpenAPI document,
    regions, caches' structures) out of the garbage collector's full passes (``gc.collect()`` then
    ``gc.freeze()``). Each full pass walked all of it: about 150 ms, every dozen home page views at 514
    tenants, which made the page's 95th percentile (docs/BENCHMARKS.md, issue 18)."""
    probe_timeout_seconds: int = 5
    """probe_timeout_seconds: the time each check of a probe may take before it counts as failed."""
    probe_retention_days: int = 90
    """probe_retention_days: how long probe results are kept; older ones are pruned each round."""
    probe_bid_mib_per_round: int = 64
    """probe_bid_mib_per_round: how many MiB of stored bid bundles each tenant's probe hashes per
    round (in the database) to check the bids of unopened tenders against their receipts; the next
    round goes on where it stopped, so every such bid is checked within about
    ``2 * bundle MiB / this`` rounds. In MiB, not bytes: Helm renders a large integer such as
    67108864 as ``6.7108864e+07``."""
    outage_window_seconds: int = 7200
    """outage_window_seconds: an outage of a tenant (or of the hub) within this long before a tender's
    bid-submission deadline extends the deadline by itself (``tenants.tenders.outages``); 2 hours."""
    outage_margin_seconds: int = 7200
    """outage_margin_seconds: what an extended deadline gains beyond the outage's length; 2 hours."""
    ocid_prefix: str = "ocds-lpsehub"
    """ocid_prefix: the OCDS prefix of this hub's tenders (registered with the Open Contracting
    Partnership); an ocid is ``<prefix>-<tenant code>-<tender id>``."""
    metrics: bool = True
    """metrics: serve Prometheus metrics at ``/metrics`` and count requests (``false``: neither)."""
    upload_slots: int = 2
    """upload_slots: uploads (documents, bids, objections) one process takes at the same time; each
    may hold its largest file in memory while it is stored (tests/bench/bench_upload_memory.py)."""
    upload_wait_seconds: int = 30
    """upload_wait_seconds: how long an upload waits for a slot before it is answered 503."""
    embedded_database: bool = False
    """embedded_database: the URL is the embedded server's (set by the hub for its own workers)."""
    trusted_proxies: tuple[str, ...] = ()
    """trusted_proxies: addresses and networks (``10.0.0.0/8``, ``::1``) of the reverse proxies whose
    ``X-Forwarded-For`` names the client; comma-separated. Empty (the default): no proxy is trusted and
    the client is the TCP peer, so a forged header cannot dodge a per-address limit."""

    def __repr__(self) -> str:
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None and f.name in SECRET_FIELDS:
                value = "***"
            elif f.name in ("database_url", "owner_database_url") and value is not None:
                value = _without_password(value)
            shown.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(shown)})"

    @property
    def serving_role(self) -> str | None:
        """The restricted role the hub serves as (``database_url``'s user), to which migrations and
        provisioning grant what serving needs; ``None`` when one role does everything."""
        if self.owner_database_url is None or self.database_url is None:
            return None
        serving = urlsplit(self.database_url).username
        return None if serving == urlsplit(self.owner_database_url).username else serving

    @property
    def issuer_url(self) -> str:
        return (self.issuer or f"http://{self.host}:{self.port}").rstrip("/")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from ``env`` (the process environment by default)."""
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            return env.get(PREFIX + name)

        url = get("DATABASE_URL") or env.get("DATABASE_URL") or None
        owner_url = get("OWNER_DATABASE_URL") or None
        data_dir = Path(get("DATA_DIR") or _default_data_dir(env)).expanduser()
        defaults = cls()
        settings = cls(
            database_url=url,
            owner_database_url=owner_url,
            data_dir=data_dir,
            host=get("HOST") or defaults.host,
            port=_int(get("PORT"), defaults.port, "PORT"),
            pool_size=_int(get("POOL_SIZE"), defaults.pool_size, "POOL_SIZE"),
            pool_max_overflow=_int(get("POOL_MAX_OVERFLOW"), defaults.pool_max_overflow, "POOL_MAX_OVERFLOW"),
            statement_cache_size=_int(
                get("STATEMENT_CACHE_SIZE"), defaults.statement_cache_size, "STATEMENT_CACHE_SIZE"
            ),
            migration_concurrency=_int(
                get("MIGRATION_CONCURRENCY"), defaults.migration_concurrency, "MIGRATION_CONCURRENCY"
            ),
            **_timeouts(get, defaults),
            debug=(get("DEBUG") or "").lower() in {"1", "true", "yes", "on"},
            master_key=get("MASTER_KEY") or None,
            issuer=get("ISSUER") or None,
            access_token_seconds=_int(
                get("ACCESS_TOKEN_SECONDS"), defaults.access_token_seconds, "ACCESS_TOKEN_SECONDS"
            ),
            key_refresh_seconds=_int(
                get("KEY_REFRESH_SECONDS"), defaults.key_refresh_seconds, "KEY_REFRESH_SECONDS"
            ),
            refresh_token_days=_int(
                get("REFRESH_TOKEN_DAYS"), defaults.refresh_token_days, "REFRESH_TOKEN_DAYS"
            ),
            upstream_issuer=get("UPSTREAM_ISSUER") or None,
            upstream_client_id=get("UPSTREAM_CLIENT_ID") or None,
            upstream_client_secret=get("UPSTREAM_CLIENT_SECRET") or None,
            upstream_name=get("UPSTREAM_NAME") or defaults.upstream_name,
            ocid_prefix=get("OCID_PREFIX") or defaults.ocid_prefix,
            metrics=(get("METRICS") or "true").lower() not in {"0", "false", "no", "off"},
            freeze_heap=(get("FREEZE_HEAP") or "true").lower() not in {"0", "false", "no", "off"},
            embedded_database=(get("EMBEDDED_DATABASE") or "").lower() in {"1", "true", "yes", "on"},
            public_requests_per_minute=_int(
                get("PUBLIC_REQUESTS_PER_MINUTE"),
                defaults.public_requests_per_minute,
                "PUBLIC_REQUESTS_PER_MINUTE",
            ),
            probe_interval_seconds=_int(
                get("PROBE_INTERVAL_SECONDS"), defaults.probe_interval_seconds, "PROBE_INTERVAL_SECONDS"
            ),
            publication_sweep_seconds=_int(
                get("PUBLICATION_SWEEP_SECONDS"),
                defaults.publication_sweep_seconds,
                "PUBLICATION_SWEEP_SECONDS",
            ),
            probe_timeout_seconds=_int(
                get("PROBE_TIMEOUT_SECONDS"), defaults.probe_timeout_seconds, "PROBE_TIMEOUT_SECONDS"
            ),
            probe_retention_days=_int(
                get("PROBE_RETENTION_DAYS"), defaults.probe_retention_days, "PROBE_RETENTION_DAYS"
            ),
            probe_bid_mib_per_round=_int(
                get("PROBE_BID_MIB_PER_ROUND"), defaults.probe_bid_mib_per_round, "PROBE_BID_MIB_PER_ROUND"
            ),
            outage_window_seconds=_int(
                get("OUTAGE_WINDOW_SECONDS"), defaults.outage_window_seconds, "OUTAGE_WINDOW_SECONDS"
            ),
            outage_margin_seconds=_int(
                get("OUTAGE_MARGIN_SECONDS"), defaults.outage_margin_seconds, "OUTAGE_MARGIN_SECONDS"
            ),
            trusted_proxies=_networks(get("TRUSTED_PROXIES"), "TRUSTED_PROXIES"),
            upload_slots=_int(get("UPLOAD_SLOTS"), defaults.upload_slots, "UPLOAD_SLOTS"),
            upload_wait_seconds=_int(
                get("UPLOAD_WAIT_SECONDS"), defaults.upload_wait_seconds, "UPLOAD_WAIT_SECONDS"
            ),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        """Fail fast, with the variable's name, on a value the hub cannot run with."""
        if self.database_url is not None and not self.database_url.startswith(_POSTGRES_SCHEMES):
            raise ConfigurationError(f"{PREFIX}DATABASE_URL must be a postgresql:// URL")
        self._validate_owner_url()
        if not 0 < self.port < 65536:
            raise ConfigurationError(f"{PREFIX}PORT must be between 1 and 65535")
        if self.master_key is not None:
            from hub.core.master_key import MasterKey

            MasterKey.parse(self.master_key)
        if self.upstream_issuer and not self.upstream_client_id:
            raise ConfigurationError(f"{PREFIX}UPSTREAM_ISSUER needs {PREFIX}UPSTREAM_CLIENT_ID")
        if not re.fullmatch(r"ocds-[a-z0-9]{1,20}(-[a-z0-9]{1,20})?", self.ocid_prefix):
            raise ConfigurationError(f"{PREFIX}OCID_PREFIX must look like ocds-abc123")
        if self.public_requests_per_minute < 1:
            raise ConfigurationError(f"{PREFIX}PUBLIC_REQUESTS_PER_MINUTE must be >= 1")
        if self.probe_interval_seconds < 0:
            raise ConfigurationError(f"{PREFIX}PROBE_INTERVAL_SECONDS must be >= 0 (0 disables probing)")
        if self.publication_sweep_seconds < 0:
            raise ConfigurationError(f"{PREFIX}PUBLICATION_SWEEP_SECONDS must be >= 0 (0 disables the sweep)")
        if self.probe_timeout_seconds < 1 or self.probe_retention_days < 1:
            raise ConfigurationError(
                f"{PREFIX}PROBE_TIMEOUT_SECONDS and {PREFIX}PROBE_RETENTION_DAYS must be >= 1"
            )
        if self.probe_bid_mib_per_round < 1:
            raise ConfigurationError(f"{PREFIX}PROBE_BID_MIB_PER_ROUND must be >= 1")
        if self.outage_window_seconds < 0 or self.outage_margin_seconds < 0:
            raise ConfigurationError(
                f"{PREFIX}OUTAGE_WINDOW_SECONDS and {PREFIX}OUTAGE_MARGIN_SECONDS must be >= 0"
            )
        if self.upload_slots < 1 or self.upload_wait_seconds < 0:
            raise ConfigurationError(f"{PREFIX}UPLOAD_SLOTS must be >= 1, {PREFIX}UPLOAD_WAIT_SECONDS >= 0")
        if self.pool_size < 1 or self.migration_concurrency < 1:
            raise ConfigurationError(f"{PREFIX}POOL_SIZE and {PREFIX}MIGRATION_CONCURRENCY must be >= 1")
        self._validate_timeouts()

    def _validate_owner_url(self) -> None:
        if self.owner_database_url is None:
            return
        if not self.owner_database_url.startswith(_POSTGRES_SCHEMES):
            raise ConfigurationError(f"{PREFIX}OWNER_DATABASE_URL must be a postgresql:// URL")
        if self.database_url is None:
            raise ConfigurationError(
                f"{PREFIX}OWNER_DATABASE_URL needs {PREFIX}DATABASE_URL, the restricted role's URL "
                "(the embedded database sets up both roles by itself)"
            )
        if not urlsplit(self.database_url).username:
            raise ConfigurationError(
                f"{PREFIX}DATABASE_URL must name its user when {PREFIX}OWNER_DATABASE_URL is set: "
                "that user is the role the owner grants to"
            )

    def _validate_timeouts(self) -> None:
        for name in _TIMEOUTS:
            if getattr(self, name) < 0:
                raise ConfigurationError(f"{PREFIX}{name.upper()} must be >= 0")
        for name in (
            "database_connect_timeout_seconds",
            "database_pool_timeout_seconds",
            "readiness_timeout_seconds",
        ):
            if getattr(self, name) <= 0:
                raise ConfigurationError(f"{PREFIX}{name.upper()} must be > 0")
        command, statement = self.database_command_timeout_seconds, self.database_statement_timeout_seconds
        if command and statement and command <= statement:
            raise ConfigurationError(
                f"{PREFIX}DATABASE_COMMAND_TIMEOUT_SECONDS must exceed "
                f"{PREFIX}DATABASE_STATEMENT_TIMEOUT_SECONDS (or be 0), so that the server cancels "
                "a slow statement before the hub gives up on it"
            )

    def with_database_url(
        self, url: str, *, owner_url: str | None = None, embedded: bool = False
    ) -> Settings:
        return replace(self, database_url=url, owner_database_url=owner_url, embedded_database=embedded)

    @property
    def schema_changing_url(self) -> str | None:
        """The URL for what changes schemas: the owner's, or the one URL when there is no owner's."""
        return self.owner_database_url or self.database_url


def _networks(raw: str | None, name: str) -> tuple[str, ...]:
    """Comma-separated addresses or CIDR networks, each checked; no ``*``, which would trust anyone."""
    networks = tuple(part.strip() for part in (raw or "").split(",") if part.strip())
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise ConfigurationError(
                f"{PREFIX}{name} takes addresses or networks (10.0.0.0/8), not {network!r}"
            ) from None
    return networks


def _without_password(url: str) -> str:
    """``url`` with its password written as ``***``, in the user part and in the query (libpq and
    asyncpg accept ``?password=``), for showing the URL to a person."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        credentials, _, location = netloc.rpartition("@")
        netloc = f"{credentials.partition(':')[0]}:***@{location}"
    query = "&".join(
        f"{pair.partition('=')[0]}=***" if pair.partition("=")[0].lower() in _PASSWORD_PARAMETERS else pair
        for pair in parts.query.split("&")
    )
    return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")


_POSTGRES_SCHEMES = ("postgresql://", "postgres://", "postgresql+asyncpg://")
_PASSWORD_PARAMETERS = frozenset({"password", "sslpassword"})
_TIMEOUTS = (
    "database_connect_timeout_seconds",
    "database_check_idle_seconds",
    "database_statement_timeout_seconds",
    "database_command_timeout_seconds",
    "database_lock_timeout_seconds",
    "database_idle_in_transaction_timeout_seconds",
    "database_pool_timeout_seconds",
    "readiness_timeout_seconds",
)
"""The settings in seconds that may have a fraction, each read from ``LPSE_HUB_<NAME>``."""


def _timeouts(get: Callable[[str], str | None], defaults: Settings) -> dict[str, float]:
    return {name: _float(get(name.upper()), getattr(defaults, name), name.upper()) for name in _TIMEOUTS}


def _float(raw: str | None, default: float, name: str) -> float:
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{PREFIX}{name} must be a number of seconds, not {raw!r}") from None
    if not math.isfinite(value):
        raise ConfigurationError(f"{PREFIX}{name} must be a finite number of seconds, not {raw!r}")
    return value


def _int(raw: str | None, default: int, name: str) -> int:
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(f"{PREFIX}{name} must be an integer, not {raw!r}") from None
