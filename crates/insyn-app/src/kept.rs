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

    /// The value kept under `key` at `mark` that `usable` accepts, or the one `load` reads.
    ///
    /// One load at a time: requests that find nothing usable wait for the load under way and
    /// use its answer. When the value is usable and at the mark but past its time to live, one
    /// request reads it again while the others go on with the kept value meanwhile (nothing has
    /// changed at the mark; only the clock has moved), so that under load a refresh costs one
    /// request its time instead of stalling all of them.
    pub async fn get_or_load<E, F>(
        &self,
        key: K,
        mark: i64,
        usable: impl Fn(&V) -> bool,
        load: F,
    ) -> Result<Arc<V>, E>
    where
        F: std::future::Future<Output = Result<V, E>>,
    {
        let _turn = match self.at_mark(&key, mark, &usable) {
            Some((true, v)) => return Ok(v),
            Some((false, v)) => match self.loading.try_lock() {
                Ok(turn) => turn,
                Err(_) => return Ok(v),
            },
            None => {
                let turn = self.loading.lock().await;
                if let Some((_, v)) = self.at_mark(&key, mark, &usable) {
                    return Ok(v);
                }
                turn
            }
        };
        Ok(self.put(key, mark, load.await?))
    }

    /// The usable value kept at `mark`, with whether it is still within its time to live.
    fn at_mark(&self, key: &K, mark: i64, usable: impl Fn(&V) -> bool) -> Option<(bool, Arc<V>)> {
        let map = self.map.lock().ok()?;
        let (at, m, v) = map.get(key)?;
        (*m == mark && usable(v)).then(|| (at.elapsed() < self.ttl, v.clone()))
    }

    /// The value kept under `key`, if it was read at `mark` and less than the time to live ago.
    #[cfg(test)]
    pub fn get(&self, key: &K, mark: i64) -> Option<Arc<V>> {
        self.at_mark(key, mark, |_| true)
            .and_then(|(fresh, v)| fresh.then_some(v))
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
                kept.get_or_load(1, 5, |_| true, async {
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

    #[tokio::test]
    async fn past_its_time_one_request_reads_again_and_the_others_go_on() {
        let kept: Arc<Kept<u8, usize>> = Arc::new(Kept::new(Duration::from_millis(50)));
        kept.put(1, 5, 1);
        tokio::time::sleep(Duration::from_millis(80)).await;
        // the first to come reads again (slowly); one that comes meanwhile gets the kept value
        let slow = {
            let kept = kept.clone();
            tokio::spawn(async move {
                kept.get_or_load(1, 5, |_| true, async {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    Ok::<_, ()>(2)
                })
                .await
                .unwrap()
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        let meanwhile = kept
            .get_or_load(1, 5, |_| true, async { Ok::<_, ()>(99) })
            .await
            .unwrap();
        assert_eq!(*meanwhile, 1, "the kept value while another reads");
        assert_eq!(*slow.await.unwrap(), 2);
        assert_eq!(kept.get(&1, 5).as_deref(), Some(&2));
        // a new mark is never answered with the old value
        let moved = kept
            .get_or_load(1, 6, |_| true, async { Ok::<_, ()>(3) })
            .await
            .unwrap();
        assert_eq!(*moved, 3);
        // nor is a value the caller cannot use
        let bigger = kept
            .get_or_load(1, 6, |v| *v >= 10, async { Ok::<_, ()>(10) })
            .await
            .unwrap();
        assert_eq!(*bigger, 10);
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
