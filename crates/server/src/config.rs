//! Settings, layered as DESIGN.md §10 says: defaults < `weft.toml` < `WEFT_*` environment variables.
//! The names are part of the contract (`WEFT_DATABASE_URL`, `WEFT_SCHEMA`, ...).

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use weft_inbound::ratelimit::LoginLimits;
use weft_outbound::retry::RetrySchedule;
use weft_registry::Registry;
use weft_store::{ConnectSettings, SqliteDurability};
use weft_webhook::targets::AllowedTargets;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    /// `WEFT_LISTEN`: address to serve HTTP on.
    pub listen: String,
    /// `WEFT_ADMIN_API_KEY`: the bootstrap admin key on a fresh database (otherwise one is generated).
    pub admin_api_key: Option<String>,
    /// `WEFT_PUBLIC_URL`: how clients reach this service (default `http://<listen>`).
    pub public_url: Option<String>,
    /// `WEFT_MAX_BODY`: largest request body in bytes.
    pub max_body: usize,
    /// `WEFT_ALLOWED_TARGETS`: private hosts or CIDRs outbound URLs may name (comma-separated).
    pub allowed_targets: String,
    /// `WEFT_RETRY_SCHEDULE`: waits between a delivery's attempts (`5s,30s,2m,10m,30m,2h`).
    pub retry_schedule: String,
    /// `WEFT_RATE_LIMIT`: requests per second per caller on the data routes (0 = no limit).
    pub rate_limit: u32,
    /// `WEFT_LOGIN_RATE_LIMIT`: failed logins a minute for one login (0 = no limit).
    pub login_rate_limit: u32,
    /// `WEFT_LOGIN_IP_RATE_LIMIT`: failed logins a minute from one client address (0 = no limit).
    pub login_ip_rate_limit: u32,
    /// `WEFT_TRUST_FORWARDED_FOR`: count logins against the last `X-Forwarded-For` address (set it
    /// only behind a proxy that appends it; otherwise a client could pick its own address).
    pub trust_forwarded_for: bool,
    /// `WEFT_DATABASE_NAME`: the one database Odoo's protocols name (`db.list`, the `db` argument
    /// of `login` and `execute_kw`, `X-Odoo-Database`).
    pub database_name: String,
    /// `sqlite://weft.db` (the embedded default) or `postgres://...`.
    pub database_url: String,
    /// A schema file; unset = the embedded demo schema.
    pub schema: Option<PathBuf>,
    /// `normal` or `full`.
    pub sqlite_synchronous: String,
    /// tracing filter, e.g. `info,weft=debug`.
    pub log: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: "127.0.0.1:8069".into(),
            admin_api_key: None,
            public_url: None,
            max_body: 10 * 1024 * 1024,
            rate_limit: 1000,
            login_rate_limit: LoginLimits::default().per_login,
            login_ip_rate_limit: LoginLimits::default().per_address,
            trust_forwarded_for: false,
            allowed_targets: String::new(),
            retry_schedule: weft_outbound::retry::DEFAULT_SCHEDULE.into(),
            database_name: "weft".into(),
            database_url: "sqlite://weft.db".into(),
            schema: None,
            sqlite_synchronous: "normal".into(),
            log: "info,sea_orm_migration=warn".into(),
        }
    }
}

impl Settings {
    /// Read `config_file` (default `weft.toml`, optional) and the `WEFT_*` environment on top of the defaults.
    pub fn load(config_file: Option<&Path>) -> anyhow::Result<Settings> {
        let file = config_file.unwrap_or(Path::new("weft.toml"));
        if config_file.is_some() && !file.exists() {
            anyhow::bail!("config file {} does not exist", file.display());
        }
        let settings: Settings = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(file))
            .merge(Env::prefixed("WEFT_"))
            .extract()?;
        settings.durability()?;
        settings.allowed_targets()?;
        settings.retry_schedule()?;
        Ok(settings)
    }

    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
            .trim_end_matches('/')
            .to_string()
    }

    pub fn login_limits(&self) -> LoginLimits {
        LoginLimits {
            per_login: self.login_rate_limit,
            per_address: self.login_ip_rate_limit,
            trust_forwarded_for: self.trust_forwarded_for,
        }
    }

    pub fn allowed_targets(&self) -> anyhow::Result<AllowedTargets> {
        AllowedTargets::parse(&self.allowed_targets)
            .map_err(|e| anyhow::anyhow!("WEFT_ALLOWED_TARGETS: {e}"))
    }

    pub fn retry_schedule(&self) -> anyhow::Result<RetrySchedule> {
        RetrySchedule::parse(&self.retry_schedule)
            .map_err(|e| anyhow::anyhow!("WEFT_RETRY_SCHEDULE: {e}"))
    }

    pub fn durability(&self) -> anyhow::Result<SqliteDurability> {
        match self.sqlite_synchronous.to_ascii_lowercase().as_str() {
            "normal" => Ok(SqliteDurability::Normal),
            "full" => Ok(SqliteDurability::Full),
            other => anyhow::bail!("WEFT_SQLITE_SYNCHRONOUS must be normal or full, not '{other}'"),
        }
    }

    pub fn connect_settings(&self) -> anyhow::Result<ConnectSettings> {
        let mut settings = ConnectSettings::new(&self.database_url);
        settings.sqlite_durability = self.durability()?;
        Ok(settings)
    }

    /// The registry from `schema` (or `override_file`), or the embedded demo schema.
    pub fn registry(&self, override_file: Option<&Path>) -> anyhow::Result<Registry> {
        match override_file.or(self.schema.as_deref()) {
            Some(path) => load_schema(path),
            None => Ok(Registry::demo()),
        }
    }
}

pub fn load_schema(path: &Path) -> anyhow::Result<Registry> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    Registry::from_toml(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}
