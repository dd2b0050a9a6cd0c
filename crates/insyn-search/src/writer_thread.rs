//! The thread the embedded index is written on, at background priority.
//!
//! Keeping the search index up to date is background work: a record is kept once the store has
//! committed it, and the index may follow a moment later. Every write to the tantivy index
//! therefore runs on one thread of its own whose scheduling priority is lowered (nice + 10 on
//! Linux), and tantivy's indexing, merging and compressing threads, which it starts from the
//! thread that writes, inherit that priority. When the cores are busy (an import of a million
//! posts, capture under load) the store's writer and the requests get them first and indexing
//! takes the time left over; on an idle machine nothing changes. Measured in
//! `docs/BENCHMARKS.md` (issue 3).
use crate::SearchError;
use std::sync::mpsc;

/// How much the writer thread's nice value is raised above the process's.
pub(crate) const BACKGROUND_NICE_STEP: i32 = 10;

type Job = Box<dyn FnOnce() + Send>;

/// A thread that runs index writes one after another. Dropping it ends the thread once the
/// writes already handed to it are done.
pub(crate) struct WriterThread {
    jobs: mpsc::Sender<Job>,
}

impl WriterThread {
    pub(crate) fn start() -> Result<WriterThread, SearchError> {
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("insyn-search-writer".into())
            .spawn(move || {
                lower_priority();
                for job in queue {
                    job();
                }
            })?;
        Ok(WriterThread { jobs })
    }

    /// Runs `write` on the thread; the caller's task waits without holding a runtime thread.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        write: impl FnOnce() -> Result<T, SearchError> + Send + 'static,
    ) -> Result<T, SearchError> {
        let stopped = || SearchError::Index("the search index's writer thread has stopped".into());
        let (done, result) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                // a panicking write leaves the writer's lock poisoned, which the next write
                // recovers from (rolling back what the failed one added)
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(write));
                let _ = done.send(outcome);
            }))
            .map_err(|_| stopped())?;
        match result.await.map_err(|_| stopped())? {
            Ok(result) => result,
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                Err(SearchError::Index(format!(
                    "a write to the search index failed unexpectedly: {what}"
                )))
            }
        }
    }
}

/// Raises the calling thread's nice value by [`BACKGROUND_NICE_STEP`] (at most 19). Not being
/// allowed to is logged, never an error: the index is written either way.
#[cfg(target_os = "linux")]
fn lower_priority() {
    let thread = rustix::thread::gettid();
    let lowered = rustix::process::getpriority_process(Some(thread)).and_then(|nice| {
        rustix::process::setpriority_process(Some(thread), (nice + BACKGROUND_NICE_STEP).min(19))
    });
    if let Err(e) = lowered {
        tracing::warn!(error = %e, "could not lower the search index writer's priority");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn writes_run_in_order_and_a_panic_is_an_error_not_the_end() {
        let thread = WriterThread::start().unwrap();
        let first = thread
            .run(|| Ok(std::thread::current().id()))
            .await
            .unwrap();
        let panicked = thread
            .run(|| -> Result<(), SearchError> { panic!("the disk caught fire") })
            .await
            .unwrap_err();
        assert!(
            panicked.to_string().contains("the disk caught fire"),
            "{panicked}"
        );
        // the same thread carries on with the next write
        let after = thread
            .run(|| Ok(std::thread::current().id()))
            .await
            .unwrap();
        assert_eq!(first, after);
        assert_ne!(first, std::thread::current().id());
        let failed = thread
            .run(|| -> Result<(), SearchError> { Err(SearchError::Index("full".into())) })
            .await
            .unwrap_err();
        assert_eq!(failed.to_string(), "search index: full");
    }
}
