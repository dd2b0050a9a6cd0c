//! The organisations and account lists the portal's pages start from, held for a few seconds.
//!
//! Every public search first looks up the organisation by its slug and lists its accounts (for
//! the filter and the hits' account names): two store round trips per request that return the
//! same answer for hours. They are kept here for [`TTL`]; a renamed or closed account shows on
//! the portal at most that much later. Which records are public is never cached: that is decided
//! per record on every request in `insyn_app::portal`. Unknown slugs are not kept, so made-up
//! slugs cannot grow the map, and the map is cleared when it reaches [`MAX_ENTRIES`].
use insyn_app::{App, AppError};
use insyn_domain::{AccountId, AccountStatus, Organisation};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an entry is used before it is read from the store again.
pub(crate) const TTL: Duration = Duration::from_secs(5);
const MAX_ENTRIES: usize = 1024;

/// An organisation and its accounts as the portal lists them (planned accounts left out), each
/// with its display name "handle (Platform)".
#[derive(Clone)]
pub(crate) struct PortalOrg {
    pub org: Organisation,
    pub accounts: Vec<(AccountId, String)>,
}

#[derive(Default)]
pub(crate) struct Directory {
    entries: Mutex<HashMap<String, (Instant, PortalOrg)>>,
}

impl Directory {
    /// The organisation named `slug` with its accounts, from the store at most [`TTL`] ago.
    pub async fn get(&self, app: &App, slug: &str) -> Result<PortalOrg, AppError> {
        if let Some(hit) = self.fresh(slug) {
            return Ok(hit);
        }
        let org = app.public_organisation(slug).await?;
        let accounts = app
            .accounts(org.id)
            .await?
            .iter()
            .filter(|a| a.status != AccountStatus::Planned)
            .map(|a| {
                (
                    a.id,
                    format!("{} ({})", a.handle, a.platform.display_name()),
                )
            })
            .collect();
        let entry = PortalOrg { org, accounts };
        if let Ok(mut map) = self.entries.lock() {
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
            map.insert(slug.to_string(), (Instant::now(), entry.clone()));
        }
        Ok(entry)
    }

    fn fresh(&self, slug: &str) -> Option<PortalOrg> {
        let map = self.entries.lock().ok()?;
        let (at, entry) = map.get(slug)?;
        (at.elapsed() < TTL).then(|| entry.clone())
    }
}
