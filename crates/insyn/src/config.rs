//! Configuration: defaults in code → `insyn.toml` (or `--config FILE`) → `INSYN_*` environment
//! variables (nested keys with `__`, e.g. `INSYN_S3__ENDPOINT`) → command-line flags.
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use insyn_app::{AppConfig, S3Settings, SearchBackend};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Folder for the embedded default: the SQLite database, blobs and the search index.
    pub data_dir: PathBuf,
    /// `sqlite:PATH` or `postgres://user@host/db`. Default: SQLite in the data folder.
    pub database_url: Option<String>,
    /// `file:PATH` or `s3://bucket[/prefix]`. Default: a folder in the data folder.
    pub blobs_url: Option<String>,
    /// `auto` (tantivy with SQLite, PostgreSQL text search with PostgreSQL), `tantivy` or `postgres`.
    pub search: SearchBackend,
    /// Address `insyn serve` listens on.
    pub listen: String,
    pub s3: S3Config,
    /// The staff web (sign-in, sessions).
    #[serde(default)]
    pub web: WebConfig,
    /// OpenID Connect identity providers, by organisation slug: `[oidc.ekbacka]`.
    #[serde(default)]
    pub oidc: std::collections::BTreeMap<String, OidcConfig>,
    /// Webhooks the platforms push to: `[webhooks.meta]`.
    #[serde(default)]
    pub webhooks: WebhooksConfig,
    /// The mail server the e-mail outbox sends through: `[smtp]`. Without it, messages wait.
    #[serde(default)]
    pub smtp: Option<SmtpConfig>,
    /// Scheduled archive deliveries by `insyn serve`: `[archive]`.
    #[serde(default)]
    pub archive: ArchiveConfig,
    /// Organisations' own screening rules: `[screening]`.
    #[serde(default)]
    pub screening: ScreeningConfig,
}

/// `[screening]`: organisations' own rule and word-list files.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScreeningConfig {
    /// A folder with one sub-folder per organisation slug holding that organisation's
    /// `*.rules` files, laid over the built-in Swedish rules. Read and checked at start.
    pub rules_dir: Option<PathBuf>,
}

/// `[smtp]`: where e-mail goes. The password comes from a file or an environment variable.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    /// Default: 587 with starttls, 465 with tls, 25 with none.
    pub port: Option<u16>,
    /// `starttls` (default), `tls` or `none`.
    #[serde(default)]
    pub tls: insyn_app::SmtpTls,
    /// The sender, e.g. `Insyn <noreply@kommun.se>`.
    pub from: String,
    pub user: Option<String>,
    pub password_file: Option<PathBuf>,
    pub password_env: Option<String>,
    /// Seconds one attempt may take (default 30).
    pub timeout_secs: Option<u64>,
}

/// Where and how `insyn serve` delivers the packages the delivery schedules have due (daily,
/// and at start). Without `deliver_to` nothing is delivered on schedule.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ArchiveConfig {
    /// Folder the packages go to, one sub-folder per organisation.
    pub deliver_to: Option<PathBuf>,
    /// Zip files instead of folders.
    pub zip: bool,
    /// Hours between scheduled runs (default 24).
    pub every_hours: u64,
    /// Folder with mets.xsd, xlink.xsd and the DILCIS extension schemas, carried in schemas/.
    pub schemas: Option<PathBuf>,
    /// commons-ip's CLI jar: packages must be judged VALID before they count as delivered.
    pub commons_ip_jar: Option<PathBuf>,
    /// An RFC 3161 time-stamp authority URL.
    pub tsa_url: Option<String>,
}

impl Default for ArchiveConfig {
    fn default() -> Self {
        ArchiveConfig {
            deliver_to: None,
            zip: false,
            every_hours: 24,
            schemas: None,
            commons_ip_jar: None,
            tsa_url: None,
        }
    }
}

