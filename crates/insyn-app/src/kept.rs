//! Answers kept for a moment and checked against the organisation's change mark.
//!
//! Every change that matters to the staff pages — a record captured, edited or deleted, a
//! handling change or answer, an account, unit, user or calendar change — appends an entry to
//! the organisation's audit chain in the same transaction. The chain head's sequence number is
//! therefore an exact and cheap (one primary-key read) sign that something changed, in this
//! process or in any other sharing the database (the PostgreSQL scale-out). An entry is used
//! only while the mark is unchanged and for at most its time to live (some answers also depend
//! on the clock, such as which items are overdue).
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// At most this many entries per map; past it the map starts over (keys are made of ids a
/// signed-in user chooses, so the map must not grow without bound).
const MAX_ENTRIES: usize = 512;

/// When an entry was read, the mark then, and the value.
type Entry<V> = (Instant, i64, Arc<V>);

pub(crate) struct Kept<K, V> {
    ttl: Duration,
    map: Mutex<HashMap<K, Entry<V>>>,
    /// Whoever reads a missing value holds this, so that the requests arriving meanwhile wait
    /// for that one read instead of all making it (a thundering herd under load).
    loading: tokio::sync::Mutex<()>,
}

impl<K: Eq + Hash, V> Kept<K, V> {
    pub fn new(ttl: Duration) -> Self {
        Kept {
            ttl,
            map: Mutex::new(HashMap::new()),
            loading: tokio::sync::Mutex::new(()),
        }
    }

    /// The turn to read a missing value: take it, look again with [`Kept::get`] (another
    /// request may have read it meanwhile), and only then read.
    pub async fn loading_turn(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.loading.lock().await
    }

    /// The value kept under `key` at `mark`, or the one `load` reads (one load at a time: the
    /// others wait and use its answer).
    pub async fn get_or_load<E, F>(&self, key: K, mark: i64, load: F) -> Result<Arc<V>, E>
    where
        F: std::future::Future<Output = Result<V, E>>,
    {
        if let Some(v) = self.get(&key, mark) {
            return Ok(v);
        }
        let _turn = self.loading_turn().await;
        if let Some(v) = self.get(&key, mark) {
            return Ok(v);
        }
        Ok(self.put(key, mark, load.await?))
    }

    /// The value kept under `key`, if it was read at `mark` and less than the time to live ago.
    pub fn get(&self, key: &K, mark: i64) -> Option<Arc<V>> {
        let map = self.map.lock().ok()?;
        let (at, m, v) = map.get(key)?;
        (*m == mark && at.elapsed() < self.ttl).then(|| v.clone())
    }

    /// Keeps `value`, read at `mark`, under `key`.
    pub fn put(&self, key: K, mark: i64, value: V) -> Arc<V> {
        let value = Arc::new(value);
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= MAX_ENTRIES {
                let ttl = self.ttl;
                map.retain(|_, (at, _, _)| at.elapsed() < ttl);
                if map.len() >= MAX_ENTRIES {
                    map.clear();
                }
            }
            map.insert(key, (Instant::now(), mark, value.clone()));
        }
        value
    }

    /// Drops everything (after a change made in this process that the mark may not show yet).
    pub fn clear(&self) {
        if let Ok(mut map) = self.map.lock() {
            map.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_value_is_used_only_at_its_mark_and_within_its_time() {
        let kept: Kept<u8, &str> = Kept::new(Duration::from_millis(200));
        kept.put(1, 7, "sju");
        assert_eq!(kept.get(&1, 7).as_deref(), Some(&"sju"));
        assert!(kept.get(&1, 8).is_none(), "a new mark means a change");
        assert!(kept.get(&2, 7).is_none());
        std::thread::sleep(Duration::from_millis(250));
        assert!(kept.get(&1, 7).is_none(), "too old");
        kept.put(1, 8, "åtta");
        kept.clear();
        assert!(kept.get(&1, 8).is_none());
    }

    #[tokio::test]
    async fn requests_that_miss_together_read_once() {
        let kept: Arc<Kept<u8, usize>> = Arc::new(Kept::new(Duration::from_secs(60)));
        let reads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (kept, reads) = (kept.clone(), reads.clone());
            tasks.push(tokio::spawn(async move {
                kept.get_or_load(1, 5, async {
                    reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    Ok::<_, ()>(42)
                })
                .await
                .unwrap()
            }));
        }
        for t in tasks {
            assert_eq!(*t.await.unwrap(), 42);
        }
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn the_map_does_not_grow_without_bound() {
        let kept: Kept<usize, usize> = Kept::new(Duration::from_secs(60));
        for i in 0..(MAX_ENTRIES * 3) {
            kept.put(i, 0, i);
        }
        assert!(kept.map.lock().unwrap().len() <= MAX_ENTRIES);
        assert_eq!(
            kept.get(&(MAX_ENTRIES * 3 - 1), 0).as_deref(),
            Some(&(MAX_ENTRIES * 3 - 1))
        );
    }
}
