//! tower-sessions over the Insyn store: sessions live in the `sessions` table of whichever
//! database the installation uses, keyed by the SHA-256 of the session id (a copy of the table
//! gives no usable cookie), with the signed-in user beside the data so that disabling a user ends
//! their sessions.
use insyn_app::App;
use insyn_app::auth::StoredSession;
use insyn_app::auth::session_key;
use insyn_domain::{OrgId, UserId};
use tower_sessions::cookie::time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result, SessionStore};

/// Session data keys.
pub const KEY_USER: &str = "uid";
pub const KEY_ORG: &str = "org";

#[derive(Clone)]
pub struct InsynSessionStore {
    app: App,
}

impl InsynSessionStore {
    pub fn new(app: App) -> Self {
        InsynSessionStore { app }
    }
}

impl std::fmt::Debug for InsynSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InsynSessionStore")
    }
}

fn to_stored(record: &Record) -> Result<StoredSession> {
    let data = serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))?;
    let user = match (
        record.data.get(KEY_ORG).and_then(|v| v.as_i64()),
        record.data.get(KEY_USER).and_then(|v| v.as_i64()),
    ) {
        (Some(o), Some(u)) => Some((OrgId(o), UserId(u))),
        _ => None,
    };
    let expires_at = chrono::DateTime::from_timestamp(
        record.expiry_date.unix_timestamp(),
        record.expiry_date.nanosecond(),
    )
    .ok_or_else(|| Error::Encode("session expiry out of range".into()))?;
    Ok(StoredSession {
        id_sha256: session_key(&record.id.to_string()),
        user,
        data,
        expires_at,
    })
}

fn backend(e: insyn_app::AppError) -> Error {
    Error::Backend(e.to_string())
}

#[async_trait::async_trait]
impl SessionStore for InsynSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        // a fresh random id until one is free (a collision of 128 random bits is not expected)
        for _ in 0..8 {
            if self
                .app
                .session_create(&to_stored(record)?)
                .await
                .map_err(backend)?
            {
                return Ok(());
            }
            record.id = Id::default();
        }
        Err(Error::Backend("no free session id".into()))
    }

    async fn save(&self, record: &Record) -> Result<()> {
        self.app
            .session_save(&to_stored(record)?)
            .await
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let Some(stored) = self
            .app
            .session_load(&session_key(&id.to_string()))
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data = serde_json::from_str(&stored.data).map_err(|e| Error::Decode(e.to_string()))?;
        let expiry_date = OffsetDateTime::from_unix_timestamp_nanos(
            i128::from(stored.expires_at.timestamp()) * 1_000_000_000
                + i128::from(stored.expires_at.timestamp_subsec_nanos()),
        )
        .map_err(|e| Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        self.app
            .session_revoke(&session_key(&id.to_string()))
            .await
            .map_err(backend)
    }
}