impl ArchiveConfig {
    /// The export options the scheduled runs use.
    pub fn export_options(&self) -> insyn_app::ExportOptions {
        insyn_app::ExportOptions {
            zip: self.zip,
            schemas_dir: self.schemas.clone(),
            commons_ip_jar: self.commons_ip_jar.clone(),
            tsa_url: self.tsa_url.clone(),
            ..Default::default()
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhooksConfig {
    /// The Meta app (Facebook Pages, Instagram) whose webhooks post to `/webhooks/meta`.
    pub meta: Option<MetaWebhookSettings>,
    /// YouTube's WebSub hub, which posts to `/webhooks/youtube`: the subscription's secret.
    pub youtube: Option<YoutubeWebSubSettings>,
    /// The LinkedIn app whose organization notifications post to `/webhooks/linkedin`.
    pub linkedin: Option<LinkedinWebhookSettings>,
    /// The X app whose Account Activity deliveries post to `/webhooks/x`.
    pub x: Option<XWebhookSettings>,
}

/// Where the X app's consumer secret is read from (a file or an environment variable).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XWebhookSettings {
    pub consumer_secret_file: Option<PathBuf>,
    pub consumer_secret_env: Option<String>,
}

/// Where the LinkedIn app's client secret is read from (a file or an environment variable).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkedinWebhookSettings {
    pub client_secret_file: Option<PathBuf>,
    pub client_secret_env: Option<String>,
}

/// Where the WebSub subscription's secret is read from (a file or an environment variable).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YoutubeWebSubSettings {
    pub secret_file: Option<PathBuf>,
    pub secret_env: Option<String>,
}

/// Where the Meta app's secrets are read from (a file, preferred, or an environment variable;
/// never the configuration file itself).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetaWebhookSettings {
    pub app_secret_file: Option<PathBuf>,
    pub app_secret_env: Option<String>,
    pub verify_token_file: Option<PathBuf>,
    pub verify_token_env: Option<String>,
}

/// A secret from exactly one of a file or an environment variable; `what` names the setting.
fn read_secret(
    what: &str,
    file: &Option<PathBuf>,
    env: &Option<String>,
) -> Result<String, ConfigError> {
    let secret = match (file, env) {
        (Some(path), None) => std::fs::read_to_string(path)
            .map_err(|e| {
                ConfigError(format!(
                    "configuration: cannot read {what}_file {}: {e}",
                    path.display()
                ))
            })?
            .trim()
            .to_string(),
        (None, Some(var)) => std::env::var(var).map_err(|_| {
            ConfigError(format!(
                "configuration: {what}_env names {var}, which is not set"
            ))
        })?,
        _ => {
            let name = what.rsplit('.').next().unwrap_or(what);
            return Err(ConfigError(format!(
                "configuration: {what}: give {name}_file or {name}_env (one of them)"
            )));
        }
    };
    if secret.is_empty() {
        return Err(ConfigError(format!("configuration: {what} is empty")));
    }
    Ok(secret)
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebConfig {
    /// The address staff use, e.g. `https://insyn.kommun.se`. Sets the allowed form origin, the
    /// OIDC redirect address (`{public_url}/auth/oidc/callback`) and, when https, the `Secure`
    /// cookie flag.
    pub public_url: Option<String>,
    /// A staff session ends after this many minutes without a request.
    pub session_idle_minutes: i64,
    /// Reverse proxies (addresses or networks) whose `X-Forwarded-For` names the client, for
    /// the per-client limits of the portal and the request form. Empty: the peer is the client.
    pub trusted_proxies: Vec<String>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            public_url: None,
            session_idle_minutes: 8 * 60,
            trusted_proxies: Vec::new(),
        }
    }
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// The provider's issuer URL, exactly as its discovery document names it.
    pub issuer: String,
    pub client_id: String,
    /// File holding the client secret (preferred).
    pub client_secret_file: Option<PathBuf>,
    /// Or the name of an environment variable holding it.
    pub client_secret_env: Option<String>,
}

impl std::fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret_file", &self.client_secret_file)
            .field("client_secret_env", &self.client_secret_env)
            .finish()
    }
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Config {
    /// Endpoint of an S3-compatible service; empty for AWS.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// Read the secret key from this file instead.
    pub secret_access_key_file: Option<PathBuf>,
    pub allow_http: bool,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_deref().map(insyn_store_redact),
            )
            .field("blobs_url", &self.blobs_url)
            .field("search", &self.search)
            .field("listen", &self.listen)
            .field("web", &self.web)
            .field("oidc", &self.oidc)
            .finish_non_exhaustive()
    }
}

fn insyn_store_redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s && url[s + 3..at].contains(':') => {
            let user = url[s + 3..at].split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..s + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("insyn-data"),
            database_url: None,
            blobs_url: None,
            search: SearchBackend::Auto,
            listen: "127.0.0.1:8080".into(),
            s3: S3Config {
                endpoint: None,
                region: "eu-north-1".into(),
                access_key_id: None,
                secret_access_key: None,
                secret_access_key_file: None,
                allow_http: false,
            },
            web: WebConfig::default(),
            oidc: Default::default(),
            webhooks: Default::default(),
            smtp: None,
            archive: Default::default(),
            screening: Default::default(),
        }
    }
}

#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Config {
    /// Loads the layers. `file`: an explicit `--config` (must exist); otherwise `insyn.toml` in the
    /// working folder is read if present.
    pub fn load(file: Option<&Path>, data_dir: Option<&Path>) -> Result<Config, ConfigError> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) => {
                if !path.exists() {
                    return Err(ConfigError(format!(
                        "the configuration file {} does not exist",
                        path.display()
                    )));
                }
                fig = fig.merge(Toml::file_exact(path));
            }
            // optional: a missing insyn.toml is not an error
            None => fig = fig.merge(Toml::file("insyn.toml")),
        }
        fig = fig.merge(Env::prefixed("INSYN_").split("__").ignore(&[
            "log",
            "test_postgres_url",
            "test_s3_url",
            "test_python",
            "peers_dir",
            "test_node_modules",
            // the public portal's rate limit, read by insyn-web (docs/PORTAL.md)
            "portal_rate_per_minute",
            "portal_rate_burst",
        ]));
        if let Some(dir) = data_dir {
            fig = fig.merge(Serialized::default("data_dir", dir));
        }
        fig.extract()
            .map_err(|e| ConfigError(format!("configuration: {}", one_line(&e))))
    }

    /// The LinkedIn client secret, when `[webhooks.linkedin]` is set.
    pub fn linkedin_webhook(
        &self,
    ) -> Result<Option<insyn_app::webhooks::LinkedinWebhookConfig>, ConfigError> {
        let Some(l) = &self.webhooks.linkedin else {
            return Ok(None);
        };
        Ok(Some(insyn_app::webhooks::LinkedinWebhookConfig {
            client_secret: read_secret(
                "webhooks.linkedin.client_secret",
                &l.client_secret_file,
                &l.client_secret_env,
            )?,
        }))
    }

    /// The X consumer secret, when `[webhooks.x]` is set.
    pub fn x_webhook(&self) -> Result<Option<insyn_app::webhooks::XWebhookConfig>, ConfigError> {
        let Some(x) = &self.webhooks.x else {
            return Ok(None);
        };
        Ok(Some(insyn_app::webhooks::XWebhookConfig {
            consumer_secret: read_secret(
                "webhooks.x.consumer_secret",
                &x.consumer_secret_file,
                &x.consumer_secret_env,
            )?,
        }))
    }

    /// The YouTube WebSub secret, when `[webhooks.youtube]` is set.
    pub fn youtube_websub(
        &self,
    ) -> Result<Option<insyn_app::webhooks::YoutubeWebSubConfig>, ConfigError> {
        let Some(y) = &self.webhooks.youtube else {
            return Ok(None);
        };
        Ok(Some(insyn_app::webhooks::YoutubeWebSubConfig {
            secret: read_secret("webhooks.youtube.secret", &y.secret_file, &y.secret_env)?,
        }))
    }

    /// The Meta webhook secrets, when `[webhooks.meta]` is set.
    pub fn meta_webhook(
        &self,
    ) -> Result<Option<insyn_app::webhooks::MetaWebhookConfig>, ConfigError> {
        let Some(m) = &self.webhooks.meta else {
            return Ok(None);
        };
        Ok(Some(insyn_app::webhooks::MetaWebhookConfig {
            app_secret: read_secret(
                "webhooks.meta.app_secret",
                &m.app_secret_file,
                &m.app_secret_env,
            )?,
            verify_token: read_secret(
                "webhooks.meta.verify_token",
                &m.verify_token_file,
                &m.verify_token_env,
            )?,
        }))
    }

    /// The mail server, when `[smtp]` is set (the password read from its file or variable).
    pub fn smtp(&self) -> Result<Option<insyn_app::SmtpSettings>, ConfigError> {
        let Some(c) = &self.smtp else {
            return Ok(None);
        };
        let password = match (&c.user, &c.password_file, &c.password_env) {
            (None, None, None) => None,
            (None, _, _) => {
                return Err(ConfigError(
                    "configuration: smtp.password_file/password_env need smtp.user".into(),
                ));
            }
            (Some(_), file, env) => Some(read_secret("smtp.password", file, env)?),
        };
        let port = c.port.unwrap_or(match c.tls {
            insyn_app::SmtpTls::Starttls => 587,
            insyn_app::SmtpTls::Tls => 465,
            insyn_app::SmtpTls::None => 25,
        });
        Ok(Some(insyn_app::SmtpSettings {
            host: c.host.clone(),
            port,
            tls: c.tls,
            from: c.from.clone(),
            user: c.user.clone(),
            password,
            timeout_secs: c.timeout_secs.unwrap_or(30),
        }))
    }

    /// The staff web's settings, with each identity provider's client secret read from its file
    /// or environment variable (never from the configuration file itself).
    pub fn staff_config(&self) -> Result<insyn_web::StaffConfig, ConfigError> {
        let public_url = self
            .web
            .public_url
            .as_ref()
            .map(|u| u.trim_end_matches('/').to_string());
        if let Some(u) = &public_url
            && !(u.starts_with("https://") || u.starts_with("http://"))
        {
            return Err(ConfigError(format!(
                "configuration: web.public_url '{u}' must start with https:// or http://"
            )));
        }
        if self.web.session_idle_minutes < 1 {
            return Err(ConfigError(
                "configuration: web.session_idle_minutes must be 1 or more".into(),
            ));
        }
        let mut oidc = std::collections::HashMap::new();
        for (slug, p) in &self.oidc {
            let secret = read_secret(
                &format!("oidc.{slug}.client_secret"),
                &p.client_secret_file,
                &p.client_secret_env,
            )?;
            let base = public_url.clone().ok_or_else(|| {
                ConfigError(format!(
                    "configuration: oidc.{slug} needs web.public_url (the provider redirects back to it)"
                ))
            })?;
            let provider = insyn_app::auth::oidc::OidcProvider::new(
                slug.clone(),
                p.issuer.clone(),
                p.client_id.clone(),
                insyn_app::auth::oidc::Secret::new(secret),
                format!("{base}/auth/oidc/callback"),
            )
            .map_err(|e| ConfigError(format!("configuration: oidc.{slug}: {e}")))?;
            oidc.insert(slug.clone(), provider);
        }
        Ok(insyn_web::StaffConfig {
            secure_cookies: public_url
                .as_deref()
                .is_some_and(|u| u.starts_with("https://")),
            public_url,
            idle_minutes: self.web.session_idle_minutes,
            oidc,
        })
    }

    /// The reverse proxies to believe (`[web] trusted_proxies`); a bad entry is named.
    pub fn trusted_proxies(&self) -> Result<insyn_web::client_addr::TrustedProxies, ConfigError> {
        insyn_web::client_addr::TrustedProxies::parse(&self.web.trusted_proxies)
            .map_err(|e| ConfigError(format!("configuration: web.trusted_proxies: {e}")))
    }

    pub fn app_config(&self) -> Result<AppConfig, ConfigError> {
        let data = &self.data_dir;
        let secret = match (&self.s3.secret_access_key, &self.s3.secret_access_key_file) {
            (Some(_), Some(_)) => {
                return Err(ConfigError("configuration: give s3.secret_access_key or s3.secret_access_key_file, not both".into()));
            }
            (Some(s), None) => Some(s.clone()),
            (None, Some(path)) => Some(
                std::fs::read_to_string(path)
                    .map_err(|e| {
                        ConfigError(format!(
                            "configuration: cannot read s3.secret_access_key_file {}: {e}",
                            path.display()
                        ))
                    })?
                    .trim()
                    .to_string(),
            ),
            (None, None) => None,
        };
        Ok(AppConfig {
            database_url: self
                .database_url
                .clone()
                .unwrap_or_else(|| format!("sqlite:{}", data.join("insyn.db").display())),
            blobs_url: self
                .blobs_url
                .clone()
                .unwrap_or_else(|| format!("file:{}", absolute(&data.join("blobs")).display())),
            s3: S3Settings {
                endpoint: self.s3.endpoint.clone().filter(|e| !e.is_empty()),
                region: self.s3.region.clone(),
                access_key_id: self.s3.access_key_id.clone(),
                secret_access_key: secret,
                allow_http: self.s3.allow_http,
            },
            search: self.search,
            search_dir: data.join("search"),
        })
    }

    /// Creates the data folder when the embedded default uses it.
    pub fn prepare_data_dir(&self) -> Result<(), ConfigError> {
        std::fs::create_dir_all(&self.data_dir).map_err(|e| {
            ConfigError(format!(
                "cannot create the data folder {}: {e}",
                self.data_dir.display()
            ))
        })
    }
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

fn one_line(e: &figment::Error) -> String {
    e.to_string().replace('\n', " ")
}

/// The commented defaults, for `insyn config example`.
pub const EXAMPLE: &str = r#"# insyn.toml: Insyn's configuration. Every key can also be set in the environment as
# INSYN_<KEY> (nested keys with a double underscore: INSYN_S3__ENDPOINT).

# Folder for the embedded default: SQLite database, blobs and search index.
data_dir = "insyn-data"

# The database: sqlite:PATH (default: <data_dir>/insyn.db) or postgres://user:password@host/db
# database_url = "postgres://insyn@127.0.0.1/insyn"

# The blob store: file:PATH (default: <data_dir>/blobs) or s3://bucket[/prefix]
# blobs_url = "s3://insyn-blobs"

# Search: "auto" (tantivy with SQLite, PostgreSQL text search with PostgreSQL), "tantivy", "postgres"
search = "auto"

# Where `insyn serve` listens.
listen = "127.0.0.1:8080"

[s3]
# endpoint = "http://127.0.0.1:9000"   # an S3-compatible service; leave out for AWS
region = "eu-north-1"
# access_key_id = "..."
# secret_access_key_file = "/run/secrets/insyn-s3"   # preferred over secret_access_key
allow_http = false

[web]
# The address staff use; sets the allowed form origin, the OIDC redirect address and (https) the
# Secure cookie flag.
# public_url = "https://insyn.kommun.se"
session_idle_minutes = 480
# Reverse proxies whose X-Forwarded-For names the client (for the portal's per-client limits).
# trusted_proxies = ["127.0.0.1", "10.0.0.0/8"]

# An organisation's identity provider (OpenID Connect), by organisation slug.
# [oidc.ekbacka]
# issuer = "https://login.ekbacka.se"
# client_id = "insyn"
# client_secret_file = "/run/secrets/insyn-oidc-ekbacka"   # or client_secret_env = "VAR"

# The Meta app (Facebook Pages, Instagram) that posts webhooks to {public_url}/webhooks/meta.
# [webhooks.meta]
# app_secret_file = "/run/secrets/insyn-meta-app-secret"     # or app_secret_env = "VAR"
# verify_token_file = "/run/secrets/insyn-meta-verify-token" # or verify_token_env = "VAR"
# YouTube's WebSub hub posts video notifications to {public_url}/webhooks/youtube, signed with
# the secret given when subscribing.
# [webhooks.youtube]
# secret_file = "/run/secrets/insyn-youtube-websub-secret"  # or secret_env = "VAR"
# The LinkedIn app whose organization notifications post to {public_url}/webhooks/linkedin.
# [webhooks.linkedin]
# client_secret_file = "/run/secrets/insyn-linkedin-client-secret"  # or client_secret_env = "VAR"
# The X app whose Account Activity deliveries post to {public_url}/webhooks/x (its consumer
# secret answers the CRC check and signs every delivery).
# [webhooks.x]
# consumer_secret_file = "/run/secrets/insyn-x-consumer-secret"  # or consumer_secret_env = "VAR"

# The mail server the e-mail outbox sends through (decisions to requesters, diary registrations).
# Without [smtp], messages are queued and wait. See docs/DIARY.md.
# [smtp]
# host = "smtp.kommun.se"
# port = 587                                   # default: 587 starttls, 465 tls, 25 none
# tls = "starttls"                             # starttls | tls | none
# from = "Insyn <noreply@kommun.se>"
# user = "insyn"
# password_file = "/run/secrets/insyn-smtp"    # or password_env = "VAR"
# Scheduled archive deliveries: `insyn serve` builds the packages each organisation's delivery
# schedule has due (at start, then every `every_hours`) into deliver_to/<organisation>/, checks
# them before they are logged, and writes leveransstatus.json there (shown by `insyn deliveries list`).
[archive]
# deliver_to = "/srv/e-arkiv/leveranser"
zip = false
every_hours = 24
# schemas = "/usr/share/insyn/schemas"                # mets.xsd, xlink.xsd, DILCIS extensions
# commons_ip_jar = "/opt/commons-ip/commons-ip2-cli.jar"  # judged VALID before delivered
# tsa_url = "https://tsa.example.se/tsr"              # RFC 3161 time-stamps

# Organisations' own screening rules: one folder per organisation slug with *.rules files laid
# over the built-in Swedish rules (rules_dir/ekbacka/threat.rules replaces the built-in
# threat.rules for Ekbacka). Checked at start: a bad file stops the start naming file and line.
[screening]
# rules_dir = "/etc/insyn/rules"
"#;

#[cfg(test)]
mod webhook_tests {
    use super::*;

    #[test]
    fn meta_webhook_secrets_from_files_or_environment() {
        assert!(Config::default().meta_webhook().unwrap().is_none());
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("app-secret");
        std::fs::write(&secret, "meta-hemlighet\n").unwrap();
        let mut c = Config::default();
        c.webhooks.meta = Some(MetaWebhookSettings {
            app_secret_file: Some(secret.clone()),
            app_secret_env: None,
            verify_token_file: None,
            verify_token_env: Some("INSYN_TEST_META_VERIFY_TOKEN_UNSET".into()),
        });
        let e = c.meta_webhook().unwrap_err();
        assert!(e.0.contains("webhooks.meta.verify_token_env"), "{}", e.0);
        let token = dir.path().join("token");
        std::fs::write(&token, "verifiera-mig").unwrap();
        let meta = c.webhooks.meta.as_mut().unwrap();
        meta.verify_token_env = None;
        meta.verify_token_file = Some(token);
        let m = c.meta_webhook().unwrap().unwrap();
        assert_eq!(
            (m.app_secret.as_str(), m.verify_token.as_str()),
            ("meta-hemlighet", "verifiera-mig")
        );
        assert!(!format!("{m:?}").contains("meta-hemlighet"));
        // neither, or both, is refused
        c.webhooks.meta.as_mut().unwrap().app_secret_file = None;
        let e = c.meta_webhook().unwrap_err();
        assert!(e.0.contains("app_secret_file or app_secret_env"), "{}", e.0);
        // an empty secret is refused
        std::fs::write(&secret, "\n").unwrap();
        c.webhooks.meta.as_mut().unwrap().app_secret_file = Some(secret);
        assert!(c.meta_webhook().unwrap_err().0.contains("empty"));
    }
}

#[cfg(test)]
mod smtp_tests {
    use super::*;

    #[test]
    fn smtp_settings_with_the_password_from_a_file() {
        assert!(Config::default().smtp().unwrap().is_none());
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("smtp");
        std::fs::write(&file, "post-hemlighet\n").unwrap();
        let mut c = Config {
            smtp: Some(SmtpConfig {
                host: "smtp.kommun.se".into(),
                port: None,
                tls: insyn_app::SmtpTls::Starttls,
                from: "Insyn <noreply@kommun.se>".into(),
                user: Some("insyn".into()),
                password_file: Some(file),
                password_env: None,
                timeout_secs: None,
            }),
            ..Default::default()
        };
        let s = c.smtp().unwrap().unwrap();
        assert_eq!(
            (s.port, s.password.as_deref()),
            (587, Some("post-hemlighet"))
        );
        assert!(!format!("{s:?}").contains("post-hemlighet"));
        // a user without a password source, or a password without a user, is refused
        let smtp = c.smtp.as_mut().unwrap();
        smtp.password_file = None;
        assert!(c.smtp().unwrap_err().0.contains("smtp.password"));
        let smtp = c.smtp.as_mut().unwrap();
        smtp.user = None;
        smtp.password_env = Some("PATH".into());
        assert!(c.smtp().unwrap_err().0.contains("need smtp.user"));
    }

    #[test]
    fn smtp_table_from_toml() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("insyn.toml");
        std::fs::write(
            &path,
            "[smtp]\nhost = \"127.0.0.1\"\nport = 2525\ntls = \"none\"\nfrom = \"noreply@kommun.se\"\n",
        )
        .unwrap();
        let c = Config::load(Some(&path), None).unwrap();
        let s = c.smtp().unwrap().unwrap();
        assert_eq!(
            (s.port, s.tls, s.user),
            (2525, insyn_app::SmtpTls::None, None)
        );
        std::fs::write(
            &path,
            "[smtp]\nhost = \"h\"\nfrom = \"a@b.se\"\ntls = \"ssl\"\n",
        )
        .unwrap();
        assert!(Config::load(Some(&path), None).is_err());
    }
}

#[cfg(test)]
mod staff_tests {
    use super::*;

    fn with_oidc(secret: OidcConfig) -> Config {
        let mut c = Config::default();
        c.web.public_url = Some("https://insyn.kommun.se/".into());
        c.oidc.insert("ekbacka".into(), secret);
        c
    }

    #[test]
    fn staff_config_from_web_and_oidc() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secret");
        std::fs::write(&file, "hemlig-klient\n").unwrap();
        let c = with_oidc(OidcConfig {
            issuer: "https://login.ekbacka.se".into(),
            client_id: "insyn".into(),
            client_secret_file: Some(file),
            client_secret_env: None,
        });
        let s = c.staff_config().unwrap();
        assert!(s.secure_cookies, "https public_url sets Secure");
        assert_eq!(s.origin().as_deref(), Some("https://insyn.kommun.se"));
        let p = &s.oidc["ekbacka"];
        assert_eq!(p.redirect_url, "https://insyn.kommun.se/auth/oidc/callback");
        assert_eq!(p.client_secret.expose(), "hemlig-klient");
        assert!(
            !format!("{s:?} {c:?}").contains("hemlig-klient"),
            "the secret is never in Debug output"
        );
        // plain local use: no Secure flag
        assert!(!Config::default().staff_config().unwrap().secure_cookies);
    }

    #[test]
    fn trusted_proxies_are_parsed_and_a_bad_one_named() {
        let mut c = Config::default();
        assert!(c.trusted_proxies().unwrap().is_empty());
        c.web.trusted_proxies = vec!["127.0.0.1".into(), "10.0.0.0/8".into()];
        assert!(!c.trusted_proxies().unwrap().is_empty());
        c.web.trusted_proxies.push("10.0.0.0/40".into());
        let err = c.trusted_proxies().unwrap_err().to_string();
        assert!(
            err.contains("web.trusted_proxies") && err.contains("10.0.0.0/40"),
            "{err}"
        );
    }

    #[test]
    fn staff_config_refusals() {
        let secretless = OidcConfig {
            issuer: "https://login.ekbacka.se".into(),
            client_id: "insyn".into(),
            client_secret_file: None,
            client_secret_env: None,
        };
        let e = with_oidc(secretless.clone()).staff_config().unwrap_err();
        assert!(
            e.0.contains("client_secret_file or client_secret_env"),
            "{}",
            e.0
        );
        let missing_env = OidcConfig {
            client_secret_env: Some("INSYN_TEST_NO_SUCH_VARIABLE_X".into()),
            ..secretless.clone()
        };
        assert!(
            with_oidc(missing_env)
                .staff_config()
                .unwrap_err()
                .0
                .contains("not set")
        );
        let mut no_url = with_oidc(OidcConfig {
            client_secret_env: Some("PATH".into()),
            ..secretless
        });
        no_url.web.public_url = None;
        assert!(
            no_url
                .staff_config()
                .unwrap_err()
                .0
                .contains("web.public_url")
        );
        let mut bad = Config::default();
        bad.web.public_url = Some("insyn.kommun.se".into());
        assert!(bad.staff_config().is_err());
        bad.web.public_url = None;
        bad.web.session_idle_minutes = 0;
        assert!(bad.staff_config().is_err());
    }
}
